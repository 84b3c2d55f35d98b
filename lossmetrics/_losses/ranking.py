"""Ranking and metric-learning losses, PyTorch semantics: ``MarginRankingLoss``
and ``TripletMarginLoss``."""
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import REDUCTION, Option
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_2d, as_float_array, check_bool,
    check_non_empty, check_same_shape, check_sample_weight,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.elementwise import (
    EPS, check_elementwise_pair, lean_pair, triple_state,
)
from lossmetrics._losses.embeddings import MARGIN, X2
from lossmetrics._losses.lean import NO_WEIGHTS, plain_matrices
from lossmetrics._losses.margins import P


def check_margin_ranking_loss(y_true, x1, *, x2=None, sample_weight=None, n_threads=None,
                              margin=0.0, reduction="mean"):
    """Validate (y_true, x1, x2); ``x2`` is a keyword here so that the loss fits
    ``check_inputs(metric, y_true, y_pred, **params)``."""
    if x2 is None:
        raise TypeError("margin_ranking_loss needs x2, the second score of each pair.")
    margin = MARGIN.check(margin)
    deferred = Deferred()
    t, a, sw, n_threads, reduction = check_elementwise_pair(
        y_true, x1, "x1", sample_weight, n_threads, reduction, False, False, deferred)
    with deferred.first():
        b = as_float_array(x2, "x2", allow_0d=True)
        check_same_shape(a, b, "x1", "x2")
    deferred.finite(b, "x2", n_threads=n_threads)
    return CheckedInputs("margin_ranking_loss", as_2d(t), as_2d(a), sw, n_threads,
                         dict(x2=as_2d(b), param=margin, reduction=reduction,
                              out_shape=a.shape), deferred)


def _demo(d):
    # Breast cancer: each malignant sample's logit against the next benign
    # sample's should rank higher.
    y, z = d.binary_labels, d.binary_logits
    pos, neg = z[y == 1], z[y == 0]
    n = min(pos.size, neg.size)
    x1, x2, target = pos[:n], neg[:n], np.ones(n)
    return [("margin_ranking_loss (cancer logits)",
             lambda: margin_ranking_loss(target, x1, x2, margin=1.0), "numpy",
             lambda: np.mean(np.maximum(0.0, -(x1 - x2) + 1.0)))]


MARGIN_RANKING_LOSS = Loss(
    name="margin_ranking_loss", check=check_margin_ranking_loss,
    state=triple_state("MARGIN_RANKING", "x2"), result=torch_result, result_keys=("reduction",),
    fast=lean_pair("margin_ranking_loss", "MARGIN_RANKING", check_margin_ranking_loss,
                   MARGIN, third="x2"),
    options=(X2, MARGIN, REDUCTION), target="signs", prediction="scores",
    reference="torch.nn.functional.margin_ranking_loss",
    example=("[1, -1, 1, -1]", "[0.5, 0.25, -1.0, 2.0]", "[0.25, 0.75, 0.5, 1.0]"),
    batch_arrays=("x2",), demo=_demo,
)


@public(MARGIN_RANKING_LOSS)
def margin_ranking_loss(y_true, x1, x2, *, margin=0.0, sample_weight=None,
                        reduction="mean", n_threads=None):
    """Margin ranking loss, PyTorch ``MarginRankingLoss`` semantics.

    Per element: ``max(0, -y_true * (x1 - x2) + margin)``: ``y_true = 1``
    asks for ``x1`` to rank higher than ``x2`` by ``margin``, ``y_true = -1``
    for ``x2``.  Element-wise over inputs of any (equal) shape.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        1 or -1 (as in PyTorch, any finite value is accepted and scales the
        difference).
    x1, x2 : array-like of the same shape
        The two scores of each pair (float32 and float64 read in place).
    margin : float, default=0.0
        The margin, a finite real number.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the inputs' shape

    Examples
    --------
    >>> from lossmetrics import margin_ranking_loss
    >>> margin_ranking_loss([1, -1, 1], [0.5, 0.5, 2.0], [1.0, 0.0, 0.0])
    0.3333333333333333
    >>> margin_ranking_loss([1, -1], [0.5, 0.5], [1.0, 0.0], margin=1.0, reduction="none")
    array([1.5, 1.5])
    """
    return evaluate(MARGIN_RANKING_LOSS, y_true, x1, sample_weight, n_threads, x2=x2,
                    margin=margin, reduction=reduction)


