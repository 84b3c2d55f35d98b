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


REGRESSION = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
              "mean_squared_log_error", "root_mean_squared_log_error",
              "mean_absolute_percentage_error", "mean_pinball_loss"]


def _domain(name, *arrays):
    """The arrays as the metric takes them: the logarithmic errors need values
    above -1 (their absolute values here)."""
    return [np.abs(a) for a in arrays] if "log" in name else list(arrays)


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
    y, pred = _domain(name, y, y + rng.standard_t(3, size=shape))
    w = rng.random(700) * 2 if weighted else None
    mo = rng.random(n_outputs) if multioutput == "weights" else multioutput
    expected = getattr(skm, name)(y, pred, sample_weight=w, multioutput=mo)
    got = getattr(lm, name)(y, pred, sample_weight=w, multioutput=mo)
    if multioutput == "raw_values":
        assert isinstance(got, np.ndarray) and got.shape == np.shape(expected)
    else:
        assert isinstance(got, float)
    np.testing.assert_allclose(got, expected, rtol=RTOL)


# Two mistakes in one call: the first error is scikit-learn's (its parameter
# validation, then the arrays' values, then the weights and outputs).
TWO_MISTAKES = {
    "nan-y_pred-and-nan-weight": (dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, np.nan, 3.0],
                                       sample_weight=[1.0, np.nan, 1.0]), "Input contains NaN"),
    "nan-y_pred-and-bad-output-weights": (
        dict(y_true=np.ones((3, 2)), y_pred=np.full((3, 2), np.nan),
             multioutput=[1.0, 2.0, 3.0]), "Input contains NaN"),
    "bad-multioutput-and-lengths": (dict(y_true=[1.0, 2.0], y_pred=[1.0, 2.0, 3.0],
                                         multioutput="bad"), "'multioutput' parameter"),
}


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("mistakes", sorted(TWO_MISTAKES))
def test_regression_first_of_two_errors_is_sklearns(name, mistakes):
    kwargs, fragment = TWO_MISTAKES[mistakes]
    with pytest.raises(ValueError) as theirs:
        getattr(skm, name)(**kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(lm, name)(**kwargs)
    assert fragment in str(theirs.value) and fragment in str(ours.value)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_mixed_and_float32_dtypes(name):
    rng = np.random.default_rng(12)
    y = rng.normal(size=(500, 2))
    y, pred = _domain(name, y, (y + rng.normal(size=(500, 2))).astype(np.float32))
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
    y = [3, -1, 2, 7, 0] if "log" not in name else [3, 1, 2, 7, 0]
    pred = [2, 0, 2, 8, 1]
    assert getattr(lm, name)(y, pred) == pytest.approx(getattr(skm, name)(y, pred), rel=RTOL)


@pytest.mark.parametrize("name", ["mean_squared_log_error", "root_mean_squared_log_error"])
@pytest.mark.parametrize("y, pred, where", [([1.0, -1.0, 2.0], [1.0, 2.0, 3.0], "y_true"),
                                            ([1.0, 0.0, 2.0], [1.0, 2.0, -3.0], "y_pred"),
                                            ([[1.0, 0.5], [-1.5, 0.0]], [[1, 1], [1, 1]],
                                             "y_true")])
def test_log_errors_refuse_values_at_or_below_minus_one(name, y, pred, where):
    with pytest.raises(ValueError) as theirs:
        getattr(skm, name)(y, pred)
    with pytest.raises(ValueError) as ours:
        getattr(lm, name)(y, pred)
    assert str(ours.value).startswith(str(theirs.value))
    assert f"{where} has" in str(ours.value)
    # Just above -1 is fine, for both.
    ok = np.maximum(np.asarray(y, dtype=float), -0.999)
    assert getattr(lm, name)(ok, np.abs(pred)) == pytest.approx(
        getattr(skm, name)(ok, np.abs(pred)), rel=RTOL)


@pytest.mark.parametrize("alpha", [0, 0.05, 0.5, 0.9, 1, 1.0])
def test_pinball_quantiles_match_sklearn(alpha):
    rng = np.random.default_rng(13)
    y, pred = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    w = rng.random(300)
    for mo in ("uniform_average", "raw_values", [0.25, 0.75]):
        np.testing.assert_allclose(
            lm.mean_pinball_loss(y, pred, alpha=alpha, sample_weight=w, multioutput=mo),
            skm.mean_pinball_loss(y, pred, alpha=alpha, sample_weight=w, multioutput=mo),
            rtol=RTOL)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, "0.5", None, np.nan])
