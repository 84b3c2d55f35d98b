"""The Gaussian negative log-likelihood, PyTorch ``GaussianNLLLoss`` semantics."""
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public
from lossmetrics._core.driver import evaluate
from lossmetrics._core.options import REDUCTION, Option
from lossmetrics._core.state import torch_result
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_2d, as_float_array, check_bool, check_finite,
    first_index_where,
)
from lossmetrics._losses.elementwise import (
    EPS, FULL, check_elementwise_pair, lean_pair, triple_state,
)

_GAUSSIAN_EPS = 1e-6


def _broadcast_var(var, shape):
    """``var`` as an array of ``shape`` (a stride-0 view where it is broadcast),
    by PyTorch's rules: the input's shape; the input's shape without its last
    axis (one variance per row of the last axis); the input's shape with one
    axis of size 1; or a Python real number (one variance for all)."""
    if isinstance(var, numbers.Real) and not isinstance(var, (bool, np.bool_)):
        v = np.asarray(float(var))
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"var has negative entry/entries: var must be a finite "
                             f"variance >= 0; got {var!r}.")
        return v, np.broadcast_to(v, shape)
    v = as_float_array(var, "var", allow_0d=True)
    if v.shape != shape:
        mismatched = [(a, b) for a, b in zip(shape, v.shape) if a != b]
        if v.shape == shape[:-1]:
            view = v[..., None]
        elif (v.ndim == len(shape) and len(mismatched) == 1 and mismatched[0][1] == 1):
            view = v
        else:
            raise ValueError(
                f"var is of incorrect size: for y_pred of shape {shape}, var must have "
                f"shape {shape}, {shape[:-1]} (one variance per row), the same shape "
                f"with one axis of size 1, or be a Python float; got shape {v.shape}.")
    else:
        view = v
    return v, np.broadcast_to(view, shape)


def check_gaussian_nll_loss(y_true, y_pred, *, var=None, sample_weight=None,
                            n_threads=None, full=False, eps=_GAUSSIAN_EPS,
                            reduction="mean"):
    """Validate (y_true, y_pred, var); ``var`` is a keyword here so that the loss
    fits ``check_inputs(metric, y_true, y_pred, **params)``."""
    if var is None:
        raise TypeError("gaussian_nll_loss needs var, the predicted variance(s).")
    full = check_bool(full, "full", "gaussian_nll_loss")
    eps = EPS.check(eps)
    deferred = Deferred()
    t, x, sw, n_threads, reduction = check_elementwise_pair(
        y_true, y_pred, "y_pred", sample_weight, n_threads, reduction, False, False,
        deferred)
    with deferred.first():
        v, var_view = _broadcast_var(var, x.shape)
        lo, _ = check_finite(v, "var", n_threads=n_threads)
        if lo < 0:
            raise ValueError(
                f"var has negative entry/entries: var must hold variances >= 0; got "
                f"{float(lo)!r} at index {first_index_where(lambda a: a < 0, v)}.")
        if lo == 0 and eps == 0:
            raise ValueError(
                f"var must be > 0 where eps=0 (a zero variance has no likelihood); got "
                f"0.0 at index {first_index_where(lambda a: a == 0, v)}. Keep eps > 0 "
                "(PyTorch's default is 1e-6) to floor the variances.")
    return CheckedInputs("gaussian_nll_loss", as_2d(t), as_2d(x), sw, n_threads,
                         dict(var=as_2d(var_view), param=eps, param2=float(full),
                              reduction=reduction, out_shape=x.shape), deferred)


def _demo(d):
    # The diabetes regression: a ridge model's predictions, with the variance
    # of its residuals as one (homoscedastic) variance.
    y, mean = d.targets, d.predictions
    var = float(np.var(y - mean))
    return [("gaussian_nll_loss (diabetes, ridge)",
             lambda: gaussian_nll_loss(y, mean, var), "numpy",
             lambda: np.mean(0.5 * (np.log(var) + (mean - y) ** 2 / var)))]


VAR = Option("var", "the predicted variances: one per element, per row, or a float",
             metavar="FILE")

GAUSSIAN_NLL_LOSS = Loss(
    name="gaussian_nll_loss", check=check_gaussian_nll_loss, state=triple_state("GAUSSIAN_NLL", "var"),
    result=torch_result, result_keys=("reduction",), options=(VAR, FULL, EPS, REDUCTION),
    # default full and eps only: the term's parameter is eps
    fast=lean_pair("gaussian_nll_loss", "GAUSSIAN_NLL", check_gaussian_nll_loss,
                   fixed=_GAUSSIAN_EPS, third="var"),
    target="values", prediction="means (and variances)",
    reference="torch.nn.functional.gaussian_nll_loss",
    example=("[3.0, -0.5, 2.0, 7.0]", "[2.5, 0.0, 2.0, 8.0]", "[1.0, 0.5, 2.0, 0.25]"),
    batch_arrays=("var",), demo=_demo,
)


@public(GAUSSIAN_NLL_LOSS)
def gaussian_nll_loss(y_true, y_pred, var, *, full=False, eps=_GAUSSIAN_EPS,
                      sample_weight=None, reduction="mean", n_threads=None):
    """Gaussian negative log-likelihood, PyTorch ``GaussianNLLLoss`` semantics.

    Per element: ``(log(v) + (y_pred - y_true)**2 / v) / 2`` with
    ``v = max(var, eps)``, plus ``log(2 pi) / 2`` if ``full``.  Element-wise
    over inputs of any shape; ``var`` is broadcast as PyTorch does.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Observed values.
    y_pred : array-like of the same shape
        Predicted means (float32 and float64 read in place).
    var : array-like or float
        Predicted variances, >= 0: of ``y_pred``'s shape (heteroscedastic), of
        its shape without the last axis or with one axis of size 1
        (homoscedastic along that axis), or a Python float (one variance).
        Broadcast without a copy for 1-D and 2-D inputs.
    full : bool, default=False
        Whether to add the constant ``log(2 pi) / 2``.
    eps : float, default=1e-6
        Floor of the variances (PyTorch clamps them to it).  ``eps=0`` is
        allowed where every variance is positive.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of y_pred's shape

    Examples
    --------
    >>> from lossmetrics import gaussian_nll_loss
    >>> gaussian_nll_loss([1.0, 2.0], [1.5, 2.0], [1.0, 0.25], reduction="none")
    array([ 0.125     , -0.69314718])
    >>> round(gaussian_nll_loss([1.0, 2.0], [1.5, 2.0], 1.0, full=True), 6)
    0.981439
    """
    return evaluate(GAUSSIAN_NLL_LOSS, y_true, y_pred, sample_weight, n_threads, var=var,
                    full=full, eps=eps, reduction=reduction)
