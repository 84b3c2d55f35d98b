"""kl_divergence checks its probabilities inside the kernel on rows of
contiguous columns: every bad value must still raise the error naming its
index, in every layout, before any later error; values match SciPy.

References: NumPy (the index), scipy.special.rel_entr.
"""
import numpy as np
import pytest
from scipy.special import rel_entr

import lossmetrics as lm

RNG = np.random.default_rng(2211)
N, C = 2000, 7


def _layouts(a):
    wide = np.zeros((a.shape[0], 2 * a.shape[1]))
    wide[:, ::2] = a
    return {"C": a, "F": np.asfortranarray(a), "column-strided": wide[:, ::2],
            "float32": a.astype(np.float32)}


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "float32"])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1.5, -0.5])
def test_bad_value_is_reported(layout, arg, value):
    p, q = RNG.dirichlet(np.ones(C), N), RNG.dirichlet(np.ones(C), N)
    (p if arg == "y_true" else q)[N - 3, 4] = value
    sw = np.ones(N)
    sw[N - 3] = 0.0
    p, q = _layouts(p)[layout], _layouts(q)[layout]
    with pytest.raises(ValueError, match=rf"{arg}.*index \({N - 3}, 4\)"):
        lm.kl_divergence(p, q, sample_weight=sw)


def test_value_error_comes_before_sample_weight_error():
    p, q = RNG.dirichlet(np.ones(C), 30), RNG.dirichlet(np.ones(C), 30)
    q[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lm.kl_divergence(p, q, sample_weight=-np.ones(30))


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "float32"])
def test_values_match_scipy(layout):
    p, q = RNG.dirichlet(np.ones(C), N), RNG.dirichlet(np.ones(C), N)
    p[::5, 2] = 0.0          # 0 log 0 = 0
    q[7, 3] = 0.0            # p > 0 where q = 0: inf
    p[11, 3], q[11, 3] = 0.0, 0.0
    pl, ql = _layouts(p)[layout], _layouts(q)[layout]
    rows = rel_entr(pl.astype(np.float64), ql.astype(np.float64)).sum(axis=1)
    got = lm.kl_divergence(pl, ql, reduction="none")
    assert np.isinf(got[7]) and np.isinf(rows[7])
    keep = np.arange(N) != 7
    np.testing.assert_allclose(got[keep], rows[keep], rtol=1e-12, atol=1e-15)
    bits = lm.kl_divergence(_layouts(p)["C"], _layouts(q)["C"], reduction="none")
    if layout != "float32":
        np.testing.assert_array_equal(got, bits)   # every layout, the same bits


@pytest.mark.parametrize("value", [np.nan, 1.5])
def test_bad_value_in_a_spatial_input_is_reported_at_its_index(value):
    # (N, S, C) distributions: the kernel reads (N * S, C) rows and checks them.
    p = RNG.dirichlet(np.ones(C), (50, 3))
    q = RNG.dirichlet(np.ones(C), (50, 3))
    np.testing.assert_allclose(lm.kl_divergence(p, q, reduction="none"),
                               rel_entr(p, q).sum(axis=-1), rtol=1e-12, atol=1e-15)
    q[41, 2, 5] = value
    with pytest.raises(ValueError, match=r"y_pred.*index \(41, 2, 5\)"):
        lm.kl_divergence(p, q)
