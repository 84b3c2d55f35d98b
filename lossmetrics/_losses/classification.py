"""Losses of predicted labels and decision values: drop-ins for scikit-learn's
zero_one_loss and hinge_loss."""
import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.state import merge_states, total, weighted_mean
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, as_array, as_float_array, check_bool, check_consistent_length,
    check_finite, check_no_missing, check_sample_weight,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.labels import LabelSet, encode
from lossmetrics._losses.lean import NO_WEIGHTS, plain_vectors
from lossmetrics._losses.log_loss import LABELS, NORMALIZE, as_labels


# ------------------------------------------------------------- target types

# Label dtypes the kernels read in place.
_NATIVE = {np.dtype(t) for t in (np.int64, np.int32, np.uint8, np.float64, np.float32,
                                 np.bool_)}

def _is_numeric(y):
    return y.dtype.kind in "biuf"


def target_type(y, name="y"):
    """scikit-learn's ``type_of_target`` for the targets these metrics take:
    'binary', 'multiclass', 'multilabel-indicator', 'continuous',
    'continuous-multioutput', 'multiclass-multioutput' or 'unknown'."""
    if y.ndim > 2 or (y.dtype == object and y.size and not isinstance(
            y.flat[0], (str, bytes, int, float, bool, np.generic))):
        return "unknown"
    if y.ndim == 2 and y.shape[1] > 1:
        if _is_numeric(y) and y.size and np.all((y == 0) | (y == 1)):
            return "multilabel-indicator"
        if y.dtype.kind == "f" and np.any(y != np.floor(y)):
            return "continuous-multioutput"
        return "multiclass-multioutput"
    flat = y.reshape(-1)
    if flat.dtype.kind in "biuf" and not (flat.dtype in _NATIVE and flat.dtype.isnative):
        # float16, big-endian, other integer widths: a native copy (rare inputs).
        flat = flat.astype(np.float64 if flat.dtype.kind == "f" else np.int64)
    if flat.dtype in _NATIVE:
        # One pass of the kernel, no sort and no temporary.
        view = flat.view(np.uint8) if flat.dtype == np.bool_ else flat
        n_distinct, integral, nan = kernels("_class_kernels").label_summary(view)
        if nan:
            check_finite(flat, name)   # raises, naming the index
        return "continuous" if not integral else (
            "multiclass" if n_distinct > 2 else "binary")
    check_no_missing(flat, name)
    try:
        n_classes = np.unique(flat).shape[0]
    except TypeError:
        raise ValueError(
            f"Mix of label input types (string and number): {name} holds "
            f"{sorted({type(v).__name__ for v in flat.tolist()})}.") from None
    return "multiclass" if n_classes > 2 else "binary"


def class_labels(x, name):
    """``x`` as class labels, or scikit-learn's error for complex, date and
    empty input (naming the argument)."""
    if hasattr(x, "tocsr") and hasattr(x, "toarray"):
        x = x.toarray()   # a SciPy sparse label-indicator matrix
    arr = as_labels(x, name)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}.")
    if arr.dtype.kind in "mM":
        raise TypeError(f"{name} has dtype {arr.dtype}: class labels are numbers, "
                        "strings or booleans.")
    if arr.size == 0:
        raise ValueError("Found empty input array (e.g., `y_true` or `y_pred`) while a "
                         f"minimum of 1 sample is required. {name} is empty: found array "
                         f"with 0 sample(s) (shape={arr.shape}).")
    return arr


def check_targets(y_true, y_pred):
    """scikit-learn's ``_check_targets``: the common type of the two, or its error."""
    type_true, type_pred = target_type(y_true, "y_true"), target_type(y_pred, "y_pred")
    types = {type_true, type_pred}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise ValueError(f"Classification metrics can't handle a mix of {type_true} and "
                         f"{type_pred} targets")
    kind = types.pop()
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(f"{kind} is not supported")
    if kind != "multilabel-indicator" and _is_numeric(y_true) != _is_numeric(y_pred):
        number, other = (y_true, y_pred) if _is_numeric(y_true) else (y_pred, y_true)
        raise ValueError(
            "Mix of label input types (string and number); Got "
            f"{np.unique(y_true).tolist()[:10]} and {np.unique(y_pred).tolist()[:10]}. "
            f"{'y_true' if number is y_true else 'y_pred'} holds numbers, "
            f"{'y_pred' if number is y_true else 'y_true'} {other.dtype} labels.")
    if kind == "multilabel-indicator" and y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different numbers of labels: {y_true.shape[1]} and "
            f"{y_pred.shape[1]}.")
    return kind


