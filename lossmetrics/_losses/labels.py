"""Label encoding for log_loss without a one-hot matrix.

The kernel maps a sample's label to its probability column through a small
look-up table: column = lut[y - offset].  For integer labels the table is
built from the label range in one pass, with no sort of y_true; other label
types (strings, objects, floats) go through ``np.unique``.
"""
from dataclasses import dataclass

import numpy as np

from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.validation import check_no_missing
from lossmetrics._kernels import kernels

# Integer label ranges up to this size use a dense look-up table.
_MAX_LUT = 1 << 22


@dataclass
class EncodedLabels:
    codes: np.ndarray      # int64 (N,): y_true as integers (values or inverse indices)
    offset: int
    lut: np.ndarray        # int64: column of code (codes - offset), -1 if undeclared
    classes: np.ndarray    # sorted class labels, in y_proba's column order


def _is_integer_labels(y):
    if y.dtype.kind == "u" and y.dtype.itemsize == 8 and y.size:
        return int(y.max()) <= np.iinfo(np.int64).max  # else: sort-based path
    return y.dtype.kind in "iub"


def _integral_floats(y):
    return (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.floor(y))
            and (y.size == 0 or np.abs(y).max() < 2.0**62))


def _int_codes(y):
    y64 = y.astype(np.int64, copy=False)
    if not y64.dtype.isnative:
        y64 = y64.astype(np.int64)
    return y64


def _classes_from_int_range(codes):
    scan = kernels("_scan")
    lo, hi = scan.int_min_max(codes)
    if hi - lo + 1 > max(_MAX_LUT, 4 * codes.shape[0]):
        return np.unique(codes)
    present = np.zeros(hi - lo + 1, dtype=np.uint8)
    scan.mark_present(codes, lo, present)
    return np.flatnonzero(present).astype(np.int64) + lo


def _lut_for(classes_int):
    lo, hi = int(classes_int[0]), int(classes_int[-1])
    if hi - lo + 1 > _MAX_LUT:
        return None
    lut = np.full(hi - lo + 1, -1, dtype=np.int64)
    lut[classes_int - lo] = np.arange(classes_int.shape[0])
    return lo, lut


def encode(y, labels_classes, n_threads=1):
    """Encode 1-D ``y`` (any label type) against sorted ``labels_classes`` or None.

    Returns EncodedLabels whose ``classes`` are ``labels_classes`` if given,
    else the sorted distinct values of ``y``.  Samples whose label is not a
    class get lut -1 (the kernel reports the first).
    """
    int_like = _is_integer_labels(y) or _integral_floats(y)
    if int_like and (labels_classes is None or _is_integer_labels(labels_classes)
                     or _integral_floats(labels_classes)):
        codes = _int_codes(y)
        if labels_classes is None:
            small_label_set = kernels("_scan").small_label_set

            window = small_label_set(codes, n_threads)
            if window is not None:   # a few labels close together: one pass
                classes, lut = window
                lut_info = int(classes[0]), lut
            else:
                classes = _classes_from_int_range(codes)
                lut_info = _lut_for(classes)
            out_classes = classes.astype(y.dtype)
        else:
            classes = labels_classes.astype(np.int64)
            lut_info = _lut_for(classes)
            out_classes = labels_classes
        if lut_info is not None:
            offset, lut = lut_info
            return EncodedLabels(codes, offset, lut, out_classes)
    # General path: sort-based, for strings, objects, sparse huge integer ranges.
    check_no_missing(y, "y_true", "y")
    try:
        uniq, inverse = np.unique(y, return_inverse=True)
    except TypeError:
        raise ValueError("Mix of label input types (string and number): y_true "
                         f"holds {sorted({type(v).__name__ for v in y.tolist()})}.") from None
    if labels_classes is None:
        lut = np.arange(uniq.shape[0], dtype=np.int64)
        classes = uniq
    else:
        try:
            pos = np.searchsorted(labels_classes, uniq)
            pos = np.clip(pos, 0, labels_classes.shape[0] - 1)
            found = np.asarray(labels_classes[pos] == uniq, dtype=bool)
        except TypeError:  # labels and y_true of incomparable types
            pos, found = np.zeros(uniq.shape[0], np.int64), np.zeros(uniq.shape[0], bool)
        lut = np.where(found, pos, -1).astype(np.int64)
        classes = labels_classes
    return EncodedLabels(inverse.astype(np.int64, copy=False).reshape(-1), 0, lut, classes)


def label_indices(y_true, classes):
    """Column of each label in ``classes`` (sorted; those of y_true if None), with
    a clear error for a label that is not one of them.  Returns (indices, classes).

    Scorers use it to map y_true to the columns of a fitted estimator's output.
    """
    y = np.asarray(y_true)
    classes = np.unique(y) if classes is None else classes
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    missing = classes[idx] != y
    if np.any(missing):
        where = int(np.argmax(missing))
        raise ValueError(
            f"y_true contains the label {y[where]!r} (index {where}), which is not one "
            f"of the estimator's classes {classes.tolist()}."
        )
    return idx, classes


