"""The one case table of the tests: one or more entries per public loss.

Every test that runs "each loss" iterates over CASES (in the manner of
scikit-learn's metrics/tests/test_common.py): the invariances, exactness,
thread counts, input layouts, the Accumulator, Dask, the command line and
the fast paths.  A new loss is covered by adding its entries here;
``test_invariances.test_cases_cover_every_loss`` is the one coverage check.

A maker ``make(rng, n, dtype)`` returns (y_true, prediction, kwargs): the
options of the call, and further per-row arrays (x2, var, negative)
under a ROW_ARRAYS key, which ``call`` passes positionally and ``take_rows``
indexes along with the rows.  The values suit every test that reads the
table: class labels are small non-negative integers (row 0 a counted class);
probabilities are multiples of 1/256 whose rows sum exactly to one (exact in
float16 too); regression targets are integers in [0, 100) (exact in every
integer dtype) with heavy-tailed residuals.
"""
from typing import Callable, NamedTuple

import numpy as np
from scipy.special import log_softmax

import lossmetrics


class Case(NamedTuple):
    name: str                 # the public function
    make: Callable            # (rng, n, dtype) -> (y_true, prediction, kwargs)
    reductions: tuple         # the reductions it offers (see ``call``)
    variants: tuple = ()      # further option sets the layout and thread tests run


def _labels(rng, n, c):
    y = rng.integers(0, c, n)
    y[0] = 0   # a stride-0 broadcast of y[0] is a counted class
    return y


def _dyadic(rng, n, c, zeros=False):
    """Rows of probabilities k / 256 summing exactly to one (k >= 1 unless zeros)."""
    if zeros:
        return rng.multinomial(256, np.full(c, 1.0 / c), size=n) / 256.0
    return (1 + rng.multinomial(256 - c, np.full(c, 1.0 / c), size=n)) / 256.0


def _integral_targets(rng, shape, dtype):
    """Integer targets in [0, 100) and predictions with heavy-tailed residuals."""
    y = rng.integers(0, 100, shape).astype(dtype)
    return y, (y + 10 * rng.standard_t(3, size=shape)).astype(dtype)


def make_log_loss(rng, n, dtype):
    return _labels(rng, n, 4), _dyadic(rng, n, 4).astype(dtype), {}


def make_log_loss_binary(rng, n, dtype):
    # 1-D probabilities of the greater label.
    return _labels(rng, n, 2), rng.uniform(0.01, 0.99, n).astype(dtype), {}


def make_regression(rng, n, dtype):
    y, p = _integral_targets(rng, (n, 2), dtype)
    return y, p, {}


def make_regression_1d(rng, n, dtype):
    y, p = _integral_targets(rng, n, dtype)
    return y, p, {}


def make_regression_positive(rng, n, dtype):
    # Targets and predictions >= 0 (the logarithmic errors take values > -1).
    y, p = _integral_targets(rng, (n, 2), dtype)
    return y, np.abs(p), {}


def make_counts(rng, n, dtype):
    # Counts (zeros included) and positive predicted means: the Poisson and
    # compound Poisson deviances.
    y = rng.poisson(3.0, n).astype(dtype)
    return y, rng.uniform(0.25, 8.0, n).astype(dtype), {}


def make_positive(rng, n, dtype):
    # Positive targets and predictions: the Gamma deviance, Tweedie power >= 2.
    y = rng.gamma(2.0, 1.5, n).astype(dtype)
    y[y == 0] = 1.0
    return y, rng.uniform(0.25, 8.0, n).astype(dtype), {}


def make_cross_entropy(rng, n, dtype):
    y = _labels(rng, n, 5)    # class 2 ignored
    z = (rng.normal(size=(n, 5)) * 3).astype(dtype)
    return y, z, dict(class_weight=[1.0, 0.5, 2.0, 1.5, 0.25], ignore_index=2,
                      label_smoothing=0.1)


def make_cross_entropy_kdim(rng, n, dtype):
    y = rng.integers(0, 3, (n, 2, 2))
    y[0] = 0
    z = rng.normal(size=(n, 3, 2, 2)).astype(dtype)
    return y, z, dict(class_weight=[0.5, 1.0, 2.0])


def make_cross_entropy_soft(rng, n, dtype):
    t = _dyadic(rng, n, 4).astype(dtype)
    z = rng.normal(size=(n, 4)).astype(dtype)
    return t, z, dict(label_smoothing=0.2)


