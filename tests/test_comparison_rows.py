"""Each row of comparison.md's "Differences from scikit-learn" table, checked
against scikit-learn called live: what scikit-learn does, and what
lossmetrics does instead.

``ROWS`` maps the first cell of every row to its test; a row added to the
page without a test here fails ``test_every_row_has_a_test``.  (The PyTorch
table's rows are checked in test_torch_reference.py against the committed
PyTorch reference values and exact arithmetic, PyTorch not being a test
dependency.)
"""
import inspect
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm

import lossmetrics as lm

PAGE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "comparison.md"
Y, P = [1.0, 2.0, 3.0], [1.5, 2.0, 2.0]


def _sklearn_rows():
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("## Differences from scikit-learn", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    return [row.split("|")[1].strip() for row in rows if not row.startswith("|---")]


def negative_sample_weight():
    assert skm.mean_squared_error(Y, P, sample_weight=[1, -1, 1]) == 1.25
    with pytest.raises(ValueError, match=r"sample_weight .*negative.*index 1"):
        lm.mean_squared_error(Y, P, sample_weight=[1, -1, 1])


def overflowing_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert skm.mean_squared_error([1e200], [0.0]) == math.inf
    with pytest.raises(ValueError, match="overflows"):
        lm.mean_squared_error([1e200], [0.0])


def negative_multioutput_weights():
    y2, p2 = np.c_[Y, Y], np.c_[P, P]
    assert np.isfinite(skm.mean_squared_error(y2, p2, multioutput=[1.0, -0.5]))
    with pytest.raises(ValueError, match=r"multioutput.*index 1"):
        lm.mean_squared_error(y2, p2, multioutput=[1.0, -0.5])


def subnormal_weights():
    assert np.isfinite(skm.mean_squared_error(Y, P, sample_weight=[1e-320] * 3))
    with pytest.raises(ValueError, match="subnormal.*Rescale"):
        lm.mean_squared_error(Y, P, sample_weight=[1e-320] * 3)


def overflowing_weight_total():
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert skm.mean_squared_error(Y, P, sample_weight=[1e308] * 3) == 0.0
    with pytest.raises(ValueError, match="overflow.*Rescale"):
        lm.mean_squared_error(Y, P, sample_weight=[1e308] * 3)


def error_messages():
    with pytest.raises(ValueError) as theirs:
        skm.log_loss([0, 1], [0.2, 1.2])
    with pytest.raises(ValueError) as ours:
        lm.log_loss([0, 1], [0.2, 1.2])
    assert str(ours.value).startswith(str(theirs.value))
    assert "y_proba at index 1" in str(ours.value)


def float32_log_loss():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 10_000), rng.uniform(0.01, 0.99, 10_000).astype(np.float32)
    theirs, ours = skm.log_loss(y, p), lm.log_loss(y, p)
    assert float(np.float32(theirs)) == theirs        # a float32 number
    q = np.where(y == 1, p, np.float32(1) - p).astype(np.float64)   # 1 - p in float32
    exact = math.fsum((-np.log(q)).tolist()) / y.size
    assert abs(ours - exact) <= 4 * math.ulp(exact)
    assert abs(theirs - exact) > abs(ours - exact)
    assert ours == pytest.approx(theirs, rel=1e-6)


def fold_lacking_a_class():
    from sklearn.linear_model import LogisticRegression

    X = np.arange(12.0)[:, None]
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    model = LogisticRegression(max_iter=1000).fit(X, y)
    X_test, y_test = X[:8], y[:8]                       # class 2 absent
    with pytest.raises(ValueError, match="different number of classes"):
        skm.get_scorer("neg_log_loss")(model, X_test, y_test)
    assert np.isfinite(lm.get_scorer("neg_log_loss")(model, X_test, y_test))


def extra_options():
    for name in lm.LOSSES:
        assert "n_threads" in inspect.signature(getattr(lm, name)).parameters, name
        if hasattr(skm, name):
            assert "n_threads" not in inspect.signature(getattr(skm, name)).parameters


def how():
    # One pass without an N x C temporary: the peak extra memory of log_loss
    # on 20000 x 10 probabilities stays far below one such matrix.
    import tracemalloc

    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(10), 20_000)
    y = rng.integers(0, 10, 20_000)
    lm.log_loss(y, proba)
    tracemalloc.start()
    lm.log_loss(y, proba)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < proba.nbytes / 10


def last_bit():
    # Fuller version: test_sklearn_parity.py::
    # test_mean_absolute_error_is_correctly_rounded_where_scikit_learn_is_not
    from fractions import Fraction

    differ = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        y, p = rng.normal(size=1000), rng.normal(size=1000)
        exact = Fraction(math.fsum(np.abs(y - p).tolist())) / 1000
        assert lm.mean_absolute_error(y, p) == float(exact)
        differ += skm.mean_absolute_error(y, p) != float(exact)
    assert differ > 0


def scalar_sample_weight():
    with pytest.raises((ValueError, TypeError), match="sample_weight"):
        skm.mean_squared_error(Y, P, sample_weight=2.0)
    assert (lm.mean_squared_error(Y, P, sample_weight=2.0)
            == lm.mean_squared_error(Y, P, sample_weight=[2.0] * 3))


ROWS = {
    "negative `sample_weight`": negative_sample_weight,
    "errors that overflow float64": overflowing_errors,
    "negative `multioutput` weights": negative_multioutput_weights,
    "subnormal weights": subnormal_weights,
    "weights whose total overflows float64": overflowing_weight_total,
    "error messages": error_messages,
    "float32 `y_proba` in `log_loss`": float32_log_loss,
    "scorers on a fold that lacks a class": fold_lacking_a_class,
    "extra options": extra_options,
    "how": how,
    "the last bit of float64 values": last_bit,
    "a scalar `sample_weight`": scalar_sample_weight,
}


def _key(cell):
    return next((k for k in ROWS if re.sub(r"\s*\(.*", "", cell).startswith(k)), None)


def test_every_row_has_a_test():
    cells = _sklearn_rows()
    assert len(cells) >= len(ROWS)
    missing = [cell for cell in cells if _key(cell) is None]
    assert not missing, f"rows of comparison.md without a test here: {missing}"


@pytest.mark.parametrize("row", list(ROWS))
def test_row(row):
    ROWS[row]()
