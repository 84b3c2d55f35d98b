"""How many OpenMP threads a kernel call uses."""
import numbers
import os

from lossmetrics._core.errors import InvalidParameterError

# Below this many scalars read, a call runs on one thread: starting a team
# costs more than it saves, and results do not depend on the thread count.
SERIAL_BELOW = 1 << 16

# GNU OpenMP's thread pool does not survive fork(): a child forked from a
# process that has run a parallel region hangs at its own first one (serial
# calls work).  A child forked after this process may have started libgomp's
# pool -- a call of ours resolved to more than one thread, or libgomp was
# loaded by another library before lossmetrics loaded it (it may have run
# parallel regions) -- therefore runs every call on one thread: the same
# results (they do not depend on the thread count), never a hang.  A child
# forked before any parallel call (a server that imports, then forks its
# workers) runs in parallel, and so do children started by "spawn" or
# "forkserver", which are new processes.
_fork_state = {"forked": False, "serial": None, "pool": False}


def _after_fork_in_child():
    _fork_state.update(forked=True, serial=None)   # decided at the first call


def _gnu_openmp_loaded():
    """Whether libgomp is mapped into this process (a forked child's map is
    its parent's at the fork)."""
    try:
        with open("/proc/self/maps") as maps:
            return any("libgomp" in line for line in maps)
    except OSError:   # pragma: no cover - no /proc: cannot tell, be safe
        return True


def serial_after_fork():
    """Whether this process is a child forked after libgomp's thread pool may
    have started, whose calls therefore run on one thread."""
    if not _fork_state["forked"]:
        return False
    if _fork_state["serial"] is None:
        _fork_state["serial"] = _fork_state["pool"] and _gnu_openmp_loaded()
    return _fork_state["serial"]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def load_openmp():
    """Load the OpenMP runtime now, at ``import lossmetrics``, rather than at
    the first call: threadpoolctl only limits runtimes already loaded when
    ``threadpool_limits`` is entered, so a limit around the first call of a
    process would be ignored.  A libgomp that another library loaded before
    us may have run parallel regions: forked children then run serially."""
    if _gnu_openmp_loaded():
        _fork_state["pool"] = True
    from lossmetrics._kernels import _openmp  # noqa: F401  (links the runtime)


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
    limits; it is capped by the cores this process may use.  One in a child
    forked while GNU OpenMP was loaded (see ``serial_after_fork``).
    """
    from lossmetrics._kernels._openmp import omp_max_threads

    if serial_after_fork():
        return 1
    return max(1, min(omp_max_threads(), usable_cores()))


def resolve_n_threads(n_threads, work=None):
    """Validate ``n_threads`` and turn it into a positive thread count.

    ``None`` means every usable core, negative values count back from the
    cores as in scikit-learn (-1: all, -2: all but one), 0 and non-integers
    are errors.  Work smaller than ``SERIAL_BELOW`` scalars runs serially, and
    so does every call of a child forked while GNU OpenMP was loaded.
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
    if (work is not None and work < SERIAL_BELOW) or serial_after_fork():
        return 1
    if resolved > 1:
        _fork_state["pool"] = True   # a parallel region may start libgomp's pool
    return resolved
