"""r2_score, explained_variance_score and max_error against scikit-learn 1.9
(called live) and against exact rational arithmetic (fractions.Fraction)."""
import warnings
from fractions import Fraction

import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

import lossmetrics as lm

RTOL = 1e-12
SCORES = ["r2_score", "explained_variance_score"]
MODES = ["raw_values", "uniform_average", "variance_weighted", [0.25, 0.75]]


def _data(rng, n, shape_out, dtype=np.float64, offset=0.0):
    shape = (n,) if shape_out is None else (n, shape_out)
    y = offset + rng.normal(size=shape) * 3
    return y.astype(dtype), (y + rng.normal(size=shape)).astype(dtype)


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("multioutput", MODES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("force_finite", [True, False])
def test_scores_match_sklearn(name, multioutput, weighted, force_finite):
    rng = np.random.default_rng(3)
    y, p = _data(rng, 700, 2)
    w = None
    if weighted:
        w = rng.random(700) * 4
        w[::7] = 0.0
    kwargs = dict(sample_weight=w, multioutput=multioutput, force_finite=force_finite)
    got = getattr(lm, name)(y, p, **kwargs)
    expected = getattr(skm, name)(y, p, **kwargs)
    assert type(got) is type(expected)
    np.testing.assert_allclose(got, expected, rtol=RTOL)


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_scores_of_other_dtypes_match_sklearn(name, dtype):
    rng = np.random.default_rng(4)
    y, p = _data(rng, 500, None, offset=10.0)
    y, p = (y * (100 if dtype == np.int64 else 1)).astype(dtype), p.astype(dtype)
    got = getattr(lm, name)(y, p)
    # lossmetrics reads float32 as it is and computes in float64 (scikit-learn
    # computes in float32): compared with scikit-learn on the same values in
    # float64, and with its float32 result to float32's precision.
    assert got == pytest.approx(getattr(skm, name)(y.astype(np.float64),
                                                   p.astype(np.float64)), rel=RTOL)
    assert got == pytest.approx(getattr(skm, name)(y, p), rel=1e-5)


def _exact_score(name, y, p, w):
    """The score in rational arithmetic from the inputs' exact values."""
    y = [Fraction(float(v)) for v in y]
    # scikit-learn's residuals y - p are rounded to float64; so are lossmetrics'.
    d = [Fraction(float(v) - float(x)) for v, x in zip(y, p)]
    w = [Fraction(1)] * len(y) if w is None else [Fraction(float(v)) for v in w]
    weight = sum(w)
    mean_y = sum(a * b for a, b in zip(w, y)) / weight
    total = sum(a * (b - mean_y) ** 2 for a, b in zip(w, y))
    if name == "explained_variance_score":
        mean_d = sum(a * b for a, b in zip(w, d)) / weight
        residual = sum(a * (b - mean_d) ** 2 for a, b in zip(w, d))
    else:
        residual = sum(a * b * b for a, b in zip(w, d))
    return float(1 - residual / total)


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("offset", [0.0, 1e6, -3e9])
@pytest.mark.parametrize("weighted", [False, True])
def test_scores_are_correctly_rounded(name, offset, weighted):
    """The value is the exact score of the float64 inputs, rounded once, even
    where the mean is large against the spread."""
    rng = np.random.default_rng(5)
    y, p = _data(rng, 3000, None, offset=offset)
    w = rng.random(3000) * 2 if weighted else None
    assert getattr(lm, name)(y, p, sample_weight=w) == _exact_score(name, y, p, w)


def test_large_offset_is_more_accurate_than_sklearn():
    # A mean 1e8 times the spread: scikit-learn's score is off in the 8th
    # digit or so; lossmetrics' is the exact score rounded once.
    rng = np.random.default_rng(6)
    y = 1e8 + rng.normal(size=2000)
    p = y + 0.5 * rng.normal(size=2000)
    exact = _exact_score("r2_score", y, p, None)
    ours = lm.r2_score(y, p)
    assert ours == exact
    assert abs(skm.r2_score(y, p) - exact) >= abs(ours - exact)


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("constant", [1.0, 7, -2.5, 1e10])
@pytest.mark.parametrize("force_finite", [True, False])
def test_constant_y_true_matches_sklearn(name, constant, force_finite):
    y = np.full(6, constant)
    for p in (y.copy(), y + np.arange(6)):
        with warnings.catch_warnings(record=True) as theirs_w:
            warnings.simplefilter("always")
            expected = getattr(skm, name)(y, p, force_finite=force_finite)
        with warnings.catch_warnings(record=True) as ours_w:
            warnings.simplefilter("always")
            got = getattr(lm, name)(y, p, force_finite=force_finite)
        np.testing.assert_equal(got, expected)
        assert [type(w.message) for w in ours_w] == [type(w.message) for w in theirs_w]


@pytest.mark.parametrize("name", SCORES)
def test_constant_y_true_whose_mean_rounds(name):
    # scikit-learn's mean of [0.1] * 3 is 0.1 + 1 ulp, so its variance of a
    # constant is 6e-34 and the score -8.7e31; here the variance is 0.
    y, p = [0.1] * 3, [0.1, 0.2, 0.3]
    assert getattr(skm, name)(y, p) < -1e30
    assert getattr(lm, name)(y, p) == 0.0
    with pytest.warns(RuntimeWarning, match="divide by zero"):   # as NumPy's 1 / 0
        assert getattr(lm, name)(y, p, force_finite=False) == -np.inf


def test_r2_of_one_sample_warns_and_is_nan():
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(skm.r2_score([1.0], [2.0]))
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(lm.r2_score([1.0], [2.0]))
    # The explained variance of one sample: a zero residual variance.
    assert lm.explained_variance_score([1.0], [2.0]) == skm.explained_variance_score(
        [1.0], [2.0]) == 1.0


def test_r2_multioutput_none_is_the_uniform_average():
    rng = np.random.default_rng(7)
    y, p = _data(rng, 50, 3)
    assert lm.r2_score(y, p, multioutput=None) == lm.r2_score(y, p)
    assert lm.r2_score(y, p, multioutput=None) == pytest.approx(
        skm.r2_score(y, p, multioutput=None), rel=RTOL)
    with pytest.raises(ValueError, match="explained_variance_score"):
        lm.explained_variance_score(y, p, multioutput=None)


def test_variance_weighted_with_only_constant_outputs_is_uniform():
    y = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    p = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 2.0]])
    for name in SCORES:
        assert getattr(lm, name)(y, p, multioutput="variance_weighted") == getattr(
            skm, name)(y, p, multioutput="variance_weighted") == 0.5


