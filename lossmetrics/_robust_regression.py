"""Huber and smooth L1 losses with PyTorch semantics (``HuberLoss``, ``SmoothL1Loss``)."""
import numbers

import numpy as np

from lossmetrics._errors import InvalidParameterError
from lossmetrics._simd import kernels
from lossmetrics._torch_losses import _reduce, check_elementwise_pair
from lossmetrics._validation import CheckedInputs, as_2d


def _check_threshold(value, name, allow_zero):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and np.isfinite(value) and (value >= 0 if allow_zero else value > 0))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidParameterError(
            f"{name} must be a finite real number {bound}; got {value!r}."
        )
    return float(value)


def _check_pair(metric, y_true, y_pred, sample_weight, n_threads, reduction, **params):
    deferred = []
    t, x, sw, n_threads, reduction = check_elementwise_pair(
        y_true, y_pred, "y_pred", sample_weight, n_threads, reduction, False, False,
        deferred)
    return CheckedInputs(metric, as_2d(t), as_2d(x), sw, n_threads,
                         dict(params, reduction=reduction, out_shape=x.shape), deferred)


def check_huber_loss(y_true, y_pred, *, sample_weight=None, n_threads=None, delta=1.0,
                     reduction="mean"):
    delta = _check_threshold(delta, "delta", allow_zero=False)
    return _check_pair("huber_loss", y_true, y_pred, sample_weight, n_threads, reduction,
                       param=delta)


def check_smooth_l1_loss(y_true, y_pred, *, sample_weight=None, n_threads=None, beta=1.0,
                         reduction="mean"):
    beta = _check_threshold(beta, "beta", allow_zero=True)
    return _check_pair("smooth_l1_loss", y_true, y_pred, sample_weight, n_threads,
                       reduction, param=beta)


def robust_state(checked, want_none=False):
    k = kernels("_elementwise_kernels")
    Kind, elementwise_kernel = k.Kind, k.elementwise_kernel

    kind = Kind.HUBER if checked.metric == "huber_loss" else Kind.SMOOTH_L1
    param = checked.params["param"]
    if kind == Kind.SMOOTH_L1 and param == 0.0:
        kind = Kind.ABSOLUTE_ERROR  # PyTorch: beta = 0 is exactly L1
    state, per, _ = elementwise_kernel(kind, checked.y_true, checked.y_pred, np.empty(0),
                                       checked.sample_weight, False, want_none,
                                       checked.n_threads, param)
    checked._after_kernel(state)
    return state, per


def huber_loss(y_true, y_pred, *, delta=1.0, sample_weight=None, reduction="mean",
               n_threads=None):
    """Huber loss, PyTorch ``HuberLoss`` semantics, element-wise over any shape.

    Per element, with ``d = |y_pred - y_true|``: ``0.5 d^2`` if ``d < delta``,
    else ``delta (d - delta / 2)``.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets.
    y_pred : array-like of the same shape
        Predictions (float32 and float64 are read in place).
    delta : float > 0, default=1.0
        Where the loss turns from quadratic to linear.
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
    >>> from lossmetrics import huber_loss
    >>> huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -4.0])
    1.7083333333333333
    >>> huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -4.0], delta=2.0, reduction="none")
    array([0.125, 2.   , 6.   ])
    """
    checked = check_huber_loss(y_true, y_pred, sample_weight=sample_weight,
                               n_threads=n_threads, delta=delta, reduction=reduction)
    return _reduce(checked, robust_state)


def smooth_l1_loss(y_true, y_pred, *, beta=1.0, sample_weight=None, reduction="mean",
                   n_threads=None):
    """Smooth L1 loss, PyTorch ``SmoothL1Loss`` semantics, element-wise over any shape.

    Per element, with ``d = |y_pred - y_true|``: ``0.5 d^2 / beta`` if
    ``d < beta``, else ``d - beta / 2``; ``beta = 0`` is the L1 loss.  It is
    Huber's loss divided by ``beta``.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets.
    y_pred : array-like of the same shape
        Predictions.
    beta : float >= 0, default=1.0
        Where the loss turns from quadratic to linear.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> from lossmetrics import smooth_l1_loss
    >>> smooth_l1_loss([0.0, 0.0, 0.0], [0.5, 2.0, -4.0])
    1.7083333333333333
    >>> smooth_l1_loss([0.0, 0.0], [0.5, 2.0], beta=0.0)
    1.25
    """
    checked = check_smooth_l1_loss(y_true, y_pred, sample_weight=sample_weight,
                                   n_threads=n_threads, beta=beta, reduction=reduction)
    return _reduce(checked, robust_state)