def _check_norm_degree(p):
    ok = (isinstance(p, numbers.Real) and not isinstance(p, (bool, np.bool_))
          and (p > 0 and not np.isnan(p)))
    if not ok:
        raise InvalidParameterError(
            f"p must be a real number > 0, or inf (the degree of the norm); got {p!r}.")
    return float(p)


def check_triplet_margin_loss(anchor, positive, *, negative=None, sample_weight=None,
                              n_threads=None, margin=1.0, p=2.0, eps=1e-6, swap=False,
                              reduction="mean"):
    """Validate (anchor, positive, negative); ``negative`` is a keyword here so
    that the loss fits ``check_inputs(metric, y_true, y_pred, **params)``."""
    if negative is None:
        raise TypeError("triplet_margin_loss needs negative, the third embedding of "
                        "each triplet.")
    margin = MARGIN.check(margin)
    if margin <= 0:
        raise InvalidParameterError(f"margin must be greater than 0; got {margin!r}.")
    p = _check_norm_degree(p)
    eps = EPS.check(eps)
    swap = check_bool(swap, "swap", "triplet_margin_loss")
    reduction = REDUCTION.check(reduction)
    names = ("anchor", "positive", "negative")
    arrays = [as_float_array(a, name) for a, name in zip((anchor, positive, negative),
                                                          names)]
    for arr, name in zip(arrays[1:], names[1:]):
        check_same_shape(arrays[0], arr, "anchor", name)
    no_batch = arrays[0].ndim == 1
    if no_batch:   # one triplet of (D,) embeddings: a 0-d result for 'none'
        arrays = [a[None, :] for a in arrays]
    if arrays[0].ndim != 2:
        raise ValueError(f"anchor, positive and negative must have shape (N, D), or (D,) "
                         f"for one triplet; got shape {arrays[0].shape}.")
    check_non_empty(arrays[0], "anchor")
    n_threads = resolve_n_threads(n_threads, work=3 * arrays[0].size)
    # The scans for NaN and infinity, left to the kernel, whose distances read
    # every value (see Deferred; run where it cannot vouch for them).
    deferred = Deferred()
    for arr, name in zip(arrays, names):
        deferred.finite(arr, name, n_threads=n_threads)
    with deferred.first():
        sw = check_sample_weight(sample_weight, arrays[0].shape[0], n_threads=n_threads)
    return CheckedInputs("triplet_margin_loss", arrays[0], arrays[1], sw, n_threads,
                         dict(negative=arrays[2], margin=margin, p=p, eps=eps, swap=swap,
                              reduction=reduction,
                              out_shape=() if no_batch else (arrays[0].shape[0],)),
                         deferred)


@takes_groups
def triplet_state(checked, want_none=False, groups=None):
    prm = checked.params
    state, per, seen_finite = kernels("_elementwise_kernels").triplet_margin_kernel(
        checked.y_true, checked.y_pred, prm["negative"], prm["margin"], prm["p"],
        prm["eps"], prm["swap"], checked.sample_weight, want_none, checked.n_threads,
        *(groups or ()))
    if not seen_finite:
        checked.run_deferred()   # the scans the kernel could not vouch for
    return state, per


def _lean_triplet(anchor, positive, negative=None, margin=1.0, p=2.0, eps=1e-6, swap=False,
                  reduction="mean"):
    """The triplet loss of small (N, D) float64 embeddings with the default
    options, or None (the declarations' fast path, see
    lossmetrics/_losses/lean.py): the kernel, which sees every value in its
    distances and reports a NaN or an infinity; then, or for any other input,
    the generic path runs, and raises."""
    if not (type(margin) is float and margin == 1.0 and type(p) is float and p == 2.0
            and type(eps) is float and eps == 1e-6 and swap is False
            and isinstance(reduction, str) and reduction in ("mean", "sum")
            and plain_matrices(anchor, positive, 3) and plain_matrices(anchor, negative, 3)):
        return None
    state, _, seen_finite = kernels("_elementwise_kernels").triplet_margin_kernel(
        anchor, positive, negative, 1.0, 2.0, 1e-6, False, NO_WEIGHTS, False, 1)
    if not seen_finite:
        return None
    return torch_result(state, {"reduction": reduction}, "triplet_margin_loss")


