"""cross_entropy leaves the scan of its logits to the kernel, whose log-sum-exps
flag any NaN or infinity: every such logit must still raise the error naming
its index, wherever it lies (in a row that is ignored, has zero weight, or is
not the target), in every layout; and other errors must not pre-empt it.  The
range of the class indices is left to the kernel too (it reports the first
index out of range): the same error, in the same order.

nll_loss leaves the scan of its log-probabilities to the kernel too, which
checks each block for a NaN or +inf before it picks from it (-inf, the log of
a zero probability, is valid): the same tests, and its values against NumPy's
gather of the picked log-probabilities.

References: NumPy (np.argwhere for the index); SciPy's logsumexp for values.
"""
import math
import re

import numpy as np
import pytest
from scipy.special import logsumexp

import lossmetrics as lm

RNG = np.random.default_rng(11221)
N, C = 2000, 6


def _layouts(z):
    wide = np.zeros((z.shape[0], 2 * z.shape[1]))
    wide[:, ::2] = z
    return {
        "C": z,
        "F": np.asfortranarray(z),
        "column-strided": wide[:, ::2],
        "float32": z.astype(np.float32),
    }


def _log_proba(shape):
    z = RNG.normal(size=shape)
    return z - logsumexp(z, axis=1, keepdims=True)


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "float32"])
@pytest.mark.parametrize(("metric", "value"), [
    ("cross_entropy", np.nan), ("cross_entropy", np.inf), ("cross_entropy", -np.inf),
    ("nll_loss", np.nan), ("nll_loss", np.inf)])     # (-inf: a valid log-probability)
@pytest.mark.parametrize("row_kind", ["target", "other-column", "ignored", "zero-weight",
                                      "last"])
def test_non_finite_score_is_reported(layout, metric, value, row_kind):
    z = _log_proba((N, C)) if metric == "nll_loss" else RNG.normal(size=(N, C))
    y = RNG.integers(0, C, N)
    sw = np.ones(N)
    i = N - 1 if row_kind == "last" else 777
    j = int(y[i]) if row_kind in ("target", "last") else (int(y[i]) + 1) % C
    if row_kind == "ignored":
        y[i] = -100
    if row_kind == "zero-weight":
        sw[i] = 0.0
    z[i, j] = value
    y[5] = C                                # a later error: the scores' comes first
    z = _layouts(z)[layout]
    name = "log_proba" if metric == "nll_loss" else "logits"
    with pytest.raises(ValueError, match=rf"{name} has .* index \({i}, {j}\)"):
        getattr(lm, metric)(y, z, sample_weight=sw, ignore_index=-100)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_logit_spatial(value):
    z = RNG.normal(size=(30, 4, 5, 3))
    y = RNG.integers(0, 4, (30, 5, 3))
    z[17, 2, 4, 1] = value
    with pytest.raises(ValueError, match=r"index \(17, 2, 4, 1\)"):
        lm.cross_entropy(y, z)


def test_logits_error_comes_before_other_errors():
    z = RNG.normal(size=(50, 3))
    z[5, 1] = np.nan
    bad_targets = RNG.integers(0, 3, 50)
    bad_targets[2] = 7
    for kwargs in (dict(y_true=bad_targets),
                   dict(y_true=RNG.integers(0, 3, 50), sample_weight=-np.ones(50)),
                   dict(y_true=RNG.integers(0, 3, 49))):
        with pytest.raises(ValueError, match=r"NaN.*index \(5, 1\)"):
            lm.cross_entropy(kwargs.pop("y_true"), z, **kwargs)


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "float32"])
def test_values_match_scipy_in_every_layout(layout):
    z = RNG.normal(size=(N, C)) * 4
    y = RNG.integers(0, C, N)
    y[::7] = -100
    sw = RNG.uniform(0, 2, N)
    sw[::11] = 0.0
    cw = RNG.uniform(0.5, 2, C)
    zl = _layouts(z)[layout]
    z64 = zl.astype(np.float64)
    keep = y != -100
    t = np.where(keep, y, 0)
    per = logsumexp(z64, axis=1) - z64[np.arange(N), t]
    wt = np.where(keep, sw * cw[t], 0.0)
    want = np.sum(wt * per) / np.sum(wt)
    got = lm.cross_entropy(y, zl, sample_weight=sw, class_weight=cw, ignore_index=-100)
    assert got == pytest.approx(want, rel=1e-13)
    none = lm.cross_entropy(y, zl, sample_weight=sw, class_weight=cw, ignore_index=-100,
                            reduction="none")
    # logsumexp(z) - z_t cancels when the target dominates: absolute slack of a
    # few ulps of the logits (|z| < 20, weights < 4).
    np.testing.assert_allclose(none, wt * per, rtol=1e-13, atol=1e-13)