def test_pinball_alpha_errors_are_sklearns(alpha):
    with pytest.raises(ValueError) as theirs:
        skm.mean_pinball_loss([1.0], [0.0], alpha=alpha)
    with pytest.raises(ValueError) as ours:
        lm.mean_pinball_loss([1.0], [0.0], alpha=alpha)
    assert str(ours.value) == str(theirs.value)


def test_mape_near_zero_targets_matches_sklearn():
    y = np.array([0.0, 1e-300, -1e-17, 2.0, -3.0])
    pred = np.array([1.0, 0.5, 1e-17, 2.5, -2.0])
    assert lm.mean_absolute_percentage_error(y, pred) == pytest.approx(
        skm.mean_absolute_percentage_error(y, pred), rel=RTOL)


# --------------------------------------------------------------------------
# brier_score_loss
# --------------------------------------------------------------------------
SCALES = [pytest.param("auto", id="scale-auto"), pytest.param(True, id="scale-True"),
          pytest.param(False, id="scale-False")]


def _assert_brier_matches(y, p, **kwargs):
    expected = skm.brier_score_loss(y, p, **kwargs)
    got = lm.brier_score_loss(y, p, **kwargs)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=RTOL), (got, expected)
    return got


# Binary label sets with the pos_label scikit-learn infers (None: it cannot,
# pos_label must be given) and one given explicitly.
BINARY_KINDS = {
    "0-1": (np.array([0, 1]), 1, 0),
    "minus1-1": (np.array([-1, 1]), 1, -1),
    "0-1-float": (np.array([0.0, 1.0]), 1, 0.0),
    "0-1-uint8": (np.array([0, 1], dtype=np.uint8), 1, 0),
    "bool": (np.array([False, True]), True, False),
    "2-5": (np.array([2, 5]), 5, 2),                  # the greater label
    "minus3-7": (np.array([-3, 7]), 7, -3),
    "0-2": (np.array([0, 2]), 2, 0),
    "integral-floats": (np.array([-2.0, 3.0]), 3.0, -2.0),
    "str": (np.array(["ham", "spam"]), None, "ham"),
    "object": (np.array(["no", "yes"], dtype=object), None, "yes"),
}


@pytest.mark.parametrize("kind", sorted(BINARY_KINDS))
@pytest.mark.parametrize("layout", ["1d", "column"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("scale_by_half", SCALES)
def test_brier_binary_matches_sklearn(kind, layout, weighted, scale_by_half):
    classes, inferred, explicit = BINARY_KINDS[kind]
    rng = np.random.default_rng(len(kind) * 7 + weighted)
    n = 600
    y = classes[rng.integers(0, 2, n)]
    y[:2] = classes
    p = rng.random(n)
    p[::50] = 0.0
    p[1::50] = 1.0
    if layout == "column":
        p = p[:, None]
    w = rng.random(n) * 3 if weighted else None
    kw = dict(sample_weight=w, scale_by_half=scale_by_half)
    if inferred is not None:
        got = _assert_brier_matches(y, p, **kw)
        # pos_label=None is the inferred label.
        assert got == lm.brier_score_loss(y, p, pos_label=inferred, **kw)
    else:
        with pytest.raises(ValueError, match="pos_label is not specified"):
            skm.brier_score_loss(y, p, **kw)
        with pytest.raises(ValueError, match="pos_label is not specified"):
            lm.brier_score_loss(y, p, **kw)
    got = _assert_brier_matches(y, p, pos_label=explicit, **kw)
    # An independent reference: the (halved) mean squared error of the
    # probability of pos_label, on both one-hot columns.
    t = (y == explicit).astype(float)
    pf = p.ravel()
    per = (t - pf) ** 2 + ((1 - t) - (1 - pf)) ** 2
    ref = np.average(per, weights=w) * (0.5 if scale_by_half in ("auto", True) else 1.0)
    assert got == pytest.approx(ref, rel=RTOL)


@pytest.mark.parametrize("y, pos_label", [
    ([1, 1, 1, 1], None), ([0, 0, 0, 0], None), ([-1, -1, -1, -1], None),
    ([3, 3, 3, 3], None), ([3, 3, 3, 3], 3), (["a", "a", "a", "a"], "a"),
    ([0, 1, 1, 0], 2),                  # pos_label absent from y_true: no positive
    (["a", "b", "b", "a"], "c"), (["a", "b", "b", "a"], 1), ([0, 1, 1, 0], "1"),
    ([0, 1, 1, 0], True), ([False, True, True, False], 1), ([0.0, 1.0, 1.0, 0.0], 1),
    ([0, 1, 1, 0], np.int64(1)), ([0, 1, 1, 0], np.float32(0.0)),
], ids=repr)
@pytest.mark.parametrize("scale_by_half", SCALES)
def test_brier_binary_edge_labels_match_sklearn(y, pos_label, scale_by_half):
    p = [0.1, 0.8, 0.7, 0.4]
    _assert_brier_matches(y, p, pos_label=pos_label, scale_by_half=scale_by_half)
    _assert_brier_matches(y, np.array(p)[:, None], pos_label=pos_label,
                          scale_by_half=scale_by_half)


def test_brier_binary_pos_label_flips_probabilities():
    rng = np.random.default_rng(20)
    y = rng.integers(0, 2, 300)
    p = rng.random(300)
    assert lm.brier_score_loss(y, 1 - p, pos_label=0) == pytest.approx(
        lm.brier_score_loss(y, p), rel=RTOL)
    _assert_brier_matches(y, 1 - p, pos_label=0)
    ys = np.array(["spam", "ham"])[y]
    assert lm.brier_score_loss(ys, p, pos_label="ham") == pytest.approx(
        lm.brier_score_loss(y, p), rel=RTOL)


def test_brier_docstring_examples_match_sklearn():
    y_true = np.array([0, 1, 1, 0])
    y_cat = np.array(["spam", "ham", "ham", "spam"])
    y_prob = np.array([0.1, 0.9, 0.8, 0.3])
    assert _assert_brier_matches(y_true, y_prob) == pytest.approx(0.0375, rel=RTOL)
    _assert_brier_matches(y_true, 1 - y_prob, pos_label=0)
    _assert_brier_matches(y_cat, y_prob, pos_label="ham")
    _assert_brier_matches(y_true, y_prob, scale_by_half=False)
    assert _assert_brier_matches(
        ["eggs", "ham", "spam"], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]],
        labels=["eggs", "ham", "spam"]) == pytest.approx(0.44 / 3, rel=RTOL)


