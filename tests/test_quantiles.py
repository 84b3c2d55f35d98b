"""median_absolute_error, d2_pinball_score and d2_absolute_error_score
against scikit-learn 1.9 (called live) and their quantiles against NumPy's."""
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils.stats import _weighted_percentile

import lossmetrics as lm
from lossmetrics._core.validation import partial_batch
from lossmetrics._losses.quantiles import weighted_quantile
from lossmetrics._losses.selection import order_statistics

RTOL = 1e-12
QUANTILE_METRICS = ["median_absolute_error", "d2_pinball_score", "d2_absolute_error_score"]


def _data(rng, n, outputs=2, ties=False):
    shape = (n, outputs)
    y = rng.integers(0, 6, shape).astype(float) if ties else rng.normal(size=shape) * 3
    return y, y + (rng.integers(-2, 3, shape) if ties else rng.normal(size=shape))


@pytest.mark.parametrize("name", QUANTILE_METRICS)
@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", [0.3, 0.7]])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n", [1, 2, 7, 500, 501])
def test_matches_sklearn(name, multioutput, weighted, ties, n):
    rng = np.random.default_rng(n + 3 * weighted + ties)
    y, p = _data(rng, n, ties=ties)
    w = None
    if weighted:
        w = rng.integers(0, 4, n).astype(float) if ties else rng.random(n) * 2
        w[0] = 1.0   # a positive total
    kwargs = dict(sample_weight=w, multioutput=multioutput)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        expected = getattr(skm, name)(y, p, **kwargs)
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        got = getattr(lm, name)(y, p, **kwargs)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-15)
    assert [type(x.message) for x in ours_w] == [type(x.message) for x in theirs_w]


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.1, 1 / 3, 0.5, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_d2_pinball_score_matches_sklearn(alpha, weighted):
    rng = np.random.default_rng(int(alpha * 100) + weighted)
    y, p = _data(rng, 300, ties=True)
    w = rng.integers(0, 3, 300).astype(float) if weighted else None
    np.testing.assert_allclose(
        lm.d2_pinball_score(y, p, alpha=alpha, sample_weight=w, multioutput="raw_values"),
        skm.d2_pinball_score(y, p, alpha=alpha, sample_weight=w, multioutput="raw_values"),
        rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11])
@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
def test_weighted_quantile_is_sklearns_weighted_percentile(n, alpha):
    rng = np.random.default_rng(n)
    for _ in range(30):
        v = rng.integers(0, 5, n).astype(float)
        w = rng.integers(0, 3, n).astype(float)
        w[rng.integers(0, n)] = 1.0
        assert weighted_quantile(v, w, alpha) == _weighted_percentile(
            v, w, alpha * 100, average=True)
        assert weighted_quantile(v, None, alpha) == _weighted_percentile(
            v, np.ones(n), alpha * 100, average=True)
        assert weighted_quantile(v, None, 0.5) == np.median(v)


def test_d2_of_fewer_than_two_samples_warns_and_is_nan():
    for module in (skm, lm):
        with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
            assert np.isnan(module.d2_absolute_error_score([1.0], [2.0]))


def test_constant_y_true():
    for p, score in (([2.0, 2.0, 2.0], 1.0), ([1.0, 2.0, 3.0], 0.0)):
        assert lm.d2_absolute_error_score([2.0] * 3, p) == skm.d2_absolute_error_score(
            [2.0] * 3, p) == score


@pytest.mark.parametrize("name", QUANTILE_METRICS)
def test_accumulator_refuses_with_a_reason(name):
    with pytest.raises(ValueError, match=f"{name} does not merge batch by batch: a "
                       "quantile.*median of medians.*concatenated"):
        lm.Accumulator(name)


def _in_passes(name, chunks, **options):
    """The metric computed in its rounds (as lossmetrics.dask runs them) over
    the given chunks (y, p, w) of rows, without Dask."""
    spec = lm.LOSSES[name]
    rounds, context = spec.rounds, None
    params = None
    for r in range(rounds.count):
        merged = None
        for y, p, w in chunks:
            with partial_batch():
                checked = spec.check(y, p, sample_weight=w, **options)
            params = params or checked.params
            part = rounds.chunk(checked, r, context)
            merged = part if merged is None else rounds.merge(merged, part)
        context = rounds.advance(r, context, merged, params)
    params = dict(params, n_samples=sum(len(c[0]) for c in chunks))
    return spec.result(context, params, name)


def _split(rng, arrays, k):
    n = len(arrays[0])
    cuts = np.sort(rng.integers(0, n + 1, k - 1))   # (empty chunks skipped)
    return [tuple(None if a is None else a[i:j] for a in arrays)
            for i, j in zip([0, *cuts], [*cuts, n]) if j > i]


