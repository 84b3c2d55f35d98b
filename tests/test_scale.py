"""Scale: more than 2**31 elements and strides beyond 32 bits give exact results.

* More than 2**31 elements, with no memory behind them: stride-0 broadcast
  views (``np.broadcast_to``) of a constant row, and overlapping sliding
  windows (``sliding_window_view``) of a short buffer, whose rows all differ.
  Expected values are exact: a constant row's loss times the number of rows
  (``fractions.Fraction``), or, for a sliding window, each buffer element's
  loss times the number of times the window holds it.
* A NaN after the first 2**31 elements is reported at its true index.
* Strides that are huge (rows 32 KiB apart: a column of an (N, 4096) array)
  or do not fit in 32 bits (two samples 2**31 + 64 bytes apart, through
  ``np.ndarray(buffer=..., strides=...)`` over a zeroed, mostly untouched
  buffer; positive and negative) give the bits of a contiguous copy.
* Broadcast (stride-0) inputs and wide outputs need no memory proportional to
  the number of samples.

The >2**31-element tests run the parallel kernels over every element: about
5-15 s each on 2 idle cores, except binary_cross_entropy_with_logits (an exp
and a log1p per element, ~25 s) -- no test can be shorter than one pass over
2**31 elements.  They need no memory beyond what the library allocates itself
(cross_entropy currently copies its broadcast targets: 2 GiB).  Nothing here
is timed.
"""
import math
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import lossmetrics as lm

BIG = 2**31


def _exact_mean(row_values, n_rows, denominator):
    """(sum over n_rows identical rows of row_values) / denominator, exactly."""
    return Fraction(sum(map(Fraction, row_values))) * n_rows / denominator


def _ulps(got, exact):
    """Distance of ``got`` from the exact rational ``exact`` in ulps of ``exact``."""
    exact_float = float(exact)
    return float(abs(Fraction(got) - exact)) / math.ulp(exact_float)


def _assert_within_ulps(got, exact, n_ulps=4):
    assert type(got) is float
    assert math.isfinite(got), got
    assert _ulps(got, exact) <= n_ulps, (got, float(exact), _ulps(got, exact))


# --------------------------------------------------------------------------
# More than 2**31 elements
# --------------------------------------------------------------------------

def test_mean_squared_error_of_2_31_plus_5_broadcast_constants():
    n = BIG + 5
    y = np.broadcast_to(np.float64(1.5), (n,))
    p = np.broadcast_to(np.float64(0.25), (n,))
    assert y.strides == (0,) and y.size > BIG
    # (1.5 - 0.25)**2 = 1.5625 exactly, and so is every partial sum.
    assert lm.mean_squared_error(y, p) == 1.5625


def test_bce_with_logits_over_2_31_elements_of_sliding_windows():
    # Row i of the (N, L) window is buffer[i : i + L]: every row differs, and
    # element (i, j) is buffer[i + j].  The exact sum is sum_k count_k f_k, with
    # f_k the loss of buffer element k and count_k = #{(i, j): i + j = k}.
    n_rows, n_cols = 2**16 + 1, 2**15 + 3
    k_len = n_rows + n_cols - 1
    rng = np.random.default_rng(2024)
    yb = rng.uniform(0.0, 1.0, k_len)
    yb[::7] = 0.0
    yb[::11] = 1.0
    xb = rng.normal(0.0, 4.0, k_len)
    xb[::13] *= 100.0
    y = sliding_window_view(yb, n_cols)
    x = sliding_window_view(xb, n_cols)
    assert x.shape == (n_rows, n_cols) and x.size > BIG and x.strides == (8, 8)

    per = lm.binary_cross_entropy_with_logits(yb, xb, pos_weight=2.5, reduction="none")
    k = np.arange(k_len)
    counts = np.minimum.reduce([k + 1, np.full(k_len, n_cols), k_len - k])
    assert counts.sum() == x.size
    exact_sum = sum(Fraction(f) * int(c) for f, c in zip(per.tolist(), counts.tolist()))
    got = lm.binary_cross_entropy_with_logits(y, x, pos_weight=2.5)
    _assert_within_ulps(got, exact_sum / x.size)


