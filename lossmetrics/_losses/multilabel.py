"""Multilabel losses with PyTorch semantics: ``MultiLabelSoftMarginLoss`` and
``MultiLabelMarginLoss``.

The multilabel soft margin loss of a sample is the mean over its C labels of
the (class-weighted) binary cross-entropies of its logits: it runs on the
binary cross-entropy kernel, with the class weights as that kernel's
per-column ``weight``, and divides by C.
"""
import dataclasses

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.options import REDUCTION
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_array, as_float_array, check_class_weight, check_finite,
    check_no_missing, check_non_empty, check_sample_weight, first_index_where,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.class_scores import CLASS_WEIGHT
from lossmetrics._losses.elementwise import _check_bce_logits, binary_state
from lossmetrics._losses.lean import plain_matrices

# Rows of per-element values formed at a time for reduction='none' (whose
# result is one value per sample): a bounded temporary, not an (N, C) one.
_NONE_ROWS = 4096


def check_multilabel_soft_margin_loss(y_true, x, *, sample_weight=None, n_threads=None,
                                      class_weight=None, reduction="mean"):
    z = as_float_array(x, "x")
    if z.ndim not in (1, 2):
        raise ValueError(
            f"x must have shape (N, C), or (C,) for one sample; got shape {z.shape}.")
    y = as_array(y_true, "y_true")   # (no 0-d targets: a sample has C labels)
    no_batch = z.ndim == 1
    if no_batch:   # one sample: its (C,) labels form one row
        z, y = z[None, :], (y[None, :] if y.shape == z.shape else y)
    deferred = Deferred()
    with deferred.first():
        checked = _check_bce_logits(y, z, sample_weight, n_threads, None, reduction,
                                    deferred, scores_name="x")
    n_rows, n_classes = z.shape
    cw = check_class_weight(class_weight, n_classes)
    checked.params.update(weight=np.broadcast_to(cw, (n_rows, n_classes)),
                          n_classes=n_classes, out_shape=() if no_batch else (n_rows,))
    return checked


_bce_state = binary_state("BINARY_CROSS_ENTROPY_LOGITS")


@takes_groups
def multilabel_state(checked, want_none=False, groups=None):
    """The binary cross-entropy kernel's state (with ``groups``, of each group);
    for 'none', each sample's mean over its labels, from blocks of rows."""
    if not want_none:
        return _bce_state(checked, False, groups)
    n, n_classes = checked.y_pred.shape
    out = np.empty(n)
    sw, weight = checked.sample_weight, checked.params["weight"]
    for r0 in range(0, n, _NONE_ROWS):
        r1 = min(n, r0 + _NONE_ROWS)
        part = dataclasses.replace(
            checked, y_true=checked.y_true[r0:r1], y_pred=checked.y_pred[r0:r1],
            sample_weight=sw[r0:r1] if sw.size else sw,
            params=dict(checked.params, weight=weight[r0:r1]))
        _, per_element = _bce_state(part, True)
        out[r0:r1] = per_element.sum(axis=1) / n_classes
    return None, out


def multilabel_result(state, params, metric):
    """PyTorch's 'sum' adds the samples' means over their labels: the kernel's
    sum over elements divided by C; 'mean' is the kernel's (its denominator
    counts the C labels of every sample)."""
    value = torch_result(state, params, metric)
    return value / params["n_classes"] if params["reduction"] == "sum" else value


def _demo(d):
    # Digits' decision functions against their one-hot labels, as 10 labels.
    onehot = (d.labels[:, None] == np.arange(d.scores.shape[1])).astype(np.float64)
    z = d.scores
    return [("multilabel_soft_margin_loss (digits one-hot)",
             lambda: multilabel_soft_margin_loss(onehot, z), "numpy",
             lambda: np.mean(np.mean(np.logaddexp(0, z) - onehot * z, axis=1)))]


MULTILABEL_SOFT_MARGIN_LOSS = Loss(
    name="multilabel_soft_margin_loss", check=check_multilabel_soft_margin_loss,
    state=multilabel_state, result=multilabel_result,
    result_keys=("reduction", "n_classes"), options=(CLASS_WEIGHT, REDUCTION),
    target="probabilities", prediction="logits",
    reference="torch.nn.functional.multilabel_soft_margin_loss",
    example=("[[0., 1, 1], [1, 0, 0], [0, 0, 1], [1, 1, 0]]",
             "[[-1., 2, .5], [1.5, -.5, -2], [0, -1, 1], [2, .25, -1]]"),
    element_shape=lambda shape: (), demo=_demo,
)


