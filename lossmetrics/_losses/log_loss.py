"""log_loss, a drop-in for ``sklearn.metrics.log_loss`` (scikit-learn 1.9), and the
label/probability validation and kernel call it shares with brier_score_loss."""
import math

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError, warn
from lossmetrics._core.options import Option
from lossmetrics._kernels import kernels
from lossmetrics._losses.lean import LEAN_BELOW, NO_WEIGHTS
from lossmetrics._losses.labels import LabelSet, encode
from lossmetrics._core.state import total, weighted_mean
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_array, as_float_array, check_bool,
    check_consistent_length, check_finite, check_sample_weight, first_index_where,
)


# Per-row losses of the label/probability kernel.
LOG_LOSS_MODE, BRIER_MODE = 0, 1


def as_labels(x, name):
    """``as_array`` for class labels.  A sequence that NumPy would turn into
    fixed-width strings is kept as Python objects instead: NumPy would merge
    1 and "1" of a list mixing numbers and strings (scikit-learn raises "Mix
    of label input types", and so does the encoding of the objects) and drop
    trailing NUL characters, merging distinct labels."""
    arr = as_array(x, name)
    if not isinstance(x, np.ndarray) and arr.dtype.kind in "US":
        arr = np.asarray(x, dtype=object)
    return arr


def _check_labels_arg(labels, y):
    """Sorted distinct labels (scikit-learn's LabelBinarizer().fit(labels).classes_)."""
    lab = as_labels(labels, "labels")
    classes = np.unique(lab)
    if classes.shape[0] != lab.reshape(-1).shape[0]:
        # A repeated label would leave a column of y_proba without a class.
        seen = set()
        for index, label in enumerate(lab.reshape(-1).tolist()):
            if label in seen:
                raise ValueError(
                    f"labels must be distinct (one per column of y_proba); got "
                    f"{label!r} twice, again at index {index}."
                )
            seen.add(label)
    if classes.shape != lab.shape or not np.all(classes == lab):
        warn(
            f"Labels passed were {labels}. But this function assumes labels are "
            "ordered lexicographically. "
            f"Pass the ordered labels={classes.tolist()} and ensure that the columns "
            "of y_prob correspond to this ordering.",
        )
    return classes


def check_proba_array(y_true, y_proba, metric, n_threads, lower_word="lower than"):
    """The shared head of log_loss and brier_score_loss: y_proba's dtype, shape, range.

    Returns (proba, resolved n_threads).
    """
    proba, n_threads = check_proba_shape(y_true, y_proba, metric, n_threads)
    check_proba_values(proba, n_threads, lower_word)
    return proba, n_threads


def check_proba_shape(y_true, y_proba, metric, n_threads):
    """y_proba's presence, dtype and shape.  Returns (proba, resolved n_threads)."""
    if y_true is None:
        raise InvalidParameterError(
            f"The 'y_true' parameter of {metric} must be an array-like. Got None instead."
        )
    if y_proba is None:
        raise InvalidParameterError(
            f"The 'y_proba' parameter of {metric} must be an array-like. Got None instead."
        )
    proba = as_float_array(y_proba, "y_proba")
    if proba.ndim > 2:
        raise ValueError(
            f"Found array with dim {proba.ndim}, while dim <= 2 is required. y_proba "
            f"must have shape (n_samples,) or (n_samples, n_classes); got {proba.shape}."
        )
    if proba.shape[0] == 0 or proba.size == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={proba.shape}) while a minimum of 1 "
            "is required. y_proba is empty."
        )
    return proba, resolve_n_threads(n_threads, work=proba.size)


def check_proba_values(proba, n_threads, lower_word="lower than"):
    """Raise scikit-learn's errors for a NaN, an infinity or a value outside [0, 1]."""
    lo, hi = check_finite(proba, "y_proba", n_threads=n_threads, sklearn_name="")
    if hi > 1:
        where = first_index_where(lambda a: a > 1, proba)
        raise ValueError(
            f"y_prob contains values greater than 1: {hi} (y_proba at index {where})"
        )
    if lo < 0:
        where = first_index_where(lambda a: a < 0, proba)
        word = lower_word(proba) if callable(lower_word) else lower_word
        raise ValueError(
            f"y_prob contains values {word} 0: {lo} (y_proba at index {where})"
        )


