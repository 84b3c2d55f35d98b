"""Accuracy of the kernels' vectorised log / log1p / exp / softplus (lossmetrics/_fastmath.h).

References are NumPy's functions evaluated in 80-bit long double (x86-64;
on platforms where long double is float64 the reference is NumPy's float64
function, itself within 1 ulp, and the bounds get one ulp of slack).
Errors are measured in ulps of the correctly rounded result.
"""
import math

import numpy as np
import pytest

from lossmetrics._kernels import _fastmath as fm

EXTENDED = np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant
SLACK = 0.0 if EXTENDED else 1.0


def ulp_error(got, x, reference):
    exact = reference(x.astype(np.longdouble))
    rounded = exact.astype(np.float64)
    finite = np.isfinite(rounded)
    spacing = np.spacing(np.abs(rounded[finite])).astype(np.longdouble)
    err = np.abs(got[finite].astype(np.longdouble) - exact[finite]) / spacing
    return float(err.max()) if err.size else 0.0


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20261122)


def test_log_within_one_ulp_over_the_whole_range(rng):
    x = np.concatenate([
        np.exp(rng.uniform(-744.0, 709.7, 1_000_000)),     # every binade
        rng.uniform(0.5, 2.0, 500_000),                     # around 1 (cancellation)
        1.0 + rng.uniform(-1e-8, 1e-8, 100_000),
        np.ldexp(rng.uniform(1.0, 2.0, 100_000), rng.integers(-1074, -1022, 100_000)),
        [5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
         np.nextafter(1.0, 0.0), np.nextafter(1.0, 2.0), np.sqrt(2.0), np.sqrt(0.5)],
    ])
    x = x[x > 0]
    assert ulp_error(fm.log(x), x, np.log) <= 1.0 + SLACK


def test_log_of_clipped_probabilities_is_logs_bits(rng):
    # log_loss's -log skips lm_log1's selects for zero, subnormal, infinite
    # and NaN arguments: on normal positive numbers (every binade, every
    # length and tail, with or without a span prefetched) it must give log's
    # bits, negated.
    x = np.concatenate([
        np.ldexp(rng.uniform(1.0, 2.0, 300_000), rng.integers(-1022, 1024, 300_000)),
        rng.uniform(np.finfo(np.float64).eps, 1.0, 300_000),
        [np.finfo(np.float64).eps, 1.0 - np.finfo(np.float64).eps, 1.0, np.sqrt(2.0),
         np.sqrt(0.5), 2.2250738585072014e-308, 1.7976931348623157e308],
    ])
    want = -fm.log(x)
    assert np.array_equal(fm.neg_log_normal(x), want)
    span = rng.uniform(size=50_000)
    for n in [1, 15, 16, 17, 255, 256, 1000]:
        assert np.array_equal(fm.neg_log_normal(x[:n], prefetch=span[:3 * n]), want[:n])
        assert np.array_equal(fm.neg_log_normal(x[-n:], prefetch=span[:1]), want[-n:])


def test_log1p_within_one_ulp_over_the_whole_range(rng):
    # Every case of fdlibm's log1p: |x| < 2^-54 and < 2^-29, f = x around 0
    # (-0.2929 < x < 0.41422, both edges), the rounding 1 + x corrected
    # (above and below 1, the normalisation's edge at sqrt(2)), x >= 2^53,
    # the top 20 bits of f's fraction zero, near -1; a few ulps around each
    # edge.
    edges = np.array([2.0 ** -54, 2.0 ** -29, 0.4142136573791504, 0.2928934097290039,
                      2.0 ** 53, np.sqrt(2.0) - 1.0, 1.0, 2.0 ** -20, 1.0 - 2.0 ** -53])
    signed = np.concatenate([edges, -edges[edges < 1.0]])
    near = np.concatenate([signed] + [np.nextafter(signed, to) for to in (0.0, np.inf, -np.inf)])
    x = np.concatenate([
        np.exp(rng.uniform(-744.0, 709.7, 1_000_000)),     # every positive binade
        -np.exp(rng.uniform(-744.0, 0.0, 500_000)),        # (-1, 0)
        rng.uniform(-0.3, 0.42, 500_000),
        rng.uniform(-1.0, -0.29, 200_000),
        -1.0 + np.exp(rng.uniform(-36.0, -1.0, 100_000)),  # close to -1
        1.0 + rng.uniform(-1e-6, 1e-6, 100_000),
        np.ldexp(1.0 + rng.integers(0, 2 ** 12, 100_000) * 2.0 ** -52,   # f's top bits zero
                 rng.integers(-3, 60, 100_000)) - 1.0,
        near, [5e-324, -5e-324, 1.7976931348623157e308],
    ])
    x = x[x > -1.0]
    got = fm.log1p(x)
    # fdlibm's log1p is within 1 ulp but for a few values just below -0.2929
    # (-0x1.2bec400000001p-2: 1.83 ulp, the C library's own result there).
    assert ulp_error(got, x, np.log1p) <= 2.0 + SLACK
    assert ulp_error(got[x > -0.29], x[x > -0.29], np.log1p) <= 1.0 + SLACK
    tiny = np.abs(x) < 2.0 ** -54
    np.testing.assert_array_equal(got[tiny], x[tiny])    # x itself, signed zeros too


