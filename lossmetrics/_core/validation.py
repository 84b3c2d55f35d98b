"""Input validation shared by every loss, and the public ``check_inputs``.

Arrays are converted without copying whenever a kernel can read them in
place: float32 and float64 arrays of any strides (Fortran order, views,
stride-0 broadcasts, read-only, memory-mapped) pass through untouched; a copy
is made only for big-endian data, float16, integer or boolean predictions,
objects such as lists and pandas frames that are not arrays already.
"""
import collections.abc
import contextlib
import contextvars
import numbers
from dataclasses import dataclass, field

import numpy as np

from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.state import all_finite
from lossmetrics._kernels import kernels

REDUCTIONS = ("mean", "sum", "none")


@dataclass
class CheckedInputs:
    """Validated, kernel-ready inputs of one loss call (returned by check_inputs).

    Attributes
    ----------
    metric : str
        Name of the loss.
    y_true, y_pred : ndarray
        Targets and predictions as the loss's kernel reads them: the input
        arrays themselves (or views of them) wherever no conversion is needed.
    sample_weight : ndarray
        float64 weights of shape (n_samples,); empty for ``sample_weight=None``.
    n_threads : int
        The number of threads the kernel will use.
    params : dict
        The loss's validated options.

    Examples
    --------
    >>> from lossmetrics import check_inputs
    >>> checked = check_inputs("mean_squared_error", [1.0, 2.0], [1.5, 2.0])
    >>> checked.metric, checked.y_pred.shape, checked.sample_weight.size
    ('mean_squared_error', (2, 1), 0)
    """

    metric: str
    y_true: np.ndarray
    y_pred: np.ndarray
    sample_weight: np.ndarray
    n_threads: int
    params: dict = field(default_factory=dict)
    # The checks left to the kernel, which reads every value anyway (see
    # Deferred): scans of values, cross_entropy's range of class indices.
    deferred: "Deferred" = field(default_factory=lambda: Deferred(), repr=False)

    def run_deferred(self):
        """Run the checks that were deferred; raise as they would have."""
        self.deferred.run()

    def after_kernel(self, state):
        """A kernel's state is finite unless an input is not (or a sum overflowed):
        only then are the deferred scans run, to raise their errors."""
        if self.deferred and not all_finite(state):
            self.run_deferred()


class Deferred:
    """The checks of one call that its kernel makes as it reads the values,
    kept in the order the eager checks would run them.

    The one record of a call's check order.  A loss's ``check`` creates one,
    ``add``s each check that its kernel can make (a scan for NaN or infinity,
    a range, an undeclared label) where the eager order would run it, and
    runs the checks that follow inside ``first()``: an error raised there
    runs the deferred checks first, so that the first error is the one the
    eager order (scikit-learn's, PyTorch's) gives.  ``run()`` runs them now:
    before a warning or an error that comes later in that order, or after a
    kernel that found a bad value; otherwise they never run (one pass over
    the data instead of two).

    Examples
    --------
    >>> import numpy as np
    >>> from lossmetrics._core.validation import Deferred
    >>> deferred = Deferred()
    >>> deferred.finite(np.array([1.0, np.nan]), "y_pred")
    >>> with deferred.first():
    ...     raise ValueError("a later check fails")
    Traceback (most recent call last):
    ...
    ValueError: Input y_pred contains NaN. y_pred has NaN at index 1.
    """

    def __init__(self):
        self._checks = []

    def __bool__(self):
        return bool(self._checks)

    def add(self, check, *, by_kernel=True):
        """Defer ``check()`` (a callable raising the error) to the kernel; with
        ``by_kernel=False`` (the kernel will not check it), run it now."""
        if by_kernel:
            self._checks.append(check)
        else:
            self.run()   # those before it come first
            check()

    def finite(self, arr, name, **kwargs):
        """Defer ``check_finite(arr, name, **kwargs)``."""
        self.add(lambda: check_finite(arr, name, **kwargs))

    def run(self):
        """Run the deferred checks, in their order, now."""
        checks, self._checks = self._checks, []
        for check in checks:
            check()

    def first(self):
        """A block of later checks (``with deferred.first():``): an error
        raised in it runs the deferred checks first (their errors come first
        in the eager order)."""
        return self

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, (ValueError, TypeError)):
            try:
                self.run()
            except (ValueError, TypeError) as first:
                raise first from None   # the first error alone, as the eager order
        return False


def format_index(flat, shape):
    """Flat C-order index -> the index a user would type (int or tuple)."""
    idx = np.unravel_index(int(flat), shape)
    idx = tuple(int(i) for i in idx)
    return idx[0] if len(idx) == 1 else idx