@pytest.mark.parametrize("kind", sorted(LABEL_KINDS))
@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("with_labels", [False, True])
@pytest.mark.parametrize("scale_by_half", SCALES)
def test_brier_multiclass_matches_sklearn(kind, n_classes, weighted, with_labels,
                                          scale_by_half):
    rng = np.random.default_rng(n_classes * 10 + weighted)
    n = 500
    classes = LABEL_KINDS[kind](n_classes)
    y = classes[rng.integers(0, n_classes, n)]
    y[:n_classes] = classes
    p = _proba(rng, n, n_classes)
    w = rng.random(n) * 3 if weighted else None
    labels = classes if with_labels else None
    got = _assert_brier_matches(y, p, sample_weight=w, labels=labels,
                                scale_by_half=scale_by_half)
    # Independent reference: squared distance to the one-hot row.
    onehot = (y[:, None] == np.sort(classes)[None, :]).astype(float)
    ref = np.average(((onehot - p) ** 2).sum(axis=1), weights=w)
    halve = scale_by_half is True or (scale_by_half == "auto" and n_classes < 3)
    assert got == pytest.approx(ref * (0.5 if halve else 1.0), rel=RTOL)


@pytest.mark.parametrize("scale_by_half", SCALES)
def test_brier_labels_with_missing_classes_in_y_true(scale_by_half):
    rng = np.random.default_rng(21)
    y = rng.choice([1, 4], 200)           # classes 2 and 9 never occur
    p = _proba(rng, 200, 4)
    _assert_brier_matches(y, p, labels=[1, 2, 4, 9], scale_by_half=scale_by_half)
    ys = np.array(["x", "z"])[rng.integers(0, 2, 200)]
    _assert_brier_matches(ys, p, labels=["w", "x", "y", "z"], scale_by_half=scale_by_half)
    # Only one class present, the others declared.
    _assert_brier_matches(np.full(200, 4), p, labels=[1, 2, 4, 9],
                          scale_by_half=scale_by_half)
    # Two columns, labels naming a class y_true lacks.
    _assert_brier_matches(np.zeros(200, dtype=int), _proba(rng, 200, 2), labels=[0, 1],
                          scale_by_half=scale_by_half)


def test_brier_multiclass_huge_sparse_integer_labels():
    rng = np.random.default_rng(22)
    classes = np.array([-(2**40), 7, 2**50])
    y = classes[rng.integers(0, 3, 300)]
    y[:3] = classes
    _assert_brier_matches(y, _proba(rng, 300, 3))


