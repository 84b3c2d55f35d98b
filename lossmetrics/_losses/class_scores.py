"""Losses of class scores with PyTorch semantics: cross_entropy (logits) and
nll_loss (log-probabilities), over (N, C) or (N, C, d1, ..., dk) inputs.

Weighting contract (PyTorch has no ``sample_weight``; ours composes with its
class weights):

* per-element value: ``sample_weight[n] * loss`` where ``loss`` already holds
  PyTorch's class weight (``reduction='none'``);
* ``'sum'``: the sum of those values;
* ``'mean'``: that sum divided by the sum over non-ignored elements of
  ``sample_weight[n] * class_weight[target]`` for index targets (PyTorch's
  denominator when all sample weights are 1), or of ``sample_weight[n]`` per
  element otherwise.
"""
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import REDUCTION, Option
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, as_array, as_float_array, check_class_weight, check_finite,
    check_no_missing, check_non_empty, check_probabilities, check_sample_weight,
    Deferred, first_index_where, format_index,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.elementwise import binary_cross_entropy_with_logits
from lossmetrics._losses.labels import label_indices
from lossmetrics._losses.lean import NO_WEIGHTS, plain_rows


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
        check_no_missing(y, "y_true")
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
    no_batch = z.ndim == 1
    if no_batch:
        # PyTorch's input without a batch axis: (C,) scores with a 0-d class
        # index or (C,) probabilities; one sample, a 0-d result for 'none'.
        y = as_array(y_true, "y_true", allow_0d=True)
        if not (y.ndim == 0 or (y.shape == z.shape and y.dtype.kind in "fOc")):
            raise ValueError(
                f"{scores_name} of shape {z.shape} has no batch axis: y_true must then "
                f"be one class index (0-d) or one row of class probabilities of shape "
                f"{z.shape}; got shape {y.shape} and dtype {y.dtype}. For a batch, "
                f"{scores_name} has shape (N, C).")
        z, y_true = z[None, :], y[None, ...]
    if z.ndim < 2:
        raise ValueError(
            f"{scores_name} must have shape (N, C), (N, C, d1, ..., dk) or (C,); got "
            f"shape {z.shape}."
        )
    check_non_empty(z, scores_name)
    reduction = REDUCTION.check(reduction)
    ignore_index = IGNORE_INDEX.check(ignore_index)
    label_smoothing = LABEL_SMOOTHING.check(label_smoothing)
    n_threads = resolve_n_threads(n_threads, work=z.size)

    # The order of PyTorch's checks: the scores, then the targets, then the
    # weights.  The kernel of class indices sees every score: cross_entropy's
    # flags a NaN or an infinity as it takes the log-sum-exps, nll_loss's scans
    # each block for a NaN or +inf before it picks from it; so the scan of the
    # scores is left to it, as is the range of the indices (see Deferred).
    deferred = Deferred()
    deferred.add(lambda: check_finite(z, scores_name, allow_neginf=log_input,
                                      n_threads=n_threads))
    with deferred.first():
        checked = _check_targets(y_true, z, sample_weight, n_threads, class_weight,
                                 ignore_index, label_smoothing, reduction, metric,
                                 scores_name, log_input, deferred)
    if no_batch:
        checked.params["out_shape"] = ()
    return checked


