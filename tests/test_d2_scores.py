"""d2_log_loss_score and d2_brier_score against scikit-learn 1.9, called live."""
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

import lossmetrics as lm

RTOL = 1e-12
NAMES = ["d2_log_loss_score", "d2_brier_score"]
LABEL_KINDS = {
    "int": lambda k: np.arange(k) * 3 - 2,
    "str": lambda k: np.array([f"class_{i:02d}" for i in range(k)]),
    "object": lambda k: np.array([f"o{i}" for i in range(k)], dtype=object),
    "float": lambda k: np.arange(k, dtype=np.float64),
}


def _problem(rng, n, k, kind):
    classes = LABEL_KINDS[kind](k)
    y = classes[rng.integers(0, k, n)]
    y[:k] = classes
    return y, rng.dirichlet(np.ones(k), n)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", sorted(LABEL_KINDS))
@pytest.mark.parametrize("k", [2, 3, 6])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_sklearn(name, kind, k, weighted):
    rng = np.random.default_rng(k * 7 + weighted)
    y, p = _problem(rng, 400, k, kind)
    w = None
    if weighted:
        w = rng.random(400) * 3
        w[5::9] = 0.0
    got = getattr(lm, name)(y, p, sample_weight=w)
    assert type(got) is float
    assert got == pytest.approx(getattr(skm, name)(y, p, sample_weight=w), rel=RTOL)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [2, 3, 7])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_null_model_scores_zero(name, k, weighted):
    """Predicting the class proportions for every sample is the null model:
    0.0 exactly unweighted (the proportions count / n are the library's own
    bits), within a few ulp weighted (NumPy's plain sums of the weights
    round differently from the library's compensated ones), scikit-learn
    within an ulp of 0; a prediction a little better is not 0 (the exact
    arithmetic's threshold is eps, not a coarse one)."""
    rng = np.random.default_rng(k + 10 * weighted)
    y = rng.integers(0, k, 300)
    y[:k] = np.arange(k)
    w = rng.random(300) * 5 if weighted else None
    proportions = np.bincount(y, weights=w, minlength=k) / (300 if w is None else w.sum())
    p = np.tile(proportions, (300, 1))
    got = getattr(lm, name)(y, p, sample_weight=w)
    assert got == 0.0 if w is None else abs(got) < 1e-15
    assert getattr(skm, name)(y, p, sample_weight=w) == pytest.approx(got, abs=1e-15)
    better = p.copy()
    better[np.arange(300), y] += 1e-3
    better /= better.sum(axis=1, keepdims=True)
    want = getattr(skm, name)(y, better, sample_weight=w)
    assert 0.0 < getattr(lm, name)(y, better, sample_weight=w) == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_binary_1d_probabilities(name):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = rng.uniform(0.02, 0.98, 300)
    assert getattr(lm, name)(y, p) == pytest.approx(getattr(skm, name)(y, p), rel=RTOL)


def test_brier_pos_label_of_strings():
    rng = np.random.default_rng(2)
    y = np.where(rng.random(200) < 0.3, "spam", "ham")
    p = rng.uniform(0, 1, 200)
    for pos in ("spam", "ham"):
        assert lm.d2_brier_score(y, p, pos_label=pos) == pytest.approx(
            skm.d2_brier_score(y, p, pos_label=pos), rel=RTOL)


@pytest.mark.parametrize("name", NAMES)
def test_labels_with_a_class_missing_from_y_true(name):
    rng = np.random.default_rng(3)
    y = rng.choice([0, 2], 150)
    p = rng.dirichlet(np.ones(3), 150)
    assert getattr(lm, name)(y, p, labels=[0, 1, 2]) == pytest.approx(
        getattr(skm, name)(y, p, labels=[0, 1, 2]), rel=RTOL)


@pytest.mark.parametrize("name", NAMES)
def test_fewer_than_two_samples_warn_and_give_nan(name):
    for module in (skm, lm):
        with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
            assert np.isnan(getattr(module, name)([1], [[0.5, 0.5]]))
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(lm.Accumulator(name, labels=[0, 1]).update(
            [1], [[0.5, 0.5]]).result())


def test_one_class_matches_sklearn():
    y, p = [0, 0, 0], [[0.9, 0.1]] * 3
    assert lm.d2_log_loss_score(y, p, labels=[0, 1]) == pytest.approx(
        skm.d2_log_loss_score(y, p, labels=[0, 1]), rel=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert skm.d2_brier_score(y, p, labels=[0, 1]) == -np.inf
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert lm.d2_brier_score(y, p, labels=[0, 1]) == -np.inf


@pytest.mark.parametrize("name", NAMES)
def test_errors_match_sklearn(name):
    cases = [([0, 1, 2], [[0.5, 0.5]] * 3), ([0, 1], [[0.5, 0.5]] * 3),
             ([0, 1, 1], [[0.5, 0.6], [0.5, 0.5], [0.5, np.nan]])]
    for y, p in cases:
        with pytest.raises(ValueError) as theirs, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(skm, name)(y, p)
        with pytest.raises(ValueError) as ours, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(lm, name)(y, p)
        assert str(theirs.value).split(". ")[0].split("\n")[0][:40] in str(ours.value)


def test_deprecated_y_pred_keyword():
    y, p = [0, 1, 1], [[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]]
    with pytest.warns(FutureWarning, match="renamed to `y_proba`"):
        got = lm.d2_log_loss_score(y, y_pred=p)
    assert got == lm.d2_log_loss_score(y, p)


@pytest.mark.parametrize("name", NAMES)
def test_accumulator_batches_equal_one_shot(name):
    rng = np.random.default_rng(4)
    y, p = _problem(rng, 300, 3, "int")
    acc = lm.Accumulator(name, labels=np.unique(y))
    for start in range(0, 300, 70):
        acc.update(y[start:start + 70], p[start:start + 70])
    np.testing.assert_array_max_ulp(acc.result(), getattr(lm, name)(y, p), maxulp=2)
