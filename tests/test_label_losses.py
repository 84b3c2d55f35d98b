"""zero_one_loss and hinge_loss against scikit-learn 1.9, called live."""
import math
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

import lossmetrics as lm

RTOL = 1e-12
LABEL_KINDS = {
    "int": lambda k: np.arange(k) * 3 - 2,
    "uint8": lambda k: np.arange(k, dtype=np.uint8) + 5,
    "str": lambda k: np.array([f"class_{i:02d}" for i in range(k)]),
    "object": lambda k: np.array([f"o{i}" for i in range(k)], dtype=object),
    "float": lambda k: np.arange(k, dtype=np.float64) + 0.0,
    "bool": lambda k: np.array([False, True])[:k],
}


@pytest.mark.parametrize("kind,k", [(kind, k) for kind in sorted(LABEL_KINDS)
                                    for k in (2, 5) if not (kind == "bool" and k > 2)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("normalize", [True, False])
def test_zero_one_loss_matches_sklearn(kind, k, weighted, normalize):
    rng = np.random.default_rng(k + 10 * weighted)
    classes = LABEL_KINDS[kind](k)
    y = classes[rng.integers(0, k, 3000)]
    p = np.where(rng.random(3000) < 0.3, classes[rng.integers(0, k, 3000)], y)
    w = rng.random(3000) * 3 if weighted else None
    got = lm.zero_one_loss(y, p, sample_weight=w, normalize=normalize)
    assert type(got) is float
    assert got == pytest.approx(
        skm.zero_one_loss(y, p, sample_weight=w, normalize=normalize), rel=RTOL)


def test_zero_one_loss_is_the_exact_weighted_fraction():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 3, 10_000), rng.integers(0, 3, 10_000)
    w = rng.random(10_000)
    wrong = (y != p).tolist()
    exact = math.fsum(v for v, bad in zip(w.tolist(), wrong) if bad) / math.fsum(w.tolist())
    assert abs(lm.zero_one_loss(y, p, sample_weight=w) - exact) <= 2 * math.ulp(exact)


def test_zero_one_loss_multilabel_indicator():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, (500, 4))
    p = np.where(rng.random((500, 4)) < 0.1, 1 - y, y)
    for normalize in (True, False):
        assert lm.zero_one_loss(y, p, normalize=normalize) == pytest.approx(
            skm.zero_one_loss(y, p, normalize=normalize), rel=RTOL)


@pytest.mark.parametrize("y, p", [
    ([1, 2, 3], [1.5, 2, 3]),                      # continuous predictions
    ([1, 2], ["a", "b"]),                          # mixed label types
    ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),          # multiclass-multioutput
    ([[0, 1], [1, 1]], [0, 1]),                    # indicator and labels
    ([1.0, np.nan], [1.0, 2.0]),                   # NaN
])
def test_zero_one_loss_errors_match_sklearn(y, p):
    with pytest.raises(ValueError) as theirs, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        skm.zero_one_loss(y, p)
    with pytest.raises(ValueError) as ours:
        lm.zero_one_loss(y, p)
    first = str(theirs.value).split(";")[0].split(". ")[0]
    assert first in str(ours.value), (str(theirs.value), str(ours.value))


@pytest.mark.parametrize("kind", ["int", "str", "float", "bool"])
@pytest.mark.parametrize("weighted", [False, True])
def test_hinge_loss_binary_matches_sklearn(kind, weighted):
    rng = np.random.default_rng(3)
    classes = LABEL_KINDS[kind](2)
    y = classes[rng.integers(0, 2, 2000)]
    z = rng.normal(size=2000) * 2
    w = rng.random(2000) if weighted else None
    assert lm.hinge_loss(y, z, sample_weight=w) == pytest.approx(
        skm.hinge_loss(y, z, sample_weight=w), rel=RTOL)


@pytest.mark.parametrize("kind", ["int", "str", "object", "uint8"])
@pytest.mark.parametrize("weighted", [False, True])
def test_hinge_loss_multiclass_matches_sklearn(kind, weighted):
    rng = np.random.default_rng(4)
    classes = LABEL_KINDS[kind](4)
    y = classes[rng.integers(0, 4, 2000)]
    y[:4] = classes
    z = rng.normal(size=(2000, 4)) * 2
    w = rng.random(2000) if weighted else None
    assert lm.hinge_loss(y, z, sample_weight=w) == pytest.approx(
        skm.hinge_loss(y, z, sample_weight=w), rel=RTOL)
    # labels: a class absent from y_true.
    keep = y != classes[2]
    assert lm.hinge_loss(y[keep], z[keep], labels=classes) == pytest.approx(
        skm.hinge_loss(y[keep], z[keep], labels=classes), rel=RTOL)


def test_hinge_loss_one_class_is_all_negative_as_in_sklearn():
    y, z = [1, 1, 1], [0.5, -0.3, 2.0]
    assert lm.hinge_loss(y, z) == skm.hinge_loss(y, z) == pytest.approx(26 / 15)


def test_hinge_loss_two_labels_decide_the_positive_class():
    # scikit-learn binarizes y_true alone, so a y_true of one class is all -1
    # even with labels=[-1, 1]; here the labels decide (the greater is +1).
    y, z = [1, 1], [0.5, 2.0]
    assert skm.hinge_loss(y, z, labels=[-1, 1]) == 2.25
    assert lm.hinge_loss(y, z, labels=[-1, 1]) == 0.25


@pytest.mark.parametrize("y, z, labels", [
    ([0, 1, 2], [0.5, -0.3, 2.0], None),                          # 1-D, multiclass
    ([0, 1, 1], [[0.5, -0.3, 2], [1, 2, 3], [0, 0, 1]], None),   # 2-D, binary
    ([0, 1, 1], [[0.5, -0.3], [1, 2], [0, 0]], [0, 1, 2]),        # columns vs labels
    ([0, 1, 2], [[0.5, -0.3], [1, 2], [0, 0]], None),             # too few columns
    ([0, 1, 3], [[0.5, -0.3, 1], [1, 2, 1], [0, 0, 1]], [0, 1, 2]),  # unseen label
])
def test_hinge_loss_errors_match_sklearn(y, z, labels):
    with pytest.raises(ValueError) as theirs:
        skm.hinge_loss(y, z, labels=labels)
    with pytest.raises(ValueError) as ours:
        lm.hinge_loss(y, z, labels=labels)
    first = str(theirs.value).split(". ")[0][:60]
    assert first in str(ours.value), (str(theirs.value), str(ours.value))


def test_hinge_loss_rejects_nan_decisions():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            skm.hinge_loss([0, 1], [0.5, np.nan])
    with pytest.raises(ValueError, match="pred_decision.*index 1"):
        lm.hinge_loss([0, 1], [0.5, np.nan])
