"""Fast paths: a declaration's ``fast`` (small calls without weights or thread
count) must give the generic path's bits, and leave every input it does not
vouch for to the generic path, which raises the errors and warnings.

One harness for every loss that has a fast path: each case of the case table
(tests/loss_cases.py) is called through the public function, which takes the
fast path where it applies, and through the generic driver
(``check`` -> ``state`` -> ``result``), and the two must be the same bits.
References: the generic driver, and scikit-learn called live.
"""
import inspect
import warnings
import re
import math
from fractions import Fraction

import numpy as np
import pytest
import sklearn.metrics as skm
from scipy.special import rel_entr
from sklearn.exceptions import UndefinedMetricWarning

import lossmetrics as lm
from lossmetrics._core.driver import finish
from loss_cases import CASES, ROW_ARRAYS

RNG = np.random.default_rng(7)
FAST = sorted(name for name, loss in lm.LOSSES.items() if loss.fast is not None)
FAST_CASES = sorted(case for case, c in CASES.items() if c.name in FAST)


def generic(name, *args, **options):
    """The value through the generic driver, without the fast path."""
    loss = lm.LOSSES[name]
    return finish(loss, loss.check(*args, **options))


def same_error(fast_call, name, *args, **options):
    """The message of the ValueError that ``fast_call()`` (the public function,
    fast path first) raises: the generic path's on ``args`` and ``options``."""
    with pytest.raises(ValueError) as fast:
        fast_call()
    with pytest.raises(ValueError) as full:
        generic(name, *args, **options)
    assert str(fast.value) == str(full.value)
    return str(fast.value)


def test_the_losses_with_fast_paths_have_cases():
    assert FAST and {CASES[c][0] for c in FAST_CASES} == set(FAST)


@pytest.mark.parametrize("case", FAST_CASES)
@pytest.mark.parametrize("n", [8, 1000, 8193])
def test_fast_path_is_the_generic_path_bit_for_bit(case, n):
    name, make = CASES[case].name, CASES[case].make
    y, pred, kwargs = make(RNG, n, np.float64)
    third = set(kwargs) & set(ROW_ARRAYS)   # a third operand: x2, var, negative
    assert third <= {"x2", "var", "negative"}
    calls = [(y, pred, kwargs)]
    if name == "log_loss" or (name == "brier_score_loss" and pred.ndim == 2):
        k = pred.shape[1] if pred.ndim == 2 else 2
        y[:k] = np.arange(k)                            # every class present
    elif pred.ndim == 2 and np.ndim(y) == 2:
        # 1-D vectors
        calls.append((y[:, 0], pred[:, 0], {k: (np.ascontiguousarray(v[:, 0]) if k in third
                                                else v) for k, v in kwargs.items()}))
    for y_, p_, kw in calls:
        got = getattr(lm, name)(y_, p_, **kw)
        want = generic(name, y_, p_, **kw)
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()


@pytest.mark.parametrize("name", sorted(set(FAST) & {"mean_squared_error", "mean_absolute_error",
                                                     "root_mean_squared_error",
                                                     "median_absolute_error"}))
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8191, 8192, 8193, 20_000, 65_535, 65_536])
def test_fast_regression_is_the_generic_path_bit_for_bit(name, n):
    a = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 5, n)
    b = RNG.normal(size=n)
    got = getattr(lm, name)(a, b)
    assert got.hex() == generic(name, a, b).hex()
    assert got == pytest.approx(getattr(skm, name)(a, b), rel=1e-12)


# The losses whose fast path takes two plain vectors (lossmetrics/_losses/lean.py),
# and three.
TRIPLES = ["gaussian_nll_loss", "margin_ranking_loss"]
DEVIANCES = ["mean_poisson_deviance", "mean_gamma_deviance", "mean_tweedie_deviance"]
D2_PINBALL = ["d2_absolute_error_score", "d2_pinball_score"]
SCORES = ["r2_score", "explained_variance_score"]
PAIRS = sorted(set(FAST) - {"log_loss", "max_error", "zero_one_loss", "cross_entropy",
                            "nll_loss", "brier_score_loss", "kl_divergence",
                            "triplet_margin_loss", "multi_margin_loss",
                            "multilabel_margin_loss"}
               - set(TRIPLES) - set(DEVIANCES) - set(D2_PINBALL) - set(SCORES)
               - {"d2_tweedie_score"})


def test_the_pair_fast_paths_are_the_lean_terms():
    assert set(PAIRS) == {"mean_squared_error", "mean_absolute_error",
                          "root_mean_squared_error", "mean_absolute_percentage_error",
                          "mean_squared_log_error", "root_mean_squared_log_error",
                          "mean_pinball_loss", "mse_loss", "l1_loss", "huber_loss",
                          "smooth_l1_loss", "soft_margin_loss", "poisson_nll_loss",
                          "median_absolute_error"}


# Each pair loss with its default options and with each option it takes.
PAIR_CALLS = [(name, options) for name in PAIRS
              for options in ({}, {"reduction": "sum"}, {"delta": 0.5}, {"beta": 0.0},
                              {"beta": 2.0}, {"alpha": 0.9}, {"full": True},
                              {"log_input": False})
              if set(options) <= set(inspect.signature(getattr(lm, name)).parameters)]


@pytest.mark.parametrize(("name", "options"), PAIR_CALLS)
@pytest.mark.parametrize("n", [1, 5, 8193, 65_535, 65_536])
def test_fast_pair_is_the_generic_path_bit_for_bit(name, options, n):
    fn = getattr(lm, name)
    a = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 5, n)
    b = RNG.normal(size=n)
    if "log" in name:
        a, b = np.abs(a), np.abs(b)    # the logarithmic errors' domain: > -1
    if name == "poisson_nll_loss":
        b = np.abs(b)                  # rates (log_input=False) are >= 0
    assert fn(a, b, **options) == generic(name, a, b, **options)
    assert np.float64(fn(a, b, **options)).hex() == np.float64(
        generic(name, a, b, **options)).hex()


@pytest.mark.parametrize("options", [{}, {"reduction": "sum"}, {"margin": 0.5},
                                     {"margin": -2.0, "reduction": "sum"}])