def test_brier_indicator_matrix_y_true():
    rng = np.random.default_rng(23)
    y = rng.integers(0, 3, 100)
    onehot = np.eye(3, dtype=int)[y]
    p = _proba(rng, 100, 3)
    got = _assert_brier_matches(onehot, p)
    assert got == pytest.approx(lm.brier_score_loss(y, p), rel=RTOL)


def test_brier_bool_and_integer_y_proba():
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.1, 0.9, 0.4, 0.3, 0.6])
    # One wrong row of five: squared error 1 in each one-hot column, halved.
    assert _assert_brier_matches(y, p > 0.5) == pytest.approx(0.2, rel=RTOL)
    _assert_brier_matches(y, (p > 0.5)[:, None])
    _assert_brier_matches(y, np.stack([p <= 0.5, p > 0.5], axis=1))
    _assert_brier_matches(y, (p > 0.5).astype(np.int64))
    _assert_brier_matches([0, 1, 2, 1], np.eye(3, dtype=bool)[[0, 2, 2, 1]])


def test_brier_float32_agrees_with_sklearn():
    rng = np.random.default_rng(24)
    y = rng.integers(0, 2, 2000)
    p = rng.random(2000).astype(np.float32)
    # scikit-learn computes float32 input in float32; we accumulate in float64
    # (from the same float32 1 - p that scikit-learn forms).
    assert lm.brier_score_loss(y, p) == pytest.approx(skm.brier_score_loss(y, p), rel=1e-6)
    p64 = p.astype(np.float64)
    q64 = (np.float32(1.0) - p).astype(np.float64)
    ref = 0.5 * np.mean((y - p64) ** 2 + ((1 - y) - q64) ** 2)
    assert lm.brier_score_loss(y, p) == pytest.approx(ref, rel=RTOL)
    ym = rng.integers(0, 5, 2000)
    pm = _proba(rng, 2000, 5, np.float32)
    assert lm.brier_score_loss(ym, pm) == pytest.approx(skm.brier_score_loss(ym, pm),
                                                        rel=1e-6)
    # Multiclass uses no 1 - p: on the same values in float64 the results agree
    # exactly (and both warn: float32 rows miss 1 by more than sqrt(eps64)).
    with pytest.warns(UserWarning, match="do not sum to one"):
        expected = skm.brier_score_loss(ym, pm.astype(np.float64))
    with pytest.warns(UserWarning, match="do not sum to one"):
        got = lm.brier_score_loss(ym, pm.astype(np.float64))
    assert got == pytest.approx(expected, rel=RTOL)
    assert lm.brier_score_loss(ym, pm) == pytest.approx(got, rel=RTOL)


def test_brier_mixed_float32_float64_sample_weight():
    rng = np.random.default_rng(25)
    y = rng.integers(0, 3, 400)
    p = _proba(rng, 400, 3)
    w = rng.random(400).astype(np.float32)
    _assert_brier_matches(y, p, sample_weight=w)
    _assert_brier_matches(y, p, sample_weight=rng.integers(0, 4, 400))


@pytest.mark.parametrize("y, p, kwargs", [
    ([0, 1, 2], [[0.5, 0.3, 0.1], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]], {}),
    ([0, 1, 1], [[0.5, 0.3], [0.2, 0.6], [0.4, 0.6]], {}),
    (["a", "b", "c"], [[0.5, 0.3, 0.4], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]],
     {"labels": ["a", "b", "c"]}),
    ([0, 1, 2], [[0.5, 0.3, 0.1], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]],
     {"sample_weight": [1.0, 0.0, 2.0], "scale_by_half": True}),
], ids=["three-classes", "two-columns", "labels", "weighted"])
def test_brier_warns_when_rows_do_not_sum_to_one(y, p, kwargs):
    ours, our_w = _warnings_of(lambda: lm.brier_score_loss(y, p, **kwargs))
    ref, ref_w = _warnings_of(lambda: skm.brier_score_loss(y, p, **kwargs))
    assert ours == pytest.approx(ref, rel=RTOL)
    assert our_w == ref_w
    assert any("do not sum to one" in m for _, m in our_w)