def as_array(x, name, func=None, allow_0d=False):
    """``np.asarray`` with an error naming the argument for None and ragged input.

    ``func`` (the public function's name) gives scikit-learn's wording for None;
    ``allow_0d`` lets a 0-d array through (PyTorch's losses take them).
    """
    if x is None:
        if func is not None:
            raise InvalidParameterError(
                f"The '{name}' parameter of {func} must be an array-like. Got None instead."
            )
        raise InvalidParameterError(f"{name} must be an array-like; got None.")
    if isinstance(x, np.ma.MaskedArray):
        x = _unmasked(x, name)
    if isinstance(x, np.ndarray):
        arr = x
    else:
        if isinstance(x, (str, bytes)) or (np.isscalar(x) and not allow_0d):
            raise InvalidParameterError(
                f"{name} must be an array-like; got the scalar {x!r}."
            )
        if isinstance(x, (set, frozenset, dict, collections.abc.Iterator)):
            # (np.asarray makes a 0-d object array of them; scikit-learn
            # refuses them too.)
            raise InvalidParameterError(
                f"{name} must be an array-like (an array, a list, a tuple, a pandas "
                f"or polars column...); got a {type(x).__name__}, which is not one: "
                "its order is not defined or it can be read only once."
            )
        if hasattr(x, "to_numpy") and hasattr(x, "dtypes"):  # pandas / polars objects
            x = _frame_to_numpy(x)
        if getattr(x, "requires_grad", False) and callable(getattr(x, "detach", None)):
            x = x.detach()   # a torch tensor in a graph: its values
        if str(getattr(x, "dtype", "")) == "torch.bfloat16":   # NumPy has no bfloat16
            x = x.float()
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.ndim == 0 and not allow_0d:
        raise ValueError(f"{name} must be at least 1-D; got a 0-d array ({arr!r}).")
    if not arr.flags.aligned:
        # Fields of a packed record, np.frombuffer at an odd offset: the
        # kernels load whole doubles / floats / int64s, so they get an aligned
        # copy (loading through a misaligned pointer is undefined in C).
        arr = arr.copy()
    return arr


def _frame_to_numpy(x):
    """``x.to_numpy()``, except that pandas' nullable and Arrow-backed numeric
    columns (whose ``to_numpy()`` is an object array when they hold pandas'
    NA, or always for a DataFrame) give their NumPy dtype, with NaN for NA."""
    arr = x.to_numpy()
    if arr.dtype != object:
        return arr
    dtypes = x.dtypes.unique() if hasattr(x.dtypes, "unique") else [x.dtypes]
    numpy_dtypes = {getattr(d, "numpy_dtype", None) for d in dtypes}
    if len(numpy_dtypes) != 1 or None in numpy_dtypes:
        return arr
    dtype = np.dtype(numpy_dtypes.pop())
    if dtype.kind not in "biuf":
        return arr
    try:
        return x.to_numpy(dtype=dtype)
    except (ValueError, TypeError):   # NA: a NaN, found by the checks of values
        return x.to_numpy(dtype=dtype if dtype.kind == "f" else np.float64,
                          na_value=np.nan)


def _unmasked(x, name):
    """The data of a masked array that masks nothing; an error naming the
    argument and the first masked index otherwise (a loss reads every value:
    silently using the values under the mask would be a wrong answer)."""
    mask = np.ma.getmaskarray(x)
    if mask.any():
        where = format_index(np.argmax(mask.ravel()), mask.shape)
        raise ValueError(
            f"{name} is a masked array with masked values (the first at index "
            f"{where}); a loss reads every value. Drop the masked samples, or "
            "give them sample_weight=0 after filling them with valid values."
        )
    return x.data


def _is_missing(v):
    return v is None or (isinstance(v, float) and v != v) or (
        type(v).__name__ in ("NAType", "NaTType"))


def check_no_missing(arr, name, sklearn_name=None):
    """A ValueError for an object array holding a missing value (None, NaN,
    pandas' NA): the NaN error of a numeric array, not a dtype complaint."""
    missing = first_missing(arr)
    if missing is not None:
        raise ValueError(
            f"Input {sklearn_name or name} contains NaN. {name} has a missing value "
            f"({arr.ravel()[missing]!r}) at index {format_index(missing, arr.shape)}."
        )


def first_missing(arr):
    """Flat index of the first missing value (None, NaN, pandas' NA) of an
    object array, or None."""
    if arr.dtype != object or arr.size == 0:
        return None
    mask = np.frompyfunc(_is_missing, 1, 1)(arr.ravel()).astype(bool)
    return int(np.argmax(mask)) if mask.any() else None