@pytest.mark.parametrize("n", [1, 3, 5, 4096, 8193, 65_535, 65_536])
def test_fast_margin_ranking_is_the_generic_path_bit_for_bit(options, n):
    y = np.where(RNG.random(n) < 0.5, -1.0, 1.0)
    x1 = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 5, n)
    x2 = RNG.normal(size=n)
    got = lm.margin_ranking_loss(y, x1, x2, **options)
    assert got.hex() == generic("margin_ranking_loss", y, x1, x2=x2, **options).hex()
    # and PyTorch's definition, in exact arithmetic
    terms = [max(Fraction(0), -Fraction(t) * (Fraction(a) - Fraction(b))
                 + Fraction(options.get("margin", 0.0)))
             for t, a, b in zip(y.tolist(), x1.tolist(), x2.tolist())]
    exact = sum(terms) / (1 if options.get("reduction") == "sum" else n)
    assert got == pytest.approx(float(exact), rel=1e-13)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("arg", ["y_true", "x1", "x2"])
def test_fast_margin_ranking_raises_the_generic_errors(value, arg):
    args = dict(y_true=np.ones(100), x1=RNG.normal(size=100), x2=RNG.normal(size=100))
    args[arg][42] = value
    message = same_error(lambda: lm.margin_ranking_loss(**args), "margin_ranking_loss",
                         args["y_true"], args["x1"], x2=args["x2"])
    assert re.search(rf"{arg} has .* index 42", message)


def test_fast_margin_ranking_leaves_other_inputs_to_the_generic_path():
    y, x1, x2 = np.ones(10), RNG.normal(size=10), RNG.normal(size=10)
    with pytest.raises(ValueError, match="x1.*x2|x2.*x1"):
        lm.margin_ranking_loss(y, x1, x2[:9])
    with pytest.raises(TypeError, match="needs x2"):
        lm.margin_ranking_loss(y, x1, None)
    with pytest.raises(lm.InvalidParameterError, match="margin"):
        lm.margin_ranking_loss(y, x1, x2, margin=np.nan)
    fast = lm.margin_ranking_loss(y, x1, x2)
    assert lm.margin_ranking_loss(y, x1, np.repeat(x2, 2)[::2]) == fast
    assert lm.margin_ranking_loss(list(y), list(x1), list(x2)) == fast
    assert lm.margin_ranking_loss(y, x1, x2, n_threads=1) == fast
    assert lm.margin_ranking_loss(y, x1, x2, sample_weight=np.ones(10)) == fast


@pytest.mark.parametrize("options", [{}, {"reduction": "sum"}, {"full": True},
                                     {"eps": 0.5}, {"eps": 1e-6, "full": False}])
@pytest.mark.parametrize("n", [1, 3, 5, 4096, 8193, 65_535, 65_536])
def test_fast_gaussian_nll_is_the_generic_path_bit_for_bit(options, n):
    y = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 5, n)
    mean = RNG.normal(size=n)
    var = RNG.uniform(0.0, 3.0, n)
    var[0] = 0.0                            # floored to eps
    got = lm.gaussian_nll_loss(y, mean, var, **options)
    assert got.hex() == generic("gaussian_nll_loss", y, mean, var=var, **options).hex()
    # and PyTorch's definition, term by term in float64, summed exactly
    eps = options.get("eps", 1e-6)
    v = np.maximum(var, eps)
    terms = 0.5 * (np.log(v) + (mean - y) ** 2 / v)
    if options.get("full"):
        terms += 0.5 * math.log(2 * math.pi)
    exact = math.fsum(terms) / (1 if options.get("reduction") == "sum" else n)
    assert got == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, -1.0, -5e-324])
@pytest.mark.parametrize("arg", ["y_true", "y_pred", "var"])
def test_fast_gaussian_nll_raises_the_generic_errors(value, arg):
    args = dict(y_true=RNG.normal(size=100), y_pred=RNG.normal(size=100),
                var=RNG.uniform(0.5, 2.0, 100))
    args[arg][42] = value
    if arg != "var" and value in (-1.0, -5e-324):
        return                              # a valid mean or target
    message = same_error(lambda: lm.gaussian_nll_loss(**args), "gaussian_nll_loss",
                         args["y_true"], args["y_pred"], var=args["var"])
    assert "42" in message


def test_fast_gaussian_nll_leaves_other_inputs_to_the_generic_path():
    y, mean, var = RNG.normal(size=10), RNG.normal(size=10), RNG.uniform(0.5, 2.0, 10)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        lm.gaussian_nll_loss(y, mean, var[:9])
    with pytest.raises(TypeError, match="needs var"):
        lm.gaussian_nll_loss(y, mean, None)
    with pytest.raises(ValueError, match="var must be > 0 where eps=0"):
        lm.gaussian_nll_loss(y, mean, np.where(np.arange(10) == 3, 0.0, var), eps=0.0)
    fast = lm.gaussian_nll_loss(y, mean, var)
    assert lm.gaussian_nll_loss(y, mean, np.repeat(var, 2)[::2]) == fast
    assert lm.gaussian_nll_loss(list(y), list(mean), list(var)) == fast
    assert lm.gaussian_nll_loss(y, mean, var, n_threads=1) == fast
    assert lm.gaussian_nll_loss(y, mean, var, sample_weight=np.ones(10)) == fast
    # one variance for all: a float, or a (1,) array broadcast
    assert lm.gaussian_nll_loss(y, mean, 1.5) == lm.gaussian_nll_loss(y, mean, np.full(10, 1.5))


@pytest.mark.parametrize("name", ["mean_squared_log_error", "root_mean_squared_log_error"])
@pytest.mark.parametrize("value", [-1.0, -1.5, -1e300])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_fast_log_errors_raise_the_domain_error(name, value, arg):
    a, b = np.abs(RNG.normal(size=100)), np.abs(RNG.normal(size=100))
    (a if arg == "y_true" else b)[42] = value
    with pytest.raises(ValueError, match=rf"less than or equal to -1. {arg} has .* index 42"):
        getattr(lm, name)(a, b)


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_fast_regression_raises_the_generic_errors(name, value, arg):
    fn = getattr(lm, name)
    a, b = RNG.normal(size=100), RNG.normal(size=100)
    (a if arg == "y_true" else b)[42] = value
    # (the prediction as the function names it: y_pred, x...)
    named = arg if arg == "y_true" else list(inspect.signature(fn).parameters)[1]
    with pytest.raises(ValueError, match=rf"{named} has .* index 42"):
        fn(a, b)


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error",
                                  "root_mean_squared_error", "mean_absolute_percentage_error",
                                  "mean_pinball_loss", "median_absolute_error"])