def _check_targets(y_true, z, sample_weight, n_threads, class_weight, ignore_index,
                   label_smoothing, reduction, metric, scores_name, log_input, deferred):
    """The checks of _check_class_scores after the scores' own."""
    n, n_classes = z.shape[0], z.shape[1]
    spatial = (n,) + z.shape[2:]
    cw = check_class_weight(class_weight, n_classes)
    z3 = z.reshape(n, n_classes, -1) if z.ndim > 2 else z[:, :, None]
    y = as_array(y_true, "y_true")
    if y.shape == z.shape and y.dtype.kind in "fOc" and not log_input:
        deferred.run()   # the kernel of probability targets checks no logit
        if ignore_index is not None:
            # PyTorch: "ignore_index is not supported for floating point target".
            raise ValueError(
                "ignore_index applies to class-index targets only; y_true holds class "
                f"probabilities (the shape of {scores_name}), got ignore_index="
                f"{ignore_index}."
            )
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
        deferred.add(check_range)
        kind = "indices"
    sw = check_sample_weight(sample_weight, n, n_threads=n_threads)
    return CheckedInputs(
        metric=metric, y_true=target, y_pred=z3, sample_weight=sw, n_threads=n_threads,
        params=dict(class_weight=cw, ignore_index=ignore_index,
                    label_smoothing=label_smoothing, reduction=reduction,
                    target_kind=kind, out_shape=spatial),
        deferred=deferred,
    )


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


def class_scores_state(log_input):
    """The kernel call of cross_entropy (logits) or, with ``log_input``, nll_loss
    (log-probabilities): ``state(checked, want_none)`` -> (state, per-element)."""
    @takes_groups
    def state(checked, want_none=False, groups=None):
        k = kernels("_class_kernels")
        index_target_kernel, prob_target_kernel = k.index_target_kernel, k.prob_target_kernel

        p = checked.params
        if p["target_kind"] == "probabilities":
            return prob_target_kernel(checked.y_pred, checked.y_true, p["class_weight"],
                                      checked.sample_weight, p["label_smoothing"],
                                      want_none, checked.n_threads, *(groups or ()))
        ignore = p["ignore_index"]
        state, per, bad, seen_finite = index_target_kernel(
            checked.y_pred, checked.y_true, p["class_weight"], checked.sample_weight,
            0 if ignore is None else ignore, ignore is not None, p["label_smoothing"],
            log_input, want_none, checked.n_threads, *(groups or ()))
        if not seen_finite or bad >= 0:
            # The checks left to the kernel: the scores' scan (when the kernel
            # could not vouch for them), then the range of the class indices.
            checked.run_deferred()
        if bad >= 0:  # pragma: no cover - the deferred range check raises first
            raise ValueError(f"y_true has an invalid class index at flat index {bad}.")
        return state, per
    return state


def _score_cross_entropy(y_true, y_score, *, classes=None, sample_weight=None):
    """Scorer: multiclass logits (N, C), or the binary logit of classes_[1] (N,)."""
    idx, classes = label_indices(y_true, classes)
    if np.ndim(y_score) == 1:
        return binary_cross_entropy_with_logits(
            (idx == 1).astype(np.float64), y_score, sample_weight=sample_weight)
    return cross_entropy(idx, y_score, sample_weight=sample_weight)


def _class_scores_shape(shape):
    """One value per position: (N, C, d1, ..., dk) -> (d1, ..., dk)."""
    return tuple(shape[2:])


def _log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def _demo_cross_entropy(d):
    rows = np.arange(d.labels.size)
    return [("cross_entropy", lambda: cross_entropy(d.labels, d.scores), "numpy",
             lambda: -np.mean(_log_softmax(d.scores)[rows, d.labels]))]


def _demo_nll_loss(d):
    rows = np.arange(d.labels.size)
    return [("nll_loss", lambda: nll_loss(d.labels, np.log(d.proba)), "numpy",
             lambda: -np.mean(np.log(d.proba)[rows, d.labels]))]


CLASS_WEIGHT = Option("class_weight", "one weight per class", metavar="W", nargs="+",
                      type=float)
IGNORE_INDEX = Option("ignore_index", "target value that is ignored", metavar="INT",
                      type=int, check=_check_ignore_index)
LABEL_SMOOTHING = Option("label_smoothing", "in [0, 1]", metavar="F", type=float,
                         check=_check_label_smoothing)

