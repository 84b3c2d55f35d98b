"""One entry per public loss: how to make valid inputs and how to call it.

The registry-driven tests (test_exactness.py, test_invariances.py) iterate
over CASES, in the manner of scikit-learn's metrics/tests/test_common.py; a
new loss is covered by adding one entry here.  A maker returns (y_true,
prediction, kwargs); further per-row arrays (cosine_embedding_loss's x2) ride
in kwargs under a ROW_ARRAYS key, which ``call`` passes positionally and
``take_rows`` indexes along with the rows.
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


def make_pair(rng, n, dtype):
    # Element-wise over any shape: (N, 3, 2), residuals with heavy tails.
    y = rng.normal(size=(n, 3, 2)).astype(dtype)
    return y, (y + rng.standard_t(3, size=(n, 3, 2))).astype(dtype), {}


def make_huber(rng, n, dtype):
    # Residuals of both signs on both sides of delta = 1.5 (quadratic and linear).
    y = rng.normal(size=(n, 3)).astype(dtype)
    return y, (y + 2 * rng.standard_t(3, size=(n, 3))).astype(dtype), dict(delta=1.5)


def make_smooth_l1(rng, n, dtype):
    # Element-wise over any shape: (N, 2, 2).
    y = rng.normal(size=(n, 2, 2)).astype(dtype)
    return y, (y + rng.standard_t(3, size=(n, 2, 2))).astype(dtype), dict(beta=0.5)


def make_smooth_l1_beta0(rng, n, dtype):
    # beta = 0 is the L1 loss; 1-D targets.
    y = rng.normal(size=n).astype(dtype)
    return y, (y + rng.standard_t(3, size=n)).astype(dtype), dict(beta=0.0)


def make_cosine(rng, n, dtype):
    # x2 travels in kwargs under "x2" (a per-row array, see ROW_ARRAYS): call()
    # passes it positionally, take_rows() permutes / repeats it with the rows.
    y = np.where(rng.random(n) < 0.5, 1, -1)
    x1 = rng.normal(size=(n, 6))
    x2 = 0.5 * x1 + rng.normal(size=(n, 6))     # correlated pairs: cos of both signs
    x2[::9] = -x2[::9]
    return y, x1.astype(dtype), dict(x2=x2.astype(dtype), margin=0.1)


def make_brier(rng, n, dtype):
    return _class_targets(rng, n, 4), rng.dirichlet(np.ones(4), n).astype(dtype), {}


def make_brier_binary(rng, n, dtype):
    # 1-D probabilities of pos_label=-1 for labels in {-1, 1}.
    y = np.where(rng.random(n) < 0.4, -1, 1)
    return y, rng.uniform(0.0, 1.0, n).astype(dtype), dict(pos_label=-1)


# kwargs that are per-row arrays passed positionally after the prediction
# (cosine_embedding_loss's x2): call() pops them, take_rows() indexes them.
ROW_ARRAYS = ("x2",)


def take_rows(kwargs, idx):
    """``kwargs`` with its per-row arrays (ROW_ARRAYS) indexed like the rows."""
    return {k: (np.asarray(v)[idx] if k in ROW_ARRAYS else v) for k, v in kwargs.items()}


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
    "mse_loss": ("mse_loss", make_pair, ("mean", "sum", "none")),
    "l1_loss": ("l1_loss", make_pair, ("mean", "sum", "none")),
    "huber_loss": ("huber_loss", make_huber, ("mean", "sum", "none")),
    "smooth_l1_loss": ("smooth_l1_loss", make_smooth_l1, ("mean", "sum", "none")),
    "smooth_l1_loss_beta0": ("smooth_l1_loss", make_smooth_l1_beta0,
                             ("mean", "sum", "none")),
    "cosine_embedding_loss": ("cosine_embedding_loss", make_cosine,
                              ("mean", "sum", "none")),
    "brier_score_loss": ("brier_score_loss", make_brier, ("mean",)),
    "brier_score_loss_binary": ("brier_score_loss", make_brier_binary, ("mean",)),
}

# Losses without a reduction= option (a mean only).
MEAN_ONLY = ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
             "brier_score_loss")


def call(lm, case, y, pred, kwargs, reduction="mean", **extra):
    """Call a case's loss with a uniform ``reduction`` vocabulary."""
    func_name = CASES[case][0]
    func = getattr(lm, func_name)
    kwargs = dict(kwargs, **extra)
    args = [y, pred] + [kwargs.pop(k) for k in ROW_ARRAYS if k in kwargs]
    if func_name == "log_loss":
        return func(*args, normalize=reduction == "mean", **kwargs)
    if reduction != "mean" and func_name in MEAN_ONLY:
        raise ValueError(f"{func_name} only takes reduction='mean'")
    if func_name in MEAN_ONLY:
        return func(*args, **kwargs)
    return func(*args, reduction=reduction, **kwargs)