def test_log1p_special_values_and_tails(rng):
    with np.errstate(all="ignore"):
        got = fm.log1p(np.array([-1.0, -1.5, -np.inf, np.inf, np.nan, 0.0, -0.0, 1e300]))
    np.testing.assert_array_equal(got[:6], [-np.inf, np.nan, np.nan, np.inf, np.nan, 0.0])
    assert np.signbit(got[6]) and got[6] == 0.0
    assert got[7] == np.float64(np.log1p(np.longdouble(1e300)))
    x = rng.uniform(-0.9, 10.0, 37)
    whole = fm.log1p(x)
    for n in range(1, 37):
        np.testing.assert_array_equal(fm.log1p(x[:n]), whole[:n])
        np.testing.assert_array_equal(fm.log1p(x[n:]), whole[n:])


def test_exp_within_one_ulp_including_subnormal_results(rng):
    x = np.concatenate([
        rng.uniform(-745.0, 709.78, 1_000_000),
        rng.uniform(-1.0, 1.0, 500_000),
        rng.uniform(-1e-9, 1e-9, 100_000),
        rng.uniform(-745.13, -708.4, 200_000),               # subnormal results
        [0.0, -0.0, 709.78, -708.39, -744.44, -745.13, 1e-300, -1e-300],
    ])
    assert ulp_error(fm.exp(x), x, np.exp) <= 1.0 + SLACK


def test_exp_of_non_positive_arguments_is_exps_bits(rng):
    # lm_exp_neg drops lm_exp1's overflow and NaN selects for x <= 0: the same
    # bits wherever both apply, including subnormal results, underflow to 0
    # and -inf; NaN stays NaN (the kernels' finiteness flags rely on it).
    x = np.concatenate([-rng.uniform(0.0, 760.0, 1_000_000),
                        -rng.uniform(708.0, 746.0, 200_000),
                        -np.exp(rng.uniform(-745.0, 0.0, 100_000)),
                        [0.0, -0.0, -5e-324, -745.13, -745.14, -746.0, -1e308, -np.inf]])
    np.testing.assert_array_equal(fm.exp_neg(x), fm.exp(x))
    assert np.isnan(fm.exp_neg(np.array([np.nan]))[0])
    assert ulp_error(fm.exp_neg(x), x, np.exp) <= 1.0 + SLACK


def test_special_values():
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(
            fm.log(np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 1.0])),
            [-np.inf, -np.inf, np.nan, np.inf, np.nan, np.nan, 0.0])
        np.testing.assert_array_equal(
            fm.exp(np.array([np.inf, -np.inf, np.nan, 0.0, 710.0, -746.0, 1e308, -1e308])),
            [np.inf, 0.0, np.nan, 1.0, np.inf, 0.0, np.inf, 0.0])
    assert fm.exp(np.array([-745.1]))[0] == 5e-324          # the smallest subnormal


def test_vector_and_scalar_tails_agree(rng):
    # Lengths that leave remainders for the vector loop: every element must
    # get the same bits whatever its position.
    x = rng.uniform(1e-3, 1.0, 37)
    whole = fm.log(x)
    for n in range(1, 37):
        np.testing.assert_array_equal(fm.log(x[:n]), whole[:n])
        np.testing.assert_array_equal(fm.exp(-x[:n]), fm.exp(-x)[:n])