def _lean_index_targets(log_input):
    """The fast path (lossmetrics/_losses/lean.py) of cross_entropy (logits)
    or, with ``log_input``, nll_loss (log-probabilities): int64 class indices
    and (N, C) scores without options, or None.  The kernel reads every score
    and every index, and reports a NaN or an infinity (nll_loss: a NaN or
    +inf) and an index out of range; then the generic path runs, and raises.
    nll_loss's is one serial call of its own (small_nll_state: the same
    bits)."""
    name = "nll_loss" if log_input else "cross_entropy"

    def lean(y_true, scores, class_weight=None, ignore_index=None, label_smoothing=0.0,
             reduction="mean"):
        if not (class_weight is None and ignore_index is None
                and type(label_smoothing) is float and label_smoothing == 0.0
                and isinstance(reduction, str) and reduction in ("mean", "sum")
                and plain_rows(y_true, scores)):
            return None
        if log_input:
            state = kernels("_class_kernels").small_nll_state(y_true, scores)
            if state is None:
                return None
        else:
            state, _, bad, seen_finite = kernels("_class_kernels").index_target_kernel(
                scores[:, :, None], y_true[:, None], np.ones(scores.shape[1]), NO_WEIGHTS,
                0, False, 0.0, log_input, False, 1)
            if bad >= 0 or not seen_finite:
                return None
        return torch_result(state, {"reduction": reduction}, name)
    return lean


CROSS_ENTROPY = Loss(
    name="cross_entropy", check=check_cross_entropy, state=class_scores_state(False),
    # (target_kind: an Accumulator's batches hold class indices or class
    # probabilities, all of them the same.)
    result=torch_result, result_keys=("reduction", "target_kind"),
    options=(CLASS_WEIGHT, IGNORE_INDEX, LABEL_SMOOTHING, REDUCTION),
    target="class indices", prediction="logits",
    reference="torch.nn.functional.cross_entropy",
    example=("[0, 2, 1, 0]", "[[1., 2, 3], [0, 0, 1], [2, 1, 0], [.5, .5, .5]]"),
    element_shape=_class_scores_shape, scorer="neg_cross_entropy",
    response_method="decision_function", score=_score_cross_entropy,
    demo=_demo_cross_entropy, fast=_lean_index_targets(False),
)

NLL_LOSS = Loss(
    name="nll_loss", check=check_nll_loss, state=class_scores_state(True),
    result=torch_result,
    result_keys=("reduction",), options=(CLASS_WEIGHT, IGNORE_INDEX, REDUCTION),
    target="class indices", prediction="log-probabilities",
    reference="torch.nn.functional.nll_loss",
    example=("[0, 2, 1, 0]", "np.log([[.7, .2, .1], [.1, .1, .8], [.2, .7, .1], [.3, .3, .4]])"),
    element_shape=_class_scores_shape, demo=_demo_nll_loss, fast=_lean_index_targets(True),
)


@public(CROSS_ENTROPY)
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
        A ``(C,)`` array is one sample without a batch axis, with a 0-d class
        index or ``(C,)`` probabilities (``'none'`` then gives a 0-d array).
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
    return evaluate(CROSS_ENTROPY, y_true, logits, sample_weight, n_threads,
                    class_weight=class_weight, ignore_index=ignore_index,
                    label_smoothing=label_smoothing, reduction=reduction)


@public(NLL_LOSS)
def nll_loss(y_true, log_proba, *, class_weight=None, sample_weight=None,
             ignore_index=None, reduction="mean", n_threads=None):
    """Negative log-likelihood of log-probabilities, PyTorch ``NLLLoss`` semantics.

    Parameters
    ----------
    y_true : array-like of shape (N,) or (N, d1, ..., dk)
        Integer class indices in ``[0, C)`` (or ``ignore_index``).
    log_proba : array-like of shape (N, C), (N, C, d1, ..., dk) or (C,) with a 0-d index
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
    return evaluate(NLL_LOSS, y_true, log_proba, sample_weight, n_threads,
                    class_weight=class_weight, ignore_index=ignore_index,
                    reduction=reduction)