def test_scores_refuse_overflowing_squares():
    with pytest.raises(ValueError, match="r2_score overflows.*rescale"):
        lm.r2_score([1e200, -1e200], [0.0, 0.0])


# ------------------------------------------------------------------ max_error

@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_max_error_matches_sklearn(dtype):
    rng = np.random.default_rng(8)
    y, p = _data(rng, 10_001, None)
    y, p = (y * 50).astype(dtype), (p * 50).astype(dtype)
    assert lm.max_error(y, p) == skm.max_error(y, p.astype(np.float64))


def test_max_error_errors_match_sklearn():
    for call in (lambda m: m.max_error([[1.0, 2.0]], [[1.0, 2.0]]),
                 lambda m: m.max_error([1.0, np.nan], [1.0, 2.0]),
                 lambda m: m.max_error([1.0], [1.0, 2.0])):
        with pytest.raises(ValueError) as theirs:
            call(skm)
        with pytest.raises(ValueError) as ours:
            call(lm)
        assert str(theirs.value).split(". ")[0].split("\n")[0] in str(ours.value)


def test_max_error_weights_leave_out_zero_weight_rows():
    # scikit-learn's max_error takes no sample_weight (a TypeError); here a
    # row of weight 0 is left out and positive weights do not matter.
    y, p = np.array([1.0, 5.0, 2.0]), np.array([1.5, 1.0, 2.0])
    with pytest.raises(TypeError):
        skm.max_error(y, p, sample_weight=[1, 1, 1])
    assert lm.max_error(y, p, sample_weight=[1, 0, 1]) == skm.max_error(y[[0, 2]],
                                                                         p[[0, 2]])
    assert lm.max_error(y, p, sample_weight=[3, 0.5, 1]) == 4.0


