"""Which build of the compiled kernels this process uses.

On x86-64 the kernel modules (``_class_kernels``, ``_elementwise_kernels``,
``_scan``, ``_fastmath``) are built twice from the same source: for the
baseline instruction set and for x86-64-v3 (AVX2), as ``<module>_v3``.  The
x86-64-v3 build is used when the CPU supports it.  Both round every
operation identically (no fused multiply-adds, sums in the same fixed
lanes), so the choice changes speed, never results; ``tests/test_simd.py``
compares them bit for bit.

The environment variable ``LOSSMETRICS_SIMD`` overrides the choice, read
once, at the first kernel call: ``baseline`` or ``x86-64-v3`` (an error if
this CPU or build cannot run it); unset or empty means the best available.
"""
import importlib
import os

ENV_VAR = "LOSSMETRICS_SIMD"
LEVELS = ("baseline", "x86-64-v3")
_SUFFIX = {"baseline": "", "x86-64-v3": "_v3"}

_level = None
_modules = {}


def simd_level():
    """Return the instruction-set level of the kernels in use:
    ``"baseline"`` or ``"x86-64-v3"``.

    Examples
    --------
    >>> from lossmetrics._kernels import simd_level
    >>> simd_level() in ("baseline", "x86-64-v3")
    True
    """
    global _level
    if _level is None:
        _level = _choose(os.environ.get(ENV_VAR, ""))
    return _level


def _choose(requested):
    from lossmetrics._kernels._cpu import built_x86_64_v3, cpu_x86_64_v3

    requested = requested.strip().lower()
    if requested not in ("",) + LEVELS:
        raise ValueError(f"environment variable {ENV_VAR} must be one of {LEVELS} or empty, "
                         f"got {requested!r}")
    if requested == "x86-64-v3" and not cpu_x86_64_v3():
        where = "this CPU does not support it" if built_x86_64_v3() else \
            "this build of lossmetrics has no x86-64-v3 kernels"
        raise ValueError(f"environment variable {ENV_VAR}={requested!r}, but {where}; "
                         f"use 'baseline' or leave it unset")
    if requested:
        return requested
    return "x86-64-v3" if cpu_x86_64_v3() else "baseline"


def kernels(name):
    """The compiled module ``lossmetrics.<name>`` for the level in use, e.g.
    ``kernels("_class_kernels")``."""
    try:
        return _modules[name]
    except KeyError:
        module = importlib.import_module(f"lossmetrics._kernels.{name}{_SUFFIX[simd_level()]}")
        _modules[name] = module
        return module
