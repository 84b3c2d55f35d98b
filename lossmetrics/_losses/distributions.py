"""Divergences of distributions along the last axis: Kullback-Leibler, with the
term conventions of SciPy's ``rel_entr`` and PyTorch's ``kl_div``, and
Jensen-Shannon, SciPy's ``jensenshannon`` squared."""
import math
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import REDUCTION, Option
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_float_array, check_bool, check_finite, check_non_empty,
    check_probabilities, check_same_shape, check_sample_weight,
    first_index_where,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.lean import plain_matrices


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

    q = as_float_array(y_pred, "y_pred", allow_0d=True)
    p = as_float_array(y_true, "y_true", allow_0d=True)
    check_same_shape(p, q, "y_true", "y_pred")
    check_non_empty(q, "y_pred")
    # Without a batch axis (PyTorch's 0-d inputs, one (C,) distribution): one
    # sample, and a 0-d result for 'none'.
    out_shape = () if q.ndim < 2 else q.shape[:-1]
    p_in, q_in = p, q
    if q.ndim < 2:
        p, q = p.reshape(1, -1), q.reshape(1, -1)
    log_true = LOG_TRUE.check(log_true)
    log_pred = LOG_PRED.check(log_pred)
    if isinstance(reduction, str) and reduction == "batchmean":
        reduction = "mean"   # PyTorch's spelling of this 'mean', for ported code
    reduction = REDUCTION.check(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * q.size)
    n_cols = q.shape[-1]
    p2, q2 = p.reshape(-1, n_cols), q.reshape(-1, n_cols)
    # Only the kernel of probabilities on rows of contiguous columns checks
    # them as it reads them (see _kl_flat).
    by_kernel = not (log_true or log_pred) and kl_kernel_checks(p2, q2)
    deferred = Deferred()
    deferred.add(lambda: _check_distribution(p_in, "y_true", log_true, n_threads),
                 by_kernel=by_kernel)
    deferred.add(lambda: _check_distribution(q_in, "y_pred", log_pred, n_threads),
                 by_kernel=by_kernel)
    with deferred.first():
        sw = check_sample_weight(sample_weight, q.shape[0], n_threads=n_threads)
    return CheckedInputs("kl_divergence", p2, q2, sw, n_threads,
                         dict(reduction=reduction, out_shape=out_shape,
                              log_true=log_true, log_pred=log_pred,
                              rows_per_sample=p2.shape[0] // q.shape[0]), deferred)


@takes_groups
def kl_state(checked, want_none=False, groups=None):
    kl_kernel = kernels("_class_kernels").kl_kernel

    p = checked.params
    state, per, in_range = kl_kernel(
        checked.y_true, checked.y_pred, p["log_true"], p["log_pred"],
        checked.sample_weight, p["rows_per_sample"], want_none, checked.n_threads,
        *(groups or ()))
    if not in_range:
        checked.run_deferred()  # the scans left to the kernel, if any
    return state, per


_MEAN_ROWS, _SUM_ROWS = dict(reduction="mean", rows_per_sample=1), dict(reduction="sum")


def _lean_kl(y_true, y_pred, log_true=False, log_pred=False, reduction="mean"):
    """KL of small (N, C) float64 probabilities without options, or None (the
    declarations' fast path, see lossmetrics/_losses/lean.py): the generic
    path's kernel run serially (small_kl_state), which checks every value in
    [0, 1] as it reads it; a value
    outside, NaN, or an infinite result (p > 0 where q = 0) goes to the
    generic path, which raises or returns it."""
    if not (log_true is False and log_pred is False and isinstance(reduction, str)
            and reduction in ("mean", "sum", "batchmean") and plain_matrices(y_true, y_pred, 2)):
        return None
    state = kernels("_class_kernels").small_kl_state(y_true, y_pred)
    if state is None:
        return None
    return torch_result(state, _SUM_ROWS if reduction == "sum" else _MEAN_ROWS,
                        "kl_divergence")


def _demo(d):
    uniform = np.full_like(d.proba, 1.0 / d.proba.shape[1])
    return [("kl_divergence (vs uniform)", lambda: kl_divergence(d.proba, uniform), "numpy",
             lambda: np.mean(np.sum(d.proba * np.log(d.proba / uniform), axis=1)))]


LOG_TRUE = Option("log_true", "y_true holds log-probabilities", metavar=None, switch="on",
                  check=lambda v: check_bool(v, "log_true", "kl_divergence"))
LOG_PRED = Option("log_pred", "y_pred holds log-probabilities", metavar=None, switch="on",
                  check=lambda v: check_bool(v, "log_pred", "kl_divergence"))

KL_DIVERGENCE = Loss(
    name="kl_divergence", check=check_kl_divergence, state=kl_state, result=torch_result,
    result_keys=("reduction", "rows_per_sample"),
    options=(LOG_TRUE, LOG_PRED, REDUCTION), target="distributions",
    prediction="distributions",
    reference="torch.nn.functional.kl_div(reduction='batchmean') / scipy.special.rel_entr",
    example=("[[.2, .3, .5], [.1, .1, .8], [.6, .2, .2], [.25, .25, .5]]",
             "[[.3, .3, .4], [.2, .2, .6], [.5, .25, .25], [.1, .4, .5]]"),
    element_shape=lambda shape: tuple(shape[1:-1]), fast=_lean_kl, demo=_demo,
)


@public(KL_DIVERGENCE)
def kl_divergence(y_true, y_pred, *, log_true=False, log_pred=False,
                  sample_weight=None, reduction="mean", n_threads=None):
    """Kullback-Leibler divergence KL(P || Q) along the last axis.

    Parameters
    ----------
    y_true : array-like of shape (N, ..., C)
        The reference distribution P (probabilities, or log-probabilities if
        ``log_true``).  A ``(C,)`` array is one distribution and a 0-d one a
        single term, without a batch axis (``'none'`` then gives a 0-d array).
    y_pred : array-like of the same shape
        The approximating distribution Q (probabilities, or log-probabilities
        if ``log_pred``).
    log_true, log_pred : bool, default=False
        Whether P / Q are given as log-probabilities.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample.
    reduction : {'mean', 'sum', 'none', 'batchmean'}, default='mean'
        ``'mean'``: the sum divided by the summed sample weights (by N when
        unweighted) -- PyTorch's ``'batchmean'``, which is accepted as the
        same; ``'none'``: one value per distribution, shape ``(N, ...)``.
        (PyTorch's element-wise ``'mean'`` is not the KL divergence and has
        no equivalent.)
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
    return evaluate(KL_DIVERGENCE, y_true, y_pred, sample_weight, n_threads,
                    log_true=log_true, log_pred=log_pred, reduction=reduction)



def _check_base(base):
    if base is None:
        return None
    if (isinstance(base, (bool, np.bool_)) or not isinstance(base, numbers.Real)
            or not np.isfinite(base) or base <= 0 or base == 1):
        raise InvalidParameterError(
            f"base must be None (natural logarithms) or a finite real number > 0 other "
            f"than 1; got {base!r}.")
    return float(base)


BASE = Option("base", "logarithm base (default: e, nats; 2 gives bits)", metavar="B",
              type=float, check=_check_base)


def check_jensen_shannon_divergence(y_true, y_pred, *, sample_weight=None,
                                    n_threads=None, log_true=False, log_pred=False,
                                    base=None, reduction="mean"):
    q = as_float_array(y_pred, "y_pred", allow_0d=True)
    p = as_float_array(y_true, "y_true", allow_0d=True)
    check_same_shape(p, q, "y_true", "y_pred")
    check_non_empty(q, "y_pred")
    # (LOG_TRUE / LOG_PRED's own checks name kl_divergence.)
    log_true = check_bool(log_true, "log_true", "jensen_shannon_divergence")
    log_pred = check_bool(log_pred, "log_pred", "jensen_shannon_divergence")
    base = BASE.check(base)
    reduction = REDUCTION.check(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * q.size)
    _check_distribution(p, "y_true", log_true, n_threads)
    _check_distribution(q, "y_pred", log_pred, n_threads)
    out_shape = () if q.ndim < 2 else q.shape[:-1]
    n_cols = q.shape[-1] if q.ndim else 1
    p2, q2 = p.reshape(-1, n_cols), q.reshape(-1, n_cols)
    n_samples = q.shape[0] if q.ndim >= 2 else 1
    sw = check_sample_weight(sample_weight, n_samples, n_threads=n_threads)
    rows_per_sample = p2.shape[0] // n_samples
    if sw.size and rows_per_sample > 1:
        sw = np.repeat(sw, rows_per_sample)   # a weight per distribution
    return CheckedInputs("jensen_shannon_divergence", p2, q2, sw, n_threads,
                         dict(reduction=reduction, out_shape=out_shape,
                              log_true=log_true, log_pred=log_pred,
                              scale=1.0 if base is None else 1.0 / math.log(base),
                              rows_per_sample=rows_per_sample))


@takes_groups
def js_state(checked, want_none=False, groups=None):
    p = checked.params
    if groups and p["rows_per_sample"] > 1:   # (a group per distribution, as sw)
        groups = (np.repeat(groups[0], p["rows_per_sample"]), groups[1])
    return kernels("_class_kernels").js_kernel(
        checked.y_true, checked.y_pred, p["log_true"], p["log_pred"],
        checked.sample_weight, want_none, checked.n_threads, p["scale"], *(groups or ()))


def _demo_js(d):
    from scipy.spatial.distance import jensenshannon

    uniform = np.full_like(d.proba, 1.0 / d.proba.shape[1])
    return [("jensen_shannon_divergence (vs uniform)",
             lambda: jensen_shannon_divergence(d.proba, uniform), "scipy",
             lambda: np.mean(jensenshannon(d.proba, uniform, axis=1) ** 2))]


JENSEN_SHANNON_DIVERGENCE = Loss(
    name="jensen_shannon_divergence", check=check_jensen_shannon_divergence,
    state=js_state, result=torch_result, result_keys=("reduction", "rows_per_sample"),
    options=(LOG_TRUE, LOG_PRED, BASE, REDUCTION), target="distributions",
    prediction="distributions",
    reference="scipy.spatial.distance.jensenshannon (squared)",
    example=("[[.2, .3, .5], [.1, .1, .8], [.6, .2, .2], [.25, .25, .5]]",
             "[[.3, .3, .4], [.2, .2, .6], [.5, .25, .25], [.1, .4, .5]]"),
    element_shape=lambda shape: tuple(shape[1:-1]), demo=_demo_js,
)


@public(JENSEN_SHANNON_DIVERGENCE)
def jensen_shannon_divergence(y_true, y_pred, *, log_true=False, log_pred=False, base=None,
                              sample_weight=None, reduction="mean", n_threads=None):
    """Jensen-Shannon divergence of distributions along the last axis.

    ``JS(P, Q) = (KL(P || M) + KL(Q || M)) / 2`` with ``M = (P + Q) / 2``: the
    symmetric, bounded (by ``log 2``) neighbour of :func:`kl_divergence`,
    finite where ``Q`` has zeros that ``P`` does not.  The square of SciPy's
    ``jensenshannon`` distance for distributions that sum to one.

    Parameters
    ----------
    y_true : array-like of shape (N, ..., C), (C,) or 0-d
        The distributions P (probabilities, or log-probabilities if
        ``log_true``).
    y_pred : array-like of the same shape
        The distributions Q (probabilities, or log-probabilities if ``log_pred``).
    log_true, log_pred : bool, default=False
        Whether ``y_true`` / ``y_pred`` hold log-probabilities.
    base : float, default=None
        Base of the logarithm: None for nats, 2 for bits (then JS <= 1).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'none'``: one value per distribution (shape ``(N, ...)``); ``'sum'``
        their (weighted) sum; ``'mean'`` their weighted mean over samples.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray

    Notes
    -----
    The inputs are used as given: unlike SciPy's ``jensenshannon``, rows that
    do not sum to one are not normalised.

    Examples
    --------
    >>> from lossmetrics import jensen_shannon_divergence
    >>> round(jensen_shannon_divergence([[1.0, 0.0]], [[0.0, 1.0]], base=2), 12)
    1.0
    >>> round(jensen_shannon_divergence([[0.5, 0.5]], [[0.9, 0.1]]), 6)
    0.101749
    """
    return evaluate(JENSEN_SHANNON_DIVERGENCE, y_true, y_pred, sample_weight, n_threads,
                    log_true=log_true, log_pred=log_pred, base=base, reduction=reduction)
