"""The scikit-learn drop-ins give scikit-learn's values and warnings (called live)."""
import warnings

import numpy as np
import pytest
import sklearn
import sklearn.metrics as skm

import lossmetrics as lm

RTOL = 1e-12


def test_reference_is_scikit_learn_1_9():
    assert sklearn.__version__.startswith("1.9")


def _proba(rng, n, c, dtype=np.float64):
    return rng.dirichlet(np.ones(c), size=n).astype(dtype)


LABEL_KINDS = {
    "int": lambda k: np.arange(k) * 3 - 2,              # negative and gapped ints
    "uint8": lambda k: np.arange(k, dtype=np.uint8) + 5,
    "str": lambda k: np.array([f"class_{i:02d}" for i in range(k)]),
    "object": lambda k: np.array([f"o{i}" for i in range(k)], dtype=object),
    "float": lambda k: np.arange(k, dtype=np.float64) + 0.0,
}


@pytest.mark.parametrize("kind", sorted(LABEL_KINDS))
@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("normalize", [True, False])
def test_log_loss_matches_sklearn(kind, n_classes, weighted, normalize):
    rng = np.random.default_rng(n_classes * 10 + weighted)
    n = 500
    classes = LABEL_KINDS[kind](n_classes)
    y = classes[rng.integers(0, n_classes, n)]
    y[:n_classes] = classes  # every class present
    p = _proba(rng, n, n_classes)
    w = rng.random(n) * 3 if weighted else None
    expected = skm.log_loss(y, p, sample_weight=w, normalize=normalize)
    got = lm.log_loss(y, p, sample_weight=w, normalize=normalize)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=RTOL)


def test_log_loss_bool_labels():
    rng = np.random.default_rng(1)
    y = rng.random(300) > 0.4
    p = _proba(rng, 300, 2)
    assert lm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=RTOL)
    assert lm.log_loss(y, p[:, 1]) == pytest.approx(skm.log_loss(y, p[:, 1]), rel=RTOL)


@pytest.mark.parametrize("labels", [None, [0, 1], ["a", "b"]])
def test_log_loss_binary_1d_is_probability_of_greater_label(labels):
    rng = np.random.default_rng(2)
    if labels == ["a", "b"]:
        y = np.array(["a", "b"])[rng.integers(0, 2, 400)]
    else:
        y = rng.integers(0, 2, 400)
    p1 = rng.random(400)
    expected = skm.log_loss(y, p1, labels=labels)
    assert lm.log_loss(y, p1, labels=labels) == pytest.approx(expected, rel=RTOL)
    # A single column is treated the same way.
    assert lm.log_loss(y, p1[:, None], labels=labels) == pytest.approx(expected, rel=RTOL)


def test_log_loss_labels_with_missing_classes_in_y_true():
    rng = np.random.default_rng(3)
    y = rng.choice([1, 4], 200)           # class 2 and 9 never occur
    p = _proba(rng, 200, 4)
    labels = [1, 2, 4, 9]
    assert lm.log_loss(y, p, labels=labels) == pytest.approx(
        skm.log_loss(y, p, labels=labels), rel=RTOL)
    ys = np.array(["x", "z"])[rng.integers(0, 2, 200)]
    labels = ["w", "x", "y", "z"]
    assert lm.log_loss(ys, p, labels=labels) == pytest.approx(
        skm.log_loss(ys, p, labels=labels), rel=RTOL)


def test_log_loss_huge_sparse_integer_labels():
    # A label range far larger than the data falls back to the sort-based path.
    rng = np.random.default_rng(4)
    classes = np.array([-(2**40), 7, 2**50])
    y = classes[rng.integers(0, 3, 300)]
    y[:3] = classes
    p = _proba(rng, 300, 3)
    assert lm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=RTOL)


def test_log_loss_clips_at_dtype_eps():
    y = np.array([0, 1, 1, 0, 1])
    for dtype in (np.float64, np.float32):
        p = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1e-30, 1.0]],
                     dtype=dtype)
        expected = skm.log_loss(y, p)
        rel = RTOL if dtype == np.float64 else 1e-6
        assert lm.log_loss(y, p) == pytest.approx(expected, rel=rel)
    # float32 clipping uses float32's eps: -log(eps32) for a zero probability.
    assert lm.log_loss([1], np.array([[1.0, 0.0]], dtype=np.float32), labels=[0, 1]) \
        == pytest.approx(-np.log(np.finfo(np.float32).eps), rel=RTOL)


def test_log_loss_float32_agrees_with_sklearn():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 5, 1000)
    p = _proba(rng, 1000, 5, np.float32)
    # scikit-learn evaluates float32 input in float32; we accumulate in float64.
    assert lm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-6)
    # On the same values in float64, no clipping involved, the results agree
    # exactly (scikit-learn warns there: float32 rows miss 1 by more than
    # sqrt(eps64), and so do we).
    with pytest.warns(UserWarning, match="do not sum to one"):
        expected = skm.log_loss(y, p.astype(np.float64))
    with pytest.warns(UserWarning, match="do not sum to one"):
        assert lm.log_loss(y, p.astype(np.float64)) == pytest.approx(expected, rel=RTOL)