def test_cross_entropy_over_2_31_broadcast_logits():
    n, c = 2**28 + 3, 8
    row = np.array([2.5, -1.0, 0.25, 7.0, -3.5, 0.0, 6.5, 1.0])
    cw = np.array([1.0, 0.5, 2.0, 1.0, 0.25, 1.5, 0.75, 1.0])
    logits = np.broadcast_to(row, (n, c))
    y = np.broadcast_to(np.int64(6), (n,))
    assert logits.size > BIG
    kw = dict(class_weight=cw, label_smoothing=0.125)
    r = lm.cross_entropy([6], row[None], reduction="none", **kw)[0]
    # The single-row value itself, independently (PyTorch's formula).
    lse = math.log(math.fsum(math.exp(v - 7.0) for v in row)) + 7.0
    nl = [lse - v for v in row]
    expected_r = 0.875 * cw[6] * nl[6] + 0.125 / c * math.fsum(w * v for w, v in zip(cw, nl))
    assert r == pytest.approx(expected_r, rel=1e-12, abs=0)
    # 'mean' divides by n * class_weight[6]: the row's loss / 0.75.
    got = lm.cross_entropy(y, logits, **kw)
    _assert_within_ulps(got, Fraction(r) * n / (Fraction(0.75) * n))


def test_kl_divergence_over_2_31_broadcast_distributions():
    n, c = 2**28 + 1, 8
    p_row = np.array([0.5, 0.0, 0.25, 0.0, 0.125, 0.0, 0.125, 0.0])   # 0 log 0 terms
    q_row = np.array([0.1, 0.2, 0.05, 0.15, 0.2, 0.1, 0.1, 0.1])
    p = np.broadcast_to(p_row, (n, c))
    q = np.broadcast_to(q_row, (n, c))
    assert p.size > BIG
    r = lm.kl_divergence(p_row[None], q_row[None], reduction="none")[0]
    expected_r = math.fsum(a * math.log(a / b) for a, b in zip(p_row, q_row) if a)
    assert r == pytest.approx(expected_r, rel=1e-12, abs=0)
    # 'sum' over n identical rows: n * r, within a few ulp.
    got = lm.kl_divergence(p, q, reduction="sum")
    _assert_within_ulps(got, Fraction(r) * n)


@pytest.mark.parametrize("normalize", [True, False])
def test_log_loss_over_2_31_broadcast_probabilities(normalize):
    n, c = 2**28 + 3, 8
    row = np.array([0.05, 0.1, 0.15, 0.2, 0.1, 0.3, 0.05, 0.05])
    proba = np.broadcast_to(row, (n, c))
    y = np.broadcast_to(np.int64(5), (n,))
    assert proba.size > BIG
    r = lm.log_loss([5], row[None], labels=np.arange(c), normalize=False)
    assert r == pytest.approx(-math.log(0.3), rel=1e-15, abs=0)
    got = lm.log_loss(y, proba, labels=np.arange(c), normalize=normalize)
    _assert_within_ulps(got, Fraction(r) * n / (n if normalize else 1))


def test_non_finite_value_after_2_31_elements_is_reported_at_its_index():
    # A (N, L) sliding window holds N * L > 2**31 elements over a short
    # buffer; the only NaN is the last element, flat index N * L - 1.
    n_rows, n_cols = 2**16 + 1, 2**15 + 3
    buf = np.linspace(-1.0, 1.0, n_rows + n_cols - 1)
    bad = buf.copy()
    bad[-1] = np.nan
    y, p = sliding_window_view(bad, n_cols), sliding_window_view(buf, n_cols)
    assert y.size > BIG
    where = rf"\({n_rows - 1}, {n_cols - 1}\)"
    with pytest.raises(ValueError, match=rf"y_true has NaN at index {where}"):
        lm.mean_squared_error(y, p)
    bad[-1] = np.inf
    targets = sliding_window_view(np.abs(buf), n_cols)     # in [0, 1], no copy
    with pytest.raises(ValueError, match=rf"logits has inf at index {where}"):
        lm.binary_cross_entropy_with_logits(targets, y)


