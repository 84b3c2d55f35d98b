"""binary_cross_entropy (with and without logits) checks its inputs inside the
kernel: every bad value must still raise the error naming its index, wherever
it lies (a row of zero weight, the last chunk, a float32 array, a multilabel
column), and before any later error; hard and soft targets give PyTorch's
formula.

References: NumPy (np.argwhere for the index), NumPy formulas in float64.
"""
import numpy as np
import pytest

import lossmetrics as lm

RNG = np.random.default_rng(52)
N = 3001   # several chunks of 256 and an odd tail


def _inputs(kind, dtype, shape):
    y = RNG.integers(0, 2, shape).astype(dtype)
    if kind == "proba":
        x = RNG.uniform(0.01, 0.99, shape).astype(dtype)
    else:
        x = (RNG.normal(size=shape) * 3).astype(dtype)
    return y, x


def _call(kind, y, x, **kw):
    fn = lm.binary_cross_entropy if kind == "proba" else lm.binary_cross_entropy_with_logits
    return fn(y, x, **kw)


def _fmt(where):
    return ", ".join(str(int(v)) for v in where)


# Every bad (kind, argument, value); any finite logit is valid.
BAD = [(kind, arg, value) for kind in ("proba", "logits") for arg in ("y_true", "pred")
       for value in (np.nan, np.inf, -np.inf, 1.5, -0.5)
       if not (kind == "logits" and arg == "pred" and np.isfinite(value))]


@pytest.mark.parametrize("kind, arg, value", BAD)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(N,), (N, 3)])
def test_bad_value_is_reported(kind, dtype, shape, arg, value):
    y, x = _inputs(kind, dtype, shape)
    where = (N - 2,) + (1,) * (len(shape) - 1)
    (y if arg == "y_true" else x)[where] = value
    sw = np.ones(N)
    sw[N - 2] = 0.0   # the bad value sits in a row of zero weight
    name = "y_true" if arg == "y_true" else ("y_proba" if kind == "proba" else "logits")
    expected = rf"{name}.*index \(?{_fmt(where)}\)?"
    with pytest.raises(ValueError, match=expected):
        _call(kind, y, x, sample_weight=sw)
    with pytest.raises(ValueError, match=expected):
        _call(kind, y, x, reduction="none")


@pytest.mark.parametrize("kind", ["proba", "logits"])
def test_value_error_comes_before_sample_weight_error(kind):
    y, x = _inputs(kind, np.float64, (50,))
    y[7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _call(kind, y, x, sample_weight=-np.ones(50))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("soft", [False, True])
def test_values_match_numpy(dtype, soft):
    y, p = _inputs("proba", dtype, (N,))
    if soft:
        y[::3] = RNG.uniform(0, 1, len(y[::3])).astype(dtype)
    p[::17] = 0.0     # clipped
    p[5::17] = 1.0
    sw = RNG.uniform(0, 2, N)
    sw[::13] = 0.0
    eps = np.finfo(dtype).eps
    pc = np.clip(p, eps, 1 - eps).astype(np.float64)
    qc = np.clip((1 - p).astype(dtype), eps, 1 - eps).astype(np.float64)
    yd = y.astype(np.float64)
    per = -(yd * np.log(pc) + (1 - yd) * np.log(qc)) * sw
    got = lm.binary_cross_entropy(y, p, sample_weight=sw, reduction="none")
    np.testing.assert_allclose(got, per, rtol=2e-15, atol=0)
    z = (RNG.normal(size=N) * 30).astype(dtype)
    zd = z.astype(np.float64)
    per = (yd * np.logaddexp(0, -zd) + (1 - yd) * np.logaddexp(0, zd)) * sw
    got = lm.binary_cross_entropy_with_logits(y, z, sample_weight=sw, reduction="none")
    np.testing.assert_allclose(got, per, rtol=4e-15, atol=0)