def _demo_triplet(d):
    # Digits: each predicted distribution (anchor) against the one-hot of its
    # label (positive) and of the next digit (negative).
    c = d.proba.shape[1]
    pos = (d.labels[:, None] == np.arange(c)).astype(np.float64)
    neg = ((d.labels[:, None] + 1) % c == np.arange(c)).astype(np.float64)
    a = d.proba

    def reference():
        dp = np.sqrt(np.sum((a - pos + 1e-6) ** 2, axis=1))
        dn = np.sqrt(np.sum((a - neg + 1e-6) ** 2, axis=1))
        return np.mean(np.maximum(1.0 + dp - dn, 0.0))
    return [("triplet_margin_loss (digits)", lambda: triplet_margin_loss(a, pos, neg),
             "numpy", reference)]


NEGATIVE = Option("negative", "the negative embedding of each triplet, shape (N, D)",
                  metavar="FILE")
SWAP = Option("swap", "use the distance from positive to negative where it is smaller",
              metavar=None, switch="on",
              check=lambda v: check_bool(v, "swap", "triplet_margin_loss"))

TRIPLET_MARGIN_LOSS = Loss(
    name="triplet_margin_loss", check=check_triplet_margin_loss, state=triplet_state,
    result=torch_result, result_keys=("reduction",),
    options=(NEGATIVE, MARGIN, P, EPS, SWAP, REDUCTION), target="anchor embeddings",
    prediction="embeddings", reference="torch.nn.functional.triplet_margin_loss",
    example=("[[1., 0, 2], [.5, -1, 0], [0, 1, 1], [2, 2, -1]]",
             "[[1., 1, 1], [0, 1, .5], [1, .5, -1], [-1, 2, 0]]",
             "[[0., 1, 2], [1, -1, .5], [0, 0, 1], [2, 1, -1]]"),
    element_shape=lambda shape: (), batch_arrays=("negative",), fast=_lean_triplet,
    demo=_demo_triplet,
)


@public(TRIPLET_MARGIN_LOSS)
def triplet_margin_loss(anchor, positive, negative, *, margin=1.0, p=2.0, eps=1e-6,
                        swap=False, sample_weight=None, reduction="mean", n_threads=None):
    """Triplet margin loss, PyTorch ``TripletMarginLoss`` semantics.

    Per triplet: ``max(d(anchor, positive) - d(anchor, negative) + margin, 0)``
    with ``d(u, v)`` the p-norm of ``u - v + eps`` (PyTorch's
    ``pairwise_distance``).  With ``swap``, ``d(anchor, negative)`` is
    replaced by ``d(positive, negative)`` where that is smaller.  The norms
    are scaled where their powers would overflow: finite wherever the
    distance is (PyTorch's turns into inf beyond about 1e154 for p = 2).

    Parameters
    ----------
    anchor : array-like of shape (N, D), or (D,) for one triplet
        The anchors (the first argument, where the other losses take
        their targets).
    positive, negative : array-like of the same shape
        Embeddings of the same and of another identity (float32 and float64
        read in place).  All three must be finite.
    margin : float, default=1.0
        The margin, > 0.
    p : float, default=2.0
        The degree of the norm, > 0 (``inf`` for the largest magnitude).
    eps : float, default=1e-6
        Added to each difference, as PyTorch does; >= 0.
    swap : bool, default=False
        The distance swap of Balntas et al. (2016).
    sample_weight : array-like of shape (N,), default=None
        Weight of each triplet.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over triplets.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of shape (N,)

    Examples
    --------
    >>> from lossmetrics import triplet_margin_loss
    >>> triplet_margin_loss([[0.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [1.0, 1.0]],
    ...                     [[3.0, 4.0], [1.0, 0.5]], eps=0.0, reduction="none")
    array([0. , 0.5])
    """
    return evaluate(TRIPLET_MARGIN_LOSS, anchor, positive, sample_weight, n_threads,
                    negative=negative, margin=margin, p=p, eps=eps, swap=swap,
                    reduction=reduction)