# --------------------------------------------------------------------------
# Huge strides, and strides that do not fit in 32 bits
# --------------------------------------------------------------------------

def _inputs(kind, n, rng):
    """(function, y, pred, kwargs, reductions) of a small problem of n samples."""
    if kind in ("mean_squared_error", "mean_absolute_error", "root_mean_squared_error"):
        return (getattr(lm, kind), rng.normal(size=(n, 3)), rng.normal(size=(n, 3)),
                dict(multioutput="raw_values"), (None,))
    if kind == "mean_squared_error-1d":
        return lm.mean_squared_error, rng.normal(size=n), rng.normal(size=n), {}, (None,)
    if kind == "log_loss":
        return (lm.log_loss, rng.integers(0, 4, n), rng.dirichlet(np.ones(4), n),
                dict(labels=np.arange(4)), (None,))
    if kind == "log_loss-binary":
        return (lm.log_loss, rng.integers(0, 2, n), rng.uniform(0.01, 0.99, n),
                dict(labels=[0, 1]), (None,))
    if kind == "cross_entropy":
        return (lm.cross_entropy, rng.integers(0, 5, n), 3 * rng.normal(size=(n, 5)),
                dict(class_weight=np.linspace(0.5, 2.0, 5), label_smoothing=0.1),
                ("mean", "none"))
    if kind == "cross_entropy-kdim":
        return (lm.cross_entropy, rng.integers(0, 4, (n, 3)), rng.normal(size=(n, 4, 3)), {},
                ("mean", "none"))
    if kind == "cross_entropy-probabilities":
        return (lm.cross_entropy, rng.dirichlet(np.ones(5), n), rng.normal(size=(n, 5)), {},
                ("sum", "none"))
    if kind == "nll_loss":
        z = rng.normal(size=(n, 5))
        return (lm.nll_loss, rng.integers(0, 5, n),
                z - np.log(np.exp(z).sum(axis=1, keepdims=True)), {}, ("mean", "none"))
    if kind == "binary_cross_entropy":
        return (lm.binary_cross_entropy, rng.integers(0, 2, (n, 3)).astype(float),
                rng.uniform(0.01, 0.99, (n, 3)), {}, ("mean", "none"))
    if kind == "binary_cross_entropy_with_logits":
        return (lm.binary_cross_entropy_with_logits, rng.uniform(0, 1, (n, 3)),
                4 * rng.normal(size=(n, 3)), dict(pos_weight=[0.5, 1.0, 3.0]), ("mean", "none"))
    assert kind == "kl_divergence"
    return (lm.kl_divergence, rng.dirichlet(np.ones(4), n), rng.dirichlet(np.ones(4), n), {},
            ("mean", "none"))


KINDS = ["mean_squared_error", "mean_squared_error-1d", "mean_absolute_error",
         "root_mean_squared_error", "log_loss", "log_loss-binary", "cross_entropy",
         "cross_entropy-kdim", "cross_entropy-probabilities", "nll_loss",
         "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_divergence"]


def _evaluate(func, y, p, kw, reductions, sw=None):
    out = []
    for reduction in reductions:
        extra = {} if reduction is None else {"reduction": reduction}
        out.append(func(y, p, sample_weight=sw, **kw, **extra))
    return out


def _assert_bitwise_equal(got, want):
    for g, w in zip(got, want):
        if isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray) and g.shape == w.shape
            assert g.tobytes() == w.tobytes(), np.flatnonzero(g.ravel() != w.ravel())[:5]
        else:
            assert type(g) is float and g.hex() == w.hex(), (g, w)