def test_huge_logit_spread_is_not_an_error():
    """Logits 1e308 apart make the kernel's finiteness flag overflow: the scan
    then runs, finds nothing, and the value stands."""
    z = np.zeros((8, 3))
    z[::2, 0] = 1.7e308
    z[1::2, 0] = -1.7e308
    y = np.zeros(8, dtype=int)
    per = lm.cross_entropy(y, z, reduction="none")
    np.testing.assert_array_equal(per[::2], 0.0)
    np.testing.assert_allclose(per[1::2], 1.7e308, rtol=1e-15)


@pytest.mark.parametrize("metric", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("layout", ["C", "F", "spatial"])
@pytest.mark.parametrize("where", [0, 777, N - 1])
@pytest.mark.parametrize("value", [-1, C, 2**40])
def test_class_index_out_of_range_is_reported_at_its_index(metric, layout, where, value):
    z = RNG.normal(size=(N, C))
    if metric == "nll_loss":
        z = z - logsumexp(z, axis=1, keepdims=True)
    y = RNG.integers(0, C, N)
    y[where] = value
    y[where // 2 + 1] = -100               # ignored: not an error
    if layout == "F":
        z = np.asfortranarray(z)
    index = where
    if layout == "spatial":                # (N / 4, C, 4) scores, (N / 4, 4) indices
        z = np.ascontiguousarray(z.reshape(N // 4, 4, C).transpose(0, 2, 1))
        y = y.reshape(N // 4, 4)
        index = (where // 4, where % 4)
    fn = getattr(lm, metric)
    message = f"class indices in [0, {C}) or ignore_index=-100; got {value} at index {index}."
    with pytest.raises(ValueError, match=re.escape(message)):
        fn(y, z, ignore_index=-100)
    # With check_inputs (eager), the same error.
    with pytest.raises(ValueError, match=f"got {value} at index"):
        lm.check_inputs(metric, y, z, ignore_index=-100)


def test_class_index_error_order():
    z = RNG.normal(size=(50, 3))
    y = RNG.integers(0, 3, 50)
    y[9] = 3
    # The index error before a sample weight's error ...
    with pytest.raises(ValueError, match=r"got 3 at index 9"):
        lm.cross_entropy(y, z, sample_weight=-np.ones(50))
    # ... and after the logits' error.
    z[4, 2] = np.inf
    with pytest.raises(ValueError, match=r"logits has .*index \(4, 2\)"):
        lm.cross_entropy(y, z, sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match=r"logits has .*index \(4, 2\)"):
        lm.cross_entropy(y, z)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nll_invalid_log_probability_spatial(value):
    z = _log_proba((30, 4, 5, 3))
    y = RNG.integers(0, 4, (30, 5, 3))
    z[17, 2, 4, 1] = value
    with pytest.raises(ValueError, match=r"index \(17, 2, 4, 1\)"):
        lm.nll_loss(y, z)


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "float32"])
@pytest.mark.parametrize("weights", ["none", "sample", "class", "both"])
def test_nll_values_match_numpy_in_every_layout(layout, weights):
    """-inf log-probabilities are valid (picked: an infinite loss; not
    picked: nothing); the values against NumPy's gather, the per-element
    values exactly, the mean with fsum's."""
    z = _log_proba((N, C))
    y = RNG.integers(0, C, N)
    y[::7] = -100
    z[3, (int(y[3]) + 1) % C] = -np.inf     # not the target: no effect
    sw = RNG.uniform(0, 2, N) if weights in ("sample", "both") else None
    cw = RNG.uniform(0.5, 2, C) if weights in ("class", "both") else None
    zl = _layouts(z)[layout]
    z64 = zl.astype(np.float64)
    keep = y != -100
    t = np.where(keep, y, 0)
    w = (np.ones(N) if sw is None else sw) * (np.ones(C) if cw is None else cw)[t]
    per = np.where(keep, (np.ones(N) if sw is None else sw)
                   * (-(np.ones(C) if cw is None else cw)[t] * z64[np.arange(N), t]), 0.0)
    none = lm.nll_loss(y, zl, sample_weight=sw, class_weight=cw, ignore_index=-100,
                       reduction="none")
    np.testing.assert_array_equal(none, per)
    got = lm.nll_loss(y, zl, sample_weight=sw, class_weight=cw, ignore_index=-100)
    want = math.fsum(per) / math.fsum(np.where(keep, w, 0.0))
    assert got == pytest.approx(want, rel=5e-16, abs=0)
    y[11] = -100 if y[11] != -100 else y[11]
    zl = zl.copy() if layout != "column-strided" else zl
    zl[11, 0] = -np.inf
    zl[11, 1:] = -np.inf                    # a row of zero probabilities, ignored
    assert np.isfinite(lm.nll_loss(y, zl, sample_weight=sw, class_weight=cw,
                                   ignore_index=-100))
    y[12] = 2
    zl[12, 2] = -np.inf                     # picked: an infinite loss, as in PyTorch
    assert lm.nll_loss(y, zl, sample_weight=sw, class_weight=cw,
                       ignore_index=-100) == np.inf