def make_nll(rng, n, dtype):
    y = _labels(rng, n, 6)
    return y, log_softmax(rng.normal(size=(n, 6)), axis=1).astype(dtype), dict(
        class_weight=np.linspace(0.5, 2.0, 6))


def make_bce(rng, n, dtype):
    y = (rng.random((n, 3)) < 0.4).astype(dtype)
    y[:, 2] = rng.random(n)  # a soft-target column
    return y, rng.uniform(0.001, 0.999, (n, 3)).astype(dtype), {}


def make_bce_1d(rng, n, dtype):
    y = (rng.random(n) < 0.4).astype(dtype)
    return y, rng.uniform(0.001, 0.999, n).astype(dtype), {}


def make_bce_logits(rng, n, dtype):
    y = (rng.random((n, 3)) < 0.4).astype(dtype)
    return y, (rng.normal(size=(n, 3)) * 4).astype(dtype), dict(pos_weight=[1.0, 3.0, 0.5])


def make_kl(rng, n, dtype):
    p = _dyadic(rng, n, 5, zeros=True)   # 0 log 0 terms
    return p.astype(dtype), _dyadic(rng, n, 5).astype(dtype), {}


def make_kl_log(rng, n, dtype):
    p, q = _dyadic(rng, n, 5), _dyadic(rng, n, 5)
    return np.log(p).astype(dtype), np.log(q).astype(dtype), dict(log_true=True,
                                                                  log_pred=True)


def make_pair(rng, n, dtype):
    # Element-wise over any shape: (N, 3, 2).
    y, p = _integral_targets(rng, (n, 3, 2), dtype)
    return y, p, {}


def make_huber(rng, n, dtype):
    # Residuals of both signs on both sides of delta = 15 (quadratic and linear).
    y, p = _integral_targets(rng, (n, 3), dtype)
    return y, p, dict(delta=15.0)


def make_smooth_l1(rng, n, dtype):
    # Element-wise over any shape: (N, 2, 2).
    y, p = _integral_targets(rng, (n, 2, 2), dtype)
    return y, p, dict(beta=5.0)


def make_smooth_l1_beta0(rng, n, dtype):
    # beta = 0 is the L1 loss; 1-D targets.
    y, p = _integral_targets(rng, n, dtype)
    return y, p, dict(beta=0.0)


def _signs(rng, shape):
    # Element-wise losses read float targets in place (integers are converted).
    return np.where(rng.random(shape) < 0.5, 1, -1)


def make_soft_margin(rng, n, dtype):
    # Element-wise over (N, 3); a few scores far out, where exp(-y x) overflows.
    x = rng.normal(size=(n, 3)) * 4
    x[::50] *= 300
    return _signs(rng, (n, 3)).astype(dtype), x.astype(dtype), {}


def make_hinge_embedding(rng, n, dtype):
    # Distances on both sides of the margin, (N, 2) elements.
    x = np.abs(rng.normal(size=(n, 2)) * 1.5)
    return _signs(rng, (n, 2)).astype(dtype), x.astype(dtype), dict(margin=1.25)


def make_poisson(rng, n, dtype):
    # Counts (some above 1: the Stirling term of full=True) and positive
    # predictions, valid as log-rates and as rates.
    y = rng.poisson(2.5, (n, 2)).astype(dtype)
    return y, rng.uniform(0.05, 3.0, (n, 2)).astype(dtype), {}


def make_focal(rng, n, dtype):
    # Hard 0/1 targets and a soft column; logits far out too (|x| up to 40).
    y = (rng.random((n, 3)) < 0.3).astype(dtype)
    y[:, 2] = rng.random(n)
    z = rng.normal(size=(n, 3)) * 4
    z[::40] *= 10
    return y, z.astype(dtype), {}


def make_multilabel(rng, n, dtype):
    # (N, 5) labels, a soft column, class weights.
    y = (rng.random((n, 5)) < 0.35).astype(dtype)
    y[:, 4] = rng.random(n)
    z = (rng.normal(size=(n, 5)) * 3).astype(dtype)
    return y, z, dict(class_weight=[1.0, 0.5, 2.0, 1.25, 0.75])


def make_multi_margin(rng, n, dtype):
    # Class indices (row 0's counted) and scores on both sides of the margin.
    y = _labels(rng, n, 6)
    z = (rng.normal(size=(n, 6)) * 1.5).astype(dtype)
    return y, z, dict(class_weight=np.linspace(0.25, 2.0, 6), margin=0.75)