def as_float_array(x, name, func=None, allow_0d=False):
    """Return a float32/float64 native-endian array readable by the kernels.

    float32/float64 arrays are returned as they are, whatever their strides.
    """
    arr = as_array(x, name, func, allow_0d)
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype.itemsize in (4, 8):
            if not arr.dtype.isnative:
                arr = arr.astype(arr.dtype.newbyteorder("="))
            return arr
        if arr.dtype.itemsize == 2:
            return arr.astype(np.float32)
        return arr.astype(np.float64)  # long double
    if kind in "iub":
        return arr.astype(np.float64)
    if kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {arr.dtype}; "
            "expected real numbers."
        )
    if kind in "OUSV":
        try:
            return arr.astype(np.float64)
        except (ValueError, TypeError) as exc:
            if first_missing(arr) is not None:   # pandas' NA: a NaN (found later)
                try:
                    return np.frompyfunc(lambda v: np.nan if _is_missing(v) else v,
                                         1, 1)(arr).astype(np.float64)
                except (ValueError, TypeError):
                    pass
            raise ValueError(
                f"{name} must hold numbers; {exc} (dtype {arr.dtype})."
            ) from None
    raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}.")


def as_2d(arr):
    """View an array as (n, m): 0-D -> (1, 1), 1-D -> (n, 1), >2-D -> (n, prod(rest))."""
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr[:, None]
    if arr.ndim == 2:
        return arr
    return arr.reshape(arr.shape[0], -1)


def check_non_empty(arr, name):
    if arr.size == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of "
            f"1 is required. {name} is empty."
        )


def scan(arr, n_threads=1):
    """(min, max, first_nan, first_posinf, first_neginf) of a float array.

    Reads the array in place; a 3-D array whose axes cannot be merged without
    a copy (e.g. a broadcast one) is scanned one index of its middle axis at a
    time.
    """
    scan_2d = kernels("_scan").scan_2d

    if arr.ndim == 3 and not _mergeable(arr):
        n, c, s = arr.shape
        lo, hi, firsts = np.inf, -np.inf, [-1, -1, -1]
        for k in range(c):
            r = scan_2d(arr[:, k, :], n_threads)
            lo, hi = min(lo, r[0]), max(hi, r[1])
            for t in range(3):
                if r[2 + t] >= 0:
                    i, j = divmod(r[2 + t], s)
                    flat = (i * c + k) * s + j
                    firsts[t] = flat if firsts[t] < 0 else min(firsts[t], flat)
        return lo, hi, firsts[0], firsts[1], firsts[2]
    return scan_2d(as_2d(arr), n_threads)


def _mergeable(arr):
    """Whether axes 1 and 2 of a 3-D array merge into one without a copy."""
    _, c, s = arr.shape
    return c == 1 or s == 1 or arr.strides[1] == s * arr.strides[2]


def check_finite(arr, name, *, allow_neginf=False, n_threads=1, sklearn_name=None):
    """Raise if ``arr`` has NaN or infinities; return (min, max).

    Messages start with scikit-learn's wording ("Input {sklearn_name} contains
    NaN."; scikit-learn leaves the name out for some arguments, pass "" then)
    and then name the argument and the first offending index.
    """
    sk = (name if sklearn_name is None else sklearn_name)
    sk = f"{sk} " if sk else ""
    lo, hi, f_nan, f_pinf, f_ninf = scan(arr, n_threads)
    if f_nan >= 0:
        raise ValueError(
            f"Input {sk}contains NaN. {name} has NaN at index "
            f"{format_index(f_nan, arr.shape)}."
        )
    bad_inf = f_pinf if allow_neginf else (
        min(i for i in (f_pinf, f_ninf) if i >= 0) if max(f_pinf, f_ninf) >= 0 else -1
    )
    if bad_inf >= 0:
        where = format_index(bad_inf, arr.shape)
        value = arr[where]
        raise ValueError(
            f"Input {sk}contains infinity or a value too large for {arr.dtype!r}. "
            f"{name} has {value} at index {where}."
        )
    return lo, hi


def first_index_where(mask_fn, arr):
    """Index of the first element for which ``mask_fn`` is true (error path only)."""
    flat = int(np.argmax(mask_fn(np.asarray(arr)).ravel()))
    return format_index(flat, arr.shape)