def test_brier_does_not_warn_for_normalised_rows_or_1d_y_proba():
    cases = [
        ([0, 1], [[0.25, 0.75], [0.5, 0.5]]),
        ([0, 1, 2], [[0.5, 0.25, 0.25], [0.125, 0.75, 0.125], [0.0, 0.0, 1.0]]),
        ([0, 1, 1], [0.3, 0.9, 0.2]),              # 1-D: a probability per row
        ([0, 1, 1], [[0.3], [0.9], [0.2]]),
    ]
    for y, p in cases:
        ours, our_w = _warnings_of(lambda: lm.brier_score_loss(y, p))
        ref, ref_w = _warnings_of(lambda: skm.brier_score_loss(y, p))
        assert ours == pytest.approx(ref, rel=RTOL)
        assert our_w == ref_w == []


def test_brier_warns_on_unsorted_labels_like_sklearn():
    y = [0, 1, 2, 1]
    p = [[0.3, 0.5, 0.2], [0.4, 0.4, 0.2], [0.1, 0.1, 0.8], [0.2, 0.7, 0.1]]
    ours, our_w = _warnings_of(lambda: lm.brier_score_loss(y, p, labels=[2, 0, 1]))
    ref, ref_w = _warnings_of(lambda: skm.brier_score_loss(y, p, labels=[2, 0, 1]))
    assert ours == pytest.approx(ref, rel=RTOL)
    assert our_w == ref_w
    assert any("ordered lexicographically" in m for _, m in our_w)


def test_brier_pandas_and_lists():
    import pandas as pd
    rng = np.random.default_rng(26)
    y = pd.Series(np.array(["b", "a", "c"])[rng.integers(0, 3, 50)],
                  index=rng.permutation(50) + 1000)
    p = pd.DataFrame(_proba(rng, 50, 3), index=rng.permutation(50))
    expected = _assert_brier_matches(y, p)
    assert lm.brier_score_loss(y.tolist(), p.values.tolist()) == pytest.approx(
        expected, rel=RTOL)
    yb = pd.Series(rng.integers(0, 2, 50), index=rng.permutation(50))
    pb = pd.Series(rng.random(50), index=rng.permutation(50) + 7)
    _assert_brier_matches(yb, pb)
    _assert_brier_matches(yb, pb.to_frame())
    _assert_brier_matches(yb.astype("Int64"), pb)


def test_warnings_point_at_the_callers_line():
    # However deep the package's own call path (function, Accumulator), a
    # warning is attributed to the user's code, as scikit-learn's are.
    p = np.array([[0.5, 0.4], [0.3, 0.7]])            # row 0 sums to 0.9
    acc = lm.Accumulator("log_loss", labels=[0, 1])
    calls = [lambda: lm.log_loss([0, 1], p),
             lambda: lm.log_loss([0, 1], p, labels=[1, 0]),
             lambda: lm.log_loss([0, 1], y_pred=p),
             lambda: acc.update([0, 1], p)]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert caught, call
        assert {w.filename for w in caught} == {__file__}, [w.filename for w in caught]


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("y, pred", [([1e200, 1e200], [0.0, 0.0]),
                                     ([1.7e308, -1.7e308], [-1.7e308, 1.7e308])])