def make_cosine(rng, n, dtype):
    # x2 travels in kwargs under "x2" (a per-row array, see ROW_ARRAYS): call()
    # passes it positionally, take_rows() permutes / repeats it with the rows.
    y = np.where(rng.random(n) < 0.5, 1, -1)
    x1 = rng.normal(size=(n, 6))
    x2 = 0.5 * x1 + rng.normal(size=(n, 6))     # correlated pairs: cos of both signs
    x2[::9] = -x2[::9]
    return y, x1.astype(dtype), dict(x2=x2.astype(dtype), margin=0.1)


def make_gaussian(rng, n, dtype):
    # Non-negative means with heavy-tailed residuals, a variance per element
    # (a few below eps, floored) under "var" (a per-row array, see
    # ROW_ARRAYS).  Means and variances may trade places (the layout tests
    # reverse or broadcast the columns of both side by side): all >= 0.
    y, mean = _integral_targets(rng, (n, 3), dtype)
    mean = np.abs(mean)
    var = rng.uniform(0.5, 200.0, (n, 3))
    var[::25, 0] = 0.0
    return y, mean, dict(var=var.astype(dtype))


def make_gaussian_rows(rng, n, dtype):
    # One variance per row: PyTorch's homoscedastic (N, 1) var for (N, 2) means.
    y, mean = _integral_targets(rng, (n, 2), dtype)
    return y, np.abs(mean), dict(var=rng.uniform(1.0, 50.0, (n, 1)).astype(dtype),
                                 full=True)


def make_margin_ranking(rng, n, dtype):
    # Pairs of scores on both sides of the margin, (N, 2) elements.
    x1 = rng.normal(size=(n, 2)) * 2
    x2 = x1 + rng.normal(size=(n, 2))
    return (_signs(rng, (n, 2)).astype(dtype), x1.astype(dtype),
            dict(x2=x2.astype(dtype), margin=0.25))


def make_multilabel_margin(rng, n, dtype):
    # (N, 6) scores; each row's targets (0 to 6 of them, a repeat now and
    # then) then -1, and junk in [-1, 6) after the first -1.
    z = (rng.normal(size=(n, 6)) * 1.5).astype(dtype)
    y = rng.integers(-1, 6, (n, 6))
    ends = rng.integers(0, 7, n)
    for r, k in enumerate(ends):
        if k < 6:
            y[r, k] = -1
    y[0] = [2, 0, -1, 5, 5, 1]
    return y, z, {}


def make_triplet(rng, n, dtype):
    # (N, 4) anchors, positives near them, negatives under "negative" (a
    # per-row array, see ROW_ARRAYS); some triplets inside the margin.
    a = rng.normal(size=(n, 4))
    pos = a + 0.5 * rng.normal(size=(n, 4))
    neg = a + 1.2 * rng.normal(size=(n, 4))
    return a.astype(dtype), pos.astype(dtype), dict(negative=neg.astype(dtype), margin=0.5)


def make_brier(rng, n, dtype):
    return _labels(rng, n, 4), _dyadic(rng, n, 4).astype(dtype), {}


def make_brier_binary(rng, n, dtype):
    # 1-D probabilities of pos_label=1 for labels in {1, 2}.
    y = np.where(rng.random(n) < 0.4, 1, 2)
    return y, rng.uniform(0.0, 1.0, n).astype(dtype), dict(pos_label=1)


def make_predicted_labels(rng, n, dtype):
    # Labels and predicted labels, about a third of them wrong.
    y = _labels(rng, n, 4)
    # (The predicted labels in the dtype of the case: integral floats are labels.)
    wrong = rng.random(n) < 0.35
    return y, np.where(wrong, (y + 1 + rng.integers(0, 3, n)) % 4, y).astype(dtype), {}


def make_hinge_binary(rng, n, dtype):
    return _labels(rng, n, 2), (rng.normal(size=n) * 1.5).astype(dtype), {}


def make_hinge_multiclass(rng, n, dtype):
    return _labels(rng, n, 4), (rng.normal(size=(n, 4)) * 1.5).astype(dtype), {}


# kwargs that are per-row arrays passed positionally after the prediction
# (cosine_embedding_loss's x2): call() pops them, take_rows() indexes them.
ROW_ARRAYS = ("x2", "var", "negative")


def take_rows(kwargs, idx):
    """``kwargs`` with its per-row arrays (ROW_ARRAYS) indexed like the rows."""
    return {k: (np.asarray(v)[idx] if k in ROW_ARRAYS else v) for k, v in kwargs.items()}


_MULTIOUTPUT = ({"multioutput": "raw_values"}, {"multioutput": [0.3, 0.7]})
_TORCH = ("mean", "sum", "none")