def test_fast_regression_leaves_other_inputs_to_the_generic_path(name):
    fn = getattr(lm, name)
    a, b = RNG.normal(size=10), RNG.normal(size=10)
    with pytest.raises(ValueError, match="0 sample"):
        fn(a[:0], b[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fn(a, b[:9])
    # Strided, float32, lists and weights give the same value as the fast path
    # (they run the generic path).
    fast = fn(a, b)
    assert fn(a, b, multioutput="raw_values") == np.array([fast])
    assert fn(np.repeat(a, 2)[::2], b) == fast
    assert fn(list(a), list(b)) == fast
    assert fn(a, b, sample_weight=np.ones(10)) == pytest.approx(fast, rel=1e-15)
    assert fn(a, b, n_threads=1) == fast


@pytest.mark.parametrize("n_classes", [2, 3, 10, 64])
def test_small_log_loss_matches_sklearn(n_classes):
    y = RNG.integers(0, n_classes, 1000) + 5
    p = RNG.dirichlet(np.ones(n_classes), 1000)
    if len(np.unique(y)) != n_classes:
        y[:n_classes] = np.arange(n_classes) + 5
    assert lm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-13)


@pytest.mark.parametrize("n_classes", [2, 3, 10, 64])
@pytest.mark.parametrize("n", [64, 1000, 8191, 65_535])
@pytest.mark.parametrize("offset", [0, -40, 2**62])
def test_fast_log_loss_is_the_generic_path_bit_for_bit(n_classes, n, offset):
    y = RNG.integers(0, n_classes, n)
    y[:n_classes] = np.arange(n_classes)
    y += offset
    p = RNG.dirichlet(np.ones(n_classes) * 0.3, n)
    p[0, :] = 0.0
    p[0, 0] = 1.0                       # clipped to 1 - eps and eps
    got = lm.log_loss(y, p)
    assert got.hex() == generic("log_loss", y, p).hex()
    assert got.hex() == lm.log_loss(y, p, n_threads=2).hex()   # the generic path, 2 threads
    assert got == pytest.approx(skm.log_loss(y, p), rel=1e-13)


@pytest.mark.parametrize("value", [np.nan, np.inf, -0.5, 1.5])
def test_fast_log_loss_raises_the_generic_errors(value):
    y = np.arange(100) % 3
    p = RNG.dirichlet(np.ones(3), 100)
    p[42, 1] = value
    message = same_error(lambda: lm.log_loss(y, p), "log_loss", y, p)
    assert "index" in message and "42" in message


def test_fast_log_loss_leaves_other_inputs_to_the_generic_path():
    y = np.arange(100) % 3
    p = RNG.dirichlet(np.ones(3), 100)
    # A row that does not sum to one: the generic path's warning, and the value.
    bad = p.copy()
    bad[7] *= 0.5
    with pytest.warns(UserWarning, match="do not sum to one"):
        value = lm.log_loss(y, bad)
    with pytest.warns(UserWarning, match="do not sum to one"):
        assert value == pytest.approx(skm.log_loss(y, bad), rel=1e-13)
    # Class count mismatch, a single class: the generic path's errors.
    with pytest.raises(ValueError, match="different number of classes"):
        lm.log_loss(y % 2, p)
    with pytest.raises(ValueError, match="only one label"):
        lm.log_loss(np.zeros(100, dtype=np.int64), p)
    # Labels far apart (no 64-value window), int32 labels, float32 or strided
    # probabilities, lists: the same value through the generic path.
    fast = lm.log_loss(y, p)
    assert lm.log_loss(y * 1000, p).hex() == fast.hex()
    assert lm.log_loss(y.astype(np.int32), p).hex() == fast.hex()
    assert lm.log_loss(y, np.asfortranarray(p)).hex() == fast.hex()
    assert lm.log_loss(list(y), p.tolist()).hex() == fast.hex()
    assert lm.log_loss(y, p, normalize=False) == pytest.approx(fast * 100, rel=1e-15)


@pytest.mark.parametrize(("name", "options"), [
    ("huber_loss", {"delta": -1.0}), ("smooth_l1_loss", {"beta": np.nan}),
    ("mean_pinball_loss", {"alpha": 2.0}), ("mse_loss", {"reduction": "avg"}),
    ("l1_loss", {"reduction": None}),
    ("mean_squared_error", {"multioutput": "variance_weighted"}),
])
def test_fast_pair_option_errors_are_the_generic_ones(name, options):
    a, b = RNG.normal(size=10), RNG.normal(size=10)
    with pytest.raises((ValueError, TypeError)) as fast:
        getattr(lm, name)(a, b, **options)
    with pytest.raises((ValueError, TypeError)) as generic_error:
        generic(name, a, b, **options)
    assert type(fast.value) is type(generic_error.value)
    assert str(fast.value) == str(generic_error.value)


# (the lean kernel's sixteen lanes over the whole vector; the generic
# kernel's blocks of 8192)
@pytest.mark.parametrize("n", [1, 2, 5, 15, 16, 17, 8192, 8193, 20_001, 65_535, 65_536])
def test_fast_max_error_is_the_generic_path_and_sklearn(n):
    a = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 5, n)
    b = RNG.normal(size=n)
    assert lm.max_error(a, b) == generic("max_error", a, b) == skm.max_error(a, b)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_fast_max_error_raises_the_generic_errors(value, arg):
    a, b = RNG.normal(size=100), RNG.normal(size=100)
    (a if arg == "y_true" else b)[42] = value
    with pytest.raises(ValueError, match=rf"{arg} has .* index 42"):
        lm.max_error(a, b)
    a, b = np.array([1.5e308, 0.0]), np.array([-1.5e308, 0.0])
    with pytest.raises(ValueError, match="overflows"):
        lm.max_error(a, b)


