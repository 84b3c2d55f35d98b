"""How many OpenMP threads a kernel call uses."""
import numbers
import os

from lossmetrics._core.errors import InvalidParameterError

# Below this many scalars read, a call runs on one thread: starting a team
# costs more than it saves, and results do not depend on the thread count.
SERIAL_BELOW = 1 << 16


def usable_cores():
    """Cores this process may run on (affinity mask aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def max_threads():
    """Largest team a call starts: oversubscription beyond this only costs."""
    return max(64, 8 * usable_cores())


def default_n_threads():
    """Threads used for ``n_threads=None``.

    ``omp_get_max_threads()`` honours ``OMP_NUM_THREADS`` and threadpoolctl's
    limits; it is capped by the cores this process may use.
    """
    from lossmetrics._kernels._openmp import omp_max_threads

    return max(1, min(omp_max_threads(), usable_cores()))


def resolve_n_threads(n_threads, work=None):
    """Validate ``n_threads`` and turn it into a positive thread count.

    ``None`` means every usable core, negative values count back from the
    cores as in scikit-learn (-1: all, -2: all but one), 0 and non-integers
    are errors.  Work smaller than ``SERIAL_BELOW`` scalars runs serially.
    """
    if n_threads is None:
        if work is not None and work < SERIAL_BELOW:
            return 1   # small work: serial, without asking OpenMP
        resolved = default_n_threads()
    else:
        if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
            raise InvalidParameterError(
                f"n_threads must be None or a non-zero integer; got {n_threads!r}."
            )
        n_threads = int(n_threads)
        if n_threads == 0:
            raise InvalidParameterError(
                "n_threads must be None or a non-zero integer; got 0. Use None "
                "for all cores, a positive count, or -1 for all cores."
            )
        if n_threads < 0:
            resolved = max(1, usable_cores() + 1 + n_threads)
        else:
            # More threads than this only costs memory (libgomp aborts the
            # process when a team cannot be allocated); results do not depend
            # on the count, so capping is safe.
            resolved = min(n_threads, max_threads())
    if work is not None and work < SERIAL_BELOW:
        return 1
    return resolved