@public(MULTILABEL_SOFT_MARGIN_LOSS)
def multilabel_soft_margin_loss(y_true, x, *, class_weight=None, sample_weight=None,
                                reduction="mean", n_threads=None):
    """Multilabel soft margin loss, PyTorch ``MultiLabelSoftMarginLoss`` semantics.

    Per sample: the mean over its C labels of
    ``-class_weight[c] (y log sigmoid(x) + (1 - y) log sigmoid(-x))``.

    Parameters
    ----------
    y_true : array-like of shape (N, C), or (C,) for one sample
        Targets in [0, 1] (0 or 1 per label; soft targets allowed).
    x : array-like of the same shape
        Logits (float32 and float64 are read in place).  Must be finite.
    class_weight : array-like of shape (C,), default=None
        Non-negative weight of each label (PyTorch's ``weight``).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'none'``: one value per sample; ``'sum'``: their (weighted) sum;
        ``'mean'``: their weighted mean.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of shape (N,)

    Examples
    --------
    >>> from lossmetrics import multilabel_soft_margin_loss
    >>> round(multilabel_soft_margin_loss([[0, 1], [1, 1]], [[-1.0, 2.0], [0.5, 0.0]]), 6)
    0.401853
    """
    return evaluate(MULTILABEL_SOFT_MARGIN_LOSS, y_true, x, sample_weight, n_threads,
                    class_weight=class_weight, reduction=reduction)


def _target_lists(y, shape):
    """The (N, C) target lists of multilabel_margin_loss as int64 (read in
    place when int64), after checking their dtype, shape and range [-1, C)."""
    if y.shape != shape:
        raise ValueError(f"y_true must have the shape of x, {shape} (each row: target "
                         f"class indices, ended by -1); got shape {y.shape}.")
    if y.dtype.kind == "f":
        y = np.asarray(y, dtype=np.float64)   # float16, big-endian: converted
        check_finite(y, "y_true")
        if (y != np.floor(y)).any():
            where = first_index_where(lambda a: a != np.floor(a), y)
            raise ValueError("y_true must hold integer class indices (or -1); got the "
                             f"non-integer {y[where]} at index {where}.")
    elif y.dtype.kind not in "iu":
        check_no_missing(y, "y_true")
        raise TypeError(f"y_true must hold integer class indices (or -1); got dtype "
                        f"{y.dtype}.")
    n_classes = shape[1]
    lo, hi = y.min(), y.max()
    if lo < -1 or hi >= n_classes:
        where = first_index_where(lambda a: (a < -1) | (a >= n_classes), y)
        raise ValueError(f"y_true must hold class indices in [0, {n_classes}) or -1 (the "
                         f"end of a row's targets); got {y[where]} at index {where}.")
    y64 = y if y.dtype == np.int64 and y.dtype.isnative else y.astype(np.int64)
    return y64


def check_multilabel_margin_loss(y_true, x, *, sample_weight=None, n_threads=None,
                                 reduction="mean"):
    z = as_float_array(x, "x", allow_0d=True)
    if z.ndim not in (0, 1, 2):
        raise ValueError(
            f"x must have shape (N, C), or (C,) for one sample; got shape {z.shape}.")
    y = as_array(y_true, "y_true", allow_0d=True)
    no_batch = z.ndim < 2
    if no_batch:   # one sample: its (C,) scores and targets form one row
        if y.shape != z.shape:
            raise ValueError(f"y_true must have the shape of x, {z.shape}; got shape "
                             f"{y.shape}.")
        z, y = z.reshape(1, -1), y.reshape(1, -1)
    check_non_empty(z, "x")
    reduction = REDUCTION.check(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * z.size)
    check_finite(z, "x", n_threads=n_threads)
    target = _target_lists(y, z.shape)
    sw = check_sample_weight(sample_weight, z.shape[0], n_threads=n_threads)
    return CheckedInputs("multilabel_margin_loss", target, z, sw, n_threads,
                         dict(reduction=reduction,
                              out_shape=() if no_batch else (z.shape[0],)))


