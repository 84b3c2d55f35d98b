"""Multilabel losses with PyTorch semantics: ``MultiLabelSoftMarginLoss``.

The multilabel soft margin loss of a sample is the mean over its C labels of
the (class-weighted) binary cross-entropies of its logits: it runs on the
binary cross-entropy kernel, with the class weights as that kernel's
per-column ``weight``, and divides by C.
"""
import dataclasses

import numpy as np

from lossmetrics._core.declaration import Loss, public
from lossmetrics._core.driver import evaluate
from lossmetrics._core.options import REDUCTION
from lossmetrics._core.state import torch_result
from lossmetrics._core.validation import (
    Deferred, as_array, as_float_array, check_class_weight,
)
from lossmetrics._losses.class_scores import CLASS_WEIGHT
from lossmetrics._losses.elementwise import _check_bce_logits, binary_state

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


def multilabel_state(checked, want_none=False):
    """The binary cross-entropy kernel's state; for 'none', each sample's mean
    over its labels, from blocks of rows."""
    if not want_none:
        return _bce_state(checked, False)
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