def test_max_error_refuses_overflow():
    with pytest.raises(ValueError, match="max_error overflows"):
        lm.max_error([1.7e308], [-1.7e308])


def test_max_error_accumulator_merges_by_maximum():
    a = lm.Accumulator("max_error").update([1.0, 2.0], [1.5, 2.0])
    b = lm.Accumulator("max_error").update([10.0], [7.0])
    assert a.merge(b).result() == 3.0
    assert lm.Accumulator("max_error").update([1.0], [2.0], [0.0]).merge(
        lm.Accumulator("max_error").update([4.0], [4.5])).result() == 0.5


@pytest.mark.parametrize("name", SCORES)
def test_accumulator_batches_with_their_own_shifts(name):
    # Each batch's sums are taken about its own first values; merging moves
    # them to one shift exactly, so far-apart batches at a large mean still
    # give the one-shot value.
    rng = np.random.default_rng(9)
    y, p = _data(rng, 900, 2, offset=5e7)
    y[600:] += 40.0
    w = rng.random(900)
    parts = [lm.Accumulator(name, multioutput="raw_values").update(
        y[a:b], p[a:b], w[a:b]) for a, b in ((0, 300), (300, 600), (600, 900))]
    merged = parts[2].merge(parts[0]).merge(parts[1]).result()
    one_shot = getattr(lm, name)(y, p, sample_weight=w, multioutput="raw_values")
    np.testing.assert_array_max_ulp(merged, one_shot, maxulp=1)
    for j in range(2):
        assert one_shot[j] == _exact_score(name, y[:, j], p[:, j], w)


# ----------------------------------------------------------- d2_tweedie_score

@pytest.mark.parametrize("power", [-1.0, 0, 1, 1.5, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_d2_tweedie_score_matches_sklearn(power, weighted):
    rng = np.random.default_rng(10)
    y = rng.poisson(3.0, 800).astype(float) + (1.0 if power >= 2 else 0.0)
    p = np.abs(y + rng.normal(size=800)) + 0.1
    w = rng.random(800) if weighted else None
    assert lm.d2_tweedie_score(y, p, power=power, sample_weight=w) == pytest.approx(
        skm.d2_tweedie_score(y, p, power=power, sample_weight=w), rel=1e-12)


def test_d2_tweedie_score_is_r2_for_power_0():
    rng = np.random.default_rng(11)
    y, p = _data(rng, 300, None)
    assert lm.d2_tweedie_score(y, p) == pytest.approx(lm.r2_score(y, p), rel=1e-13)


def test_d2_tweedie_score_edge_cases_match_sklearn():
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(skm.d2_tweedie_score([1.0], [-1.0], power=1))
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(lm.d2_tweedie_score([1.0], [-1.0], power=1))   # domain unchecked
    for module in (skm, lm):
        with pytest.raises(ZeroDivisionError):
            module.d2_tweedie_score([2.0, 2.0], [1.0, 3.0], power=1)
    with pytest.raises(ValueError, match="deviance of the mean prediction is 0"):
        lm.d2_tweedie_score([2.0, 2.0], [1.0, 3.0], power=1)
    for call in (lambda m: m.d2_tweedie_score([[1.0, 2.0]] * 2, [[1.0, 2.0]] * 2),
                 lambda m: m.d2_tweedie_score([1.0, -1.0], [1.0, 1.0], power=1),
                 lambda m: m.d2_tweedie_score([1.0, 2.0], [1.0, 1.0], power=0.5)):
        with pytest.raises(ValueError) as theirs:
            call(skm)
        with pytest.raises(ValueError) as ours:
            call(lm)
        first = str(theirs.value).split(". ")[0].split(" Got")[0]
        assert first in str(ours.value), (str(theirs.value), str(ours.value))
    with pytest.raises(ValueError, match="does not merge batch by batch: the deviance "
                       "of the mean"):
        lm.Accumulator("d2_tweedie_score")