def binary_pos_label(classes, pos_label):
    """scikit-learn's pos_label rules for a binary y_true."""
    if pos_label is not None:
        return pos_label
    numeric = classes.dtype.kind in "iufb"
    values = set(classes.tolist())
    if numeric and (values <= {0, 1} or values <= {-1, 1}):
        return 1
    if classes.dtype.kind in "OUS":
        raise ValueError(
            f"y_true takes value in {{{', '.join(repr(c) for c in classes.tolist())}}} "
            "and pos_label is not specified: either make y_true take value in {0, 1} or "
            "{-1, 1} or pass pos_label explicitly."
        )
    return classes[-1]


def _python_scalar(value):
    return value.item() if isinstance(value, np.generic) else value


class LabelSet:
    """How the batches of a loss of labels and probabilities find the class labels.

    One batch may miss classes, so the labels of a batch do not say which
    column of y_proba is which class: an Accumulator needs ``labels`` (a binary
    ``brier_score_loss`` also takes ``pos_label``), and ``lossmetrics.dask``
    infers them from all of y_true with one extra pass.  The declaration's
    ``labels`` field holds one of these.

    Parameters
    ----------
    binary_pos_label : bool
        Whether a 1-D y_proba is the probability of a positive label chosen by
        scikit-learn's pos_label rules (brier_score_loss), which then holds
        for every batch.
    """

    def __init__(self, binary_pos_label=False):
        self.binary_pos_label = binary_pos_label

    def accumulator_options(self, metric, params):
        """Validate an Accumulator's options; returns (params, derived pos_label).

        A binary batch holding one class must still know the positive one:
        scikit-learn's rule applied to the label set (:meth:`check_classes`
        later checks that the classes met give the same).
        """
        if params.get("labels") is None and not (
                self.binary_pos_label and params.get("pos_label") is not None):
            raise InvalidParameterError(
                f"Accumulator({metric!r}) needs labels=[...] (all the class labels): "
                "a batch may miss classes, so the labels of one batch do not say "
                "which column of y_proba is which class. lossmetrics.dask infers "
                "them with one extra pass over the data."
            )
        if not self.binary_pos_label or params.get("pos_label") is not None:
            return params, None
        classes = np.unique(np.asarray(params["labels"]))
        if classes.shape[0] != 2:
            return params, None
        derived = _python_scalar(binary_pos_label(classes, None))
        return dict(params, pos_label=derived), derived

    def batch_classes(self, checked):
        """The classes of a binary batch (whose positive label is fixed), else None."""
        if self.binary_pos_label and "pos_label" in checked.params:
            return checked.params["encoded"].classes
        return None

    @staticmethod
    def check_classes(metric, derived, classes):
        """The positive label derived from ``labels`` must be the one that the
        classes met in y_true give."""
        if derived is None or classes is None:
            return
        pos = _python_scalar(binary_pos_label(classes, None))
        if not (type(pos) is type(derived) and pos == derived):
            raise ValueError(
                f"Accumulator({metric!r}): the positive class was taken "
                f"from labels as {derived!r}, but the classes in "
                f"y_true, {classes.tolist()}, make it {pos!r} for "
                f"{metric}. Pass pos_label explicitly."
            )

    def to_infer(self, y_true_shape, y_pred_shape, params):
        """Whether batches need the labels of all of y_true first.

        The function infers them from y_true when ``labels`` is not given, and
        a binary brier_score_loss (1-D y_proba) always does, ignoring
        ``labels``.  A label-indicator y_true has none to infer; its columns
        are the classes (``params`` gets them, required and unused).
        """
        if len(y_true_shape) == 2 and y_true_shape[1] > 1:
            params.setdefault("labels", list(range(y_true_shape[1])))
            return False
        binary = len(y_pred_shape) == 1 or y_pred_shape[1] == 1
        return params.get("labels") is None or (self.binary_pos_label and binary)

    @staticmethod
    def with_inferred(loss, classes, y_pred_shape, y_pred_dtype, params):
        """``params`` with ``labels`` set to ``classes``, the sorted labels of all
        of y_true, checked as the function checks the labels it infers.

        The loss's own validation runs on one row per class, so a label set that
        cannot fit y_proba raises the function's error, in its words ("only one
        label", "different number of classes", "multiclass but should be binary").
        """
        params = {k: v for k, v in params.items() if k != "labels"}
        width = y_pred_shape[1] if len(y_pred_shape) > 1 else 1
        probe = np.full((classes.shape[0],) + tuple(y_pred_shape[1:]),
                        0.5 if width == 1 else 1.0 / width, dtype=y_pred_dtype)
        loss.check(classes, probe, **params)
        return dict(params, labels=classes)