def test_kernels_agree_with_the_straightforward_formulas(rng):
    # The vectorised kernels against NumPy formulas in float64 (independent of
    # _fastmath): log_loss and cross_entropy on random data, per element.
    import lossmetrics as lm

    y = rng.integers(0, 7, 5000)
    z = rng.normal(size=(5000, 7)) * 5
    per = lm.cross_entropy(y, z, reduction="none")
    m = z.max(axis=1, keepdims=True)
    # The sum of exponentials correctly rounded (math.fsum), so the reference
    # does not depend on a summation order.  That sum is >= 1 (the maximum
    # contributes exp(0)), so summing in another order moves its log by a few
    # eps at most: 4 eps absolute, on top of 1e-14 relative.
    sums = np.array([math.fsum(row) for row in np.exp(z - m)])
    ref = (m[:, 0] - z[np.arange(5000), y]) + np.log(sums)
    np.testing.assert_allclose(per, ref, rtol=1e-14, atol=4 * np.finfo(float).eps)
    p = rng.dirichlet(np.ones(7), 5000)
    eps = np.finfo(np.float64).eps
    ref_ll = -np.log(np.clip(p[np.arange(5000), y], eps, 1 - eps)).mean()
    np.testing.assert_allclose(lm.log_loss(y, p, labels=np.arange(7)), ref_ll, rtol=1e-14)


@pytest.mark.parametrize("n_classes,spatial", [(3, ()), (600, ()), (40, (5, 3)), (1100, (2,))])
def test_cross_entropy_every_chunking_of_classes(rng, n_classes, spatial):
    # Rows of fewer scores than a vector chunk are batched together; rows of
    # more (600, 1100 classes, or 40 x 15 positions) are chunked by class.
    import lossmetrics as lm
    from scipy.special import log_softmax

    n = 257
    z = rng.normal(size=(n, n_classes) + spatial) * 4
    y = rng.integers(0, n_classes, (n,) + spatial)
    w = rng.uniform(0.5, 2.0, n)
    per = lm.cross_entropy(y, z, reduction="none", label_smoothing=0.2)
    logp = log_softmax(z, axis=1)
    nll = -np.take_along_axis(logp, y[:, None], axis=1)[:, 0]
    ref = 0.8 * nll - 0.2 * logp.mean(axis=1)
    np.testing.assert_allclose(per, ref, rtol=1e-12, atol=1e-13)
    # Class-probability targets go through the same log-sum-exp.
    t = rng.dirichlet(np.ones(n_classes), (n,) + spatial)
    t = np.moveaxis(t, -1, 1)
    soft = lm.cross_entropy(t, z, reduction="none", label_smoothing=0.2)
    np.testing.assert_allclose(soft, -((0.8 * t + 0.2 / n_classes) * logp).sum(axis=1),
                               rtol=1e-12, atol=1e-13)
    mean = lm.cross_entropy(y, z, sample_weight=w, label_smoothing=0.2)
    wb = w.reshape((n,) + (1,) * len(spatial))
    np.testing.assert_allclose(mean, (wb * ref).sum() / (wb * np.ones_like(ref)).sum(),
                               rtol=1e-12)


@pytest.mark.parametrize("n_cols", [2, 7, 511, 512, 513, 1500])
@pytest.mark.parametrize("log_inputs", [False, True])
def test_kl_divergence_every_chunking_of_columns(rng, n_cols, log_inputs):
    import lossmetrics as lm
    from scipy.special import rel_entr

    p = rng.dirichlet(np.ones(n_cols) * 0.3, 301)
    p[::7, 0] = 0.0                       # 0 log 0 terms
    p /= p.sum(axis=1, keepdims=True)
    q = rng.dirichlet(np.ones(n_cols), 301)
    ref = rel_entr(p, q).sum(axis=1)
    with np.errstate(divide="ignore"):
        args = (np.log(p), np.log(q)) if log_inputs else (p, q)
    per = lm.kl_divergence(*args, reduction="none", log_true=log_inputs,
                           log_pred=log_inputs)
    np.testing.assert_allclose(per, ref, rtol=1e-11, atol=1e-14)


def test_softplus_within_three_ulp_over_the_whole_range(rng):
    # log1p(exp(-a)) of binary_cross_entropy_with_logits: one division serves
    # the exp and the log1p (three roundings more than two separate 1-ulp
    # functions; 2.73 ulp was the largest error seen in 20 million arguments).
    a = np.concatenate([
        rng.uniform(0.0, 0.9, 1_000_000),
        rng.uniform(0.85, 0.9, 200_000),                     # both sides of t = sqrt(2) - 1
        rng.uniform(0.9, 40.0, 1_000_000),
        rng.uniform(40.0, 746.0, 500_000),                   # log1p(t) = t, down to subnormals
        rng.uniform(745.0, 800.0, 100_000),                  # 0 or the smallest subnormal
        np.exp(rng.uniform(-745.0, 0.0, 300_000)),           # tiny arguments: about log(2)
        [0.0, 5e-324, 1e-300, 1e-16, -np.log(np.sqrt(2.0) - 1.0), 1.0, 36.7, 709.78,
         745.13, 746.0, 1e308],
    ])
    got = fm.softplus_neg(a)
    assert ulp_error(got, a, lambda v: np.log1p(np.exp(-v))) <= 3.0 + SLACK
    assert got[-1] == 0.0
    assert fm.softplus_neg(np.array([0.0]))[0] == np.log(2.0)


