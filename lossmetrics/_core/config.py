"""Build and runtime configuration."""
import sys


def get_config():
    """Return the build configuration as a dict.

    Returns
    -------
    config : dict
        ``version``, ``openmp`` (whether the kernels were compiled with
        OpenMP), ``openmp_version`` (the ``_OPENMP`` macro, 0 without),
        ``default_n_threads`` (threads used for ``n_threads=None``),
        ``usable_cores``, ``simd`` (the instruction set of the kernels in
        use: ``"x86-64-v4"`` (AVX-512), ``"x86-64-v3"`` (AVX2) or
        ``"baseline"``; the environment
        variable ``LOSSMETRICS_SIMD`` overrides it), ``python`` and
        ``numpy`` versions.

    Examples
    --------
    >>> import lossmetrics
    >>> cfg = lossmetrics.get_config()
    >>> sorted(cfg)[:3]
    ['default_n_threads', 'numpy', 'openmp']
    """
    import numpy

    from lossmetrics import __version__
    from lossmetrics._kernels._openmp import openmp_enabled, openmp_version
    from lossmetrics._kernels import simd_level
    from lossmetrics._core.threads import default_n_threads, usable_cores

    try:
        simd = simd_level()
    except ValueError as exc:   # a bad LOSSMETRICS_SIMD: shown here, raised by the losses
        simd = f"invalid ({exc})"
    return {
        "version": __version__,
        "openmp": openmp_enabled(),
        "openmp_version": openmp_version(),
        "default_n_threads": default_n_threads(),
        "usable_cores": usable_cores(),
        "simd": simd,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
    }


def show_config(file=None):
    """Print the version, OpenMP status and default thread count.

    Parameters
    ----------
    file : file-like, default=None
        Where to print; ``sys.stdout`` if None.

    Examples
    --------
    >>> import io, lossmetrics
    >>> buf = io.StringIO()
    >>> lossmetrics.show_config(file=buf)
    >>> buf.getvalue().splitlines()[0].startswith("lossmetrics")
    True
    """
    cfg = get_config()
    out = file if file is not None else sys.stdout
    print(f"lossmetrics {cfg['version']}", file=out)
    omp = f"yes (_OPENMP={cfg['openmp_version']})" if cfg["openmp"] else "no (serial kernels)"
    print(f"  OpenMP:            {omp}", file=out)
    print(f"  default n_threads: {cfg['default_n_threads']}", file=out)
    print(f"  usable cores:      {cfg['usable_cores']}", file=out)
    print(f"  kernels built for: {cfg['simd']}", file=out)
    print(f"  python:            {cfg['python']}", file=out)
    print(f"  numpy:             {cfg['numpy']}", file=out)