def check_label_vector(y_true, proba, sample_weight, n_threads, sklearn_name="y"):
    """y_true as labels: lengths, sample weights, finiteness.  Returns (y, sw)."""
    y = as_labels(y_true, "y_true")
    sw_arr = None if sample_weight is None or np.isscalar(sample_weight) else as_array(
        sample_weight, "sample_weight")
    check_consistent_length([("y_proba", proba), ("y_true", y), ("sample_weight", sw_arr)])
    sw = check_sample_weight(sample_weight, proba.shape[0], n_threads=n_threads)
    if y.dtype.kind == "f":
        if y.dtype.itemsize not in (4, 8):
            y = y.astype(np.float64)   # float16 / long double labels: exact in float64
        check_finite(y, "y_true", n_threads=n_threads, sklearn_name=sklearn_name)
    if y.dtype.kind == "c":
        raise ValueError("Complex data not supported: y_true has a complex dtype.")
    return y, sw


def _rowsum_tol(dtype):
    """How far from 1 a row of probabilities may sum without a warning
    (scikit-learn's tolerance for the dtype)."""
    return 1e-8 + math.sqrt(float(np.finfo(dtype).eps))


def check_multiclass(metric, y, proba, sw, n_threads, labels, params, deferred=None):
    """Encode labels against y_proba's columns, with scikit-learn's checks and messages.

    ``deferred`` holds the checks left to the kernel so far (see Deferred).
    """
    deferred = Deferred() if deferred is None else deferred
    if y.ndim == 2 and y.shape[1] > 1:
        deferred.run()   # the kernel of an indicator y_true checks nothing
        _check_indicator(y, proba)
        return CheckedInputs(metric, y, proba, sw, n_threads, dict(params, indicator=True))
    if y.ndim == 2:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y_true must be 1-D (labels) or 2-D (indicator); got shape {y.shape}.")
    if y.dtype.kind == "f" and not np.all(y == np.floor(y)):
        raise ValueError(f"Unknown label type: ({y.tolist()[:20]},). y_true holds "
                         "non-integer floats; expected class labels.")
    label_classes = None if labels is None else _check_labels_arg(labels, y)
    enc = encode(y, label_classes, n_threads)
    # With labels given, scikit-learn checks that every y_true is one of them
    # before the class count.  The kernel finds an undeclared label as it
    # reads y_true, so the check is left to it.
    if labels is not None:
        def check_declared():
            bad = _first_undeclared(enc, y)
            if bad is not None:
                undeclared = set(np.asarray(y).tolist()) - set(np.asarray(labels).tolist())
                raise ValueError(
                    f"y_true contains values {undeclared} not belonging to the passed "
                    f"labels {labels}. First at index {bad}."
                )
        deferred.add(check_declared)
    with deferred.first():
        return _check_class_count(metric, enc, y, proba, sw, n_threads, labels, params,
                                  deferred)


