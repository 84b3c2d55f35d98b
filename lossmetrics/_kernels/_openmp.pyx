"""What the compiled extension knows about OpenMP."""

cdef extern from "_openmp_shim.h":
    int LM_OPENMP_ENABLED
    int LM_OPENMP_VERSION
    int omp_get_max_threads() noexcept nogil


def openmp_enabled():
    """Return True if the kernels were compiled with OpenMP."""
    return bool(LM_OPENMP_ENABLED)


def openmp_version():
    """Return the ``_OPENMP`` date macro the kernels were compiled with (0 if none)."""
    return int(LM_OPENMP_VERSION)


def omp_max_threads():
    """Return ``omp_get_max_threads()``: honours OMP_NUM_THREADS and threadpoolctl."""
    return int(omp_get_max_threads())
