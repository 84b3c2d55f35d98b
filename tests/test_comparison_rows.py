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


def constant_target_mean_rounds():
    y, p = [0.1] * 3, [0.1, 0.2, 0.3]
    for name in ("r2_score", "explained_variance_score"):
        assert getattr(skm, name)(y, p) < -1e30
        assert getattr(lm, name)(y, p) == 0.0
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            assert getattr(lm, name)(y, p, force_finite=False) == -math.inf


def r2_last_bit():
    from fractions import Fraction

    def exact(y, p, explained):
        fy = [Fraction(v) for v in y.tolist()]
        fd = [Fraction(v) for v in (y - p).tolist()]
        mean, mean_d = sum(fy) / len(fy), sum(fd) / len(fd)
        residual = sum((d - mean_d) ** 2 if explained else d * d for d in fd)
        return float(1 - residual / sum((v - mean) ** 2 for v in fy))

    for name, explained in (("r2_score", False), ("explained_variance_score", True)):
        for offset in (0.0, 1e8):
            misses = 0
            for seed in range(20):
                rng = np.random.default_rng(seed)
                y = offset + rng.normal(size=300)
                p = y + 0.5 * rng.normal(size=300) + 3.0
                truth = exact(y, p, explained)
                assert getattr(lm, name)(y, p) == truth
                misses += getattr(skm, name)(y, p) != truth
            assert misses >= 3, (name, offset, misses)


def hinge_two_labels():
    y, z = [1, 1], [0.5, 2.0]
    assert skm.hinge_loss(y, z, labels=[-1, 1]) == 2.25
    assert lm.hinge_loss(y, z, labels=[-1, 1]) == 0.25


def d2_tweedie_zero_null_deviance():
    with pytest.raises(ZeroDivisionError):
        skm.d2_tweedie_score([2.0, 2.0], [1.0, 3.0], power=1)
    with pytest.raises(ValueError, match="deviance of the mean prediction is 0") as info:
        lm.d2_tweedie_score([2.0, 2.0], [1.0, 3.0], power=1)
    assert isinstance(info.value, ZeroDivisionError)


def max_error_weights():
    y, p = [1.0, 5.0, 2.0], [1.5, 1.0, 2.0]
    with pytest.raises(TypeError):
        skm.max_error(y, p, sample_weight=[1, 0, 1])
    assert lm.max_error(y, p, sample_weight=[1, 0, 1]) == 0.5
    assert lm.max_error(y, p, sample_weight=[2, 0.1, 1]) == 4.0


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
    "R² and explained variance of a constant `y_true`": constant_target_mean_rounds,
    "R² and explained variance, last bit": r2_last_bit,
    "`sample_weight` of `max_error`": max_error_weights,
    "`hinge_loss` of a one-class `y_true` with two `labels`": hinge_two_labels,
    "a zero null deviance in `d2_tweedie_score`": d2_tweedie_zero_null_deviance,
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


# --------------------------------------------------------------------------
# The PyTorch table.  PyTorch's side of each row comes from its own
# documentation and the committed reference generator
# (tests/reference/make_torch_references.py); these tests check lossmetrics's
# side, and name the test that holds a row's fuller check.
# --------------------------------------------------------------------------

def _torch_rows():
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("## Differences from PyTorch", 1)[1].split("\nSame as PyTorch", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    return [row.split("|")[1].strip() for row in rows if not row.startswith("|---")]


def argument_order():
    params = inspect.signature(lm.cross_entropy).parameters
    assert list(params)[:2] == ["y_true", "logits"]
    assert all(p.kind is p.KEYWORD_ONLY for p in list(params.values())[2:])


def class_weight_name():
    assert "class_weight" in inspect.signature(lm.cross_entropy).parameters
    with pytest.raises(TypeError, match="weight"):
        lm.cross_entropy([0], [[1.0, 2.0]], weight=[1.0, 1.0])


def per_sample_weights():
    for name, loss in lm.LOSSES.items():
        if loss.reference.startswith("torch"):
            assert "sample_weight" in inspect.signature(loss.function).parameters, name
    none = lm.cross_entropy([0, 1], [[1.0, 2.0], [0.5, 0.0]], sample_weight=[2.0, 0.5],
                            reduction="none")
    plain = lm.cross_entropy([0, 1], [[1.0, 2.0], [0.5, 0.0]], reduction="none")
    assert none.tolist() == (plain * [2.0, 0.5]).tolist()


def ignore_index_default():
    assert inspect.signature(lm.cross_entropy).parameters["ignore_index"].default is None
    with pytest.raises(ValueError, match="got -100 at index 1"):
        lm.cross_entropy([0, -100], [[1.0, 2.0], [0.5, 0.0]])


def zero_denominator():
    with pytest.raises(ValueError, match="denominator"):
        lm.cross_entropy([-1, -1], [[1.0, 2.0], [0.5, 0.0]], ignore_index=-1)


def bce_near_zero_and_one():
    eps = np.finfo(np.float64).eps
    assert lm.binary_cross_entropy([0.0], [1.0]) == pytest.approx(-math.log(eps), rel=1e-15)
    y, p = np.array([0.0, 1.0, 1.0]), np.array([0.25, 1.0, 0.5])
    assert lm.binary_cross_entropy(y, p) == pytest.approx(lm.log_loss(y, p), rel=1e-15)


def infinite_logits():
    with pytest.raises(ValueError, match=r"inf at index \(1, 0\)"):
        lm.cross_entropy([0, 1], [[1.0, 2.0], [np.inf, 0.0]])
    with pytest.raises(ValueError, match="inf at index 0"):
        lm.binary_cross_entropy_with_logits([0.0], [np.inf])


def out_of_range():
    with pytest.raises(ValueError, match="got 2 at index 0"):
        lm.cross_entropy([2], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="1.5"):
        lm.binary_cross_entropy([0.0], [1.5])
    with pytest.raises(ValueError, match="NaN"):
        lm.mse_loss([0.0], [np.nan])


def kl_div_arguments():
    assert list(inspect.signature(lm.kl_divergence).parameters)[:2] == ["y_true", "y_pred"]
    p, q = np.array([[0.25, 0.75]]), np.array([[0.5, 0.5]])
    assert lm.kl_divergence(p, np.log(q), log_pred=True) == pytest.approx(
        lm.kl_divergence(p, q), rel=1e-15)


def kl_div_reductions():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(4), 6), rng.dirichlet(np.ones(4), 6)
    assert lm.kl_divergence(p, q, reduction="batchmean") == lm.kl_divergence(p, q)
    assert lm.kl_divergence(p, q) == pytest.approx(
        lm.kl_divergence(p, q, reduction="sum") / 6, rel=1e-15)


