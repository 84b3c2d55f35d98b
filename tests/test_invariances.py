"""scikit-learn's metric invariances, for every loss in the case registry."""
import inspect
import math
import tracemalloc

import numpy as np
import pytest

import lossmetrics as lm
from loss_cases import CASES, MERGEABLE, call, take_rows

ALL = sorted(CASES)


def _inputs(case, n=3000, dtype=np.float64, seed=0):
    return CASES[case].make(np.random.default_rng(seed), n, dtype)


def _take(a, idx):
    return np.asarray(a)[idx]


def test_cases_cover_every_loss():
    # The one coverage check of the case table (tests/loss_cases.py).
    assert {c.name for c in CASES.values()} == set(lm.LOSSES)


@pytest.mark.parametrize("case", ALL)
def test_all_ones_weights_equal_no_weights(case):
    y, p, kw = _inputs(case)
    for reduction in CASES[case].reductions:
        a = call(lm, case, y, p, kw, reduction=reduction)
        b = call(lm, case, y, p, kw, reduction=reduction, sample_weight=np.ones(len(y)))
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", ALL)
def test_integer_weights_equal_repetition(case):
    y, p, kw = _inputs(case, n=800)
    w = np.random.default_rng(1).integers(0, 4, len(y))
    w[0] = 2
    idx = np.repeat(np.arange(len(y)), w)
    for reduction in CASES[case].reductions:
        if reduction == "none":
            continue
        weighted = call(lm, case, y, p, kw, reduction=reduction, sample_weight=w)
        repeated = call(lm, case, _take(y, idx), _take(p, idx), take_rows(kw, idx),
                        reduction=reduction)
        np.testing.assert_allclose(weighted, repeated, rtol=1e-14)


@pytest.mark.parametrize("case", ALL)
def test_zero_weight_equals_removal(case):
    y, p, kw = _inputs(case, n=900)
    w = np.random.default_rng(2).random(len(y))
    w[::3] = 0.0
    keep = w > 0
    for reduction in CASES[case].reductions:
        if reduction == "none":
            continue
        a = call(lm, case, y, p, kw, reduction=reduction, sample_weight=w)
        b = call(lm, case, _take(y, keep), _take(p, keep), take_rows(kw, keep),
                 reduction=reduction,
                 sample_weight=w[keep])
        np.testing.assert_allclose(a, b, rtol=1e-14)


@pytest.mark.parametrize("case", ALL)
def test_mean_is_invariant_to_weight_scaling(case):
    y, p, kw = _inputs(case)
    w = np.random.default_rng(3).random(len(y))
    base = call(lm, case, y, p, kw, sample_weight=w)
    # A power of two scales every partial sum exactly: same bits.
    assert call(lm, case, y, p, kw, sample_weight=4.0 * w) == base
    scaled = call(lm, case, y, p, kw, sample_weight=3.7 * w)
    if lm.LOSSES[CASES[case].name].greater_is_better:
        # A score is 1 - a ratio of weighted means: the ratio is what rounds
        # (near 0, the score's relative error is the ratio's over the score).
        scaled, base = 1 - np.asarray(scaled), 1 - np.asarray(base)
    np.testing.assert_allclose(scaled, base, rtol=1e-14)


TORCH_STYLE = [c for c in ALL
               if "reduction" in inspect.signature(getattr(lm, CASES[c].name)).parameters]


@pytest.mark.parametrize("case", TORCH_STYLE)
def test_mean_of_huge_weights_does_not_overflow(case):
    # Weights near the float maximum: their total (and the weighted sum of the
    # losses) overflow float64, the weighted mean does not.  Rescaled by a
    # power of two (exact), the PyTorch-style 'mean' gives the same bits as
    # the weights in [0, 1).  (scikit-learn-style metrics raise a ValueError
    # that says to rescale: test_comparison_rows.)
    y, p, kw = _inputs(case, n=1000)
    w = np.random.default_rng(4).random(len(y))
    base = call(lm, case, y, p, kw, sample_weight=w)
    huge = np.ldexp(w, 1023)
    assert math.isinf(sum(huge.tolist()))
    np.testing.assert_array_equal(call(lm, case, y, p, kw, sample_weight=huge), base)


@pytest.mark.parametrize("case", ALL)
def test_permutation_invariance(case):
    y, p, kw = _inputs(case, n=5000)
    perm = np.random.default_rng(4).permutation(len(y))
    w = np.random.default_rng(5).random(len(y))
    for reduction in CASES[case].reductions:
        a = call(lm, case, y, p, kw, reduction=reduction, sample_weight=w)
        b = call(lm, case, _take(y, perm), _take(p, perm), take_rows(kw, perm),
                 reduction=reduction,
                 sample_weight=w[perm])
        if reduction == "none":
            np.testing.assert_array_equal(np.asarray(a)[perm], b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-14)


@pytest.mark.parametrize("case", ALL)
def test_list_array_and_pandas_inputs_agree(case):
    import pandas as pd
    y, p, kw = _inputs(case, n=200)
    expected = call(lm, case, y, p, kw)
    assert call(lm, case, np.asarray(y).tolist(), np.asarray(p).tolist(), kw) == expected
    if np.ndim(p) == 2:
        idx = np.random.default_rng(6).permutation(len(y)) + 100
        yp = pd.Series(y, index=idx) if np.ndim(y) == 1 else pd.DataFrame(y, index=idx)
        assert call(lm, case, yp, pd.DataFrame(p, index=idx), kw) == expected


@pytest.mark.parametrize("case", ALL)
def test_returns_python_float(case):
    y, p, kw = _inputs(case, n=50)
    for reduction in CASES[case].reductions:
        value = call(lm, case, y, p, kw, reduction=reduction)
        if reduction == "none":
            assert isinstance(value, np.ndarray) and value.dtype == np.float64
        else:
            assert type(value) is float


# (The quantile-based metrics need the N values whose quantile they take.)
@pytest.mark.parametrize("case", sorted(MERGEABLE))
def test_mean_and_sum_allocate_no_per_sample_memory(case):
    # The kernels reduce in place: the extra memory of a 'mean' is a few
    # kilobytes of block partials, nothing proportional to N or N x C.
    y, p, kw = _inputs(case, n=200_000)
    call(lm, case, y, p, kw)  # warm up imports and caches
    input_bytes = np.asarray(p).nbytes
    tracemalloc.start()
    try:
        call(lm, case, y, p, kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.02 * input_bytes, (peak, input_bytes)
