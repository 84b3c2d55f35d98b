"""Losses with PyTorch semantics: cross_entropy, nll_loss, binary cross-entropy, KL.

Weighting contract (PyTorch has no ``sample_weight``; ours composes with its
class weights):

* per-element value: ``sample_weight[n] * loss`` where ``loss`` already holds
  PyTorch's class weight (``reduction='none'``);
* ``'sum'``: the sum of those values;
* ``'mean'``: that sum divided by the sum over non-ignored elements of
  ``sample_weight[n] * class_weight[target]`` for index targets (PyTorch's
  denominator when all sample weights are 1), or of ``sample_weight[n]`` per
  element otherwise.  ``kl_divergence`` divides by the sum of sample weights
  (PyTorch's ``'batchmean'``).
"""
import contextlib
import numbers

import numpy as np

from lossmetrics._errors import InvalidParameterError
from lossmetrics._simd import kernels
from lossmetrics._state import finalize
from lossmetrics._threads import resolve_n_threads
from lossmetrics._validation import (
    CheckedInputs, as_2d, defer_finite, as_array, as_float_array, check_class_weight,
    check_finite, check_non_empty, check_probabilities, check_reduction,
    check_sample_weight, first_index_where, format_index,
)


def _check_index_targets(y, spatial_shape, n_classes, ignore_index, logits_name):
    """Return int64 class indices shaped (N, S) after checking shape and dtype,
    and the check of their range: the kernel, which reads every index, reports
    one out of range, so the caller defers that check (see class_scores_state)."""
    expected = spatial_shape
    if y.shape != expected:
        raise ValueError(
            f"y_true must have shape {expected} (class indices) or the shape of "
            f"{logits_name} (class probabilities); got shape {y.shape}."
        )
    kind = y.dtype.kind
    if kind == "f":
        lo, hi = check_finite(y, "y_true")
        frac = y != np.floor(y)
        if frac.any():
            where = first_index_where(lambda a: a != np.floor(a), y)
            raise ValueError(
                "y_true must hold integer class indices; got the non-integer "
                f"{y[where]} at index {where}."
            )
        too_big = np.abs(y) >= 2.0**62
        if too_big.any():
            where = first_index_where(lambda a: np.abs(a) >= 2.0**62, y)
            raise ValueError(
                f"y_true must hold class indices in [0, {n_classes}); got {y[where]} "
                f"at index {where}."
            )
        y = y.astype(np.int64)
    elif kind == "u" and y.dtype.itemsize == 8 and y.size and y.max() > np.iinfo(np.int64).max:
        where = first_index_where(lambda a: a > np.iinfo(np.int64).max, y)
        raise ValueError(
            f"y_true must hold class indices in [0, {n_classes}); got {y[where]} "
            f"at index {where}."
        )
    elif kind not in "iub":
        raise TypeError(
            f"y_true must hold integer class indices or float class probabilities; "
            f"got dtype {y.dtype}."
        )
    y64 = y.astype(np.int64, copy=False)
    if not y64.dtype.isnative:
        y64 = y64.astype(np.int64)
    y2 = y64.reshape(y64.shape[0], -1)

    def check_range():
        first_bad_index = kernels("_scan").first_bad_index

        flat = first_bad_index(y2, n_classes, 0 if ignore_index is None else ignore_index,
                               ignore_index is not None)
        if flat >= 0:
            where = format_index(flat, y.shape)
            ignore = "" if ignore_index is None else f" or ignore_index={ignore_index}"
            raise ValueError(
                f"y_true must hold class indices in [0, {n_classes})"
                f"{ignore or ' (or ignore_index)'}; got {y64[where]} at index {where}."
            )

    return y2, check_range


def _check_ignore_index(ignore_index):
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, numbers.Integral):
        raise InvalidParameterError(
            f"ignore_index must be None or an integer; got {ignore_index!r}."
        )
    if not -(2**63) <= int(ignore_index) < 2**63:
        raise InvalidParameterError(
            f"ignore_index must fit in a 64-bit integer; got {ignore_index!r}."
        )
    return int(ignore_index)


def _check_label_smoothing(label_smoothing):
    if (isinstance(label_smoothing, (bool, np.bool_))
            or not isinstance(label_smoothing, numbers.Real)
            or not 0.0 <= float(label_smoothing) <= 1.0):
        raise InvalidParameterError(
            f"label_smoothing must be a real number in [0, 1]; got {label_smoothing!r}."
        )
    return float(label_smoothing)