def check_probabilities(arr, name, lo, hi):
    """Raise if values fall outside [0, 1] (lo/hi from check_finite)."""
    if hi > 1:
        where = first_index_where(lambda a: a > 1, arr)
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got {arr[where]} at index {where}."
        )
    if lo < 0:
        where = first_index_where(lambda a: a < 0, arr)
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got {arr[where]} at index {where}."
        )


def check_consistent_length(named_arrays):
    """scikit-learn's check_consistent_length, naming the arguments."""
    lengths = [(name, arr.shape[0]) for name, arr in named_arrays if arr is not None]
    if len({n for _, n in lengths}) > 1:
        detail = ", ".join(f"{name}: {n}" for name, n in lengths)
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"{[int(n) for _, n in lengths]!r} ({detail})."
        )


# Set while validating one batch of a larger dataset (Accumulator.update, a Dask
# chunk): a batch whose weights are all zero is then fine, the total is checked
# when the value is asked for.
_PARTIAL_BATCH = contextvars.ContextVar("lossmetrics_partial_batch", default=False)


def in_batches():
    """Whether the inputs being validated are one batch among many (an
    Accumulator's update, a Dask chunk)."""
    return _PARTIAL_BATCH.get()


@contextlib.contextmanager
def partial_batch():
    """Validate inputs as one batch among many (all-zero weights allowed)."""
    token = _PARTIAL_BATCH.set(True)
    try:
        yield
    finally:
        _PARTIAL_BATCH.reset(token)


def check_sample_weight(sample_weight, n_samples, name="sample_weight", n_threads=1):
    """Return float64 C-contiguous weights of shape (n_samples,), or an empty array.

    Accepts None (no weights), a scalar, or an array-like of length n_samples
    with finite, non-negative values and a positive total.
    """
    if sample_weight is None:
        return np.empty(0, dtype=np.float64)
    if isinstance(sample_weight, numbers.Complex) and not isinstance(sample_weight, numbers.Real):
        raise ValueError(
            f"Complex data not supported: {name} must be real; got {sample_weight!r}."
        )
    if isinstance(sample_weight, numbers.Number) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    sw = as_float_array(sample_weight, name)
    if sw.ndim != 1:
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got {sw.ndim}D array. "
            f"Expected either a scalar value or a 1D array of length {n_samples}. "
            f"{name} has shape {sw.shape}."
        )
    if sw.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have length {n_samples} (one weight per sample); "
            f"got length {sw.shape[0]}."
        )
    lo, hi = check_finite(sw, name, n_threads=n_threads)
    if lo < 0:
        where = first_index_where(lambda a: a < 0, sw)
        raise ValueError(
            f"{name} must be non-negative; got {sw[where]} at index {where}."
        )
    tiny = np.finfo(np.float64).tiny
    if lo < tiny and np.any((sw > 0) & (sw < tiny)):
        where = first_index_where(lambda a: (a > 0) & (a < tiny), sw)
        raise ValueError(
            f"{name} has the subnormal value {sw[where]} at index {where}; weights "
            f"below {tiny} lose precision in every product. Rescale the weights."
        )
    if hi == 0 and not _PARTIAL_BATCH.get():
        raise ValueError(
            f"Sample weights must contain at least one non-zero number. {name} "
            "is all zeros."
        )
    return np.ascontiguousarray(sw, dtype=np.float64)


def check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise InvalidParameterError(
            f"reduction must be one of {REDUCTIONS}; got {reduction!r}."
        )
    return reduction


def check_class_weight(class_weight, n_classes, name="class_weight"):
    """Return float64 class weights of shape (n_classes,) (ones if None)."""
    if class_weight is None:
        return np.ones(n_classes, dtype=np.float64)
    cw = as_float_array(class_weight, name)
    if cw.ndim != 1 or cw.shape[0] != n_classes:
        raise ValueError(
            f"{name} must have shape ({n_classes},), one weight per class; "
            f"got shape {cw.shape}."
        )
    lo, _ = check_finite(cw, name)
    if lo < 0:
        where = first_index_where(lambda a: a < 0, cw)
        raise ValueError(f"{name} must be non-negative; got {cw[where]} at index {where}.")
    return np.ascontiguousarray(cw, dtype=np.float64)


def check_bool(value, name, func):
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(
            f"The '{name}' parameter of {func} must be an instance of 'bool' or an "
            f"instance of 'numpy.bool'. Got {value!r} instead."
        )
    return bool(value)


def check_same_shape(y, x, y_name, x_name):
    if y.shape != x.shape:
        raise ValueError(
            f"{y_name} and {x_name} must have the same shape; got {y.shape} and "
            f"{x.shape}."
        )
