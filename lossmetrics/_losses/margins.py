"""Multi-class margin losses with PyTorch semantics: ``MultiMarginLoss``."""
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import REDUCTION, Option, python_literal
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, as_array, as_float_array, check_class_weight, check_finite,
    check_non_empty, check_sample_weight,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.class_scores import CLASS_WEIGHT, _check_index_targets
from lossmetrics._losses.embeddings import MARGIN
from lossmetrics._losses.labels import label_indices
from lossmetrics._losses.lean import plain_rows


def _check_power(p):
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Integral) or p not in (1, 2):
        raise InvalidParameterError(f"p must be 1 or 2 (as in PyTorch); got {p!r}.")
    return int(p)


# Shared by multi_margin_loss (a power, 1 or 2) and triplet_margin_loss (a
# norm's degree): each loss's check validates it.
P = Option("p", "multi_margin_loss: the power of the hinge, 1 or 2; "
           "triplet_margin_loss: the norm's degree", metavar="P", parse=python_literal)


def check_multi_margin_loss(y_true, x, *, sample_weight=None, n_threads=None, p=1,
                            margin=1.0, class_weight=None, reduction="mean"):
    z = as_float_array(x, "x")
    no_batch = z.ndim == 1
    if no_batch:   # one sample: (C,) scores and a 0-d class index
        y = as_array(y_true, "y_true", allow_0d=True)
        if y.ndim != 0:
            raise ValueError(
                f"x of shape {z.shape} has no batch axis: y_true must then be one class "
                f"index (0-d); got shape {y.shape}. For a batch, x has shape (N, C).")
        z, y_true = z[None, :], y[None]
    if z.ndim != 2:
        raise ValueError(f"x must have shape (N, C), or (C,) for one sample; got shape "
                         f"{z.shape}.")
    check_non_empty(z, "x")
    power = _check_power(p)
    margin = MARGIN.check(margin)
    reduction = REDUCTION.check(reduction)
    n_threads = resolve_n_threads(n_threads, work=z.size)
    check_finite(z, "x", n_threads=n_threads)
    n, n_classes = z.shape
    target, check_range = _check_index_targets(as_array(y_true, "y_true"), (n,), n_classes,
                                               None, "x")
    check_range()
    cw = np.empty(0) if class_weight is None else check_class_weight(class_weight,
                                                                     n_classes)
    sw = check_sample_weight(sample_weight, n, n_threads=n_threads)
    return CheckedInputs("multi_margin_loss", target, z, sw, n_threads,
                         dict(p=power, margin=margin, class_weight=cw, reduction=reduction,
                              out_shape=() if no_batch else (n,)))


@takes_groups
def multi_margin_state(checked, want_none=False, groups=None):
    prm = checked.params
    return kernels("_class_kernels").multi_margin_kernel(
        checked.y_pred, checked.y_true, prm["p"], prm["margin"], prm["class_weight"],
        checked.sample_weight, want_none, checked.n_threads, *(groups or ()))


def _score_multi_margin(y_true, y_score, *, classes=None, sample_weight=None):
    """Scorer: (N, C) decision functions; a binary (N,) one, the score of
    classes_[1] relative to classes_[0], is read as the columns (0, s)."""
    idx, classes = label_indices(y_true, classes)
    z = np.asarray(y_score, dtype=np.float64)
    if z.ndim == 1:
        z = np.column_stack([np.zeros_like(z), z])
    return multi_margin_loss(idx, z, sample_weight=sample_weight)


def _demo(d):
    # Digits' decision functions and labels.
    z, y = d.scores, d.labels
    rows = np.arange(y.size)

    def reference():
        t = np.maximum(0.0, 1.0 - z[rows, y][:, None] + z)
        t[rows, y] = 0.0
        return np.mean(t.sum(axis=1) / z.shape[1])
    return [("multi_margin_loss", lambda: multi_margin_loss(y, z), "numpy", reference)]


def _lean_multi_margin(y_true, x, p=1, margin=1.0, class_weight=None, reduction="mean"):
    """The fast path (lossmetrics/_losses/lean.py) of multi_margin_loss: int64
    class indices and C-contiguous float64 (N, C) scores with PyTorch's
    defaults (p = 1, margin 1, no class weights), or None.  The kernel
    checks that the scores are finite and the indices in range, and returns
    None otherwise: the generic path then raises."""
    if not (type(p) is int and p == 1 and type(margin) is float and margin == 1.0
            and class_weight is None and isinstance(reduction, str)
            and reduction in ("mean", "sum") and plain_rows(y_true, x)
            and x.dtype == np.float64):
        return None
    state = kernels("_class_kernels").small_multi_margin_state(y_true, x)
    return None if state is None else torch_result(state, {"reduction": reduction},
                                                   "multi_margin_loss")


MULTI_MARGIN_LOSS = Loss(
    name="multi_margin_loss", check=check_multi_margin_loss, state=multi_margin_state,
    result=torch_result, result_keys=("reduction",),
    options=(P, MARGIN, CLASS_WEIGHT, REDUCTION), target="class indices",
    prediction="scores", reference="torch.nn.functional.multi_margin_loss",
    example=("[0, 2, 1, 0]", "[[2., 1, 0], [0, 1, 3], [1, 2, 0], [.5, .25, 1]]"),
    element_shape=lambda shape: (), demo=_demo, scorer="neg_multi_margin_loss",
    response_method="decision_function", score=_score_multi_margin, fast=_lean_multi_margin,
)


@public(MULTI_MARGIN_LOSS)
def multi_margin_loss(y_true, x, *, p=1, margin=1.0, class_weight=None, sample_weight=None,
                      reduction="mean", n_threads=None):
    """Multi-class hinge loss, PyTorch ``MultiMarginLoss`` semantics.

    Per sample with target class ``k``:
    ``sum over i != k of max(0, margin - x[k] + x[i])**p / C``, times
    ``class_weight[k]`` if given.

    Parameters
    ----------
    y_true : array-like of shape (N,), or 0-d for one sample
        Class indices in ``[0, C)``.
    x : array-like of shape (N, C), or (C,) for one sample
        Scores (float32 and float64 are read in place).  Must be finite.
    p : {1, 2}, default=1
        Power of the hinge.
    margin : float, default=1.0
        The margin, a finite real number.
    class_weight : array-like of shape (C,), default=None
        Non-negative weight of each target class (PyTorch's ``weight``); as in
        PyTorch it does not enter the ``'mean'`` denominator.
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
    >>> from lossmetrics import multi_margin_loss
    >>> multi_margin_loss([0, 2], [[2.0, 1.5, 0.0], [0.5, 1.0, 1.25]])
    0.25
    >>> multi_margin_loss([0, 2], [[2.0, 1.5, 0.0], [0.5, 1.0, 1.25]], p=2,
    ...                   reduction="none")
    array([0.08333333, 0.20833333])
    """
    return evaluate(MULTI_MARGIN_LOSS, y_true, x, sample_weight, n_threads, p=p,
                    margin=margin, class_weight=class_weight, reduction=reduction)