def _check_class_scores(y_true, scores, sample_weight, n_threads, class_weight,
                        ignore_index, label_smoothing, reduction, metric, scores_name,
                        log_input):
    z = as_float_array(scores, scores_name)
    if z.ndim < 2:
        raise ValueError(
            f"{scores_name} must have shape (N, C) or (N, C, d1, ..., dk); got shape "
            f"{z.shape}."
        )
    check_non_empty(z, scores_name)
    reduction = check_reduction(reduction)
    ignore_index = _check_ignore_index(ignore_index)
    label_smoothing = _check_label_smoothing(label_smoothing)
    n_threads = resolve_n_threads(n_threads, work=z.size)

    def check_scores():
        check_finite(z, scores_name, allow_neginf=log_input, n_threads=n_threads)

    if log_input:
        check_scores()
        return _check_targets(y_true, z, sample_weight, n_threads, class_weight,
                              ignore_index, label_smoothing, reduction, metric,
                              scores_name, log_input)
    # cross_entropy: the kernel's log-sum-exps see every logit and flag a NaN or
    # an infinity, so the scan of the logits waits for the kernel; it runs
    # first if another check fails, to raise the error the eager order would.
    try:
        checked = _check_targets(y_true, z, sample_weight, n_threads, class_weight,
                                 ignore_index, label_smoothing, reduction, metric,
                                 scores_name, log_input)
    except (ValueError, TypeError):
        check_scores()
        raise
    if checked.params["target_kind"] == "indices":
        checked.deferred.insert(0, check_scores)   # the eager order: scores, then indices
    else:
        check_scores()
    return checked


def _check_targets(y_true, z, sample_weight, n_threads, class_weight, ignore_index,
                   label_smoothing, reduction, metric, scores_name, log_input):
    """The checks of _check_class_scores after the scores' own."""
    n, n_classes = z.shape[0], z.shape[1]
    spatial = (n,) + z.shape[2:]
    cw = check_class_weight(class_weight, n_classes)
    z3 = z.reshape(n, n_classes, -1) if z.ndim > 2 else z[:, :, None]
    y = as_array(y_true, "y_true")
    if y.shape == z.shape and y.dtype.kind in "fOc" and not log_input:
        t = as_float_array(y, "y_true")
        lo, hi = check_finite(t, "y_true", n_threads=n_threads)
        check_probabilities(t, "y_true", lo, hi)
        target = t.reshape(n, n_classes, -1) if t.ndim > 2 else t[:, :, None]
        kind = "probabilities"
    else:
        if y.shape == z.shape and y.shape != spatial:
            if log_input:
                raise ValueError(
                    f"y_true must hold class indices of shape {spatial}; got shape "
                    f"{y.shape} (nll_loss takes no class-probability targets: use "
                    "cross_entropy for soft targets)."
                )
            raise ValueError(
                f"y_true of {scores_name}'s shape must hold class probabilities; "
                f"got dtype {y.dtype}."
            )
        target, check_range = _check_index_targets(y, spatial, n_classes, ignore_index,
                                                   scores_name)
        kind = "indices"
    deferred = [] if kind == "probabilities" else [check_range]
    with _scans_first(deferred):   # the indices' range before a weight's error
        sw = check_sample_weight(sample_weight, n, n_threads=n_threads)
    checked = CheckedInputs(
        metric=metric, y_true=target, y_pred=z3, sample_weight=sw, n_threads=n_threads,
        params=dict(class_weight=cw, ignore_index=ignore_index,
                    label_smoothing=label_smoothing, reduction=reduction,
                    target_kind=kind, out_shape=spatial),
    )
    checked.deferred.extend(deferred)
    return checked


def check_cross_entropy(y_true, logits, *, sample_weight=None, n_threads=None,
                        class_weight=None, ignore_index=None, label_smoothing=0.0,
                        reduction="mean"):
    return _check_class_scores(y_true, logits, sample_weight, n_threads, class_weight,
                               ignore_index, label_smoothing, reduction,
                               "cross_entropy", "logits", log_input=False)


def check_nll_loss(y_true, log_proba, *, sample_weight=None, n_threads=None,
                   class_weight=None, ignore_index=None, reduction="mean"):
    return _check_class_scores(y_true, log_proba, sample_weight, n_threads, class_weight,
                               ignore_index, 0.0, reduction, "nll_loss", "log_proba",
                               log_input=True)