def test_softplus_special_values_and_tails(rng):
    with np.errstate(all="ignore"):
        got = fm.softplus_neg(np.array([np.inf, np.nan, 800.0]))
    np.testing.assert_array_equal(got, [0.0, np.nan, 0.0])
    # The two stages run over blocks of 256: every element gets the same bits
    # whatever its position or the length of the array.
    a = rng.uniform(0.0, 5.0, 600)
    whole = fm.softplus_neg(a)
    for n in (1, 7, 8, 9, 255, 256, 257, 513):
        np.testing.assert_array_equal(fm.softplus_neg(a[:n]), whole[:n])
        np.testing.assert_array_equal(fm.softplus_neg(a[n:]), whole[n:])


@pytest.mark.parametrize("length", [255, 256, 257, 263, 512, 513, 1031, 70_001])
@pytest.mark.parametrize("loss, kwargs", [
    ("mean_squared_log_error", {}),
    ("sigmoid_focal_loss", {"gamma": 2.0}),      # its own loop: the power is b * b
    ("sigmoid_focal_loss", {"gamma": 2.5, "alpha": -1.0}),
    ("mean_squared_error", {}),
    ("poisson_nll_loss", {}),                    # its own loop: full=False
    ("poisson_nll_loss", {"full": True}),
])
def test_buffered_lanes_give_the_scalar_loops_bits(rng, loss, kwargs, length):
    # Contiguous float64 columns take the C lanes (those of the log1p and
    # focal terms buffered 256 terms at a time); strided columns take the
    # Cython loop, whose lanes the C ones reproduce: the same bits at every
    # length around the blocks' edges, and in every block of 'none'.
    import lossmetrics as lm
    y = rng.uniform(0.0, 3.0, length)
    x = rng.normal(0.0, 3.0, length)
    if loss == "sigmoid_focal_loss":
        y = (y > 1.5).astype(np.float64)
    elif loss == "poisson_nll_loss":
        y, x = np.round(y), x / 2.0      # counts and log-rates
    else:
        x = np.abs(x)
    strided = [np.empty(2 * length) for _ in range(2)]
    strided[0][::2], strided[1][::2] = y, x
    ys, xs = strided[0][::2], strided[1][::2]
    fn = getattr(lm, loss)
    got, want = fn(y, x, **kwargs), fn(ys, xs, **kwargs)
    assert got.hex() == want.hex()
    if loss == "sigmoid_focal_loss":
        np.testing.assert_array_equal(fn(y, x, reduction="none", **kwargs),
                                      fn(ys, xs, reduction="none", **kwargs))


@pytest.mark.parametrize("length", [255, 256, 257, 263, 512, 513, 1031, 70_001])
@pytest.mark.parametrize("full", [False, True])
def test_rescued_gaussian_nll_lanes_give_the_scalar_loops_bits(rng, length, full):
    # The C lanes compute the Gaussian NLL's terms without the overflow's
    # rescue, then again, whole, those that came out infinite: where
    # (x - y)^2 overflows (every 97th value here, and the block edges),
    # (d / sqrt(v))^2 is finite, and so is the loss.  The strided inputs
    # take the Cython loop, which computes every term whole.
    import lossmetrics as lm
    y, x = rng.normal(0.0, 3.0, length), rng.normal(0.0, 3.0, length)
    v = rng.uniform(0.5, 2.0, length)
    big = np.r_[np.arange(0, length, 97), [255, 256, length - 1]]
    big = big[big < length]
    x[big] = 1e200
    v[big] = 1e100
    strided = [np.empty(2 * length) for _ in range(3)]
    for buf, arr in zip(strided, (y, x, v)):
        buf[::2] = arr
    ys, xs, vs = (buf[::2] for buf in strided)
    got = lm.gaussian_nll_loss(y, x, v, full=full)
    assert np.isfinite(got)
    assert got.hex() == lm.gaussian_nll_loss(ys, xs, vs, full=full).hex()
    # each rescued term is (log v + (d / sqrt v)^2) / 2: 1e300 / 2 here
    terms = lm.gaussian_nll_loss(y, x, v, full=full, reduction="none")
    np.testing.assert_allclose(terms[big], 0.5 * (np.log(1e100) + (1e200 / 1e50) ** 2),
                               rtol=1e-15)