@pytest.mark.parametrize("n", [1, 2, 7, 8193, 65_535, 65_536])
@pytest.mark.parametrize("n_classes", [1, 2, 10])
@pytest.mark.parametrize("normalize", [True, False])
def test_fast_zero_one_is_the_generic_path_and_sklearn(n, n_classes, normalize):
    y = RNG.integers(0, n_classes, n)
    p = RNG.integers(0, n_classes + 1, n) - (n_classes > 2)     # another label set
    got = lm.zero_one_loss(y, p, normalize=normalize)
    assert got == generic("zero_one_loss", y, p, normalize=normalize)
    # (scikit-learn's 1 - accuracy rounds twice: within an ulp of the count's quotient)
    assert got == pytest.approx(skm.zero_one_loss(y, p, normalize=normalize),
                                rel=2e-16, abs=1e-16)


def test_fast_zero_one_leaves_other_inputs_to_the_generic_path():
    y, p = np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        lm.zero_one_loss(y, p[:3])
    with pytest.raises(ValueError, match="0 sample"):
        lm.zero_one_loss(y[:0], p[:0])
    with pytest.raises(lm.InvalidParameterError, match="normalize"):
        lm.zero_one_loss(y, p, normalize=1)
    assert lm.zero_one_loss(y, p.astype(np.float64)) == lm.zero_one_loss(y, p) == 0.25


def _scores(name, shape, dtype=np.float64):
    """Logits, or (nll_loss) log-probabilities of scale 10**-3..10**3."""
    z = RNG.normal(size=shape) * 10.0 ** RNG.integers(-3, 3, (shape[0], 1))
    if name == "nll_loss":
        z = -np.abs(z)
    return z.astype(dtype)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("n", [1, 7, 4097, 65_535, 65_536])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fast_class_scores_are_the_generic_path_bit_for_bit(name, n, dtype, reduction):
    z = _scores(name, (n, 5), dtype)
    y = RNG.integers(0, 5, n)
    if name == "nll_loss" and n > 1:
        z[0, (y[0] + 1) % 5] = -np.inf     # a zero probability, not picked
    got = getattr(lm, name)(y, z, reduction=reduction)
    assert np.float64(got).hex() == np.float64(generic(name, y, z, reduction=reduction)).hex()
    if name == "nll_loss":                 # PyTorch's definition, by fsum
        picked = -z[np.arange(n), y].astype(np.float64)
        want = math.fsum(picked) / (n if reduction == "mean" else 1)
        assert got == pytest.approx(want, rel=4e-16, abs=0)


@pytest.mark.parametrize("shape", [(5, 9000), (1639, 5), (3, 1), (8193, 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_nll_loss_blocks_are_the_generic_paths(shape, dtype):
    # small_nll_state's blocks (8192 values, at least one row), serially:
    # one row a block for many classes, block edges, one class.
    z = _scores("nll_loss", shape, dtype)
    y = RNG.integers(0, shape[1], shape[0])
    got = lm.nll_loss(y, z)
    assert np.float64(got).hex() == np.float64(generic("nll_loss", y, z)).hex()
    want = math.fsum(-z[np.arange(shape[0]), y].astype(np.float64)) / shape[0]
    assert got == pytest.approx(want, rel=4e-16, abs=0)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize(("where", "value"), [("scores", np.nan), ("scores", np.inf),
                                              ("scores", -np.inf), ("y_true", 5),
                                              ("y_true", -1), ("y_true", -100)])
def test_fast_class_scores_raise_the_generic_errors(name, where, value):
    if name == "nll_loss" and where == "scores" and value == -np.inf:
        value = np.inf * 0                 # (-inf is a valid log-probability)
    z, y = _scores(name, (50, 5)), RNG.integers(0, 5, 50)
    if where == "scores":
        z[17, 3] = value
    else:
        y[17] = value
    assert "17" in same_error(lambda: getattr(lm, name)(y, z), name, y, z)


BRIER_LABELS = [(0, 1), (-1, 1), (0,), (1,), (-1,), (-1, 0), (-1, 0, 1), (2, 3), (0, 1, 2)]


@pytest.mark.parametrize("values", BRIER_LABELS)
# (the lean kernel's chunks of 256 rows and blocks of 8192 around their edges)
@pytest.mark.parametrize("n", [1, 2, 7, 255, 257, 4096, 8192, 8193, 20_001, 65_535, 65_536])
def test_fast_binary_brier_is_the_generic_path_bit_for_bit(values, n):
    y = RNG.choice(np.array(values, dtype=np.int64), n)
    p = RNG.random(n)
    p[:2] = [0.0, 1.0][:n]
    try:
        want = generic("brier_score_loss", y, p)
    except ValueError as exc:
        with pytest.raises(ValueError) as ours:
            lm.brier_score_loss(y, p)
        assert str(ours.value) == str(exc)
        with pytest.raises(ValueError):
            skm.brier_score_loss(y, p)
        return
    got = lm.brier_score_loss(y, p)
    assert got.hex() == want.hex()
    assert got == pytest.approx(skm.brier_score_loss(y, p), rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, -0.5, 1.5])
def test_fast_binary_brier_raises_the_generic_errors(value):
    y = np.arange(100) % 2
    p = RNG.random(100)
    p[42] = value
    assert "42" in same_error(lambda: lm.brier_score_loss(y, p), "brier_score_loss", y, p)


def test_fast_binary_brier_leaves_other_inputs_to_the_generic_path():
    y, p = np.arange(10) % 2, RNG.random(10)
    fast = lm.brier_score_loss(y, p)
    assert fast == pytest.approx(skm.brier_score_loss(y, p), rel=1e-13)
    # Options, other dtypes, strings, lists, weights, 2-D probabilities: the
    # generic path, the same value.
    assert lm.brier_score_loss(y, p, pos_label=1) == fast
    assert lm.brier_score_loss(y, p, scale_by_half=True) == fast
    assert lm.brier_score_loss(y, p, labels=[0, 1]) == fast
    assert lm.brier_score_loss(y.astype(np.int32), p) == fast
    assert lm.brier_score_loss(y.astype(float), p) == fast
    assert lm.brier_score_loss(list(y), list(p)) == fast
    assert lm.brier_score_loss(y, p, sample_weight=np.ones(10)) == fast
    assert lm.brier_score_loss(y, np.repeat(p, 2)[::2]) == fast
    assert lm.brier_score_loss(np.where(y == 1, "b", "a"), p, pos_label="b") == fast
    assert lm.brier_score_loss(y, np.stack([1 - p, p], axis=1)) == pytest.approx(fast,
                                                                                 rel=1e-15)
    # The positive label 0 (pos_label given): 1 - p is then its probability.
    assert lm.brier_score_loss(y, 1 - p, pos_label=0) == pytest.approx(fast, rel=1e-13)
    with pytest.raises(ValueError, match="0 sample|empty|minimum of 1"):
        lm.brier_score_loss(y[:0], p[:0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (7, 2), (64, 10), (1639, 5), (4096, 3),
                                   (65_535, 2), (65_536, 2), (300, 257), (3, 600)])
def test_fast_kl_is_the_generic_path_bit_for_bit(shape, reduction):
    p = RNG.dirichlet(np.ones(shape[1]) * 0.5, shape[0])
    q = RNG.dirichlet(np.ones(shape[1]), shape[0])
    p[0, 0] = 0.0                            # 0 log 0 = 0
    got = lm.kl_divergence(p, q, reduction=reduction)
    assert got.hex() == generic("kl_divergence", p, q, reduction=reduction).hex()
    # and SciPy's rel_entr, summed exactly
    exact = math.fsum(rel_entr(p, q).ravel()) / (1 if reduction == "sum" else shape[0])
    assert got == pytest.approx(exact, rel=1e-12, abs=1e-300)


def test_fast_kl_infinite_divergence_is_the_generic_one():
    p, q = RNG.dirichlet(np.ones(3), 10), RNG.dirichlet(np.ones(3), 10)
    q[2, 1] = 0.0                            # p > 0 where q = 0: infinite, as SciPy
    assert lm.kl_divergence(p, q) == generic("kl_divergence", p, q) == np.inf
    assert np.isinf(rel_entr(p, q).sum())


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, -0.1, 1.5])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_fast_kl_raises_the_generic_errors(value, arg):
    args = dict(y_true=RNG.dirichlet(np.ones(4), 50), y_pred=RNG.dirichlet(np.ones(4), 50))
    args[arg][42, 3] = value
    assert "(42, 3)" in same_error(lambda: lm.kl_divergence(**args), "kl_divergence",
                                   args["y_true"], args["y_pred"])