@takes_groups
def multilabel_margin_state(checked, want_none=False, groups=None):
    return kernels("_class_kernels").multilabel_margin_kernel(
        checked.y_pred, checked.y_true, checked.sample_weight, want_none,
        checked.n_threads, *(groups or ()))


def _demo_margin(d):
    # Digits' decision functions; each sample's targets: its label and the
    # next digit, then -1.
    z, c = d.scores, d.scores.shape[1]
    y = np.full(z.shape, -1, dtype=np.int64)
    y[:, 0], y[:, 1] = d.labels, (d.labels + 1) % c

    def reference():
        rows = np.arange(z.shape[0])
        mask = np.zeros(z.shape, dtype=bool)
        mask[rows, y[:, 0]] = mask[rows, y[:, 1]] = True
        total = 0.0
        for k in (y[:, 0], y[:, 1]):
            t = np.maximum(0.0, 1.0 - (z[rows, k][:, None] - z))
            total = total + np.where(mask, 0.0, t).sum(axis=1)
        return np.mean(total / c)
    return [("multilabel_margin_loss (digits, 2 targets)",
             lambda: multilabel_margin_loss(y, z), "numpy", reference)]


def _lean_multilabel_margin(y_true, x, reduction="mean"):
    """The fast path (lossmetrics/_losses/lean.py) of multilabel_margin_loss:
    int64 target lists and float64 scores, C-contiguous (N, C) arrays of one
    shape, or None.  The kernel checks that the scores are finite and the
    targets in [-1, C), and returns None otherwise: the generic path then
    raises."""
    if not (isinstance(reduction, str) and reduction in ("mean", "sum")
            and plain_matrices(x, x, work=2) and type(y_true) is np.ndarray
            and y_true.dtype == np.int64 and y_true.shape == x.shape
            and y_true.flags.c_contiguous and y_true.flags.aligned):
        return None
    state = kernels("_class_kernels").small_multilabel_margin_state(y_true, x)
    return None if state is None else torch_result(state, {"reduction": reduction},
                                                   "multilabel_margin_loss")


MULTILABEL_MARGIN_LOSS = Loss(
    name="multilabel_margin_loss", check=check_multilabel_margin_loss,
    state=multilabel_margin_state, result=torch_result, result_keys=("reduction",),
    options=(REDUCTION,), target="class index lists", prediction="scores",
    reference="torch.nn.functional.multilabel_margin_loss",
    example=("[[1, -1, 0], [0, 2, -1], [2, -1, -1], [0, 1, 2]]",
             "[[-1., 2, .5], [1.5, -.5, -2], [0, -1, 1], [2, .25, -1]]"),
    element_shape=lambda shape: (), demo=_demo_margin, fast=_lean_multilabel_margin,
)


@public(MULTILABEL_MARGIN_LOSS)
def multilabel_margin_loss(y_true, x, *, sample_weight=None, reduction="mean",
                           n_threads=None):
    """Multilabel hinge loss, PyTorch ``MultiLabelMarginLoss`` semantics.

    The targets of a sample are the class indices at the start of its row of
    ``y_true``, up to the first -1.  Per sample: the sum, over each target
    ``j`` and each class ``i`` that is not a target, of
    ``max(0, 1 - (x[j] - x[i]))``, divided by the number of classes C.

    Parameters
    ----------
    y_true : array-like of int, shape (N, C), or (C,) for one sample
        Each row: target class indices in ``[0, C)``, then -1 (the entries
        after the first -1 are not read, but must be in ``[-1, C)``, as in
        PyTorch).  A repeated target counts once per occurrence.
    x : array-like of shape (N, C), or (C,) for one sample
        Scores (float32 and float64 are read in place).  Must be finite.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over samples.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of shape (N,)

    Examples
    --------
    >>> from lossmetrics import multilabel_margin_loss
    >>> multilabel_margin_loss([[3, 0, -1, 1]], [[0.1, 0.2, 0.4, 0.8]])
    0.85
    >>> multilabel_margin_loss([[0, 2, -1], [1, -1, 0]], [[2.0, 0.0, 1.5], [0.0, 1.0, 1.0]],
    ...                        reduction="none")
    array([0.        , 0.33333333])
    """
    return evaluate(MULTILABEL_MARGIN_LOSS, y_true, x, sample_weight, n_threads,
                    reduction=reduction)