def class_scores_state(checked, want_none=False):
    """Run the kernel of cross_entropy / nll_loss; return (state, per-element)."""
    k = kernels("_class_kernels")
    index_target_kernel, prob_target_kernel = k.index_target_kernel, k.prob_target_kernel

    p = checked.params
    if p["target_kind"] == "probabilities":
        return prob_target_kernel(checked.y_pred, checked.y_true, p["class_weight"],
                                  checked.sample_weight, p["label_smoothing"],
                                  want_none, checked.n_threads)
    ignore = p["ignore_index"]
    state, per, bad, seen_finite = index_target_kernel(
        checked.y_pred, checked.y_true, p["class_weight"], checked.sample_weight,
        0 if ignore is None else ignore, ignore is not None, p["label_smoothing"],
        checked.metric == "nll_loss", want_none, checked.n_threads)
    if not seen_finite or bad >= 0:
        # The checks left to the kernel: the logits' scan (when the kernel
        # could not vouch for them), then the range of the class indices.
        checked._run_deferred()
    if bad >= 0:  # pragma: no cover - the deferred range check raises first
        raise ValueError(f"y_true has an invalid class index at flat index {bad}.")
    return state, per


def _reduce(checked, state_fn, scale=1.0):
    reduction = checked.params["reduction"]
    state, per = state_fn(checked, want_none=reduction == "none")
    return finalize(state, per, reduction, checked.params["out_shape"], checked.metric,
                    denominator_scale=scale)


def cross_entropy(y_true, logits, *, class_weight=None, sample_weight=None,
                  ignore_index=None, label_smoothing=0.0, reduction="mean",
                  n_threads=None):
    """Cross-entropy of logits, with PyTorch's ``CrossEntropyLoss`` semantics.

    Parameters
    ----------
    y_true : array-like of shape (N,) or (N, d1, ..., dk), or of the logits' shape
        Integer class indices in ``[0, C)`` (or ``ignore_index``), or class
        probabilities with the logits' shape (soft targets).
    logits : array-like of shape (N, C) or (N, C, d1, ..., dk)
        Unnormalised scores, float32 or float64 (read in place).  Must be finite.
    class_weight : array-like of shape (C,), default=None
        Non-negative weight of each class (PyTorch's ``weight``).
    sample_weight : array-like of shape (N,), default=None
        Non-negative weight of each sample, applied to all its positions.
    ignore_index : int, default=None
        Target value that contributes neither to the loss nor to the mean's
        denominator (PyTorch's default is -100; here None ignores nothing).
    label_smoothing : float in [0, 1], default=0.0
        Mixes the target with the uniform distribution, as PyTorch does.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` divides the weighted sum by the summed
        ``sample_weight * class_weight[target]`` of non-ignored targets (for
        probability targets: by the summed sample weights of all elements).
    n_threads : int, default=None
        OpenMP threads; None uses every usable core.  Results are bitwise
        identical for every value.

    Returns
    -------
    loss : float or ndarray of shape (N, d1, ..., dk)

    Notes
    -----
    ``log_softmax`` is computed as ``z_t - max(z) - log(sum(exp(z - max(z))))``
    per element in float64, so huge logits (``|z| = 1e4`` and beyond) give exact,
    finite values.  When every target is ignored PyTorch returns NaN for
    ``'mean'``; lossmetrics raises a ValueError.

    Examples
    --------
    >>> from lossmetrics import cross_entropy
    >>> round(cross_entropy([0, 1], [[2.0, 0.0], [0.0, 2.0]]), 6)
    0.126928
    >>> cross_entropy([0, 1], [[2.0, 0.0], [0.0, 2.0]], reduction="none").round(6)
    array([0.126928, 0.126928])
    """
    checked = check_cross_entropy(
        y_true, logits, sample_weight=sample_weight, n_threads=n_threads,
        class_weight=class_weight, ignore_index=ignore_index,
        label_smoothing=label_smoothing, reduction=reduction)
    return _reduce(checked, class_scores_state)


