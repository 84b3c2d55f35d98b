"""Embedding losses, PyTorch semantics: ``CosineEmbeddingLoss`` and ``HingeEmbeddingLoss``."""
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import REDUCTION, Option
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, as_array, as_float_array, check_finite, check_non_empty,
    check_no_missing, check_same_shape, check_sample_weight,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.elementwise import check_pair, pair_state


def check_cosine_embedding_loss(y_true, x1, *, x2=None, sample_weight=None,
                                n_threads=None, margin=0.0, reduction="mean"):
    """Validate (y_true, x1, x2); ``x2`` is a keyword here so that the loss fits
    ``check_inputs(metric, y_true, y_pred, **params)``."""
    a = as_float_array(x1, "x1")
    b = as_float_array(x2, "x2")
    check_same_shape(a, b, "x1", "x2")
    no_batch = a.ndim == 1
    if no_batch:
        # PyTorch's pair without a batch axis: (D,) embeddings, a 0-d target;
        # one sample, a 0-d result for 'none'.
        y = as_array(y_true, "y_true", allow_0d=True)
        if y.ndim != 0:
            raise ValueError(
                f"x1 and x2 of shape {a.shape} have no batch axis: y_true must then be "
                f"one target (0-d); got shape {y.shape}. For a batch, x1 and x2 have "
                "shape (N, D).")
        a, b, y_true = a[None, :], b[None, :], y[None]
    if a.ndim != 2:
        raise ValueError(f"x1 and x2 must have shape (N, D) or (D,); got shape {a.shape}.")
    check_non_empty(a, "x1")
    margin = MARGIN.check(margin)
    reduction = REDUCTION.check(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * a.size)
    check_finite(a, "x1", n_threads=n_threads)
    check_finite(b, "x2", n_threads=n_threads)
    y = as_array(y_true, "y_true")
    if y.shape != (a.shape[0],):
        raise ValueError(
            f"y_true must have shape ({a.shape[0]},), one target per row of x1; got "
            f"shape {y.shape}."
        )
    if y.dtype.kind not in "iuf":
        check_no_missing(y, "y_true")
        raise TypeError(f"y_true must hold the numbers 1 and -1; got dtype {y.dtype}.")
    # int64 and float64 targets are read in place; other dtypes are converted.
    target = y if y.dtype in (np.int64, np.float64) and y.dtype.isnative else (
        y.astype(np.float64))
    first_not_pm1 = kernels("_elementwise_kernels").first_not_pm1

    where = first_not_pm1(target)
    if where >= 0:
        raise ValueError(f"y_true must hold 1 or -1; got {y[where]} at index {where}.")
    sw = check_sample_weight(sample_weight, a.shape[0], n_threads=n_threads)
    return CheckedInputs("cosine_embedding_loss", target, a, sw, n_threads,
                         dict(x2=b, margin=float(margin), reduction=reduction,
                              out_shape=() if no_batch else (a.shape[0],)))


@takes_groups
def cosine_state(checked, want_none=False, groups=None):
    cosine_embedding_kernel = kernels("_elementwise_kernels").cosine_embedding_kernel

    p = checked.params
    return cosine_embedding_kernel(checked.y_true, checked.y_pred, p["x2"], p["margin"],
                                   checked.sample_weight, want_none, checked.n_threads,
                                   *(groups or ()))


def _demo(d):
    onehot = (d.labels[:, None] == np.arange(d.proba.shape[1])).astype(np.float64)
    eps = float(np.float32(1e-12))    # PyTorch's epsilon
    return [("cosine_embedding_loss (proba vs one-hot)",
             lambda: cosine_embedding_loss(np.ones(d.labels.size), d.proba, onehot), "numpy",
             lambda: np.mean(1 - np.sum(d.proba * onehot, axis=1) / np.sqrt(
                 (np.sum(d.proba**2, axis=1) + eps) * (1 + eps))))]


def _check_margin(margin):
    if (isinstance(margin, (bool, np.bool_)) or not isinstance(margin, numbers.Real)
            or not np.isfinite(margin)):
        raise InvalidParameterError(f"margin must be a finite real number; got {margin!r}.")
    return float(margin)


X2 = Option("x2", "the second embedding (cosine_embedding_loss) or score "
            "(margin_ranking_loss) of each pair", metavar="FILE")
MARGIN = Option("margin", "the margin", metavar="F", type=float,
                check=_check_margin)

COSINE_EMBEDDING_LOSS = Loss(
    name="cosine_embedding_loss", check=check_cosine_embedding_loss, state=cosine_state,
    result=torch_result, result_keys=("reduction",), options=(X2, MARGIN, REDUCTION),
    target="signs", prediction="embeddings",
    reference="torch.nn.functional.cosine_embedding_loss",
    example=("[1, -1, 1, -1]", "[[1., 0, 2], [.5, -1, 0], [0, 1, 1], [2, 2, -1]]",
             "[[1., 1, 1], [0, 1, .5], [1, .5, -1], [-1, 2, 0]]"),
    element_shape=lambda shape: (), batch_arrays=("x2",), demo=_demo,
)


