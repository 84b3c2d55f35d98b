"""Reductions are compensated: within 2 ulp of the exact sum (math.fsum)."""
import math

import numpy as np
import pytest
from scipy.special import log_softmax

import lossmetrics as lm
from loss_cases import CASES, call

TORCH_STYLE = [name for name, case in CASES.items() if "none" in case.reductions]


def _within_ulps(got, exact, n_ulps):
    return abs(got - exact) <= n_ulps * math.ulp(exact)


@pytest.mark.parametrize("case", TORCH_STYLE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_sum_within_2_ulp_of_fsum_of_per_sample_values(case, dtype, weighted):
    rng = np.random.default_rng(len(case))
    n = 60_000
    y, pred, kw = CASES[case].make(rng, n, dtype)
    w = rng.random(n) * 5 if weighted else None
    per_sample = call(lm, case, y, pred, kw, reduction="none", sample_weight=w)
    exact = math.fsum(per_sample.ravel().tolist())
    got = call(lm, case, y, pred, kw, reduction="sum", sample_weight=w)
    assert _within_ulps(got, exact, 2), (got, exact)


def test_log_loss_sum_within_2_ulp_of_fsum():
    rng = np.random.default_rng(0)
    n = 100_000
    y = rng.integers(0, 4, n)
    p = rng.dirichlet(np.ones(4), n)
    w = rng.random(n)
    # Independent per-sample losses: clipped -log p[i, y_i], in NumPy.
    eps = np.finfo(np.float64).eps
    losses = -np.log(np.clip(p[np.arange(n), y], eps, 1 - eps))
    exact = math.fsum((w * losses).tolist())
    got = lm.log_loss(y, p, sample_weight=w, normalize=False)
    assert _within_ulps(got, exact, 2)
    exact_mean = exact / math.fsum(w.tolist())
    assert _within_ulps(lm.log_loss(y, p, sample_weight=w), exact_mean, 3)


@pytest.mark.parametrize("name,err", [("mean_squared_error", lambda d: d * d),
                                      ("mean_absolute_error", np.abs)])
def test_regression_within_ulps_of_fsum(name, err):
    rng = np.random.default_rng(1)
    n = 200_000
    y, pred = rng.normal(size=n) * 1e3, rng.normal(size=n) * 1e3
    w = rng.random(n)
    e = err(y - pred)
    exact = math.fsum((w * e).tolist()) / math.fsum(w.tolist())
    assert _within_ulps(getattr(lm, name)(y, pred, sample_weight=w), exact, 3)


def test_cancellation_heavy_input_is_still_exact():
    # Terms spanning 30 orders of magnitude: naive float64 summation loses the
    # small ones completely; the compensated sum keeps them.
    big = np.array([1e15, 1.0, 1e-15] * 30_000)
    y = np.zeros_like(big)
    exact = math.fsum((big * big).tolist()) / big.size
    assert _within_ulps(lm.mean_squared_error(y, big), exact, 2)


def test_cross_entropy_is_exact_for_huge_logits():
    for dtype in (np.float64, np.float32):
        z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [3e38, -3e38, 0.0]], dtype=dtype)
        y = np.array([1, 2, 0])
        got = lm.cross_entropy(y, z, reduction="none")
        zz = z.astype(np.float64)
        # Independent reference: scipy's log_softmax in float64.
        expected = -log_softmax(zz, axis=1)[np.arange(3), y]
        np.testing.assert_allclose(got, expected, rtol=1e-15)
        assert np.isfinite(got).all()
        assert got[1] == pytest.approx(math.log(2), rel=1e-15)


def test_bce_with_logits_is_exact_for_huge_logits():
    z = np.array([1e4, -1e4, 1e5, -1e5, 3e38, -3e38, 40.0, -40.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.25, 1.0, 0.0])
    got = lm.binary_cross_entropy_with_logits(y, z, reduction="none")
    # (1 - y) z + softplus(-z): for |z| huge softplus(-z) is max(-z, 0) exactly,
    # so e.g. z = -3e38, y = 0.25 gives 0.75 * -3e38 + 3e38 = 7.5e37.
    # For z = 40, y = 1 (and z = -40, y = 0) the loss is log1p(exp(-40)), which
    # the naive logaddexp(0, z) - y z rounds to 0.
    expected = [math.log1p(math.exp(-40.0))] * 2
    np.testing.assert_allclose(got[:6], [1e4, 1e4, 0.0, 0.0, 1.5e38, 7.5e37], rtol=1e-15)
    np.testing.assert_allclose(got[6:], expected, rtol=1e-15)
    assert np.isfinite(got).all()


def test_kl_conventions_zero_log_zero_and_inf():
    p = np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])
    q = np.array([[0.2, 0.4, 0.4], [0.0, 0.5, 0.5]])
    got = lm.kl_divergence(p, q, reduction="none")
    assert got[0] == pytest.approx(math.log(1.25), rel=1e-15)
    assert got[1] == math.inf
    assert lm.kl_divergence(p, q) == math.inf


@pytest.mark.parametrize("n_classes", [600, 5000, 30_000, 100_000])
def test_many_classes_within_2_ulp_of_fsum_of_per_element_terms(n_classes):
    # Issue 20 item 6: a row's terms were summed plainly, 11-62 ulp off at
    # 3e4-1e5 classes (KL, Brier); the row sums are compensated now.
    from scipy.special import xlogy

    rng = np.random.default_rng(n_classes)
    n = 4
    p = rng.dirichlet(np.ones(n_classes), n)
    q = rng.dirichlet(np.ones(n_classes), n)
    y = rng.integers(0, n_classes, n)
    kl_terms = xlogy(p, p) - p * np.log(q)
    assert _within_ulps(lm.kl_divergence(p, q, reduction="sum"),
                        math.fsum(kl_terms.ravel().tolist()), 2)
    one_hot = np.zeros((n, n_classes))
    one_hot[np.arange(n), y] = 1.0
    brier_sum = math.fsum(((p - one_hot) ** 2).ravel().tolist())
    assert _within_ulps(lm.brier_score_loss(y, p, labels=np.arange(n_classes)),
                        brier_sum / n, 2)
    z = rng.normal(size=(n, n_classes)) * 3
    ce = math.fsum([max(z[i]) + math.log(math.fsum(np.exp(z[i] - max(z[i])).tolist()))
                    - z[i, y[i]] for i in range(n)])
    assert _within_ulps(lm.cross_entropy(y, z, reduction="sum"), ce, 2)


def _floats(rng, n):
    """Finite float64 values of every magnitude, subnormals and zeros included."""
    x = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n)
    x[rng.random(n) < 0.1] = 0.0
    x[rng.random(n) < 0.05] = 5e-324 * rng.integers(-5, 5)
    return x


def test_exact_integer_helpers_are_exact_rational_arithmetic():
    # The scores' final arithmetic (_kernels/_exact.pyx) against Fractions.
    from fractions import Fraction

    from lossmetrics._kernels import kernels

    exact = kernels("_exact")
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 40):
        a, b = _floats(rng, n), _floats(rng, n)
        num, k = exact.exact_dot(a, b)
        assert k >= 0 and Fraction(num, 2 ** k) == sum(
            (Fraction(x) * Fraction(y) for x, y in zip(a.tolist(), b.tolist())), Fraction(0))
        state = _floats(rng, 2 * n).reshape(n, 2)
        rows, k = exact.exact_rows(state)
        assert k >= 0 and [Fraction(r, 2 ** k) for r in rows] == [
            Fraction(hi) + Fraction(lo) for hi, lo in state.tolist()]