def _check_class_count(metric, enc, y, proba, sw, n_threads, labels, params, deferred):
    """The class-count checks of check_multiclass; returns the CheckedInputs."""
    n_classes = enc.classes.shape[0]
    if n_classes == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({enc.classes[0]}). Please provide the "
                "list of all expected class labels explicitly through the labels argument."
            )
        raise ValueError(
            f"The labels array needs to contain at least two labels, got {enc.classes}."
        )
    binary_1d = proba.ndim == 1 or proba.shape[1] == 1
    n_cols = 2 if binary_1d else proba.shape[1]
    p2 = proba[:, None] if proba.ndim == 1 else proba
    params = dict(params, indicator=False, encoded=enc, binary_1d=binary_1d,
                  rowsum_tol=_rowsum_tol(proba.dtype))
    checked = CheckedInputs(metric, enc.codes, p2, sw, n_threads, params, deferred)
    if n_classes != n_cols:
        # scikit-learn warns about the row sums before it reports the class count
        # (and after its checks of the probabilities and of the labels).
        deferred.run()
        _warn_row_sums(checked)
        if labels is None:
            raise ValueError(
                "y_true and y_prob contain different number of classes: "
                f"{n_classes} vs {n_cols}. Please provide the true labels explicitly "
                f"through the labels argument. Classes found in y_true: {enc.classes}"
            )
        raise ValueError(
            "The number of classes in labels is different from that in y_prob. "
            f"Classes found in labels: {enc.classes}"
        )
    return checked


def check_log_loss(y_true, y_proba, *, sample_weight=None, n_threads=None,
                   normalize=True, labels=None):
    """Validate log_loss's inputs.

    The scan of y_proba's values (finite, in [0, 1]) is left to the kernel,
    which reads every probability anyway: its errors are raised after the
    kernel (see log_loss_state), or before any other error of the inputs, so
    that the first error is scikit-learn's.
    """
    if y_true is None or y_proba is None:
        check_proba_shape(y_true, y_proba, "log_loss", n_threads)
    normalize = NORMALIZE.check(normalize)
    proba, n_threads = check_proba_shape(y_true, y_proba, "log_loss", n_threads)

    deferred = Deferred()
    deferred.add(lambda: check_proba_values(proba, n_threads))
    with deferred.first():
        y, sw = check_label_vector(y_true, proba, sample_weight, n_threads)
        return check_multiclass("log_loss", y, proba, sw, n_threads, labels,
                                dict(normalize=normalize, mode=LOG_LOSS_MODE), deferred)


def _first_undeclared(enc, y):
    first_unmapped = kernels("_scan").first_unmapped

    bad = first_unmapped(enc.codes, enc.offset, enc.lut)
    return None if bad < 0 else bad


def _warn_row_sums(checked):
    if checked.params["binary_1d"]:
        return
    p = checked.y_pred
    s = p.sum(axis=1, dtype=np.float64)
    if np.any(np.abs(s - 1.0) > checked.params["rowsum_tol"]):
        _warn_not_normalised()


def _warn_not_normalised():
    warn("The y_prob values do not sum to one. Make sure to pass probabilities.")


@takes_groups
def log_loss_state(checked, want_none=False, groups=None):
    """Run the log_loss kernel; return (state, per-sample losses or None).
    With ``groups`` (row group numbers, n_groups): one state per group (None
    for a 2-D indicator y_true)."""
    label_proba_kernel = kernels("_class_kernels").label_proba_kernel

    p = checked.params
    if p["indicator"]:
        return (None, None) if groups else _indicator_state(checked, want_none)
    enc = p["encoded"]
    state, per, bad, n_bad_rows, in_range = label_proba_kernel(
        p["mode"], checked.y_pred, enc.codes, enc.offset, enc.lut, p["binary_1d"],
        checked.sample_weight, p["rowsum_tol"], want_none, checked.n_threads,
        *(groups or ()))
    if not in_range or bad >= 0:
        # The checks left to the kernel: y_proba's values, then the labels.
        checked.run_deferred()
    if bad >= 0:  # pragma: no cover - the deferred check of the labels raises first
        raise ValueError(f"y_true[{bad}] is not one of the labels.")
    if n_bad_rows:
        _warn_not_normalised()
    return state, per


def log_loss_result(state, params, metric="log_loss"):
    """The value of log_loss from its reduced state: the sum, or the weighted mean."""
    loss_sum = total(state, 0)
    if not params["normalize"]:
        return loss_sum
    return weighted_mean(loss_sum, total(state, 1), metric)