def result_types():
    assert type(lm.cross_entropy([0], [[1.0, 2.0]])) is float
    assert isinstance(lm.cross_entropy([0], [[1.0, 2.0]], reduction="none"), np.ndarray)


TORCH_ROWS = {
    "argument order": argument_order,
    "per-class weights": class_weight_name,
    "per-sample weights": per_sample_weights,
    "`ignore_index` default": ignore_index_default,
    "`ignore_index` with class-probability targets":
        "test_check_inputs.py::test_ignore_index_with_probability_targets_is_an_error",
    "`poisson_nll_loss`'s `eps` with `log_input=True`":
        "test_torch_reference.py::test_poisson_nll_loss_refuses_what_pytorch_ignores_or_turns_into_nan",
    "`poisson_nll_loss` with `log_input=False`":
        "test_torch_reference.py::test_poisson_nll_loss_refuses_what_pytorch_ignores_or_turns_into_nan",
    "`'mean'` with a zero denominator": zero_denominator,
    "`binary_cross_entropy` near 0 and 1": bce_near_zero_and_one,
    "infinite logits": infinite_logits,
    "out-of-range class indices": out_of_range,
    "`kl_div` reductions": kl_div_reductions,
    "`kl_div` of a 1-D input":
        "test_torch_reference.py::test_kl_divergence_of_one_distribution_is_its_kl_not_pytorchs_batchmean",
    "`kl_div`": kl_div_arguments,
    "`soft_margin_loss` with `-y x` above":
        "test_torch_reference.py::test_soft_margin_loss_is_finite_where_pytorchs_formula_overflows",
    "`sigmoid_focal_loss` (torchvision)":
        "test_torch_reference.py::test_sigmoid_focal_loss_keeps_its_digits_where_torchvisions_cancels",
    "`gaussian_nll_loss`":
        "test_torch_reference.py::test_gaussian_nll_loss_differences_from_pytorch",
    "`triplet_margin_loss` distances":
        "test_torch_reference.py::test_triplet_margin_loss_distances_stay_finite_where_pytorchs_overflow",
    "`triplet_margin_loss`'s `p`":
        "test_torch_reference.py::test_new_losses_refuse_bad_options_naming_them",
    "`margin_ranking_loss`'s inputs":
        "test_torch_reference.py::test_margin_ranking_and_multilabel_margin_differences_from_pytorch",
    "`multilabel_margin_loss`'s targets":
        "test_torch_reference.py::test_margin_ranking_and_multilabel_margin_differences_from_pytorch",
    "cosine similarity of huge vectors":
        "test_torch_reference.py::test_cosine_stays_right_where_pytorch_overflows",
    "float32 input": "test_torch_reference.py::test_float32_close_to_pytorch_float32",
    "result": result_types,
    "threads": "test_threads.py::test_bitwise_identical_for_every_thread_count",
}


def _torch_key(cell):
    return next((k for k in TORCH_ROWS if cell.startswith(k)), None)


def test_every_pytorch_row_has_a_test():
    missing = [cell for cell in _torch_rows() if _torch_key(cell) is None]
    assert not missing, f"rows of comparison.md's PyTorch table without a test: {missing}"
    here = Path(__file__).parent
    for row, where in TORCH_ROWS.items():
        if isinstance(where, str):
            path, function = where.split("::")
            assert f"def {function}(" in (here / path).read_text(), (row, where)


@pytest.mark.parametrize("row", [r for r, t in TORCH_ROWS.items() if callable(t)])
def test_pytorch_row(row):
    TORCH_ROWS[row]()