@public(COSINE_EMBEDDING_LOSS)
def cosine_embedding_loss(y_true, x1, x2, *, margin=0.0, sample_weight=None,
                          reduction="mean", n_threads=None):
    """Cosine embedding loss, PyTorch ``CosineEmbeddingLoss`` semantics.

    Per row: ``1 - cos(x1, x2)`` where ``y_true = 1`` (pull together) and
    ``max(0, cos(x1, x2) - margin)`` where ``y_true = -1`` (push apart), with
    ``cos = x1.x2 / sqrt((|x1|^2 + eps)(|x2|^2 + eps))`` as PyTorch has it,
    ``eps = float32(1e-12)``; where that product would overflow (norms beyond
    about 1e77) the square roots are taken separately, so the cosine stays
    right where PyTorch's becomes 0.

    Parameters
    ----------
    y_true : array-like of shape (N,)
        1 or -1 for each pair.
    x1, x2 : array-like of shape (N, D)
        The two embeddings of each pair.
    margin : float, default=0.0
        For dissimilar pairs, similarity below ``margin`` costs nothing.
    sample_weight : array-like of shape (N,), default=None
        Weight of each pair.
    reduction : {'mean', 'sum', 'none'}, default='mean'
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of shape (N,)

    Examples
    --------
    >>> from lossmetrics import cosine_embedding_loss
    >>> cosine_embedding_loss([1, -1], [[1.0, 0.0], [1.0, 0.0]], [[1.0, 1.0], [0.0, 1.0]],
    ...                       reduction="none").round(6)
    array([0.292893, 0.      ])
    """
    return evaluate(COSINE_EMBEDDING_LOSS, y_true, x1, sample_weight, n_threads, x2=x2,
                    margin=margin, reduction=reduction)


def check_hinge_embedding_loss(y_true, x, *, sample_weight=None, n_threads=None,
                               margin=1.0, reduction="mean"):
    margin = MARGIN.check(margin)
    return check_pair("hinge_embedding_loss", y_true, x, sample_weight, n_threads,
                      reduction, pred_name="x", param=margin)


def _demo_hinge(d):
    # Digits: the distance of each predicted distribution to the one-hot of
    # its label (similar pairs) and to the one-hot of the next class (dissimilar).
    n, c = d.proba.shape
    same = np.sqrt(np.sum((d.proba - (d.labels[:, None] == np.arange(c))) ** 2, axis=1))
    other = np.sqrt(np.sum((d.proba - ((d.labels[:, None] + 1) % c == np.arange(c))) ** 2,
                           axis=1))
    x = np.concatenate([same, other])
    y = np.concatenate([np.ones(n), -np.ones(n)])
    return [("hinge_embedding_loss (digit distances)",
             lambda: hinge_embedding_loss(y, x), "numpy",
             lambda: np.mean(np.where(y == 1, x, np.maximum(0.0, 1.0 - x))))]


HINGE_EMBEDDING_LOSS = Loss(
    name="hinge_embedding_loss", check=check_hinge_embedding_loss,
    state=pair_state("HINGE_EMBEDDING"), result=torch_result, result_keys=("reduction",),
    options=(MARGIN, REDUCTION), target="signs", prediction="distances",
    reference="torch.nn.functional.hinge_embedding_loss",
    example=("[1, -1, 1, -1]", "[0.25, 0.5, 1.5, 2.0]"), demo=_demo_hinge,
)


@public(HINGE_EMBEDDING_LOSS)
def hinge_embedding_loss(y_true, x, *, margin=1.0, sample_weight=None, reduction="mean",
                         n_threads=None):
    """Hinge embedding loss, PyTorch ``HingeEmbeddingLoss`` semantics.

    Per element: ``x`` where ``y = 1`` (similar pairs: their distance) and
    ``max(0, margin - x)`` where ``y = -1`` (dissimilar pairs closer than the
    margin), element-wise over inputs of any shape.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets, 1 or -1.  As in PyTorch, any other finite value is accepted
        and gets both terms, ``x + max(0, margin - x)``.
    x : array-like of the same shape
        The inputs, typically distances (float32 and float64 read in place).
    margin : float, default=1.0
        Margin of the dissimilar pairs; a finite real number.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> from lossmetrics import hinge_embedding_loss
    >>> hinge_embedding_loss([1, -1, -1], [0.5, 0.25, 2.0])
    0.4166666666666667
    >>> hinge_embedding_loss([1, -1], [0.5, 0.25], margin=2.0, reduction="none")
    array([0.5 , 1.75])
    """
    return evaluate(HINGE_EMBEDDING_LOSS, y_true, x, sample_weight, n_threads,
                    margin=margin, reduction=reduction)