# ------------------------------------------------------------ zero_one_loss

def check_zero_one_loss(y_true, y_pred, *, sample_weight=None, n_threads=None,
                        normalize=True):
    normalize = check_bool(normalize, "normalize", "zero_one_loss")
    yt, yp = class_labels(y_true, "y_true"), class_labels(y_pred, "y_pred")
    sw_arr = None if sample_weight is None or np.isscalar(sample_weight) else as_array(
        sample_weight, "sample_weight")
    check_consistent_length([("y_true", yt), ("y_pred", yp), ("sample_weight", sw_arr)])
    kind = check_targets(yt, yp)
    n_threads = resolve_n_threads(n_threads, work=yt.size)
    sw = check_sample_weight(sample_weight, yt.shape[0], n_threads=n_threads)
    if kind != "multilabel-indicator":
        yt, yp = yt.reshape(-1), yp.reshape(-1)
    return CheckedInputs("zero_one_loss", yt, yp, sw, n_threads,
                         dict(normalize=normalize, multilabel=kind == "multilabel-indicator"))


# Rows compared at a time where the kernel cannot compare the labels itself.
_CHUNK = 1024


@takes_groups
def count_state(checked, want_none=False, groups=None):
    """(Σ w [y_true != y_pred], Σ w): numeric labels of one dtype compared by the
    kernel; other labels (strings, objects, mixed dtypes, label-indicator rows)
    chunk by chunk, the chunks' states merged in order (no N-sized temporary)."""
    mismatch_kernel = kernels("_class_kernels").mismatch_kernel
    yt, yp, sw = checked.y_true, checked.y_pred, checked.sample_weight
    if yt.dtype == np.bool_ and yp.dtype == np.bool_:
        yt, yp = yt.view(np.uint8), yp.view(np.uint8)
    native = (yt.dtype.newbyteorder("=") == yp.dtype.newbyteorder("=")
              and yt.dtype.newbyteorder("=") in _NATIVE)
    if not checked.params["multilabel"] and native and yt.dtype.isnative and yp.dtype.isnative:
        return mismatch_kernel(yt, yp, sw, checked.n_threads, *(groups or ())), None
    shape = (2, 2) if groups is None else (groups[1], 2, 2)
    state = np.zeros(shape)
    for start in range(0, yt.shape[0], _CHUNK):
        rows = slice(start, start + _CHUNK)
        wrong = yt[rows] != yp[rows]
        if checked.params["multilabel"]:
            wrong = np.any(wrong, axis=1)
        w = sw[rows] if sw.size else np.ones(wrong.shape[0])
        chunk = mismatch_kernel(wrong.view(np.uint8), np.zeros(wrong.shape[0], np.uint8), w, 1,
                                *(() if groups is None else (groups[0][rows], groups[1])))
        state = merge_states(state.reshape(-1, 2), chunk.reshape(-1, 2)).reshape(shape)
    return state, None


def _lean_zero_one(y_true, y_pred, normalize=True):
    """zero_one_loss of plain small int64 label vectors, or None (the fast
    path, lossmetrics/_losses/lean.py): integer labels are binary or
    multiclass targets, which every pairing accepts, so the kernel's count is
    the value; other inputs go to the generic path."""
    if type(normalize) is not bool or not plain_vectors(y_true, y_pred, np.int64, work=1):
        return None
    state = kernels("_class_kernels").mismatch_kernel(y_true, y_pred, NO_WEIGHTS, 1)
    return zero_one_result(state, {"normalize": normalize}, "zero_one_loss")


def zero_one_result(state, params, metric):
    if params["normalize"]:
        return weighted_mean(total(state, 0), total(state, 1), metric)
    return total(state, 0)


ZERO_ONE_LOSS = Loss(
    name="zero_one_loss", check=check_zero_one_loss, state=count_state,
    result=zero_one_result, result_keys=("normalize",), options=(NORMALIZE,),
    target="class labels", prediction="class labels",
    reference="sklearn.metrics.zero_one_loss",
    example=("[0, 1, 2, 3]", "[0, 2, 1, 3]"), fast=_lean_zero_one,
    demo=lambda d: _demo_zero_one(d),
)