def test_fast_kl_leaves_other_inputs_to_the_generic_path():
    p, q = RNG.dirichlet(np.ones(4), 20), RNG.dirichlet(np.ones(4), 20)
    fast = lm.kl_divergence(p, q)
    assert fast == pytest.approx(rel_entr(p, q).sum() / 20, rel=1e-13)
    with pytest.raises(ValueError, match="shape"):
        lm.kl_divergence(p, q[:19])
    assert lm.kl_divergence(np.log(p + 1e-300), q, log_true=True) == pytest.approx(
        fast, rel=1e-12)
    assert lm.kl_divergence(p, np.log(q), log_pred=True) == pytest.approx(fast, rel=1e-12)
    assert lm.kl_divergence(np.asfortranarray(p), q) == pytest.approx(fast, rel=1e-15)
    assert lm.kl_divergence(p.tolist(), q.tolist()) == fast
    assert lm.kl_divergence(p, q, sample_weight=np.ones(20)) == pytest.approx(fast, rel=1e-15)
    assert lm.kl_divergence(p, q, n_threads=1) == fast
    assert lm.kl_divergence(p[None], q[None]) == pytest.approx(fast * 20, rel=1e-15)
    assert lm.kl_divergence(p[0], q[0]) == pytest.approx(rel_entr(p[0], q[0]).sum(), rel=1e-13)
    with pytest.raises(lm.InvalidParameterError, match="reduction"):
        lm.kl_divergence(p, q, reduction="avg")


def test_fast_median_of_errors_too_large_to_add_is_the_generic_one():
    # Finite errors whose sum overflows: the generic path (scikit-learn's value).
    a, b = np.array([1e308, 2.0, 1e308]), np.array([0.0, 1.0, 0.0])
    assert math.isinf(sum(np.abs(a - b).tolist()))
    assert lm.median_absolute_error(a, b) == skm.median_absolute_error(a, b) == 1e308


# Each deviance with the powers of its domains: (name, options, y_true's least value).
DEVIANCE_CALLS = [("mean_poisson_deviance", {}, 0.0), ("mean_gamma_deviance", {}, 0.5)] + [
    ("mean_tweedie_deviance", {"power": power}, least)
    for power, least in [(0, -5.0), (0.0, -5.0), (-1, -5.0), (-0.5, -5.0), (1, 0.0),
                         (1.0, 0.0), (1.5, 0.0), (2, 0.5), (3, 0.5), (4.5, 0.5)]]


@pytest.mark.parametrize(("name", "options", "least"), DEVIANCE_CALLS)
@pytest.mark.parametrize("n", [1, 5, 4096, 65_535, 65_536])
def test_fast_deviance_is_the_generic_path_bit_for_bit(name, options, least, n):
    y = np.maximum(RNG.poisson(3.0, n) + least, least).astype(float)
    y[0] = least                         # the edge of the domain (0 for Poisson)
    p = RNG.uniform(0.01, 6.0, n)
    got = getattr(lm, name)(y, p, **options)
    assert got.hex() == generic(name, y, p, **options).hex()
    assert got == pytest.approx(getattr(skm, name)(y, p, **options), rel=1e-12)


@pytest.mark.parametrize(("name", "options", "least"), DEVIANCE_CALLS)
@pytest.mark.parametrize(("arg", "value"), [("y_true", np.nan), ("y_pred", np.inf),
                                            ("y_true", -1.0), ("y_pred", 0.0),
                                            ("y_pred", -2.0), ("y_true", 0.0)])
def test_fast_deviance_raises_the_generic_errors(name, options, least, arg, value):
    y, p = RNG.uniform(1.0, 3.0, 50), RNG.uniform(1.0, 3.0, 50)
    (y if arg == "y_true" else p)[42] = value
    try:
        want = generic(name, y, p, **options)
    except ValueError as exc:
        with pytest.raises(ValueError) as ours:
            getattr(lm, name)(y, p, **options)
        assert str(ours.value) == str(exc)
        with pytest.raises(ValueError):
            getattr(skm, name)(y, p, **options)
        return
    assert getattr(lm, name)(y, p, **options).hex() == want.hex()   # inside the domain


