"""jensen_shannon_divergence against SciPy's jensenshannon (squared), called
live, and against math.fsum of the terms computed in Python."""
import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

import lossmetrics as lm


def _distributions(rng, shape, zeros=True):
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros:
        p.reshape(-1, shape[-1])[::3, 1] = 0.0
        p /= p.sum(axis=-1, keepdims=True)
    return p


@pytest.mark.parametrize("shape", [(7, 5), (4, 3, 6), (5,), (2, 300)])
@pytest.mark.parametrize("base", [None, 2.0, 10.0])
def test_matches_scipy(shape, base):
    rng = np.random.default_rng(len(shape) * 31 + shape[-1])
    p, q = _distributions(rng, shape), _distributions(rng, shape, zeros=False)
    want = jensenshannon(p, q, base=base, axis=-1) ** 2
    got = lm.jensen_shannon_divergence(p, q, base=base, reduction="none")
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-16)
    # 'mean': per sample, the sum over its distributions; averaged over samples
    # (kl_divergence's 'mean', PyTorch's 'batchmean').
    n_samples = shape[0] if len(shape) >= 2 else 1
    assert lm.jensen_shannon_divergence(p, q, base=base) == pytest.approx(
        math.fsum(np.ravel(want).tolist()) / n_samples, rel=1e-13)


def test_sum_is_fsum_of_the_terms_and_weights_apply_per_sample():
    rng = np.random.default_rng(3)
    p, q = _distributions(rng, (50, 8)), _distributions(rng, (50, 8))
    w = rng.uniform(0.5, 2.0, 50)

    def js(a, b):
        m = [(x + y) / 2 for x, y in zip(a, b)]
        return math.fsum([0.5 * x * math.log(x / z) for x, z in zip(a, m) if x > 0]
                         + [0.5 * y * math.log(y / z) for y, z in zip(b, m) if y > 0])

    exact = [js(a, b) for a, b in zip(p.tolist(), q.tolist())]
    total = math.fsum(wi * e for wi, e in zip(w, exact))
    assert lm.jensen_shannon_divergence(p, q, sample_weight=w, reduction="sum") == \
        pytest.approx(total, rel=1e-14)
    assert lm.jensen_shannon_divergence(p, q, sample_weight=w) == pytest.approx(
        total / math.fsum(w), rel=1e-14)


def test_log_inputs_symmetry_bounds_and_errors():
    rng = np.random.default_rng(5)
    p, q = _distributions(rng, (6, 4)), _distributions(rng, (6, 4))
    with np.errstate(divide="ignore"):
        lp, lq = np.log(p), np.log(q)
    got = lm.jensen_shannon_divergence(lp, lq, log_true=True, log_pred=True,
                                       reduction="none")
    np.testing.assert_allclose(got, lm.jensen_shannon_divergence(p, q, reduction="none"),
                               rtol=1e-14)
    assert lm.jensen_shannon_divergence(p, q) == pytest.approx(
        lm.jensen_shannon_divergence(q, p), rel=1e-15)
    # Disjoint supports: log 2 (1 bit), where KL is infinite.
    assert lm.jensen_shannon_divergence([[1.0, 0.0]], [[0.0, 1.0]], base=2) == 1.0
    with pytest.raises(ValueError, match="base must be None"):
        lm.jensen_shannon_divergence(p, q, base=1.0)
    with pytest.raises(ValueError, match="y_pred must hold probabilities"):
        lm.jensen_shannon_divergence(p, q + 1.0)