def _demo_zero_one(d):
    import sklearn.metrics as skm

    predicted = d.proba.argmax(axis=1)   # digits: the column is the label
    return [("zero_one_loss", lambda: zero_one_loss(d.labels, predicted), "sklearn",
             lambda: skm.zero_one_loss(d.labels, predicted))]


@public(ZERO_ONE_LOSS)
def zero_one_loss(y_true, y_pred, *, normalize=True, sample_weight=None, n_threads=None):
    """Zero-one classification loss; a drop-in for scikit-learn's.

    The (weighted) fraction of misclassified samples, ``1 - accuracy``, or
    their count with ``normalize=False``.  For label-indicator matrices
    (multilabel), a sample is right only if every label is.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        True labels, or a 0/1 label-indicator matrix.
    y_pred : array-like of the shape of ``y_true``
        Predicted labels (``predict``).
    normalize : bool, default=True
        Return the fraction of misclassified samples, else their (weighted) count.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    loss : float

    Examples
    --------
    >>> from lossmetrics import zero_one_loss
    >>> zero_one_loss([1, 2, 3, 4], [2, 2, 3, 4])
    0.25
    >>> zero_one_loss([1, 2, 3, 4], [2, 2, 3, 4], normalize=False)
    1.0
    """
    return evaluate(ZERO_ONE_LOSS, y_true, y_pred, sample_weight, n_threads,
                    normalize=normalize)


# --------------------------------------------------------------- hinge_loss

def check_hinge_loss(y_true, pred_decision, *, sample_weight=None, n_threads=None,
                     labels=None):
    y = as_labels(y_true, "y_true")
    z = as_float_array(pred_decision, "pred_decision")
    if y.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: y_true has dtype {y.dtype}.")
    sw_arr = None if sample_weight is None or np.isscalar(sample_weight) else as_array(
        sample_weight, "sample_weight")
    check_consistent_length([("y_true", y), ("pred_decision", z),
                             ("sample_weight", sw_arr)])
    if z.ndim > 2:
        raise ValueError(
            f"Found array with dim {z.ndim}, while dim <= 2 is required. pred_decision "
            f"must have shape (n_samples,) or (n_samples, n_classes); got {z.shape}.")
    if z.size == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={z.shape}) while a minimum "
                         "of 1 is required. pred_decision is empty.")
    n_threads = resolve_n_threads(n_threads, work=z.size)
    check_finite(z, "pred_decision", n_threads=n_threads, sklearn_name="")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    if y.dtype.kind == "f":
        check_finite(y if y.dtype.isnative and y.dtype.itemsize >= 4 else
                     y.astype(np.float64), "y_true", n_threads=n_threads)
    elif y.dtype.kind == "O":
        check_no_missing(y, "y_true")
    # y_true is encoded once: against the labels' classes, or for its own.
    enc = None if labels is not None else encode(y, None, n_threads)
    classes = (encode(as_labels(labels, "labels").reshape(-1), None, n_threads).classes
               if labels is not None else enc.classes)
    sw = check_sample_weight(sample_weight, y.shape[0], n_threads=n_threads)
    n = y.shape[0]
    if classes.shape[0] > 2:
        if z.ndim <= 1:
            raise ValueError(
                # (scikit-learn's wording, "arraywith" included)
                "The shape of pred_decision cannot be 1d arraywith a multiclass target. "
                "pred_decision shape must be (n_samples, n_classes), that is "
                f"({n}, {classes.shape[0]}). Got: {z.shape}")
        if classes.shape[0] != z.shape[1]:
            if labels is None:
                raise ValueError("Please include all labels in y_true or pass labels as "
                                 f"third argument. y_true has {classes.shape[0]} classes, "
                                 f"pred_decision {z.shape[1]} columns.")
            raise ValueError(
                "The shape of pred_decision is not consistent with the number of classes. "
                "With a multiclass target, pred_decision shape must be (n_samples, "
                f"n_classes), that is ({n}, {classes.shape[0]}). Got: {z.shape}")
        enc = enc if enc is not None else encode(y, classes, n_threads)
        bad = kernels("_scan").first_unmapped(enc.codes, enc.offset, enc.lut)
        if bad >= 0:
            unseen = list(np.setdiff1d(y, classes))
            raise ValueError(f"y contains previously unseen labels: {unseen}. y_true has "
                             f"{y[bad].item() if hasattr(y[bad], 'item') else y[bad]!r} "
                             f"at index {bad}.")
        return CheckedInputs("hinge_loss", y, z, sw, n_threads,
                             dict(binary=False, encoded=enc))
    # Binary: the greater label of y_true is +1, the other -1 (scikit-learn's
    # LabelBinarizer(neg_label=-1) fitted on y_true; one class: all -1).
    if z.ndim == 2 and z.shape[1] != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {z.shape} "
                         "instead. (pred_decision of a binary target: one column.)")
    # With two labels given, they decide which is +1 (scikit-learn binarizes
    # y_true alone: a y_true of one class is all -1 even where it is the
    # greater label); so do they for the batches of an Accumulator.
    if labels is not None:
        enc = encode(y, classes, n_threads)
        bad = kernels("_scan").first_unmapped(enc.codes, enc.offset, enc.lut)
        if bad >= 0:
            raise ValueError(f"y_true contains values not in labels: {y[bad]!r} at index "
                             f"{bad}; labels are {classes.tolist()}.")
    return CheckedInputs("hinge_loss", y, z.reshape(n, 1), sw, n_threads,
                         dict(binary=True, encoded=enc))