def test_fast_deviance_leaves_other_inputs_to_the_generic_path():
    y, p = RNG.uniform(1.0, 3.0, 10), RNG.uniform(1.0, 3.0, 10)
    with pytest.raises(lm.InvalidParameterError, match="power"):
        lm.mean_tweedie_deviance(y, p, power=0.5)
    with pytest.raises(ValueError, match="Multioutput not supported"):
        lm.mean_poisson_deviance(y.reshape(5, 2), p.reshape(5, 2))
    fast = lm.mean_tweedie_deviance(y, p, power=1.5)
    assert lm.mean_tweedie_deviance(list(y), list(p), power=1.5) == fast
    assert lm.mean_tweedie_deviance(y, np.repeat(p, 2)[::2], power=1.5) == fast
    assert lm.mean_tweedie_deviance(y, p, power=1.5, n_threads=1) == fast
    assert lm.mean_tweedie_deviance(y, p, power=1.5, sample_weight=np.ones(10)) == fast


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (64, 10), (4096, 10), (6553, 10),
                                   (8192, 8)])
def test_fast_triplet_is_the_generic_path_bit_for_bit(shape, reduction):
    a, p, n = (RNG.normal(size=shape) for _ in range(3))
    got = lm.triplet_margin_loss(a, p, n, reduction=reduction)
    assert got.hex() == generic("triplet_margin_loss", a, p, negative=n,
                                reduction=reduction).hex()
    # and PyTorch's definition: the 2-norms of the differences plus eps
    d_pos = np.sqrt(np.sum((a - p + 1e-6) ** 2, axis=1))
    d_neg = np.sqrt(np.sum((a - n + 1e-6) ** 2, axis=1))
    terms = np.maximum(1.0 + d_pos - d_neg, 0.0)
    exact = math.fsum(terms) / (1 if reduction == "sum" else shape[0])
    assert got == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("arg", ["anchor", "positive", "negative"])
def test_fast_triplet_raises_the_generic_errors(value, arg):
    args = {name: RNG.normal(size=(50, 4)) for name in ("anchor", "positive", "negative")}
    args[arg][42, 1] = value
    assert "(42, 1)" in same_error(lambda: lm.triplet_margin_loss(**args),
                                   "triplet_margin_loss", args["anchor"], args["positive"],
                                   negative=args["negative"])


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("arg", ["anchor", "positive", "negative"])
@pytest.mark.parametrize("options", [{}, {"p": 1.0}, {"p": 3.0}, {"p": np.inf},
                                     {"swap": True}, {"layout": "F"}, {"layout": "float32"},
                                     {"zero_weight": True}])
def test_triplet_kernel_reports_every_invalid_value(value, arg, options):
    """The generic path leaves the scans for NaN and infinity to the kernel
    (its distances read every value; p = inf, a maximum, cannot vouch): the
    eager error at the value's index wherever it lies, before a later
    error (a negative sample weight), in every layout; huge finite values
    are no error."""
    options = dict(options)
    layout = options.pop("layout", "C")
    zero_weight = options.pop("zero_weight", False)
    n = 3000                                   # above the lean path's size: the generic path
    args = {name: RNG.normal(size=(n, 4)) for name in ("anchor", "positive", "negative")}
    args[arg][2345, 3] = value
    if layout == "F":
        args = {k: np.asfortranarray(v) for k, v in args.items()}
    elif layout == "float32":
        args = {k: v.astype(np.float32) for k, v in args.items()}
    sw = np.ones(n)
    if zero_weight:
        sw[2345] = 0.0
    else:
        sw[7] = -1.0                           # a later error
    with pytest.raises(ValueError, match=rf"{arg} has .* index \(2345, 3\)"):
        lm.triplet_margin_loss(**args, sample_weight=sw, **options)
    # finite: the distances overflow (float32's sums are float64: 3e38 does
    # not), no error
    args[arg][2345, 3] = 1e300 if layout != "float32" else 3e38
    want = generic("triplet_margin_loss", args["anchor"], args["positive"],
                   negative=args["negative"], **options)
    assert np.isfinite(want)
    assert lm.triplet_margin_loss(**args, **options) == want


def test_fast_triplet_leaves_other_inputs_to_the_generic_path():
    a, p, n = (RNG.normal(size=(20, 3)) for _ in range(3))
    fast = lm.triplet_margin_loss(a, p, n)
    with pytest.raises(ValueError, match="shape"):
        lm.triplet_margin_loss(a, p, n[:19])
    with pytest.raises(lm.InvalidParameterError, match="margin"):
        lm.triplet_margin_loss(a, p, n, margin=0.0)
    assert lm.triplet_margin_loss(a, p, n, margin=1) == fast
    assert lm.triplet_margin_loss(a.tolist(), p, n) == fast
    assert lm.triplet_margin_loss(np.asfortranarray(a), p, n) == fast
    assert lm.triplet_margin_loss(a, p, n, n_threads=1) == fast
    assert lm.triplet_margin_loss(a, p, n, sample_weight=np.ones(20)) == pytest.approx(
        fast, rel=1e-15)
    assert lm.triplet_margin_loss(a, p, n, margin=2.0) > fast
    assert lm.triplet_margin_loss(a[0], p[0], n[0]) == lm.triplet_margin_loss(
        a[:1], p[:1], n[:1])