def test_regression_overflow_is_an_error_where_scikit_learn_gives_inf(name, y, pred):
    # Finite inputs whose errors overflow float64: scikit-learn returns inf
    # (with a RuntimeWarning) -- a difference comparison.md states; ours was
    # a silent inf.
    if "log" in name:   # values above -1; the logarithms never overflow
        y, pred = np.abs(y), np.abs(pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = getattr(skm, name)(y, pred)
    if np.isfinite(theirs):   # errors that stay finite (absolute, relative, logarithmic)
        assert getattr(lm, name)(y, pred) == pytest.approx(theirs, rel=1e-15)
        return
    assert theirs == np.inf or (name == "mean_pinball_loss" and np.isnan(theirs))
    with pytest.raises(ValueError, match=f"{name} overflows: the sum of the "):
        getattr(lm, name)(y, pred)


def test_mean_absolute_error_is_correctly_rounded_where_scikit_learn_is_not():
    # comparison.md: plain float64 values may differ from scikit-learn's in the
    # last bit; lossmetrics's is the correctly rounded mean of the float64 terms
    # (scikit-learn's NumPy pairwise sum is not, every few calls).
    from fractions import Fraction
    import math

    differ = 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        y, p = rng.normal(size=1000), rng.normal(size=1000)
        ours, theirs = lm.mean_absolute_error(y, p), skm.mean_absolute_error(y, p)
        exact = Fraction(math.fsum(np.abs(y - p).tolist())) / 1000
        assert ours == float(exact)
        assert abs(Fraction(theirs) - exact) <= 4 * Fraction(np.spacing(ours))
        differ += ours != theirs
    assert differ > 0


@pytest.mark.parametrize("name", ["log_loss", "mean_squared_error", "brier_score_loss"])
def test_a_scalar_sample_weight_is_accepted_where_scikit_learn_raises(name):
    # comparison.md: a scalar sample_weight is the same weight for every sample.
    y, pred = ([0, 1, 1], [0.25, 0.75, 0.5])
    with pytest.raises((ValueError, TypeError), match="sample_weight"):
        getattr(skm, name)(y, pred, sample_weight=2.0)
    assert (getattr(lm, name)(y, pred, sample_weight=2.0)
            == getattr(lm, name)(y, pred, sample_weight=[2.0, 2.0, 2.0]))



DEVIANCES = [("mean_poisson_deviance", 1), ("mean_gamma_deviance", 2)] + [
    ("mean_tweedie_deviance", p) for p in (0, -1.0, -0.5, 1, 1.2, 1.5, 2, 2.5, 3)]


@pytest.mark.parametrize("name, power", DEVIANCES)
@pytest.mark.parametrize("weighted", [False, True])
def test_deviances_match_sklearn(name, power, weighted):
    rng = np.random.default_rng(14)
    n = 800
    if power <= 0:
        y = rng.normal(size=n) * 3
    elif power < 2:
        y = rng.poisson(2.0, n).astype(float)
    else:
        y = rng.gamma(2.0, 1.0, n) + 1e-3
    pred = rng.uniform(0.2, 5.0, n)
    w = rng.random(n) * 2 if weighted else None
    kw = {"power": power} if name == "mean_tweedie_deviance" else {}
    got = getattr(lm, name)(y, pred, sample_weight=w, **kw)
    assert isinstance(got, float)
    assert got == pytest.approx(getattr(skm, name)(y, pred, sample_weight=w, **kw),
                                rel=1e-12)
    # (N, 1) columns are one output, as for scikit-learn.
    assert getattr(lm, name)(y[:, None], pred[:, None], sample_weight=w, **kw) == got


@pytest.mark.parametrize("name, power, y, pred, where", [
    ("mean_poisson_deviance", 1, [1.0, -1.0], [1.0, 1.0], "y_true has -1.0 at index 1"),
    ("mean_poisson_deviance", 1, [1.0, 0.0], [1.0, 0.0], "y_pred has 0.0 at index 1"),
    ("mean_gamma_deviance", 2, [1.0, 0.0], [1.0, 1.0], "y_true has 0.0 at index 1"),
    ("mean_gamma_deviance", 2, [1.0, 2.0], [-1.0, 1.0], "y_pred has -1.0 at index 0"),
    ("mean_tweedie_deviance", -1, [-1.0, 2.0], [1.0, 0.0], "y_pred has 0.0 at index 1"),
    ("mean_tweedie_deviance", 1.5, [-0.5, 2.0], [1.0, 1.0], "y_true has -0.5 at index 0"),
    ("mean_tweedie_deviance", 3, [1.0, 2.0], [1.0, 0.0], "y_pred has 0.0 at index 1"),
])
def test_deviance_domain_errors_are_sklearns(name, power, y, pred, where):
    kw = {"power": power} if name == "mean_tweedie_deviance" else {}
    with pytest.raises(ValueError) as theirs:
        getattr(skm, name)(y, pred, **kw)
    with pytest.raises(ValueError) as ours:
        getattr(lm, name)(y, pred, **kw)
    assert str(ours.value).startswith(str(theirs.value))
    assert where in str(ours.value)


@pytest.mark.parametrize("call", [
    lambda m: m.mean_tweedie_deviance([1.0], [1.0], power=0.5),
    lambda m: m.mean_tweedie_deviance([1.0], [1.0], power="1"),
    lambda m: m.mean_tweedie_deviance([1.0], [1.0], power=np.nan),
    lambda m: m.mean_poisson_deviance(np.ones((3, 2)), np.ones((3, 2))),
    lambda m: m.mean_gamma_deviance([1.0, np.nan], [1.0, 1.0]),
    lambda m: m.mean_poisson_deviance([1.0, 2.0], [1.0]),
])
def test_deviance_option_and_shape_errors_are_sklearns(call):
    with pytest.raises(ValueError) as theirs:
        call(skm)
    with pytest.raises(ValueError) as ours:
        call(lm)
    assert str(ours.value).startswith(str(theirs.value))