@takes_groups
def hinge_state(checked, want_none=False, groups=None):
    hinge_kernel = kernels("_class_kernels").hinge_kernel
    enc = checked.params["encoded"]
    state = hinge_kernel(checked.y_pred, enc.codes, enc.offset, enc.lut,
                         checked.sample_weight, checked.params["binary"], checked.n_threads,
                         *(groups or ()))
    return state, None


def hinge_result(state, params, metric):
    return weighted_mean(total(state, 0), total(state, 1), metric)


def _score_hinge(y_true, y_pred, *, classes=None, sample_weight=None):
    """Scorer: the labels are the fitted estimator's classes_ (multiclass)."""
    multiclass = classes is not None and len(classes) > 2
    return hinge_loss(y_true, y_pred, labels=classes if multiclass else None,
                      sample_weight=sample_weight)


HINGE_LOSS = Loss(
    name="hinge_loss", check=check_hinge_loss, state=hinge_state, result=hinge_result,
    result_keys=(), options=(LABELS,), target="class labels", prediction="decision values",
    labels=LabelSet(),
    reference="sklearn.metrics.hinge_loss",
    example=("[-1, 1, 1, -1]", "[-2.2, 1.3, 0.6, -0.4]"),
    demo=lambda d: _demo_hinge(d),
)


def _demo_hinge(d):
    import sklearn.metrics as skm

    return [("hinge_loss", lambda: hinge_loss(d.labels, d.scores), "sklearn",
             lambda: skm.hinge_loss(d.labels, d.scores)),
            ("hinge_loss (binary)", lambda: hinge_loss(d.binary_labels, d.binary_logits),
             "sklearn", lambda: skm.hinge_loss(d.binary_labels, d.binary_logits))]


@public(HINGE_LOSS)
def hinge_loss(y_true, pred_decision, *, labels=None, sample_weight=None, n_threads=None):
    """Average hinge loss (non-regularized); a drop-in for scikit-learn's.

    Binary: ``max(0, 1 - y z)`` with ``y`` = +1 for the greater label of
    ``y_true`` and -1 for the other; multiclass (Crammer-Singer):
    ``max(0, 1 - z[y] + max over the other classes of z)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    pred_decision : array-like of shape (n_samples,) or (n_samples, n_classes)
        Decision values (``decision_function``), columns in sorted label order.
    labels : array-like, default=None
        All class labels of a multiclass problem; inferred from ``y_true`` if None.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    loss : float

    Examples
    --------
    >>> from lossmetrics import hinge_loss
    >>> round(hinge_loss([-1, 1, 1], [-2.18, 2.36, 0.09]), 6)
    0.303333
    """
    return evaluate(HINGE_LOSS, y_true, pred_decision, sample_weight, n_threads,
                    labels=labels)