def _rows_apart(a, buf, row_stride, offset):
    """A view of ``a``'s values in ``buf`` whose rows (samples) start
    ``row_stride`` bytes apart, the first at ``offset``; inner axes contiguous."""
    a = np.ascontiguousarray(a)
    view = np.ndarray(a.shape, a.dtype, buffer=buf, offset=offset,
                      strides=(row_stride,) + a.strides[1:])
    view[...] = a
    return view


N_COLUMN = 70_000        # rows of the column views: more than SERIAL_BELOW scalars
ROW_BYTES = 4096 * 8     # a row of an (N, 4096) float64 array


@pytest.fixture(scope="module")
def wide_buffer():
    """N_COLUMN rows of 32 KiB, zero-filled on demand: only touched pages use memory."""
    return np.zeros(N_COLUMN * ROW_BYTES, dtype=np.uint8)


@pytest.mark.parametrize("kind", KINDS)
def test_columns_of_a_wide_array(kind, wide_buffer):
    # y, predictions and weights as column blocks of (N, 4096) arrays: rows
    # are 32 KiB apart.  Each lives at its own offset within the row.
    func, y, p, kw, reductions = _inputs(kind, N_COLUMN, np.random.default_rng(5))
    sw = np.random.default_rng(6).uniform(0.5, 2.0, N_COLUMN)
    yv = _rows_apart(y, wide_buffer, ROW_BYTES, 0)
    pv = _rows_apart(p, wide_buffer, ROW_BYTES, 1024)
    swv = _rows_apart(sw, wide_buffer, ROW_BYTES, 2048)
    assert pv.strides[0] == ROW_BYTES and np.array_equal(pv, p)
    for weights, weights_view in ((None, None), (sw, swv)):
        _assert_bitwise_equal(_evaluate(func, yv, pv, kw, reductions, weights_view),
                              _evaluate(func, y, p, kw, reductions, weights))


FAR = 2**31 + 64     # bytes between two samples: does not fit in a 32-bit int


@pytest.fixture(scope="module")
def far_buffer():
    """2 GiB + 64 KiB of zeros; only the few pages written to use memory."""
    try:
        return np.zeros(FAR + 2**16, dtype=np.uint8)
    except MemoryError:     # pragma: no cover - a machine without 2 GiB of address space
        pytest.skip("cannot reserve 2 GiB of address space")


@pytest.mark.parametrize("reverse", [False, True], ids=["positive", "negative"])
@pytest.mark.parametrize("kind", KINDS)
def test_stride_beyond_32_bits(kind, reverse, far_buffer):
    # Two samples 2**31 + 64 bytes apart (or -(2**31 + 64) with reverse).
    func, y, p, kw, reductions = _inputs(kind, 2, np.random.default_rng(7))
    sw = np.array([0.75, 1.5])
    yv = _rows_apart(y, far_buffer, FAR, 0)
    pv = _rows_apart(p, far_buffer, FAR, 4096)
    swv = _rows_apart(sw, far_buffer, FAR, 8192)
    if reverse:
        yv, pv, swv = yv[::-1], pv[::-1], swv[::-1]
        y, p, sw = y[::-1], p[::-1], sw[::-1]
    assert abs(pv.strides[0]) == FAR > 2**31
    assert np.array_equal(pv, p) and np.array_equal(yv, y)
    for weights, weights_view in ((None, None), (sw, swv)):
        _assert_bitwise_equal(_evaluate(func, yv, pv, kw, reductions, weights_view),
                              _evaluate(func, np.ascontiguousarray(y), np.ascontiguousarray(p),
                                        kw, reductions, weights))


