"""Small calls take lean paths (plain float64 vectors of regression losses;
integer labels in a 64-value window for log_loss): their results must be the
full path's bits, and bad input must still get the full path's errors.

References: the full path called through its check and state functions,
and scikit-learn called live.
"""
import numpy as np
import pytest
import sklearn.metrics as skm

import lossmetrics as lm
from lossmetrics._regression import (
    _regression, check_mean_absolute_error, check_mean_squared_error,
    check_root_mean_squared_error,
)

RNG = np.random.default_rng(7)
FULL = {
    "mean_squared_error": check_mean_squared_error,
    "mean_absolute_error": check_mean_absolute_error,
    "root_mean_squared_error": check_root_mean_squared_error,
}


@pytest.mark.parametrize("name", sorted(FULL))
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8191, 8192, 8193, 20_000, 65_535, 65_536])
def test_lean_regression_is_the_full_path_bit_for_bit(name, n):
    a = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 5, n)
    b = RNG.normal(size=n)
    got = getattr(lm, name)(a, b)
    want = _regression(FULL[name](a, b))
    assert got.hex() == want.hex()
    assert got == pytest.approx(getattr(skm, name)(a, b), rel=1e-12)


@pytest.mark.parametrize("name", sorted(FULL))
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_lean_regression_raises_the_full_errors(name, value, arg):
    a, b = RNG.normal(size=100), RNG.normal(size=100)
    (a if arg == "y_true" else b)[42] = value
    with pytest.raises(ValueError, match=rf"{arg} has .* index 42"):
        getattr(lm, name)(a, b)


@pytest.mark.parametrize("name", sorted(FULL))
def test_lean_regression_leaves_other_inputs_to_the_full_path(name):
    fn = getattr(lm, name)
    a, b = RNG.normal(size=10), RNG.normal(size=10)
    with pytest.raises(ValueError, match="0 sample"):
        fn(a[:0], b[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fn(a, b[:9])
    # Strided, float32, lists and weights give the same value as the lean path
    # (they run the full path).
    lean = fn(a, b)
    assert fn(np.repeat(a, 2)[::2], b) == lean
    assert fn(list(a), list(b)) == lean
    assert fn(a, b, sample_weight=np.ones(10)) == pytest.approx(lean, rel=1e-15)
    assert fn(a, b, n_threads=1) == lean


@pytest.mark.parametrize("n_classes", [2, 3, 10, 64])
def test_small_log_loss_matches_sklearn(n_classes):
    y = RNG.integers(0, n_classes, 1000) + 5
    p = RNG.dirichlet(np.ones(n_classes), 1000)
    if len(np.unique(y)) != n_classes:
        y[:n_classes] = np.arange(n_classes) + 5
    assert lm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-13)
