"""Label encoding for log_loss without a one-hot matrix.

The kernel maps a sample's label to its probability column through a small
look-up table: column = lut[y - offset].  For integer labels the table is
built from the label range in one pass, with no sort of y_true; other label
types (strings, objects, floats) go through ``np.unique``.
"""
from dataclasses import dataclass

import numpy as np

from lossmetrics._simd import kernels

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