@pytest.mark.parametrize("work", [1, 2, 3])
def test_the_lean_path_takes_only_what_the_generic_path_runs_serially(work):
    # The lean path runs serially: an input whose work reaches the threads'
    # threshold takes the generic path, whose kernels use the threads.
    from lossmetrics._core.threads import SERIAL_BELOW
    from lossmetrics._losses.lean import plain_matrices, plain_rows, plain_vectors

    below = -(-SERIAL_BELOW // work) - 1          # the largest n with work * n below it
    for n, serial in ((below, True), (below + 1, False)):
        v = np.zeros(n)
        assert plain_vectors(v, v, work=work) is serial
        m = np.zeros((n, 1))
        assert plain_matrices(m, m, work) is serial
    labels = np.zeros(SERIAL_BELOW // 8, dtype=np.int64)
    assert plain_rows(labels[:-1], np.zeros((labels.size - 1, 8)))
    assert not plain_rows(labels, np.zeros((labels.size, 8)))


D2_CALLS = [("d2_absolute_error_score", {}), ("d2_pinball_score", {}),
            ("d2_pinball_score", {"alpha": 0.9}), ("d2_pinball_score", {"alpha": 0}),
            ("d2_pinball_score", {"alpha": 1.0}), ("d2_pinball_score", {"alpha": 0.25})]


@pytest.mark.parametrize(("name", "options"), D2_CALLS)
@pytest.mark.parametrize("n", [1, 2, 3, 64, 4096, 32_767, 32_768])
def test_fast_d2_pinball_is_the_generic_path_bit_for_bit(name, options, n):
    y = RNG.normal(size=n) * 10.0 ** RNG.integers(-3, 3, n)
    pred = y + RNG.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # fewer than two samples: NaN and a warning
        got = getattr(lm, name)(y, pred, **options)
        want = generic(name, y, pred, **options)
        reference = getattr(skm, name)(y, pred, **options)
    if n < 2:
        assert np.isnan(got) and np.isnan(want) and np.isnan(reference)
        return
    assert got.hex() == want.hex()
    assert got == pytest.approx(reference, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("name", "options"), D2_CALLS[:3])
def test_fast_d2_pinball_edges_and_errors_are_the_generic_ones(name, options):
    fn, y = getattr(lm, name), RNG.normal(size=50)
    # a perfect fit, a constant y_true: scikit-learn's 1.0 and 0.0
    assert fn(y, y, **options) == getattr(skm, name)(y, y, **options) == 1.0
    c = np.full(50, 3.0)
    assert fn(c, y, **options) == getattr(skm, name)(c, y, **options) == 0.0
    for arg, value in [("y_true", np.nan), ("y_pred", np.inf), ("y_true", -np.inf)]:
        a, b = y.copy(), RNG.normal(size=50)
        (a if arg == "y_true" else b)[42] = value
        assert "42" in same_error(lambda: fn(a, b, **options), name, a, b, **options)
    with pytest.raises(lm.InvalidParameterError, match="alpha"):
        lm.d2_pinball_score(y, y, alpha=1.5)
    # other inputs: the generic path, the same value
    fast = fn(y, y[::-1], **options)
    assert fn(list(y), list(y[::-1]), **options) == fast
    assert fn(y, y[::-1], n_threads=1, **options) == fast
    assert fn(y, y[::-1], sample_weight=np.ones(50), **options) == pytest.approx(fast,
                                                                               rel=1e-14)
    assert fn(y, y[::-1], multioutput="raw_values", **options) == np.array([fast])


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("n", [2, 3, 64, 4096, 32_767, 32_768])
def test_fast_scores_are_the_generic_path_bit_for_bit(name, n):
    y = RNG.normal(size=n) * 10.0 ** RNG.integers(-3, 3, n) + 1e4
    pred = y + RNG.normal(size=n)
    got = getattr(lm, name)(y, pred)
    assert got.hex() == generic(name, y, pred).hex()
    assert got == pytest.approx(getattr(skm, name)(y, pred), rel=1e-10)


@pytest.mark.parametrize("name", SCORES)
def test_fast_scores_edges_and_errors_are_the_generic_ones(name):
    fn, y = getattr(lm, name), RNG.normal(size=50)
    # a perfect fit, a constant y_true (force_finite): scikit-learn's 1.0 and 0.0
    assert fn(y, y) == getattr(skm, name)(y, y) == 1.0
    c = np.full(50, 3.0)
    assert fn(c, y) == getattr(skm, name)(c, y) == 0.0
    assert fn(c, c) == getattr(skm, name)(c, c) == 1.0
    for arg, value in [("y_true", np.nan), ("y_pred", np.inf), ("y_true", -np.inf)]:
        a, b = y.copy(), RNG.normal(size=50)
        (a if arg == "y_true" else b)[42] = value
        assert "42" in same_error(lambda: fn(a, b), name, a, b)
    big = np.array([1e200, -1e200, 3e200])
    same_error(lambda: fn(big, -big), name, big, -big)    # squares beyond float64
    # other inputs: the generic path, the same value
    fast = fn(y, y[::-1])
    assert fn(list(y), list(y[::-1])) == fast
    assert fn(y, y[::-1], n_threads=1) == fast
    assert fn(y, y[::-1], sample_weight=np.ones(50)) == fast
    assert fn(y, y[::-1], multioutput="raw_values") == np.array([fast])
    assert fn(y, y[::-1], force_finite=False) == fast
    with pytest.raises(lm.InvalidParameterError, match="force_finite"):
        fn(y, y, force_finite="yes")
    if name == "r2_score":
        with pytest.warns(UndefinedMetricWarning):
            assert np.isnan(fn(y[:1], y[:1]))


@pytest.mark.parametrize("power", [0, -1.0, 1, 1.5, 2, 3])
@pytest.mark.parametrize("n", [2, 3, 64, 4096, 32_767, 32_768])
def test_fast_d2_tweedie_is_the_generic_path_bit_for_bit(power, n):
    y = np.abs(RNG.normal(size=n)) * 10.0 ** RNG.integers(-3, 3, n) + 0.01
    pred = np.abs(y + RNG.normal(size=n)) + 0.01
    got = lm.d2_tweedie_score(y, pred, power=power)
    assert got.hex() == generic("d2_tweedie_score", y, pred, power=power).hex()
    assert got == pytest.approx(skm.d2_tweedie_score(y, pred, power=power), rel=1e-9)


def test_fast_d2_tweedie_edges_and_errors_are_the_generic_ones():
    fn, y = lm.d2_tweedie_score, np.abs(RNG.normal(size=50)) + 0.5
    assert fn(y, y, power=1) == skm.d2_tweedie_score(y, y, power=1) == 1.0
    with pytest.raises(ZeroDivisionError):       # a constant y_true: scikit-learn's error
        fn(np.full(50, 2.0), y, power=1)
    with pytest.warns(UndefinedMetricWarning):   # fewer than two samples: NaN
        assert np.isnan(fn(y[:1], y[:1], power=1))
    for power, arg, value in [(0, "y_true", np.nan), (1, "y_pred", np.inf),
                              (1, "y_true", -1.0), (2, "y_pred", 0.0), (-1, "y_pred", -2.0)]:
        a, b = y.copy(), y[::-1].copy()
        (a if arg == "y_true" else b)[42] = value
        assert "42" in same_error(lambda: fn(a, b, power=power), "d2_tweedie_score", a, b,
                                  power=power)
    with pytest.raises(lm.InvalidParameterError, match="'power' parameter of d2_tweedie_score"):
        fn(y, y, power=0.5)
    # other inputs: the generic path, the same value
    fast = fn(y, y[::-1], power=1.5)
    assert fn(list(y), list(y[::-1]), power=1.5) == fast
    assert fn(y, y[::-1], power=1.5, n_threads=1) == fast
    assert fn(y, y[::-1], power=1.5, sample_weight=np.ones(50)) == fast


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (7, 10), (820, 10), (6553, 10), (5, 9000)])
def test_fast_multi_margin_is_the_generic_path_bit_for_bit(shape):
    # small_multi_margin_state's blocks (819 rows of 10 classes; one row of
    # 9000), serially, against the generic kernel, and PyTorch's definition
    # (the mean over rows of sum_{i != k} max(0, 1 - x[k] + x[i]) / C) by fsum.
    z = RNG.normal(size=shape) * 10.0 ** RNG.integers(-3, 3, (shape[0], 1))
    y = RNG.integers(0, shape[1], shape[0])
    for reduction in ("mean", "sum"):
        got = lm.multi_margin_loss(y, z, reduction=reduction)
        assert got.hex() == generic("multi_margin_loss", y, z, reduction=reduction).hex()
    rows = [math.fsum(max(0.0, 1.0 - z[r, y[r]] + z[r, i])
                      for i in range(shape[1]) if i != y[r]) / shape[1]
            for r in range(shape[0])]
    assert lm.multi_margin_loss(y, z) == pytest.approx(math.fsum(rows) / shape[0],
                                                       rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("where", "value"), [("x", np.nan), ("x", np.inf), ("x", -np.inf),
                                              ("y_true", 10), ("y_true", -1)])