def test_log_loss_indicator_matrix_y_true():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, 100)
    onehot = np.eye(3, dtype=int)[y]
    p = _proba(rng, 100, 3)
    assert lm.log_loss(onehot, p) == pytest.approx(skm.log_loss(onehot, p), rel=RTOL)


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        value = fn()
    return value, [(w.category, str(w.message)) for w in record]


def test_log_loss_warns_when_rows_do_not_sum_to_one():
    y = [0, 1, 2]
    p = [[0.5, 0.3, 0.1], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]]
    ours, our_w = _warnings_of(lambda: lm.log_loss(y, p))
    ref, ref_w = _warnings_of(lambda: skm.log_loss(y, p))
    assert ours == pytest.approx(ref, rel=RTOL)
    assert our_w == ref_w
    assert any("do not sum to one" in m for _, m in our_w)
    # Normalised rows do not warn.
    _, none = _warnings_of(lambda: lm.log_loss([0, 1], [[0.25, 0.75], [0.5, 0.5]]))
    assert none == []


def test_log_loss_warns_on_unsorted_labels_like_sklearn():
    y = [0, 1, 1]
    p = [[0.3, 0.7], [0.4, 0.6], [0.9, 0.1]]
    ours, our_w = _warnings_of(lambda: lm.log_loss(y, p, labels=[1, 0]))
    ref, ref_w = _warnings_of(lambda: skm.log_loss(y, p, labels=[1, 0]))
    assert ours == pytest.approx(ref, rel=RTOL)
    assert our_w == ref_w


def test_log_loss_deprecated_y_pred_keyword():
    y, p = [0, 1], [[0.8, 0.2], [0.3, 0.7]]
    with pytest.warns(FutureWarning, match="renamed to `y_proba`"):
        got = lm.log_loss(y, y_pred=p)
    assert got == pytest.approx(skm.log_loss(y, p), rel=RTOL)
    with pytest.raises(ValueError, match="Cannot use both"):
        lm.log_loss(y, p, y_pred=p)


def test_log_loss_pandas_and_lists():
    import pandas as pd
    rng = np.random.default_rng(7)
    y = pd.Series(np.array(["b", "a", "c"])[rng.integers(0, 3, 50)],
                  index=rng.permutation(50) + 1000)
    p = pd.DataFrame(_proba(rng, 50, 3), index=rng.permutation(50))
    expected = skm.log_loss(y, p)
    assert lm.log_loss(y, p) == pytest.approx(expected, rel=RTOL)
    assert lm.log_loss(y.tolist(), p.values.tolist()) == pytest.approx(expected, rel=RTOL)


REGRESSION = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error"]


# Output weights need several outputs (with one output they are an error).
OUTPUT_MODES = [(n, mo) for n in (None, 1, 4)
                for mo in ("uniform_average", "raw_values", "weights")
                if not (mo == "weights" and n in (None, 1))]


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("n_outputs,multioutput", OUTPUT_MODES)
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_matches_sklearn(name, n_outputs, multioutput, weighted):
    rng = np.random.default_rng(11)
    shape = (700,) if n_outputs is None else (700, n_outputs)
    y = rng.normal(size=shape) * 10
    pred = y + rng.standard_t(3, size=shape)
    w = rng.random(700) * 2 if weighted else None
    mo = rng.random(n_outputs) if multioutput == "weights" else multioutput
    expected = getattr(skm, name)(y, pred, sample_weight=w, multioutput=mo)
    got = getattr(lm, name)(y, pred, sample_weight=w, multioutput=mo)
    if multioutput == "raw_values":
        assert isinstance(got, np.ndarray) and got.shape == np.shape(expected)
    else:
        assert isinstance(got, float)
    np.testing.assert_allclose(got, expected, rtol=RTOL)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_mixed_and_float32_dtypes(name):
    rng = np.random.default_rng(12)
    y = rng.normal(size=(500, 2))
    pred = (y + rng.normal(size=(500, 2))).astype(np.float32)
    # Mixed float64 / float32: scikit-learn upcasts, exactly what we compute.
    np.testing.assert_allclose(getattr(lm, name)(y, pred), getattr(skm, name)(y, pred),
                               rtol=RTOL)
    y32 = y.astype(np.float32)
    # All float32: scikit-learn computes in float32, we in float64.
    np.testing.assert_allclose(getattr(lm, name)(y32, pred), getattr(skm, name)(y32, pred),
                               rtol=1e-5)
    np.testing.assert_allclose(
        getattr(lm, name)(y32, pred),
        getattr(skm, name)(y32.astype(np.float64), pred.astype(np.float64)), rtol=RTOL)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_integer_inputs_and_lists(name):
    y = [3, -1, 2, 7, 0]
    pred = [2, 0, 2, 8, 1]
    assert getattr(lm, name)(y, pred) == pytest.approx(getattr(skm, name)(y, pred), rel=RTOL)