def _check_indicator(y, p):
    n_cols = p.shape[1] if p.ndim == 2 and p.shape[1] > 1 else 2
    if n_cols != y.shape[1]:
        raise ValueError(
            "y_true and y_prob contain different number of classes: "
            f"{y.shape[1]} vs {n_cols}. y_true is a label-indicator matrix of shape "
            f"{y.shape}; y_proba has shape {p.shape}."
        )
    yi = as_float_array(y, "y_true")
    if not np.all((yi == 0) | (yi == 1)):
        where = first_index_where(lambda a: (a != 0) & (a != 1), yi)
        raise ValueError(
            "Multioutput target data is not supported with label binarization. "
            f"y_true as a 2-D array must be a 0/1 label indicator; got {yi[where]} at "
            f"index {where}."
        )


def _indicator_state(checked, want_none):
    """Rare path: y_true given as a 2-D label-indicator matrix (dense, NumPy)."""
    y, p = checked.y_true, checked.y_pred
    yi = as_float_array(y, "y_true")
    if p.ndim == 1 or p.shape[1] == 1:
        # A single column is the probability of the second class, as scikit-learn
        # has it; 1 - p is formed in the input dtype.
        p1 = p.reshape(-1)
        p = np.stack([(1 - p1).astype(p1.dtype), p1], axis=1)
    if checked.params["mode"] == BRIER_MODE:
        loss = np.sum((yi - p.astype(np.float64)) ** 2, axis=1)
    else:
        eps = np.finfo(p.dtype).eps
        pc = np.clip(p, eps, 1 - eps)
        loss = -np.sum(yi * np.log(pc.astype(np.float64)), axis=1)
    w = checked.sample_weight if checked.sample_weight.size else np.ones(loss.shape[0])
    s = np.array([[math.fsum(w * loss), 0.0], [math.fsum(w), 0.0]])
    return s, loss


_F64_ROWSUM_TOL = _rowsum_tol(np.float64)
_MEAN = dict(normalize=True)


def _lean_log_loss(y_true, y_proba, normalize=True, labels=None):
    """log_loss of a small call without options, or None: int64 labels
    (at most 64 consecutive values, every one a column) and a float64
    (n_samples, n_classes) array of fewer than 65,536 values (serial: larger
    inputs take the generic path's threads).

    It skips the generic checks and machinery, not the rules: the label
    encoding and the kernel are the full path's (the same bits), and any input
    the kernel does not vouch for (a probability outside [0, 1], a row whose
    sum is off, a label that is not a column) goes to the full path, which
    raises the errors and warnings."""
    if not (labels is None and normalize is True
            and type(y_true) is np.ndarray and type(y_proba) is np.ndarray
            and y_true.dtype == np.int64 and y_proba.dtype == np.float64
            and y_true.ndim == 1 and y_proba.ndim == 2
            and 0 < y_true.shape[0] == y_proba.shape[0] and y_proba.size < LEAN_BELOW
            and y_true.flags.aligned and y_proba.flags.aligned):
        return None
    label_proba_kernel = kernels("_class_kernels").label_proba_kernel
    small_label_set = kernels("_scan").small_label_set

    window = small_label_set(y_true, 1)
    if window is None or not 2 <= window[0].shape[0] == y_proba.shape[1]:
        return None
    classes, lut = window
    state, _, bad, n_bad_rows, in_range = label_proba_kernel(
        LOG_LOSS_MODE, y_proba, y_true, classes[0], lut, False, NO_WEIGHTS, _F64_ROWSUM_TOL,
        False, 1)
    if bad >= 0 or n_bad_rows or not in_range:
        return None
    return log_loss_result(state, _MEAN)


def _renamed_y_pred(y_proba, y_pred):
    """scikit-learn 1.9 renamed y_pred to y_proba: the old name still works, with
    its FutureWarning."""
    if isinstance(y_pred, str) and y_pred == "deprecated":
        return y_proba
    if y_proba is not None:
        raise ValueError(
            "Cannot use both `y_pred` and `y_proba`. `y_pred` is deprecated, "
            "use `y_proba` instead."
        )
    warn("`y_pred` was renamed to `y_proba` in version 1.9 and will be removed "
         "in 1.11. Use `y_proba` instead.", FutureWarning)
    return y_pred