def test_fast_multi_margin_raises_the_generic_errors(where, value):
    z, y = RNG.normal(size=(50, 10)), RNG.integers(0, 10, 50)
    if where == "x":
        z[17, 3] = value
    else:
        y[17] = value
    assert "17" in same_error(lambda: lm.multi_margin_loss(y, z), "multi_margin_loss", y, z)


def test_fast_multi_margin_leaves_other_inputs_to_the_generic_path():
    z, y = RNG.normal(size=(20, 4)), RNG.integers(0, 4, 20)
    fast = lm.multi_margin_loss(y, z)
    assert fast == generic("multi_margin_loss", y, z)
    for options in ({"p": 2}, {"margin": 0.5}, {"class_weight": [1.0, 2.0, 1.0, 1.0]},
                    {"reduction": "none"}, {"sample_weight": np.full(20, 2.0)}):
        got = lm.multi_margin_loss(y, z, **options)
        want = generic("multi_margin_loss", y, z, **options)
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()
    # unit weights and an integer margin: the generic path, the same value
    assert lm.multi_margin_loss(y, z, sample_weight=np.ones(20)) == fast
    assert lm.multi_margin_loss(y, z, margin=1) == fast
    assert lm.multi_margin_loss(y, z.astype(np.float32)) == pytest.approx(fast, rel=1e-6)
    assert lm.multi_margin_loss(y, np.asfortranarray(z)) == fast
    assert lm.multi_margin_loss(list(y), z.tolist()) == fast


def _target_lists(shape):
    """Each row: one to three distinct targets, then -1, then any values in
    [-1, C) (read by no one, checked by both paths)."""
    n, c = shape
    y = RNG.integers(-1, c, shape)
    for r in range(n):
        k = RNG.integers(1, min(3, c) + 1)
        y[r, :k] = RNG.permutation(c)[:k]
        if k < c:
            y[r, k] = -1
    return y


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (7, 10), (820, 10), (3276, 10), (5, 9000)])
def test_fast_multilabel_margin_is_the_generic_path_bit_for_bit(shape):
    # small_multilabel_margin_state's blocks (819 rows of 10 classes; one
    # row of 9000), serially, against the generic kernel, and PyTorch's
    # definition by math.fsum.
    z = RNG.normal(size=shape) * 10.0 ** RNG.integers(-3, 3, (shape[0], 1))
    y = _target_lists(shape)
    for reduction in ("mean", "sum"):
        got = lm.multilabel_margin_loss(y, z, reduction=reduction)
        assert got.hex() == generic("multilabel_margin_loss", y, z,
                                    reduction=reduction).hex()
    rows = []
    for r in range(shape[0]):
        targets = list(y[r, :list(y[r]).index(-1)] if -1 in y[r] else y[r])
        rows.append(math.fsum(max(0.0, 1.0 - (z[r, j] - z[r, i])) for j in targets
                              for i in range(shape[1]) if i not in targets) / shape[1])
    assert lm.multilabel_margin_loss(y, z) == pytest.approx(math.fsum(rows) / shape[0],
                                                            rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("where", "value"), [("x", np.nan), ("x", np.inf), ("x", -np.inf),
                                              ("y_true", 10), ("y_true", -2)])
def test_fast_multilabel_margin_raises_the_generic_errors(where, value):
    z, y = RNG.normal(size=(50, 10)), _target_lists((50, 10))
    if where == "x":
        z[17, 3] = value
    else:
        y[17, 3] = value
    message = same_error(lambda: lm.multilabel_margin_loss(y, z), "multilabel_margin_loss",
                         y, z)
    assert "17" in message or "173" in message


def test_fast_multilabel_margin_leaves_other_inputs_to_the_generic_path():
    z, y = RNG.normal(size=(20, 4)), _target_lists((20, 4))
    fast = lm.multilabel_margin_loss(y, z)
    assert fast == generic("multilabel_margin_loss", y, z)
    for options in ({"reduction": "none"}, {"sample_weight": np.full(20, 2.0)}):
        got = lm.multilabel_margin_loss(y, z, **options)
        want = generic("multilabel_margin_loss", y, z, **options)
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()
    assert lm.multilabel_margin_loss(y, z, sample_weight=np.ones(20)) == fast
    assert lm.multilabel_margin_loss(y.astype(np.int32), z) == fast
    assert lm.multilabel_margin_loss(y, z.astype(np.float32)) == pytest.approx(fast, rel=1e-6)
    assert lm.multilabel_margin_loss(np.asfortranarray(y), np.asfortranarray(z)) == fast
    assert lm.multilabel_margin_loss(y.tolist(), z.tolist()) == fast
    assert lm.multilabel_margin_loss(y[0], z[0]) == lm.multilabel_margin_loss(y[:1], z[:1])