def nll_loss(y_true, log_proba, *, class_weight=None, sample_weight=None,
             ignore_index=None, reduction="mean", n_threads=None):
    """Negative log-likelihood of log-probabilities, PyTorch ``NLLLoss`` semantics.

    Parameters
    ----------
    y_true : array-like of shape (N,) or (N, d1, ..., dk)
        Integer class indices in ``[0, C)`` (or ``ignore_index``).
    log_proba : array-like of shape (N, C) or (N, C, d1, ..., dk)
        Log-probabilities (for instance a log-softmax).  NaN and +inf are
        rejected; -inf (probability 0) is allowed.
    class_weight : array-like of shape (C,), default=None
        Non-negative weight of each class.
    sample_weight : array-like of shape (N,), default=None
        Non-negative weight of each sample.
    ignore_index : int, default=None
        Target value that is skipped (PyTorch's default is -100).
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` divides by the summed ``sample_weight * class_weight[target]``
        of non-ignored targets, as PyTorch does.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of shape (N, d1, ..., dk)

    Examples
    --------
    >>> import numpy as np
    >>> from lossmetrics import nll_loss
    >>> log_p = np.log([[0.5, 0.5], [0.25, 0.75]])
    >>> round(nll_loss([0, 1], log_p), 6)
    0.490415
    """
    checked = check_nll_loss(
        y_true, log_proba, sample_weight=sample_weight, n_threads=n_threads,
        class_weight=class_weight, ignore_index=ignore_index, reduction=reduction)
    return _reduce(checked, class_scores_state)


def _check_same_shape(y, x, y_name, x_name):
    if y.shape != x.shape:
        raise ValueError(
            f"{y_name} and {x_name} must have the same shape; got {y.shape} and "
            f"{x.shape}."
        )


def check_elementwise_pair(y_true, pred, pred_name, sample_weight, n_threads, reduction,
                           pred_is_proba, true_is_proba, deferred=None,
                           defer_ranges=False):
    """Shared checks of the element-wise losses: same shapes, finite values, and
    values in [0, 1] where the loss takes probabilities.

    With a ``deferred`` list, the finiteness scans of arrays that need no range
    check are appended to it instead of run (see ``defer_finite``); with
    ``defer_ranges`` too, the scans of the probability arrays (for kernels
    that check them as they read them)."""
    x = as_float_array(pred, pred_name)
    t = as_float_array(y_true, "y_true")
    _check_same_shape(t, x, "y_true", pred_name)
    check_non_empty(x, pred_name)
    reduction = check_reduction(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * x.size)
    for arr, name, is_proba in ((x, pred_name, pred_is_proba), (t, "y_true", true_is_proba)):
        if deferred is not None and not is_proba:
            defer_finite(deferred, arr, name, n_threads=n_threads)
        elif deferred is not None and defer_ranges:
            deferred.append(lambda arr=arr, name=name: _check_proba(arr, name, n_threads))
        elif is_proba:
            _check_proba(arr, name, n_threads)
        else:
            check_finite(arr, name, n_threads=n_threads)
    sw = check_sample_weight(sample_weight, x.shape[0], n_threads=n_threads)
    return t, x, sw, n_threads, reduction


def _check_proba(arr, name, n_threads):
    lo, hi = check_finite(arr, name, n_threads=n_threads)
    check_probabilities(arr, name, lo, hi)


@contextlib.contextmanager
def _scans_first(deferred):
    """Run the deferred scans before an error raised in the block: the scans
    come first in the eager order, and so must their errors."""
    try:
        yield
    except (ValueError, TypeError):
        checks, deferred[:] = list(deferred), []
        for check in checks:
            check()
        raise


def check_binary_cross_entropy(y_true, y_proba, *, sample_weight=None, n_threads=None,
                               reduction="mean"):
    # The kernel checks both arrays as it reads them (see _bce_rows).
    deferred = []
    with _scans_first(deferred):
        t, p, sw, n_threads, reduction = check_elementwise_pair(
            y_true, y_proba, "y_proba", sample_weight, n_threads, reduction, True, True,
            deferred, defer_ranges=True)
    return CheckedInputs("binary_cross_entropy", as_2d(t), as_2d(p), sw, n_threads,
                         dict(reduction=reduction, out_shape=p.shape,
                              pos_weight=np.empty(0)), deferred)


def check_binary_cross_entropy_with_logits(y_true, logits, *, sample_weight=None,
                                           n_threads=None, pos_weight=None,
                                           reduction="mean"):
    deferred = []
    with _scans_first(deferred):
        return _check_bce_logits(y_true, logits, sample_weight, n_threads, pos_weight,
                                 reduction, deferred)