def _prepare(arguments):
    """The declaration's hook for Dask: the deprecated y_pred, as log_loss takes it."""
    arguments["y_proba"] = _renamed_y_pred(arguments["y_proba"], arguments.pop("y_pred"))


def _score_log_loss(y_true, y_proba, *, classes=None, sample_weight=None):
    """Scorer: the labels are the fitted estimator's classes_."""
    return log_loss(y_true, y_proba, labels=classes, sample_weight=sample_weight)


def _demo(d):
    import sklearn.metrics as skm

    return [("log_loss", lambda: log_loss(d.labels, d.proba), "sklearn",
             lambda: skm.log_loss(d.labels, d.proba)),
            ("log_loss (binary)", lambda: log_loss(d.binary_labels, d.binary_proba),
             "sklearn", lambda: skm.log_loss(d.binary_labels, d.binary_proba))]


NORMALIZE = Option("normalize", "log_loss: the mean over the samples (default), or the "
                   "sum; zero_one_loss: the fraction (default) or the (weighted) count "
                   "of misclassified samples",
                   metavar=None, switch="on_off",
                   check=lambda v: check_bool(v, "normalize", "log_loss"))
LABELS = Option("labels", "all the class labels, in the order of y_pred's columns "
                "(separated by spaces or commas)", metavar="LABEL", nargs="+",
                parse=lambda words: [w for word in words for w in word.split(",") if w])

LOG_LOSS = Loss(
    name="log_loss", dtype_dependent=True,
    check=check_log_loss, state=log_loss_state,
    result=log_loss_result,
    result_keys=("normalize",), options=(NORMALIZE, LABELS),
    target="class labels", prediction="probabilities",
    reference="sklearn.metrics.log_loss",
    example=("[0, 1, 1, 0]", "[[.9, .1], [.2, .8], [.3, .7], [.6, .4]]"),
    scorer="neg_log_loss", response_method="predict_proba", score=_score_log_loss,
    fast=_lean_log_loss, prepare=_prepare, labels=LabelSet(), demo=_demo,
)


@public(LOG_LOSS)
def log_loss(y_true, y_proba=None, *, normalize=True, sample_weight=None, labels=None,
             n_threads=None, y_pred="deprecated"):
    r"""Log loss (logistic loss, cross-entropy of probabilities); scikit-learn's drop-in.

    Same value, warnings and errors as :func:`sklearn.metrics.log_loss` of
    scikit-learn 1.9, computed by a parallel kernel without a one-hot matrix.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of any type (int, str, bool, object), or a 0/1
        label-indicator matrix of shape (n_samples, n_classes).
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities (``predict_proba``), columns in sorted label
        order.  A 1-D array is the probability of the greater label.  Values
        are clipped to ``[eps, 1 - eps]``, ``eps = np.finfo(dtype).eps``.
    normalize : bool, default=True
        Return the (weighted) mean per sample if True, else the sum.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    labels : array-like, default=None
        All class labels; inferred from ``y_true`` if None.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.
    y_pred : array-like, deprecated
        Former name of ``y_proba`` (as in scikit-learn 1.9).

    Returns
    -------
    loss : float

    Notes
    -----
    Differences from scikit-learn: negative sample weights are rejected, and
    error messages add the argument name and offending index to
    scikit-learn's wording.  Integer labels are encoded through a look-up
    table over their range, without sorting ``y_true``.

    Examples
    --------
    >>> from lossmetrics import log_loss
    >>> round(log_loss(["spam", "ham", "ham", "spam"],
    ...                [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]), 5)
    0.21616
    """
    y_proba = _renamed_y_pred(y_proba, y_pred)
    return evaluate(LOG_LOSS, y_true, y_proba, sample_weight, n_threads,
                    normalize=normalize, labels=labels)