@pytest.mark.parametrize("kind", ["unit", "integer", "uniform", "sparse"])
@pytest.mark.parametrize("n", [2, 3, 8, 101, 2000])
def test_quantile_passes_select_sklearns_quantiles(kind, n):
    # The histogram passes over chunks give scikit-learn's quantile values
    # (np.median, _weighted_percentile(average=True)), hence its scores, on
    # ties, zero weights, negative values and signed zeros.
    rng = np.random.default_rng(n + len(kind))
    for draw in range(6):
        ties = draw % 2 == 0
        y = (rng.integers(-3, 4, (n, 2)).astype(float) if ties
             else rng.standard_cauchy((n, 2)))
        y[y == 0] = -0.0 if draw % 4 == 0 else 0.0
        p = y + (rng.integers(-2, 3, (n, 2)) if ties else rng.normal(size=(n, 2)))
        w = {"unit": None, "integer": rng.integers(0, 4, n).astype(float),
             "uniform": rng.random(n) * 2,
             "sparse": (rng.random(n) < 0.2) * rng.integers(1, 9, n).astype(float)}[kind]
        if w is not None:
            w[rng.integers(0, n)] = 1.0
        chunks = _split(rng, (y, p, w), 1 + draw % 5)
        for alpha in (0.0, 1 / 3, 0.5, 1.0) if draw < 4 else (0.1, 0.9):
            for name, options in (("d2_pinball_score", {"alpha": alpha}),
                                  ("d2_absolute_error_score", {}),
                                  ("median_absolute_error", {})):
                if options.get("alpha", 0.5) != alpha:
                    continue
                options["multioutput"] = "raw_values"
                expected = getattr(skm, name)(y, p, sample_weight=w, **options)
                got = _in_passes(name, chunks, **options)
                np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-15,
                                           err_msg=f"{name} {options} draw {draw}")


def test_quantile_passes_on_extreme_values():
    # Keys of the whole float64 range, subnormals included: the four 16-bit
    # passes narrow to one bit pattern.
    values = np.array([-1e300, -5e-324, -0.0, 0.0, 5e-324, 1e-300, 1.0, 3.0, 1e300])
    rng = np.random.default_rng(5)
    for _ in range(20):
        y = rng.choice(values, (9, 1))
        chunks = _split(rng, (y, np.zeros_like(y), None), 3)
        for alpha in (0.0, 0.25, 0.5, 0.75, 1.0):
            got = _in_passes("d2_pinball_score", chunks, alpha=alpha)
            quantile = weighted_quantile(y[:, 0], None, alpha)
            expected = lm.d2_pinball_score(y, np.zeros_like(y), alpha=alpha)
            assert got == expected, (y.ravel(), alpha, quantile)


def test_option_errors_name_the_metric():
    with pytest.raises(ValueError, match="'alpha' parameter of d2_pinball_score"):
        lm.d2_pinball_score([1.0, 2.0], [1.0, 2.0], alpha=1.5)
    with pytest.raises(ValueError, match="dtype='numeric' is not compatible"):
        lm.median_absolute_error(["a", "b"], [1.0, 2.0])


def _selection_data(kind, n, rng):
    """Values of one kind of distribution for the large-array selection."""
    if kind == "normal":
        return rng.normal(size=n) * 3
    if kind == "ties":
        return rng.integers(-3, 4, n).astype(float)
    if kind == "constant":
        return np.full(n, 2.5)
    if kind == "narrow":       # one 16-bit digit of the keys for every value
        return 1.0 + rng.random(n) * 1e-6
    if kind == "signed_zeros":
        return rng.choice([-0.0, 0.0, -1.0, 5e-324], n)
    return rng.choice([-1e300, -1.0, 1e-300, 1e300], n) * rng.random(n)  # "extreme"


@pytest.mark.parametrize("kind", ["normal", "ties", "constant", "narrow", "signed_zeros",
                                  "extreme"])
@pytest.mark.parametrize("n", [1 << 17, 200_001])
@pytest.mark.parametrize("absolute", [False, True])
def test_order_statistics_are_numpys_partition(kind, n, absolute):
    # Large arrays are narrowed by parallel histograms of the keys' digits
    # before np.partition: the same order statistics as np.partition of the
    # whole array (-0.0 == 0.0), for any number of threads.
    rng = np.random.default_rng(n + len(kind) + absolute)
    y = _selection_data(kind, n, rng)
    x = _selection_data(kind, n, rng) if absolute else None
    values = y if x is None else np.abs(x - y)
    for i, j in ((0, 0), (0, 1), (n // 2 - 1, n // 2), (n // 2, n // 2), (n // 3, n // 3 + 1),
                 (n - 2, n - 1), (n - 1, n - 1)):
        part = np.partition(values, [i, j])
        for n_threads in (1, 2, 3):
            got = order_statistics(y, i, j, n_threads, x)
            assert got == (part[i], part[j]), (kind, i, j, n_threads)


@pytest.mark.parametrize("name", QUANTILE_METRICS)
def test_large_arrays_match_sklearn(name):
    # The sizes that take the histogram selection, with ties across its buckets.
    rng = np.random.default_rng(11)
    n = 300_001
    y = np.round(rng.normal(size=(n, 2)) * 30) / 8
    p = y + np.round(rng.normal(size=(n, 2)) * 20) / 8
    for n_threads in (1, 2):
        got = getattr(lm, name)(y, p, multioutput="raw_values", n_threads=n_threads)
        np.testing.assert_allclose(got, getattr(skm, name)(y, p, multioutput="raw_values"),
                                   rtol=RTOL, atol=1e-15)