def _check_bce_logits(y_true, logits, sample_weight, n_threads, pos_weight, reduction,
                      deferred):
    # The kernel checks both arrays as it reads them (see _bce_rows).
    t, z, sw, n_threads, reduction = check_elementwise_pair(
        y_true, logits, "logits", sample_weight, n_threads, reduction, False, True,
        deferred, defer_ranges=True)
    if pos_weight is None:
        pw = np.empty(0)
    else:
        if isinstance(pos_weight, (bool, np.bool_)):
            raise InvalidParameterError(
                f"pos_weight must be a number or an array of numbers; got {pos_weight!r}."
            )
        pw = as_float_array(pos_weight, "pos_weight") if not isinstance(
            pos_weight, numbers.Real) else np.asarray([float(pos_weight)])
        n_last = z.shape[-1] if z.ndim > 1 else 1
        if pw.ndim != 1 or pw.shape[0] not in (1, n_last):
            raise ValueError(
                f"pos_weight must be a scalar or have shape ({n_last},), one weight "
                f"per entry of the last axis; got shape {pw.shape}."
            )
        lo, _ = check_finite(pw, "pos_weight")
        if lo < 0:
            where = first_index_where(lambda a: a < 0, pw)
            raise ValueError(
                f"pos_weight must be non-negative; got {pw[where]} at index {where}."
            )
        # One weight per column of the (N, L) view: the last axis repeats.
        row_shape = z.shape[1:] if z.ndim > 1 else (1,)
        pw = np.ascontiguousarray(np.broadcast_to(pw, row_shape).reshape(-1),
                                  dtype=np.float64)
    return CheckedInputs("binary_cross_entropy_with_logits", as_2d(t), as_2d(z), sw,
                         n_threads, dict(reduction=reduction, out_shape=z.shape,
                                         pos_weight=pw), deferred)


def binary_state(checked, want_none=False):
    k = kernels("_elementwise_kernels")
    Kind, elementwise_kernel = k.Kind, k.elementwise_kernel

    kind = (Kind.BINARY_CROSS_ENTROPY if checked.metric == "binary_cross_entropy"
            else Kind.BINARY_CROSS_ENTROPY_LOGITS)
    state, per, all_checked = elementwise_kernel(
        kind, checked.y_true, checked.y_pred, checked.params["pos_weight"],
        checked.sample_weight, False, want_none, checked.n_threads)
    if not all_checked:
        checked._run_deferred()  # the scans left to the kernel, if any
    return state, per


def binary_cross_entropy(y_true, y_proba, *, sample_weight=None, reduction="mean",
                         n_threads=None):
    """Binary cross-entropy of probabilities, element-wise (binary or multilabel).

    Parameters
    ----------
    y_true : array-like of any shape (N, ...)
        Targets in [0, 1]; soft targets allowed.
    y_proba : array-like of the same shape
        Predicted probabilities in [0, 1].
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Notes
    -----
    Probabilities are clipped to ``[eps, 1 - eps]`` with
    ``eps = np.finfo(y_proba.dtype).eps``, as scikit-learn's ``log_loss``
    does, so for 0/1 targets the value equals ``log_loss``.  PyTorch instead
    clamps each log term at -100: the two agree unless a probability is within
    ``eps`` of 0 or 1 (then PyTorch's term is at most 100, ours at most
    ``-log(eps)``, about 36.04 in float64 and 15.94 in float32).

    Examples
    --------
    >>> from lossmetrics import binary_cross_entropy
    >>> round(binary_cross_entropy([1, 0, 1], [0.9, 0.2, 0.6]), 6)
    0.279777
    """
    checked = check_binary_cross_entropy(y_true, y_proba, sample_weight=sample_weight,
                                         n_threads=n_threads, reduction=reduction)
    return _reduce(checked, binary_state)


def binary_cross_entropy_with_logits(y_true, logits, *, pos_weight=None,
                                     sample_weight=None, reduction="mean",
                                     n_threads=None):
    """Binary cross-entropy of logits, PyTorch ``BCEWithLogitsLoss`` semantics.

    Parameters
    ----------
    y_true : array-like of any shape (N, ...)
        Targets in [0, 1]; soft targets allowed.
    logits : array-like of the same shape
        Finite real scores; infinite logits are rejected with a ValueError.
    pos_weight : float or array-like of shape (L,), default=None
        Weight of the positive term, broadcast over the last axis.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row).
    reduction : {'mean', 'sum', 'none'}, default='mean'
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Notes
    -----
    Computed as ``max(x, 0) - y x + log1p(exp(-|x|))`` (plus the
    ``pos_weight`` term), exact and finite for any finite logit.

    Examples
    --------
    >>> from lossmetrics import binary_cross_entropy_with_logits
    >>> round(binary_cross_entropy_with_logits([1, 0], [2.0, -1.0]), 6)
    0.220095
    >>> binary_cross_entropy_with_logits([1.0, 0.0], [-1e5, 1e5], reduction="sum")
    200000.0
    """
    checked = check_binary_cross_entropy_with_logits(
        y_true, logits, sample_weight=sample_weight, n_threads=n_threads,
        pos_weight=pos_weight, reduction=reduction)
    return _reduce(checked, binary_state)