@pytest.mark.parametrize("reverse", [False, True], ids=["positive", "negative"])
def test_class_axis_stride_beyond_32_bits(reverse, far_buffer):
    # K-dimensional logits (N, C, d) whose class axis has the huge stride:
    # the two classes of every position are 2**31 + 64 bytes apart.
    rng = np.random.default_rng(8)
    z = rng.normal(size=(3, 2, 4))
    y = rng.integers(0, 2, (3, 4))
    zv = np.ndarray(z.shape, z.dtype, buffer=far_buffer, offset=12288, strides=(32, FAR, 8))
    zv[...] = z
    if reverse:
        zv, z = zv[:, ::-1], z[:, ::-1]
    assert np.array_equal(zv, z)
    for reduction in ("mean", "sum", "none"):
        kw = dict(class_weight=[0.5, 2.0], label_smoothing=0.2, reduction=reduction)
        _assert_bitwise_equal([lm.cross_entropy(y, zv, **kw)],
                              [lm.cross_entropy(y, np.ascontiguousarray(z), **kw)])
        soft = np.stack([1 - y, y], axis=1).astype(float)
        _assert_bitwise_equal([lm.cross_entropy(soft, zv, reduction=reduction)],
                              [lm.cross_entropy(soft, np.ascontiguousarray(z),
                                                reduction=reduction)])


# --------------------------------------------------------------------------
# No memory proportional to the number of samples
# --------------------------------------------------------------------------

N_MEMORY = 2**23
MEMORY_LIMIT = 8 * 2**20     # an int64 copy of N_MEMORY targets would be 64 MiB


def _broadcast_case(kind):
    n, c = N_MEMORY, 8
    row = np.linspace(0.05, 0.2, c)
    row /= row.sum()
    labels = np.broadcast_to(np.int64(3), (n,))
    if kind == "cross_entropy":
        return lambda: lm.cross_entropy(labels, np.broadcast_to(np.log(row), (n, c)))
    if kind == "nll_loss":
        return lambda: lm.nll_loss(labels, np.broadcast_to(np.log(row), (n, c)))
    if kind == "cross_entropy-kdim":
        return lambda: lm.cross_entropy(np.broadcast_to(np.int64(3), (n // 4, 4)),
                                        np.broadcast_to(row[:, None], (n // 4, c, 4)))
    if kind == "log_loss":
        return lambda: lm.log_loss(labels, np.broadcast_to(row, (n, c)), labels=np.arange(c))
    if kind == "kl_divergence":
        return lambda: lm.kl_divergence(np.broadcast_to(row, (n, c)),
                                        np.broadcast_to(row[::-1], (n, c)))
    if kind == "binary_cross_entropy":
        return lambda: lm.binary_cross_entropy(np.broadcast_to(1.0, (n, 2)),
                                               np.broadcast_to(0.3, (n, 2)))
    if kind == "binary_cross_entropy_with_logits":
        return lambda: lm.binary_cross_entropy_with_logits(
            np.broadcast_to(1.0, (n, 2)), np.broadcast_to(0.3, (n, 2)), pos_weight=[1.0, 2.0])
    if kind == "mean_squared_error":
        return lambda: lm.mean_squared_error(np.broadcast_to(1.0, (n, 2)),
                                             np.broadcast_to(0.3, (n, 2)))
    assert kind == "mean_squared_error-wide"
    # 2048 samples of 8192 outputs each: as many scalars as above.
    wide = (n // 4096, 8192)
    return lambda: lm.mean_squared_error(np.broadcast_to(np.linspace(0, 1, 8192), wide),
                                         np.broadcast_to(0.5, wide), multioutput="raw_values")


@pytest.mark.parametrize("kind", ["cross_entropy", "cross_entropy-kdim", "nll_loss", "log_loss",
                                  "kl_divergence", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "mean_squared_error",
                                  "mean_squared_error-wide"])
def test_broadcast_inputs_need_no_memory_proportional_to_n(kind):
    run = _broadcast_case(kind)
    run()            # warm up: imports, caches
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.all(np.isfinite(result))
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.1f} MiB allocated for {kind}"