# case id -> Case(function name, input maker, reductions, further variants)
CASES = {
    "log_loss": Case("log_loss", make_log_loss, ("mean", "sum")),
    "log_loss_binary": Case("log_loss", make_log_loss_binary, ("mean", "sum")),
    "mean_squared_error": Case("mean_squared_error", make_regression, ("mean",),
                               _MULTIOUTPUT),
    "mean_squared_error_1d": Case("mean_squared_error", make_regression_1d, ("mean",)),
    "root_mean_squared_error": Case("root_mean_squared_error", make_regression, ("mean",),
                                    _MULTIOUTPUT),
    "mean_absolute_error": Case("mean_absolute_error", make_regression, ("mean",),
                                _MULTIOUTPUT),
    "mean_squared_log_error": Case("mean_squared_log_error", make_regression_positive,
                                   ("mean",), _MULTIOUTPUT),
    "root_mean_squared_log_error": Case("root_mean_squared_log_error",
                                        make_regression_positive, ("mean",), _MULTIOUTPUT),
    "mean_absolute_percentage_error": Case("mean_absolute_percentage_error",
                                           make_regression, ("mean",), _MULTIOUTPUT),
    "mean_pinball_loss": Case("mean_pinball_loss", make_regression, ("mean",),
                              ({"alpha": 0.1}, {"alpha": 0.9, "multioutput": "raw_values"})),
    "mean_poisson_deviance": Case("mean_poisson_deviance", make_counts, ("mean",)),
    "mean_gamma_deviance": Case("mean_gamma_deviance", make_positive, ("mean",)),
    "mean_tweedie_deviance": Case("mean_tweedie_deviance", make_counts, ("mean",),
                                  ({"power": 1.5}, {"power": 0}, {"power": -1.0})),
    "mean_tweedie_deviance_3": Case("mean_tweedie_deviance", make_positive, ("mean",),
                                    ({"power": 3},)),
    "max_error": Case("max_error", make_regression_1d, ("mean",)),
    "r2_score": Case("r2_score", make_regression, ("mean",),
                     _MULTIOUTPUT + ({"multioutput": "variance_weighted"},)),
    "r2_score_1d": Case("r2_score", make_regression_1d, ("mean",)),
    "explained_variance_score": Case("explained_variance_score", make_regression,
                                     ("mean",), _MULTIOUTPUT
                                     + ({"multioutput": "variance_weighted"},)),
    "median_absolute_error": Case("median_absolute_error", make_regression, ("mean",),
                                  _MULTIOUTPUT),
    "d2_pinball_score": Case("d2_pinball_score", make_regression, ("mean",),
                             ({"alpha": 0.1}, {"alpha": 0.9, "multioutput": "raw_values"})),
    "d2_absolute_error_score": Case("d2_absolute_error_score", make_regression, ("mean",),
                                    _MULTIOUTPUT),
    "d2_tweedie_score": Case("d2_tweedie_score", make_counts, ("mean",),
                             ({"power": 1.5}, {"power": 0}, {"power": 1})),
    "zero_one_loss": Case("zero_one_loss", make_predicted_labels, ("mean", "sum")),
    "hinge_loss": Case("hinge_loss", make_hinge_binary, ("mean",)),
    "hinge_loss_multiclass": Case("hinge_loss", make_hinge_multiclass, ("mean",)),
    "d2_log_loss_score": Case("d2_log_loss_score", make_log_loss, ("mean",)),
    "d2_brier_score": Case("d2_brier_score", make_brier, ("mean",)),
    "d2_brier_score_binary": Case("d2_brier_score", make_brier_binary, ("mean",)),
    "cross_entropy": Case("cross_entropy", make_cross_entropy, _TORCH),
    "cross_entropy_kdim": Case("cross_entropy", make_cross_entropy_kdim, _TORCH),
    "cross_entropy_soft": Case("cross_entropy", make_cross_entropy_soft, _TORCH),
    "nll_loss": Case("nll_loss", make_nll, _TORCH),
    "binary_cross_entropy": Case("binary_cross_entropy", make_bce, _TORCH,
                                 ({"weight": [0.5, 1.0, 2.25]},)),
    "binary_cross_entropy_1d": Case("binary_cross_entropy", make_bce_1d, _TORCH,
                                    ({"weight": 0.75},)),
    "binary_cross_entropy_with_logits": Case("binary_cross_entropy_with_logits",
                                             make_bce_logits, _TORCH,
                                             ({"pos_weight": 2.5},
                                              {"weight": [2.0, 0.25, 1.0],
                                               "pos_weight": [1.0, 3.0, 0.5]})),
    "kl_divergence": Case("kl_divergence", make_kl, _TORCH),
    "kl_divergence_log": Case("kl_divergence", make_kl_log, _TORCH),
    "jensen_shannon_divergence": Case("jensen_shannon_divergence", make_kl, _TORCH,
                                      ({"base": 2.0},)),
    "mse_loss": Case("mse_loss", make_pair, _TORCH),
    "l1_loss": Case("l1_loss", make_pair, _TORCH),
    "huber_loss": Case("huber_loss", make_huber, _TORCH, ({"delta": 200.0},
                                                          {"delta": 0.5})),
    "smooth_l1_loss": Case("smooth_l1_loss", make_smooth_l1, _TORCH, ({"beta": 250.0},)),
    "smooth_l1_loss_beta0": Case("smooth_l1_loss", make_smooth_l1_beta0, _TORCH),
    "soft_margin_loss": Case("soft_margin_loss", make_soft_margin, _TORCH),
    "hinge_embedding_loss": Case("hinge_embedding_loss", make_hinge_embedding, _TORCH,
                                 ({"margin": -0.5},)),
    "poisson_nll_loss": Case("poisson_nll_loss", make_poisson, _TORCH,
                             ({"full": True}, {"log_input": False},
                              {"log_input": False, "full": True, "eps": 1e-3})),
    "sigmoid_focal_loss": Case("sigmoid_focal_loss", make_focal, _TORCH,
                               ({"alpha": -1.0, "gamma": 0.5}, {"alpha": 0.9, "gamma": 0.0})),
    "multilabel_soft_margin_loss": Case("multilabel_soft_margin_loss", make_multilabel,
                                        _TORCH),
    "multi_margin_loss": Case("multi_margin_loss", make_multi_margin, _TORCH, ({"p": 2},)),
    "gaussian_nll_loss": Case("gaussian_nll_loss", make_gaussian, _TORCH,
                              ({"full": True}, {"eps": 2.0})),
    "gaussian_nll_loss_rows": Case("gaussian_nll_loss", make_gaussian_rows, _TORCH),
    "margin_ranking_loss": Case("margin_ranking_loss", make_margin_ranking, _TORCH,
                                ({"margin": -0.5},)),
    "multilabel_margin_loss": Case("multilabel_margin_loss", make_multilabel_margin,
                                   _TORCH),
    "triplet_margin_loss": Case("triplet_margin_loss", make_triplet, _TORCH,
                                ({"p": 1.0, "swap": True}, {"p": 3.0, "eps": 0.0})),
    "cosine_embedding_loss": Case("cosine_embedding_loss", make_cosine, _TORCH,
                                  ({"margin": -0.5},)),
    "brier_score_loss": Case("brier_score_loss", make_brier, ("mean",),
                             ({"scale_by_half": True},)),
    "brier_score_loss_binary": Case("brier_score_loss", make_brier_binary, ("mean",),
                                    ({"scale_by_half": False},)),
}