def _check_distribution(x, name, is_log, n_threads):
    lo, hi = check_finite(x, name, allow_neginf=is_log, n_threads=n_threads)
    if is_log:
        if hi > 0:
            where = first_index_where(lambda a: a > 0, x)
            raise ValueError(
                f"{name} must hold log-probabilities (<= 0); got {x[where]} at index {where}."
            )
    else:
        check_probabilities(x, name, lo, hi)


def check_kl_divergence(y_true, y_pred, *, sample_weight=None, n_threads=None,
                        log_true=False, log_pred=False, reduction="mean"):
    kl_kernel_checks = kernels("_class_kernels").kl_kernel_checks
    from lossmetrics._validation import check_bool

    q = as_float_array(y_pred, "y_pred")
    p = as_float_array(y_true, "y_true")
    _check_same_shape(p, q, "y_true", "y_pred")
    if q.ndim < 2:
        raise ValueError(
            "y_true and y_pred must have shape (N, C) or (N, ..., C): distributions "
            f"along the last axis; got shape {q.shape}."
        )
    check_non_empty(q, "y_pred")
    log_true = check_bool(log_true, "log_true", "kl_divergence")
    log_pred = check_bool(log_pred, "log_pred", "kl_divergence")
    reduction = check_reduction(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * q.size)
    n_cols = q.shape[-1]
    p2, q2 = p.reshape(-1, n_cols), q.reshape(-1, n_cols)
    deferred = [lambda: _check_distribution(p, "y_true", log_true, n_threads),
                lambda: _check_distribution(q, "y_pred", log_pred, n_threads)]
    if log_true or log_pred or not kl_kernel_checks(p2, q2):
        # Only the kernel of probabilities on rows of contiguous columns
        # checks them as it reads them (see _kl_flat).
        for check in deferred:
            check()
        deferred = []
    with _scans_first(deferred):
        sw = check_sample_weight(sample_weight, q.shape[0], n_threads=n_threads)
    return CheckedInputs("kl_divergence", p2, q2, sw, n_threads,
                         dict(reduction=reduction, out_shape=q.shape[:-1],
                              log_true=log_true, log_pred=log_pred,
                              rows_per_sample=p2.shape[0] // q.shape[0]), deferred)


def kl_state(checked, want_none=False):
    kl_kernel = kernels("_class_kernels").kl_kernel

    p = checked.params
    state, per, in_range = kl_kernel(
        checked.y_true, checked.y_pred, p["log_true"], p["log_pred"],
        checked.sample_weight, p["rows_per_sample"], want_none, checked.n_threads)
    if not in_range:
        checked._run_deferred()  # the scans left to the kernel, if any
    return state, per


def kl_divergence(y_true, y_pred, *, log_true=False, log_pred=False,
                  sample_weight=None, reduction="mean", n_threads=None):
    """Kullback-Leibler divergence KL(P || Q) along the last axis.

    Parameters
    ----------
    y_true : array-like of shape (N, ..., C)
        The reference distribution P (probabilities, or log-probabilities if
        ``log_true``).
    y_pred : array-like of the same shape
        The approximating distribution Q (probabilities, or log-probabilities
        if ``log_pred``).
    log_true, log_pred : bool, default=False
        Whether P / Q are given as log-probabilities.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'``: the sum divided by the summed sample weights (by N when
        unweighted) -- PyTorch's ``'batchmean'``; ``'none'``: one value per
        distribution, shape ``(N, ...)``.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of shape (N, ...)

    Notes
    -----
    Terms follow ``scipy.special.rel_entr`` and PyTorch's ``kl_div``:
    ``0 * log 0 = 0``, and ``p > 0`` where ``q = 0`` gives ``inf``.

    Examples
    --------
    >>> from lossmetrics import kl_divergence
    >>> round(kl_divergence([[0.5, 0.5]], [[0.9, 0.1]]), 6)
    0.510826
    """
    checked = check_kl_divergence(y_true, y_pred, sample_weight=sample_weight,
                                  n_threads=n_threads, log_true=log_true,
                                  log_pred=log_pred, reduction=reduction)
    return _reduce(checked, kl_state, scale=checked.params["rows_per_sample"])
