"""Which build of the compiled kernels this process uses.

On x86-64 the kernel modules (``_class_kernels``, ``_elementwise_kernels``,
``_scan``, ``_fastmath``, ``_moment_kernels``, ``_select``, ``_exact``) are
built three times from the same source: for the baseline instruction set, for x86-64-v3 (AVX2), as
``<module>_v3``, and for x86-64-v4 (AVX-512), as ``<module>_v4``.  The
highest level the CPU supports is used.  All round every operation
identically (no fused multiply-adds, sums in the same fixed lanes), so the
choice changes speed, never results; ``tests/test_simd.py`` compares them
bit for bit.

The environment variable ``LOSSMETRICS_SIMD`` overrides the choice, read
once, at the first kernel call: ``baseline``, ``x86-64-v3`` or
``x86-64-v4`` (an error if this CPU or build cannot run it); unset or empty
means the best available.
"""
import importlib
import os

ENV_VAR = "LOSSMETRICS_SIMD"
LEVELS = ("baseline", "x86-64-v3", "x86-64-v4")
_SUFFIX = {"baseline": "", "x86-64-v3": "_v3", "x86-64-v4": "_v4"}

_level = None
_modules = {}


def simd_level():
    """Return the instruction-set level of the kernels in use:
    ``"baseline"``, ``"x86-64-v3"`` or ``"x86-64-v4"``.

    Examples
    --------
    >>> from lossmetrics._kernels import simd_level
    >>> simd_level() in ("baseline", "x86-64-v3", "x86-64-v4")
    True
    """
    global _level
    if _level is None:
        _level = _choose(os.environ.get(ENV_VAR, ""))
    return _level


def runnable_levels():
    """The levels this CPU and build can run, lowest first (the baseline
    always)."""
    from lossmetrics._kernels import _cpu

    return ("baseline",) + tuple(
        level for level in LEVELS[1:] if getattr(_cpu, "cpu_" + level.replace("-", "_"))())


def _choose(requested):
    from lossmetrics._kernels import _cpu

    requested = requested.strip().lower()
    if requested not in ("",) + LEVELS:
        raise ValueError(f"environment variable {ENV_VAR} must be one of {LEVELS} or empty, "
                         f"got {requested!r}")
    runnable = runnable_levels()
    if requested and requested not in runnable:
        built = getattr(_cpu, "built_" + requested.replace("-", "_"))()
        where = "this CPU does not support it" if built else \
            f"this build of lossmetrics has no {requested} kernels"
        raise ValueError(f"environment variable {ENV_VAR}={requested!r}, but {where}; "
                         f"use one of {runnable} or leave it unset")
    return requested or runnable[-1]


def kernels(name):
    """The compiled module ``lossmetrics.<name>`` for the level in use, e.g.
    ``kernels("_class_kernels")``."""
    try:
        return _modules[name]
    except KeyError:
        module = importlib.import_module(f"lossmetrics._kernels.{name}{_SUFFIX[simd_level()]}")
        _modules[name] = module
        return module