# The cases whose states merge (all but the quantile-based metrics, which
# Accumulator and Dask refuse: tests/test_quantiles.py checks the refusals).
MERGEABLE = tuple(c for c, case in CASES.items() if lossmetrics.LOSSES[case.name].mergeable)

# Losses without a reduction= option (a mean only), from the declarations.
MEAN_ONLY = tuple(name for name, loss in lossmetrics.LOSSES.items()
                  if not {"reduction", "normalize"} & set(loss.option_names))


def options(name, reduction="mean", **kwargs):
    """The keyword arguments of loss ``name`` for a uniform ``reduction``
    vocabulary ('mean' / 'sum' is normalize=True / False for the losses that
    spell it so; the losses of a mean only take 'mean')."""
    if "normalize" in lossmetrics.LOSSES[name].option_names:
        return dict(kwargs, normalize=reduction == "mean")
    if name in MEAN_ONLY:
        if reduction != "mean":
            raise ValueError(f"{name} only takes reduction='mean'")
        return kwargs
    return dict(kwargs, reduction=reduction)


def call(lm, case, y, pred, kwargs, reduction="mean", **extra):
    """Call a case's loss with a uniform ``reduction`` vocabulary (``options``)."""
    name = CASES[case].name
    kwargs = dict(kwargs, **extra)
    args = [y, pred] + [kwargs.pop(k) for k in ROW_ARRAYS if k in kwargs]
    return getattr(lm, name)(*args, **options(name, reduction, **kwargs))
