"""One entry per public loss: how to make valid inputs and how to call it.

The registry-driven tests (test_exactness.py, test_invariances.py) iterate
over CASES, in the manner of scikit-learn's metrics/tests/test_common.py; a
new loss is covered by adding one entry here.
"""
import numpy as np
from scipy.special import log_softmax


def _class_targets(rng, n, c):
    return rng.integers(0, c, n)


def make_log_loss(rng, n, dtype):
    return _class_targets(rng, n, 4), rng.dirichlet(np.ones(4), n).astype(dtype), {}


def make_regression(rng, n, dtype):
    y = rng.normal(size=(n, 2)).astype(dtype)
    return y, (y + rng.standard_t(4, size=(n, 2))).astype(dtype), {}


def make_cross_entropy(rng, n, dtype):
    y = _class_targets(rng, n, 5)
    y[::7] = -1  # ignored
    z = (rng.normal(size=(n, 5)) * 3).astype(dtype)
    return y, z, dict(class_weight=[1.0, 0.5, 2.0, 1.5, 0.25], ignore_index=-1,
                      label_smoothing=0.1)


def make_cross_entropy_kdim(rng, n, dtype):
    y = rng.integers(0, 3, (n, 2, 2))
    z = rng.normal(size=(n, 3, 2, 2)).astype(dtype)
    return y, z, dict(class_weight=[0.5, 1.0, 2.0])


def make_cross_entropy_soft(rng, n, dtype):
    t = rng.dirichlet(np.ones(4), n).astype(dtype)
    z = rng.normal(size=(n, 4)).astype(dtype)
    return t, z, dict(label_smoothing=0.2)


def make_nll(rng, n, dtype):
    y = _class_targets(rng, n, 6)
    return y, log_softmax(rng.normal(size=(n, 6)), axis=1).astype(dtype), dict(
        class_weight=np.linspace(0.5, 2.0, 6))


def make_bce(rng, n, dtype):
    y = (rng.random((n, 3)) < 0.4).astype(dtype)
    y[:, 2] = rng.random(n)  # a soft-target column
    return y, rng.uniform(0.001, 0.999, (n, 3)).astype(dtype), {}


def make_bce_logits(rng, n, dtype):
    y = (rng.random((n, 3)) < 0.4).astype(dtype)
    return y, (rng.normal(size=(n, 3)) * 4).astype(dtype), dict(pos_weight=[1.0, 3.0, 0.5])


def make_kl(rng, n, dtype):
    p = rng.dirichlet(np.ones(5) * 0.5, n)
    p[::5, 0] = 0.0  # 0 log 0 terms
    p /= p.sum(axis=1, keepdims=True)
    return p.astype(dtype), rng.dirichlet(np.ones(5), n).astype(dtype), {}


# name -> (function name, input maker, reductions it offers)
CASES = {
    "log_loss": ("log_loss", make_log_loss, ("mean", "sum")),
    "mean_squared_error": ("mean_squared_error", make_regression, ("mean",)),
    "root_mean_squared_error": ("root_mean_squared_error", make_regression, ("mean",)),
    "mean_absolute_error": ("mean_absolute_error", make_regression, ("mean",)),
    "cross_entropy": ("cross_entropy", make_cross_entropy, ("mean", "sum", "none")),
    "cross_entropy_kdim": ("cross_entropy", make_cross_entropy_kdim, ("mean", "sum", "none")),
    "cross_entropy_soft": ("cross_entropy", make_cross_entropy_soft, ("mean", "sum", "none")),
    "nll_loss": ("nll_loss", make_nll, ("mean", "sum", "none")),
    "binary_cross_entropy": ("binary_cross_entropy", make_bce, ("mean", "sum", "none")),
    "binary_cross_entropy_with_logits": ("binary_cross_entropy_with_logits",
                                         make_bce_logits, ("mean", "sum", "none")),
    "kl_divergence": ("kl_divergence", make_kl, ("mean", "sum", "none")),
}


def call(lm, case, y, pred, kwargs, reduction="mean", **extra):
    """Call a case's loss with a uniform ``reduction`` vocabulary."""
    func_name = CASES[case][0]
    func = getattr(lm, func_name)
    kwargs = dict(kwargs, **extra)
    if func_name == "log_loss":
        return func(y, pred, normalize=reduction == "mean", **kwargs)
    if reduction != "mean" and func_name in ("mean_squared_error", "root_mean_squared_error",
                                             "mean_absolute_error"):
        raise ValueError("regression losses only take reduction='mean'")
    if func_name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error"):
        return func(y, pred, **kwargs)
    return func(y, pred, reduction=reduction, **kwargs)
