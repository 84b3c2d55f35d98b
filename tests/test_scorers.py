"""lossmetrics.get_scorer: scikit-learn scorers for negated losses, used in model selection.

Every check runs real scikit-learn model selection (``cross_val_score``,
``cross_validate``, ``GridSearchCV``, ``RandomizedSearchCV``) on datasets
scikit-learn ships, and compares each fold's score either with scikit-learn's
built-in scorer of the same name or with an independent NumPy formula
evaluated on that fold's fitted estimator.
"""
import pickle
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
import sklearn
import sklearn.metrics as skm
from numpy.testing import assert_allclose
from scipy.special import expit, logsumexp
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics._scorer import _Scorer
from sklearn.model_selection import (
    GridSearchCV, KFold, PredefinedSplit, RandomizedSearchCV, StratifiedKFold,
    cross_val_score, cross_validate,
)
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import lossmetrics as lm

RTOL = 1e-10
EPS = np.finfo(np.float64).eps

ALL_NAMES = [
    "d2_absolute_error_score", "d2_brier_score", "d2_log_loss_score", "explained_variance",
    "neg_binary_cross_entropy", "neg_brier_score", "neg_cross_entropy",
    "neg_huber_loss", "neg_log_loss", "neg_max_error", "neg_mean_absolute_error",
    "neg_mean_absolute_percentage_error", "neg_mean_gamma_deviance",
    "neg_mean_poisson_deviance", "neg_mean_squared_error",
    "neg_mean_squared_log_error", "neg_median_absolute_error", "neg_multi_margin_loss", "neg_poisson_nll_loss",
    "neg_root_mean_squared_error", "neg_root_mean_squared_log_error",
    "neg_sigmoid_focal_loss", "neg_smooth_l1_loss", "neg_soft_margin_loss", "r2",
]
# Scores (greater is better), not negated losses.
SCORES = {"r2": "r2_score", "explained_variance": "explained_variance_score",
          "d2_absolute_error_score": "d2_absolute_error_score"}
CLASS_SCORES = ("d2_log_loss_score", "d2_brier_score")
# Names scikit-learn also has, with the same meaning.
SKLEARN_NAMES = ["neg_brier_score", "neg_log_loss", "neg_mean_absolute_error",
                 "neg_mean_squared_error", "neg_root_mean_squared_error",
                 "neg_mean_squared_log_error", "neg_root_mean_squared_log_error",
                 "neg_mean_absolute_percentage_error", "neg_mean_poisson_deviance",
                 "neg_mean_gamma_deviance", "r2", "explained_variance", "neg_max_error",
                 "d2_log_loss_score", "d2_brier_score", "neg_median_absolute_error",
                 "d2_absolute_error_score"]
DIGIT_WORDS = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                        "eight", "nine"])  # sorted order differs from numeric order


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    """The small model fits here are slower with threaded BLAS on a busy machine.

    Only BLAS is limited; lossmetrics' own OpenMP kernels are left alone.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# --------------------------------------------------------------------------- data

@lru_cache(maxsize=None)
def _digits():
    return load_digits(return_X_y=True)


@lru_cache(maxsize=None)
def _cancer():
    return load_breast_cancer(return_X_y=True)


@lru_cache(maxsize=None)
def _diabetes():
    return load_diabetes(return_X_y=True)


def _multilabel():
    """A 3-label indicator target made from the digits: >= 5, odd, prime."""
    X, y = _digits()
    Y = np.column_stack([y >= 5, y % 2 == 1, np.isin(y, [2, 3, 5, 7])]).astype(np.int64)
    return X, Y


def _clf(max_iter=500, C=1.0):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter, C=C))


def _cancer_strings():
    X, y = _cancer()
    # sklearn: 0 = malignant, 1 = benign.  Sorted: ['benign', 'malignant'], so the
    # positive class (classes_[1]) of the string version is the integer class 0.
    return X, np.array(["malignant", "benign"])[y]


def _problem(kind):
    """(estimator, X, y, cv) for one of the classification/regression problems used."""
    if kind == "digits":
        X, y = _digits()
        return _clf(), X, y, StratifiedKFold(4, shuffle=True, random_state=0)
    if kind == "digits_words":
        X, y = _digits()
        return _clf(), X, DIGIT_WORDS[y], StratifiedKFold(4, shuffle=True, random_state=0)
    if kind == "digits_gapped":
        X, y = _digits()
        return _clf(), X, 7 * y - 20, StratifiedKFold(4, shuffle=True, random_state=0)
    if kind == "cancer":
        X, y = _cancer()
        return _clf(), X, y, StratifiedKFold(5, shuffle=True, random_state=0)
    if kind == "cancer_strings":
        X, y = _cancer_strings()
        return _clf(), X, y, StratifiedKFold(5, shuffle=True, random_state=0)
    if kind == "cancer_pm1":
        X, y = _cancer()
        return _clf(), X, 2 * y - 1, StratifiedKFold(5, shuffle=True, random_state=0)
    if kind == "diabetes":
        X, y = _diabetes()
        return Ridge(alpha=0.1), X, y, KFold(5, shuffle=True, random_state=0)
    if kind == "diabetes_scaled":  # residuals of order 1: both Huber branches are hit
        X, y = _diabetes()
        return Ridge(alpha=0.1), X, (y - y.mean()) / y.std(), KFold(5, shuffle=True,
                                                                      random_state=0)
    if kind == "diabetes_2out":
        X, y = _diabetes()
        Y = np.column_stack([y, np.sqrt(y)])
        return Ridge(alpha=0.1), X, Y, KFold(4, shuffle=True, random_state=1)
    if kind == "multilabel_knn":
        X, Y = _multilabel()
        return KNeighborsClassifier(n_neighbors=7), X, Y, KFold(3, shuffle=True,
                                                               random_state=0)
    if kind == "multilabel_moc":
        X, Y = _multilabel()
        return (make_pipeline(StandardScaler(),
                              MultiOutputClassifier(LogisticRegression(max_iter=500))),
                X, Y, KFold(3, shuffle=True, random_state=0))
    raise AssertionError(kind)


def _folds(estimator, X, y, cv, scoring, **kwargs):
    """cross_validate keeping each fold's fitted estimator and test indices."""
    res = cross_validate(estimator, X, y, cv=cv, scoring=scoring, return_estimator=True,
                         return_indices=True, error_score="raise", **kwargs)
    return res, list(zip(res["estimator"], res["indices"]["test"]))


# ------------------------------------------------------- independent references

def _positive(y, classes):
    """0/1 indicator of the positive class classes_[1] of a binary problem."""
    return (np.asarray(y) == classes[1]).astype(np.float64)


def _ref_log_loss(y, proba, classes, w=None):
    idx = np.searchsorted(classes, y)
    assert np.all(classes[idx] == y)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    p = np.clip(proba[np.arange(len(idx)), idx], EPS, 1 - EPS)
    return float(np.average(-np.log(p), weights=w))


def _ref_brier(y, proba, classes, w=None):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        return float(np.average((_positive(y, classes) - proba) ** 2, weights=w))
    onehot = (np.asarray(y)[:, None] == classes[None, :]).astype(np.float64)
    per = np.sum((onehot - proba) ** 2, axis=1)
    if proba.shape[1] < 3:
        per = per / 2
    return float(np.average(per, weights=w))


def _ref_cross_entropy(y, logits, classes, w=None):
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim == 1:  # binary: the logit of classes_[1]
        t = _positive(y, classes)
        return float(np.average(np.logaddexp(0.0, logits) - t * logits, weights=w))
    idx = np.searchsorted(classes, y)
    assert np.all(classes[idx] == y)
    per = logsumexp(logits, axis=1) - logits[np.arange(len(idx)), idx]
    return float(np.average(per, weights=w))


def _ref_bce(t, p, w=None):
    t = np.asarray(t, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
    per = -(t * np.log(p) + (1 - t) * np.log1p(-p))
    if per.ndim == 2:
        per = per.mean(axis=1)
    return float(np.average(per, weights=w))


def _ref_huber(y, pred, delta=1.0, w=None):
    d = np.abs(np.asarray(pred, dtype=np.float64) - np.asarray(y, dtype=np.float64))
    per = np.where(d < delta, 0.5 * d ** 2, delta * (d - 0.5 * delta))
    if per.ndim == 2:
        per = per.mean(axis=1)
    return float(np.average(per, weights=w))


def _ref_smooth_l1(y, pred, beta=1.0, w=None):
    d = np.abs(np.asarray(pred, dtype=np.float64) - np.asarray(y, dtype=np.float64))
    per = np.where(d < beta, 0.5 * d ** 2 / beta, d - 0.5 * beta)
    if per.ndim == 2:
        per = per.mean(axis=1)
    return float(np.average(per, weights=w))


def _targets01(y, z, classes):
    """0/1 targets of a decision function: the positive class of a binary (N,)
    score, one-hot rows (one versus rest) for (N, C) scores."""
    if np.ndim(z) == 1:
        return _positive(y, classes)
    return (np.asarray(y)[:, None] == classes[None, :]).astype(np.float64)


def _rows_mean(per, w):
    per = per.mean(axis=1) if per.ndim == 2 else per
    return float(np.average(per, weights=w))


def _ref_multi_margin(y, z, classes, w=None):
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 1:   # the score of classes_[1] against 0
        z = np.column_stack([np.zeros_like(z), z])
    idx = np.searchsorted(classes, y)
    rows = np.arange(len(idx))
    t = np.maximum(0.0, 1.0 - z[rows, idx][:, None] + z)
    t[rows, idx] = 0.0
    return float(np.average(t.sum(axis=1) / z.shape[1], weights=w))


def _ref_soft_margin(y, z, classes, w=None):
    s = 2.0 * _targets01(y, z, classes) - 1.0
    return _rows_mean(np.logaddexp(0.0, -s * z), w)


def _ref_sigmoid_focal(y, z, classes, w=None, alpha=0.25, gamma=2.0):
    t = _targets01(y, z, classes)
    ce = np.logaddexp(0.0, z) - t * z
    one_minus_pt = np.where(t == 1, expit(-z), expit(z))
    return _rows_mean(ce * one_minus_pt ** gamma * np.where(t == 1, alpha, 1 - alpha), w)


def _multilabel_proba(estimator, X):
    """P(label = 1) of each label, (n_samples, n_labels), from a list of (n, 2) arrays."""
    return np.column_stack([p[:, 1] for p in estimator.predict_proba(X)])


def _reference_loss(name, estimator, X, y, w=None):
    """The loss a scorer should negate, computed independently of lossmetrics
    (a score's negation, for R² and the explained variance)."""
    y = np.asarray(y)
    if name in CLASS_SCORES:
        proba = estimator.predict_proba(X)
        onehot = (y[:, None] == np.asarray(estimator.classes_)[None, :]).astype(float)
        prior = np.tile(np.average(onehot, axis=0, weights=w), (len(y), 1))
        if name == "d2_log_loss_score":
            def per_row(q):
                return -np.sum(onehot * np.log(np.clip(q, EPS, 1 - EPS)), axis=1)
        else:
            def per_row(q):
                return np.sum((onehot - q) ** 2, axis=1)
        return -(1 - np.average(per_row(proba), weights=w)
                 / np.average(per_row(prior), weights=w))
    if name == "neg_log_loss":
        proba = estimator.predict_proba(X)
        return _ref_log_loss(y, proba[:, 1] if proba.shape[1] == 2 else proba,
                             np.asarray(estimator.classes_), w)
    if name == "neg_brier_score":
        proba = estimator.predict_proba(X)
        return _ref_brier(y, proba[:, 1] if proba.shape[1] == 2 else proba,
                          np.asarray(estimator.classes_), w)
    if name == "neg_cross_entropy":
        return _ref_cross_entropy(y, estimator.decision_function(X),
                                  np.asarray(estimator.classes_), w)
    if name == "neg_binary_cross_entropy":
        if y.ndim == 2:
            return _ref_bce(y, _multilabel_proba(estimator, X), w)
        return _ref_bce(_positive(y, np.asarray(estimator.classes_)),
                        estimator.predict_proba(X)[:, 1], w)
    if name in ("neg_multi_margin_loss", "neg_soft_margin_loss", "neg_sigmoid_focal_loss"):
        ref = {"neg_multi_margin_loss": _ref_multi_margin,
               "neg_soft_margin_loss": _ref_soft_margin,
               "neg_sigmoid_focal_loss": _ref_sigmoid_focal}[name]
        return ref(y, estimator.decision_function(X), np.asarray(estimator.classes_), w)
    pred = estimator.predict(X)
    if name in ("neg_median_absolute_error", "d2_absolute_error_score"):
        from sklearn.utils.stats import _weighted_percentile

        def median(v):
            return np.median(v) if w is None else _weighted_percentile(v, w, 50, average=True)

        def mae(q):
            return np.average(np.abs(y - q), weights=w)

        if name == "neg_median_absolute_error":
            return float(median(np.abs(y - pred)))
        return -(1 - mae(pred) / mae(median(y)))
    if name in SCORES:
        y2, p2 = y.reshape(len(y), -1), pred.reshape(len(y), -1)
        d = y2 - p2
        if name == "explained_variance":
            d = d - np.average(d, axis=0, weights=w)
        residual = np.average(d ** 2, axis=0, weights=w)
        total = np.average((y2 - np.average(y2, axis=0, weights=w)) ** 2, axis=0,
                           weights=w)
        return -float(np.mean(1 - residual / total))
    if name == "neg_max_error":   # rows of weight 0 left out
        return float(np.max(np.abs(y - pred)[w > 0] if w is not None else np.abs(y - pred)))
    if name == "neg_poisson_nll_loss":   # predictions are rates
        return float(np.average(pred - y * np.log(pred + 1e-8), weights=w))
    if name == "neg_huber_loss":
        return _ref_huber(y, pred, w=w)
    if name == "neg_smooth_l1_loss":
        return _ref_smooth_l1(y, pred, w=w)
    if name in ("neg_mean_squared_log_error", "neg_root_mean_squared_log_error"):
        per = (np.log1p(y) - np.log1p(pred)) ** 2
        error = float(np.average(per, weights=w))
        return error if name == "neg_mean_squared_log_error" else float(np.sqrt(error))
    if name == "neg_mean_poisson_deviance":
        per = 2 * (y * np.log(np.where(y == 0, 1.0, y / pred)) - y + pred)
        return float(np.average(per, weights=w))
    if name == "neg_mean_gamma_deviance":
        per = 2 * (np.log(pred / y) + y / pred - 1)
        return float(np.average(per, weights=w))
    if name == "neg_mean_absolute_percentage_error":
        per = np.abs(pred - y) / np.maximum(np.abs(y), EPS)
        return float(np.average(per, weights=w))
    if name in ("neg_mean_squared_error", "neg_root_mean_squared_error",
                "neg_mean_absolute_error"):
        err = pred - y
        per = np.abs(err) if name == "neg_mean_absolute_error" else err ** 2
        per_output = np.average(per, axis=0, weights=w)
        if name == "neg_root_mean_squared_error":
            per_output = np.sqrt(per_output)
        return float(np.mean(per_output))
    raise AssertionError(name)


# Which problem each scorer is exercised on by the generic tests.
PROBLEMS_OF = {
    "neg_log_loss": ["digits", "cancer"],
    "neg_brier_score": ["digits", "cancer"],
    "neg_cross_entropy": ["digits", "cancer"],
    "neg_binary_cross_entropy": ["cancer", "multilabel_knn"],
    "neg_mean_squared_error": ["diabetes"],
    "neg_root_mean_squared_error": ["diabetes"],
    "neg_mean_absolute_error": ["diabetes"],
    "neg_huber_loss": ["diabetes_scaled"],
    "neg_smooth_l1_loss": ["diabetes_scaled"],
    "neg_multi_margin_loss": ["digits", "cancer"],
    "neg_soft_margin_loss": ["digits", "cancer"],
    "neg_sigmoid_focal_loss": ["digits", "cancer"],
    "neg_poisson_nll_loss": ["diabetes"],
    "neg_mean_squared_log_error": ["diabetes"],
    "neg_root_mean_squared_log_error": ["diabetes"],
    "neg_mean_absolute_percentage_error": ["diabetes"],
    "neg_mean_poisson_deviance": ["diabetes"],
    "neg_mean_gamma_deviance": ["diabetes"],
    "r2": ["diabetes"],
    "explained_variance": ["diabetes"],
    "neg_max_error": ["diabetes"],
    "d2_log_loss_score": ["digits", "cancer"],
    "neg_median_absolute_error": ["diabetes"],
    "d2_absolute_error_score": ["diabetes"],
    "d2_brier_score": ["digits", "cancer"],
}
NAME_PROBLEM = [(n, k) for n in ALL_NAMES for k in PROBLEMS_OF[n]]


@lru_cache(maxsize=None)
def _fitted(kind):
    """An estimator fitted on the first 2/3 of a problem, and the held-out rest."""
    estimator, X, y, _ = _problem(kind)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    train, test = order[: 2 * len(X) // 3], order[2 * len(X) // 3:]
    estimator.fit(X[train], y[train])
    return estimator, X[test], y[test]


# -------------------------------------------------------- names, types, errors

def test_get_scorer_names_sorted_and_complete():
    names = lm.get_scorer_names()
    assert isinstance(names, list)
    assert names == sorted(names)
    assert names == ALL_NAMES
    assert all(isinstance(n, str) for n in names)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_get_scorer_is_sklearn_scorer(name):
    scorer = lm.get_scorer(name)
    assert isinstance(scorer, _Scorer)
    assert callable(scorer)
    # A fresh object on every call.
    assert lm.get_scorer(name) is not scorer


@pytest.mark.parametrize("name", [
    "nope", "accuracy", "log_loss", "NEG_LOG_LOSS", "neg_log_loss ", "",
])
def test_get_scorer_unknown_name(name):
    with pytest.raises(ValueError) as excinfo:
        lm.get_scorer(name)
    message = str(excinfo.value)
    assert repr(name) in message or name in message
    for valid in ALL_NAMES:
        assert valid in message


@pytest.mark.parametrize("name", [None, 3, ["neg_log_loss"], skm.log_loss])
def test_get_scorer_non_string(name):
    with pytest.raises(ValueError, match="neg_log_loss"):
        lm.get_scorer(name)


@pytest.mark.parametrize("name,kind", NAME_PROBLEM)
def test_scorer_returns_python_float_negated_loss(name, kind):
    estimator, X, y = _fitted(kind)
    score = lm.get_scorer(name)(estimator, X, y)
    assert type(score) is float
    assert np.isfinite(score)
    # Greater is better: the negated loss (positive, but for the Poisson NLL,
    # which leaves out log(y!) as PyTorch does: negative for large counts).
    assert score < 0 or name == "neg_poisson_nll_loss" or name in tuple(SCORES) + CLASS_SCORES
    assert score == pytest.approx(-_reference_loss(name, estimator, X, y), rel=RTOL)


@pytest.mark.parametrize("name,kind", NAME_PROBLEM)
def test_scorer_equals_negated_lossmetrics_function(name, kind):
    """score == -loss, the loss computed by the public lossmetrics function."""
    estimator, X, y = _fitted(kind)
    y = np.asarray(y)
    classes = getattr(estimator, "classes_", None)
    if name == "neg_log_loss":
        proba = estimator.predict_proba(X)
        proba = proba[:, 1] if proba.shape[1] == 2 else proba
        loss = lm.log_loss(y, proba, labels=classes)
    elif name == "neg_brier_score":
        proba = estimator.predict_proba(X)
        if proba.shape[1] == 2:
            loss = lm.brier_score_loss(y, proba[:, 1], pos_label=classes[1])
        else:
            loss = lm.brier_score_loss(y, proba, labels=classes)
    elif name == "neg_cross_entropy":
        z = estimator.decision_function(X)
        if z.ndim == 1:
            loss = lm.binary_cross_entropy_with_logits(_positive(y, classes), z)
        else:
            loss = lm.cross_entropy(np.searchsorted(classes, y), z)
    elif name == "neg_binary_cross_entropy":
        if y.ndim == 2:
            loss = lm.binary_cross_entropy(y, _multilabel_proba(estimator, X))
        else:
            loss = lm.binary_cross_entropy(_positive(y, classes),
                                           estimator.predict_proba(X)[:, 1])
    elif name == "neg_multi_margin_loss":
        z = estimator.decision_function(X)
        z = np.column_stack([np.zeros_like(z), z]) if z.ndim == 1 else z
        loss = lm.multi_margin_loss(np.searchsorted(classes, y), z)
    elif name in ("neg_soft_margin_loss", "neg_sigmoid_focal_loss"):
        z = estimator.decision_function(X)
        t = _targets01(y, z, classes)
        loss = (lm.soft_margin_loss(2 * t - 1, z) if name == "neg_soft_margin_loss"
                else lm.sigmoid_focal_loss(t, z))
    elif name == "neg_poisson_nll_loss":
        loss = lm.poisson_nll_loss(y, estimator.predict(X), log_input=False)
    elif name in SCORES:
        loss = -getattr(lm, SCORES[name])(y, estimator.predict(X))
    elif name in CLASS_SCORES:
        loss = -getattr(lm, name)(y, estimator.predict_proba(X), labels=classes)
    else:
        func = getattr(lm, name[len("neg_"):])
        loss = func(y, estimator.predict(X))
    score = lm.get_scorer(name)(estimator, X, y)
    assert type(score) is float
    assert score == pytest.approx(-loss, rel=1e-13)


@pytest.mark.parametrize("name,kind", NAME_PROBLEM)
def test_scorer_direct_sample_weight(name, kind):
    """The scorer's own ``sample_weight`` argument (no routing) weights the loss."""
    estimator, X, y = _fitted(kind)
    w = np.random.default_rng(5).uniform(0.1, 3.0, len(X))
    scorer = lm.get_scorer(name)
    weighted = scorer(estimator, X, y, sample_weight=w)
    assert type(weighted) is float
    assert weighted == pytest.approx(-_reference_loss(name, estimator, X, y, w), rel=RTOL)
    if name == "neg_max_error":
        # Positive weights do not move a maximum: a zero weight leaves a row out.
        w[np.argmax(np.abs(y - estimator.predict(X)))] = 0.0
        weighted = scorer(estimator, X, y, sample_weight=w)
        assert weighted == pytest.approx(-_reference_loss(name, estimator, X, y, w),
                                         rel=RTOL)
    assert weighted != pytest.approx(scorer(estimator, X, y), rel=1e-6)


@pytest.mark.parametrize("name,kind", NAME_PROBLEM)
def test_scorer_pickles(name, kind):
    estimator, X, y = _fitted(kind)
    scorer = lm.get_scorer(name)
    clone = pickle.loads(pickle.dumps(scorer))
    assert type(clone) is type(scorer)
    assert isinstance(clone, _Scorer)
    got = clone(estimator, X, y)
    assert type(got) is float
    assert got == scorer(estimator, X, y)


def test_pickled_scorer_keeps_its_score_request():
    estimator, X, y = _fitted("digits")
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(X))
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = lm.get_scorer("neg_log_loss").set_score_request(sample_weight=True)
        clone = pickle.loads(pickle.dumps(scorer))
        assert clone.get_metadata_routing().score.requests["sample_weight"] is True
        assert clone(estimator, X, y, sample_weight=w) == scorer(estimator, X, y,
                                                                sample_weight=w)


# ------------------------------------- 1. fold-by-fold parity with scikit-learn

@pytest.mark.parametrize("name,kind", [
    ("neg_log_loss", "digits"),
    ("neg_brier_score", "digits"),
    ("neg_log_loss", "cancer"),
    ("neg_brier_score", "cancer"),
    ("neg_mean_squared_error", "diabetes"),
    ("neg_root_mean_squared_error", "diabetes"),
    ("neg_mean_absolute_error", "diabetes"),
    ("neg_mean_squared_error", "diabetes_2out"),
    ("neg_root_mean_squared_error", "diabetes_2out"),
    ("neg_mean_absolute_error", "diabetes_2out"),
    ("r2", "diabetes"),
    ("explained_variance", "diabetes"),
    ("neg_max_error", "diabetes"),
    ("r2", "diabetes_2out"),
    ("explained_variance", "diabetes_2out"),
    ("d2_log_loss_score", "digits"),
    ("d2_log_loss_score", "cancer"),
    ("neg_median_absolute_error", "diabetes"),
    ("d2_absolute_error_score", "diabetes"),
    ("neg_median_absolute_error", "diabetes_2out"),
    ("d2_absolute_error_score", "diabetes_2out"),
    ("d2_brier_score", "digits"),
    ("d2_brier_score", "cancer"),
])
def test_cross_val_score_matches_sklearn_scorer(name, kind):
    estimator, X, y, cv = _problem(kind)
    ours = cross_val_score(estimator, X, y, cv=cv, scoring=lm.get_scorer(name),
                           error_score="raise")
    theirs = cross_val_score(estimator, X, y, cv=cv, scoring=skm.get_scorer(name),
                             error_score="raise")
    assert ours.shape == (cv.get_n_splits(),)
    assert np.all(ours < 0) or name in tuple(SCORES) + CLASS_SCORES
    assert_allclose(ours, theirs, rtol=RTOL, atol=0)
    # The folds really differ (the comparison is not of a constant).
    assert np.ptp(ours) > 0


@pytest.mark.parametrize("name,kind", [
    ("neg_log_loss", "digits_words"),
    ("neg_brier_score", "digits_words"),
    ("neg_log_loss", "digits_gapped"),
    ("neg_brier_score", "digits_gapped"),
    ("neg_log_loss", "cancer_strings"),
    ("neg_log_loss", "cancer_pm1"),
    ("neg_brier_score", "cancer_pm1"),
])
def test_cross_val_score_matches_sklearn_scorer_relabelled(name, kind):
    """7. Non-default labels (strings, gapped ints, {-1, 1}) give scikit-learn's scores."""
    estimator, X, y, cv = _problem(kind)
    ours = cross_val_score(estimator, X, y, cv=cv, scoring=lm.get_scorer(name),
                           error_score="raise")
    theirs = cross_val_score(estimator, X, y, cv=cv, scoring=name, error_score="raise")
    assert_allclose(ours, theirs, rtol=RTOL, atol=0)


# --------------------- 2. fold-by-fold equality with independent formulas

@pytest.mark.parametrize("name,kind", NAME_PROBLEM + [
    ("neg_binary_cross_entropy", "multilabel_moc"),
    ("neg_huber_loss", "diabetes"),
    ("neg_smooth_l1_loss", "diabetes"),
    ("neg_huber_loss", "diabetes_2out"),
    ("neg_smooth_l1_loss", "diabetes_2out"),
])
def test_fold_scores_match_independent_formula(name, kind):
    estimator, X, y, cv = _problem(kind)
    res, folds = _folds(estimator, X, y, cv, lm.get_scorer(name))
    assert len(folds) == cv.get_n_splits()
    for score, (fitted, test) in zip(res["test_score"], folds):
        expected = -_reference_loss(name, fitted, X[test], y[test])
        assert score == pytest.approx(expected, rel=RTOL)


def test_huber_branches_are_both_exercised():
    """Guard for the Huber/smooth-L1 checks: residuals fall on both sides of 1."""
    estimator, X, y, cv = _problem("diabetes_scaled")
    train, test = next(cv.split(X, y))
    d = np.abs(estimator.fit(X[train], y[train]).predict(X[test]) - y[test])
    assert 0.2 < np.mean(d < 1.0) < 0.95


def test_cross_entropy_is_log_loss_multiclass():
    """Multiclass logits: cross-entropy of decision_function == log loss of predict_proba."""
    estimator, X, y, cv = _problem("digits")
    res, folds = _folds(estimator, X, y, cv, {"ce": lm.get_scorer("neg_cross_entropy"),
                                               "ll": lm.get_scorer("neg_log_loss")})
    for ce, ll, (fitted, test) in zip(res["test_ce"], res["test_ll"], folds):
        proba = fitted.predict_proba(X[test])
        expected = skm.log_loss(y[test], proba, labels=fitted.classes_)
        assert abs(-ce - expected) <= 1e-9
        assert abs(ce - ll) <= 1e-9
        z = fitted.decision_function(X[test])
        assert z.shape == (len(test), 10)
        assert ce == pytest.approx(-lm.cross_entropy(y[test], z), rel=1e-13)


@pytest.mark.parametrize("kind", ["cancer", "cancer_strings", "cancer_pm1"])
def test_cross_entropy_binary_single_logit(kind):
    estimator, X, y, cv = _problem(kind)
    res, folds = _folds(estimator, X, y, cv,
                        {"ce": lm.get_scorer("neg_cross_entropy"),
                         "bce": lm.get_scorer("neg_binary_cross_entropy"),
                         "ll": lm.get_scorer("neg_log_loss")})
    for i, (fitted, test) in enumerate(folds):
        z = fitted.decision_function(X[test])
        assert z.ndim == 1
        t = (y[test] == fitted.classes_[1]).astype(np.float64)
        expected = np.mean(np.logaddexp(0.0, z) - t * z)
        assert res["test_ce"][i] == pytest.approx(-expected, rel=RTOL)
        # Probabilities are expit of the logit: all three losses agree.
        assert abs(res["test_ce"][i] - res["test_ll"][i]) <= 1e-9
        assert abs(res["test_bce"][i] - res["test_ll"][i]) <= 1e-9


@pytest.mark.parametrize("kind", ["multilabel_knn", "multilabel_moc"])
def test_binary_cross_entropy_multilabel(kind):
    estimator, X, Y, cv = _problem(kind)
    res, folds = _folds(estimator, X, Y, cv, {
        "bce": lm.get_scorer("neg_binary_cross_entropy")})
    for i, (fitted, test) in enumerate(folds):
        p = _multilabel_proba(fitted, X[test])
        assert p.shape == (len(test), 3)
        t = Y[test].astype(np.float64)
        pc = np.clip(p, EPS, 1 - EPS)
        expected = -np.mean(t * np.log(pc) + (1 - t) * np.log(1 - pc))
        assert res["test_bce"][i] == pytest.approx(-expected, rel=RTOL)
        assert res["test_bce"][i] == pytest.approx(
            -lm.binary_cross_entropy(Y[test], p), rel=1e-13)


# -------------------------------------- 3. cross_validate and hyper-parameter search

def test_cross_validate_dict_mixing_sklearn_strings():
    estimator, X, y, cv = _problem("digits")
    scoring = {
        "ll": lm.get_scorer("neg_log_loss"),
        "brier": lm.get_scorer("neg_brier_score"),
        "ce": lm.get_scorer("neg_cross_entropy"),
        "sk_ll": "neg_log_loss",
        "sk_brier": skm.get_scorer("neg_brier_score"),
        "acc": "accuracy",
    }
    res, folds = _folds(estimator, X, y, cv, scoring, return_train_score=True)
    for key in scoring:
        assert res[f"test_{key}"].shape == (cv.get_n_splits(),)
        assert res[f"train_{key}"].shape == (cv.get_n_splits(),)
    assert_allclose(res["test_ll"], res["test_sk_ll"], rtol=RTOL, atol=0)
    assert_allclose(res["train_ll"], res["train_sk_ll"], rtol=RTOL, atol=0)
    assert_allclose(res["test_brier"], res["test_sk_brier"], rtol=RTOL, atol=0)
    assert_allclose(res["test_ce"], res["test_ll"], rtol=0, atol=1e-9)
    for i, (fitted, test) in enumerate(folds):
        assert res["test_acc"][i] == skm.accuracy_score(y[test], fitted.predict(X[test]))


def test_cross_validate_dict_regression():
    estimator, X, y, cv = _problem("diabetes")
    scoring = {name: lm.get_scorer(name) for name in [
        "neg_mean_squared_error", "neg_root_mean_squared_error", "neg_mean_absolute_error",
        "neg_huber_loss", "neg_smooth_l1_loss"]}
    scoring["sk_mse"] = "neg_mean_squared_error"
    scoring["sk_rmse"] = skm.get_scorer("neg_root_mean_squared_error")
    scoring["r2"] = "r2"
    res, folds = _folds(estimator, X, y, cv, scoring)
    assert_allclose(res["test_neg_mean_squared_error"], res["test_sk_mse"], rtol=RTOL,
                    atol=0)
    assert_allclose(res["test_neg_root_mean_squared_error"], res["test_sk_rmse"],
                    rtol=RTOL, atol=0)
    # Huber with delta=1 equals smooth L1 with beta=1.
    assert_allclose(res["test_neg_huber_loss"], res["test_neg_smooth_l1_loss"],
                    rtol=RTOL, atol=0)
    for i, (fitted, test) in enumerate(folds):
        pred = fitted.predict(X[test])
        assert res["test_neg_huber_loss"][i] == pytest.approx(
            -_ref_huber(y[test], pred), rel=RTOL)
        assert res["test_r2"][i] == pytest.approx(skm.r2_score(y[test], pred), rel=RTOL)


def _check_search_consistency(search, refit):
    res = search.cv_results_
    means = res[f"mean_test_{refit}"]
    best = int(np.argmax(means))
    assert search.best_index_ == best
    assert search.best_params_ == res["params"][best]
    assert search.best_score_ == means[best]
    assert res[f"rank_test_{refit}"][best] == 1
    splits = np.column_stack([res[f"split{k}_test_{refit}"]
                              for k in range(search.n_splits_)])
    assert_allclose(splits.mean(axis=1), means, rtol=1e-12)
    assert np.all(np.isfinite(means))


def test_grid_search_refit_on_our_scorer():
    estimator, X, y, cv = _problem("cancer")
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scoring = {"ll": lm.get_scorer("neg_log_loss"),
               "brier": lm.get_scorer("neg_brier_score"),
               "ce": lm.get_scorer("neg_cross_entropy"),
               "sk_ll": "neg_log_loss"}
    grid = {"logisticregression__C": [0.003, 0.1, 100.0]}
    search = GridSearchCV(estimator, grid, scoring=scoring, refit="ll", cv=cv)
    search.fit(X, y)
    _check_search_consistency(search, "ll")
    res = search.cv_results_
    for k in range(3):
        assert_allclose(res[f"split{k}_test_ll"], res[f"split{k}_test_sk_ll"], rtol=RTOL,
                        atol=0)
    # The grid spans an under- and an over-regularised model: scores differ.
    assert np.ptp(res["mean_test_ll"]) > 1e-3
    # The refit scorer is ours; search.score uses it.
    assert search.scorer_["ll"] is not None
    got = search.score(X, y)
    assert got == pytest.approx(lm.get_scorer("neg_log_loss")(search.best_estimator_, X, y),
                                rel=1e-13)
    # The same search with n_jobs=2 (scorers pickled to workers) gives the same scores.
    parallel = GridSearchCV(estimator, grid, scoring=scoring, refit="ll", cv=cv, n_jobs=2)
    parallel.fit(X, y)
    for key in ("ll", "brier", "ce"):
        for k in range(3):
            assert_allclose(parallel.cv_results_[f"split{k}_test_{key}"],
                            res[f"split{k}_test_{key}"], rtol=RTOL, atol=0)
    assert parallel.best_params_ == search.best_params_
    assert parallel.best_score_ == pytest.approx(search.best_score_, rel=RTOL)


def test_randomized_search_refit_on_our_scorer():
    estimator, X, y, cv = _problem("diabetes_scaled")
    scoring = {"huber": lm.get_scorer("neg_huber_loss"),
               "smooth": lm.get_scorer("neg_smooth_l1_loss"),
               "mse": lm.get_scorer("neg_mean_squared_error"),
               "sk_mse": "neg_mean_squared_error"}
    dist = {"alpha": loguniform(1e-3, 1e3)}
    search = RandomizedSearchCV(estimator, dist, n_iter=5, scoring=scoring, refit="huber",
                                cv=KFold(3, shuffle=True, random_state=0), random_state=0)
    search.fit(X, y)
    _check_search_consistency(search, "huber")
    res = search.cv_results_
    assert_allclose(res["mean_test_mse"], res["mean_test_sk_mse"], rtol=RTOL, atol=0)
    assert_allclose(res["mean_test_huber"], res["mean_test_smooth"], rtol=RTOL, atol=0)
    assert np.ptp(res["mean_test_huber"]) > 1e-4
    assert search.best_estimator_.alpha == search.best_params_["alpha"]
    parallel = RandomizedSearchCV(estimator, dist, n_iter=5, scoring=scoring,
                                  refit="huber", cv=KFold(3, shuffle=True, random_state=0),
                                  random_state=0, n_jobs=2)
    parallel.fit(X, y)
    for key in ("huber", "smooth", "mse"):
        assert_allclose(parallel.cv_results_[f"mean_test_{key}"], res[f"mean_test_{key}"],
                        rtol=RTOL, atol=0)
    assert parallel.best_params_ == search.best_params_


def test_grid_search_single_scorer_of_ours():
    estimator, X, y, _ = _problem("digits")
    search = GridSearchCV(estimator, {"logisticregression__C": [0.01, 1.0]},
                          scoring=lm.get_scorer("neg_cross_entropy"),
                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    _check_search_consistency(search, "score")


@pytest.mark.parametrize("kind,names", [
    ("digits", ["neg_log_loss", "neg_brier_score", "neg_cross_entropy"]),
    ("diabetes", ["neg_mean_squared_error", "neg_root_mean_squared_error",
                  "neg_mean_absolute_error", "neg_huber_loss", "neg_smooth_l1_loss"]),
    ("multilabel_knn", ["neg_binary_cross_entropy"]),
])
def test_cross_validate_n_jobs_2_matches_n_jobs_1(kind, names):
    estimator, X, y, cv = _problem(kind)
    scoring = {name: lm.get_scorer(name) for name in names}
    serial = cross_validate(estimator, X, y, cv=cv, scoring=scoring, n_jobs=1)
    parallel = cross_validate(estimator, X, y, cv=cv, scoring=scoring, n_jobs=2)
    for name in names:
        assert_allclose(parallel[f"test_{name}"], serial[f"test_{name}"], rtol=RTOL,
                        atol=0)


# ----------------------------------------------------------- 4. metadata routing

def _routed_problem(kind):
    """The problem's estimator, asking for no sample_weight in fit (only scoring)."""
    estimator, X, y, cv = _problem(kind)
    for _, step in (estimator.steps if hasattr(estimator, "steps") else [(None, estimator)]):
        if hasattr(step, "set_fit_request"):
            step.set_fit_request(sample_weight=False)
    w = np.random.default_rng(42).uniform(0.05, 4.0, len(X))
    return estimator, X, y, cv, w


@pytest.mark.parametrize("name,kind", [
    ("neg_log_loss", "digits"),
    ("neg_log_loss", "cancer"),
    ("neg_brier_score", "digits"),
    ("neg_brier_score", "cancer"),
    ("neg_mean_squared_error", "diabetes"),
    ("neg_root_mean_squared_error", "diabetes"),
    ("neg_mean_absolute_error", "diabetes"),
    ("r2", "diabetes"),
    ("explained_variance", "diabetes"),
    ("neg_median_absolute_error", "diabetes"),
    ("d2_absolute_error_score", "diabetes"),
    ("d2_log_loss_score", "digits"),
    ("d2_brier_score", "cancer"),
])
def test_routed_sample_weight_matches_sklearn(name, kind):
    with sklearn.config_context(enable_metadata_routing=True):
        estimator, X, y, cv, w = _routed_problem(kind)
        scoring = {
            "ours": lm.get_scorer(name).set_score_request(sample_weight=True),
            "sk": skm.get_scorer(name).set_score_request(sample_weight=True),
        }
        res, folds = _folds(estimator, X, y, cv, scoring, params={"sample_weight": w})
        plain, _ = _folds(estimator, X, y, cv, {"ours": lm.get_scorer(name)})
    assert_allclose(res["test_ours"], res["test_sk"], rtol=RTOL, atol=0)
    for i, (fitted, test) in enumerate(folds):
        assert res["test_ours"][i] == pytest.approx(
            -_reference_loss(name, fitted, X[test], y[test], w[test]), rel=RTOL)
    # The weights reach the scorer: the weighted scores differ from the plain ones.
    assert np.all(np.abs(res["test_ours"] - plain["test_ours"])
                  > 1e-6 * np.abs(plain["test_ours"]))


@pytest.mark.parametrize("name,kind", [
    ("neg_cross_entropy", "digits"),
    ("neg_cross_entropy", "cancer"),
    ("neg_binary_cross_entropy", "cancer"),
    ("neg_binary_cross_entropy", "multilabel_knn"),
    ("neg_huber_loss", "diabetes_scaled"),
    ("neg_smooth_l1_loss", "diabetes_scaled"),
])
def test_routed_sample_weight_matches_formula(name, kind):
    with sklearn.config_context(enable_metadata_routing=True):
        estimator, X, y, cv, w = _routed_problem(kind)
        scorer = lm.get_scorer(name).set_score_request(sample_weight=True)
        res, folds = _folds(estimator, X, y, cv, scorer, params={"sample_weight": w})
        plain, _ = _folds(estimator, X, y, cv, lm.get_scorer(name))
    for i, (fitted, test) in enumerate(folds):
        assert res["test_score"][i] == pytest.approx(
            -_reference_loss(name, fitted, X[test], y[test], w[test]), rel=RTOL)
    assert np.all(np.abs(res["test_score"] - plain["test_score"])
                  > 1e-6 * np.abs(plain["test_score"]))


def test_routed_sample_weight_in_grid_search():
    with sklearn.config_context(enable_metadata_routing=True):
        estimator, X, y, _, w = _routed_problem("cancer")
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        scoring = {"ll": lm.get_scorer("neg_log_loss").set_score_request(sample_weight=True),
                   "sk": skm.get_scorer("neg_log_loss").set_score_request(sample_weight=True)}
        search = GridSearchCV(estimator, {"logisticregression__C": [0.01, 1.0]},
                              scoring=scoring, refit="ll", cv=cv)
        search.fit(X, y, sample_weight=w)
    _check_search_consistency(search, "ll")
    res = search.cv_results_
    for k in range(3):
        assert_allclose(res[f"split{k}_test_ll"], res[f"split{k}_test_sk"], rtol=RTOL,
                        atol=0)


def test_get_scorer_returns_fresh_objects_for_requests():
    with sklearn.config_context(enable_metadata_routing=True):
        a = lm.get_scorer("neg_log_loss")
        b = lm.get_scorer("neg_log_loss")
        assert a is not b
        returned = a.set_score_request(sample_weight=True)
        assert returned is a
        assert a.get_metadata_routing().score.requests["sample_weight"] is True
        assert b.get_metadata_routing().score.requests["sample_weight"] is None
        assert (lm.get_scorer("neg_log_loss").get_metadata_routing()
                .score.requests["sample_weight"] is None)
        # An unrequested scorer refuses the routed weights, the requested one uses them.
        estimator, X, y, cv, w = _routed_problem("cancer")
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        with pytest.raises(UnsetMetadataPassedError):
            cross_validate(estimator, X, y, cv=cv, scoring=b, params={"sample_weight": w})
        weighted = cross_validate(estimator, X, y, cv=cv, scoring=a,
                                  params={"sample_weight": w})["test_score"]
    unweighted = cross_validate(_clf(), X, y, cv=cv, scoring=lm.get_scorer("neg_log_loss"))
    assert not np.allclose(weighted, unweighted["test_score"], rtol=1e-6, atol=0)


# ------------------------------------------------- 5. folds lacking some classes

def _digits_split_missing_classes():
    """PredefinedSplit: fold 0 tests only digits 0-4, fold 1 only digits 5-9."""
    X, y = _digits()
    rng = np.random.default_rng(3)
    test_fold = np.full(len(y), -1)
    low = rng.choice(np.flatnonzero(y < 5), 150, replace=False)
    high = rng.choice(np.flatnonzero(y >= 5), 150, replace=False)
    test_fold[low], test_fold[high] = 0, 1
    return X, y, PredefinedSplit(test_fold)


@pytest.mark.parametrize("labels", ["int", "words"])
@pytest.mark.parametrize("name", ["neg_log_loss", "neg_brier_score", "neg_cross_entropy",
                                  "d2_log_loss_score", "d2_brier_score"])
def test_fold_missing_classes_multiclass(name, labels):
    X, y, cv = _digits_split_missing_classes()
    if labels == "words":
        y = DIGIT_WORDS[y]
    res, folds = _folds(_clf(), X, y, cv, lm.get_scorer(name))
    for score, (fitted, test) in zip(res["test_score"], folds):
        assert len(fitted.classes_) == 10
        assert len(np.unique(y[test])) == 5
        assert np.isfinite(score) and (score < 0 or name in CLASS_SCORES)
        classes = fitted.classes_
        if name in CLASS_SCORES:
            proba = fitted.predict_proba(X[test])
            expected = -getattr(lm, name)(y[test], proba, labels=classes)
            assert -expected == pytest.approx(
                getattr(skm, name)(y[test], proba, labels=classes), rel=RTOL)
        elif name == "neg_log_loss":
            proba = fitted.predict_proba(X[test])
            expected = lm.log_loss(y[test], proba, labels=classes)
            assert expected == pytest.approx(
                skm.log_loss(y[test], proba, labels=classes), rel=RTOL)
        elif name == "neg_brier_score":
            proba = fitted.predict_proba(X[test])
            expected = lm.brier_score_loss(y[test], proba, labels=classes)
            assert expected == pytest.approx(
                skm.brier_score_loss(y[test], proba, labels=classes), rel=RTOL)
        else:
            z = fitted.decision_function(X[test])
            expected = lm.cross_entropy(np.searchsorted(classes, y[test]), z)
        assert score == pytest.approx(-expected, rel=RTOL)
        assert score == pytest.approx(-_reference_loss(name, fitted, X[test], y[test]),
                                      rel=RTOL)
    # Called directly, the scorer returns a Python float too.
    fitted, test = folds[0]
    assert type(lm.get_scorer(name)(fitted, X[test], y[test])) is float


def test_fold_missing_classes_sklearn_log_loss_fails():
    """The motivating bug: scikit-learn's scorer infers the labels from the test fold."""
    X, y, cv = _digits_split_missing_classes()
    with pytest.raises(ValueError, match="different number of classes"):
        cross_val_score(_clf(), X, y, cv=cv, scoring="neg_log_loss", error_score="raise")
    ours = cross_val_score(_clf(), X, y, cv=cv, scoring=lm.get_scorer("neg_log_loss"),
                           error_score="raise")
    assert ours.shape == (2,) and np.all(np.isfinite(ours))


def test_fold_missing_one_class_explicit_pairs():
    """An explicit (train, test) list; the test fold lacks only the digit 9."""
    X, y = _digits()
    idx = np.arange(len(y))
    test = idx[(idx % 4 == 0) & (y != 9)]
    train = np.setdiff1d(idx, test)
    cv = [(train, test)]
    scoring = {n: lm.get_scorer(n)
               for n in ("neg_log_loss", "neg_brier_score", "neg_cross_entropy")}
    res, folds = _folds(_clf(), X, y, cv, scoring)
    (fitted, _), = folds
    proba = fitted.predict_proba(X[test])
    assert res["test_neg_log_loss"][0] == pytest.approx(
        -skm.log_loss(y[test], proba, labels=fitted.classes_), rel=RTOL)
    assert res["test_neg_brier_score"][0] == pytest.approx(
        -skm.brier_score_loss(y[test], proba, labels=fitted.classes_), rel=RTOL)
    assert abs(res["test_neg_cross_entropy"][0] - res["test_neg_log_loss"][0]) <= 1e-9
    with pytest.raises(ValueError, match="different number of classes"):
        skm.get_scorer("neg_log_loss")(fitted, X[test], y[test])


def _cancer_single_class_split(y):
    """PredefinedSplit: fold 0 tests only classes_[0], fold 1 only classes_[1]."""
    classes = np.unique(y)
    rng = np.random.default_rng(4)
    test_fold = np.full(len(y), -1)
    for k, c in enumerate(classes):
        test_fold[rng.choice(np.flatnonzero(y == c), 60, replace=False)] = k
    return PredefinedSplit(test_fold)


@pytest.mark.parametrize("labels", ["int", "strings", "pm1"])
@pytest.mark.parametrize("name", ["neg_log_loss", "neg_brier_score", "neg_cross_entropy",
                                  "neg_binary_cross_entropy"])
def test_binary_fold_with_one_class(name, labels):
    X, y = _cancer()
    if labels == "strings":
        X, y = _cancer_strings()
    elif labels == "pm1":
        y = 2 * y - 1
    cv = _cancer_single_class_split(y)
    res, folds = _folds(_clf(), X, y, cv, lm.get_scorer(name))
    for k, (score, (fitted, test)) in enumerate(zip(res["test_score"], folds)):
        assert np.all(y[test] == fitted.classes_[k])  # one class only
        assert np.isfinite(score) and score < 0
        assert score == pytest.approx(-_reference_loss(name, fitted, X[test], y[test]),
                                      rel=RTOL)
        if name == "neg_log_loss":
            proba = fitted.predict_proba(X[test])
            assert score == pytest.approx(
                -skm.log_loss(y[test], proba, labels=fitted.classes_), rel=RTOL)
        fitted_scorer_value = lm.get_scorer(name)(fitted, X[test], y[test])
        assert type(fitted_scorer_value) is float


def test_binary_fold_with_one_class_sklearn_log_loss_fails():
    X, y = _cancer()
    with pytest.raises(ValueError):
        cross_val_score(_clf(), X, y, cv=_cancer_single_class_split(y),
                        scoring="neg_log_loss", error_score="raise")


_UNKNOWN_LABEL_CASES = [
    (name, kind, unknown)
    for kind, unknown in [("digits", 42), ("digits_words", "ten"), ("cancer", 2),
                          ("cancer_strings", "other"), ("cancer_pm1", 0)]
    for name in ["neg_log_loss", "neg_brier_score", "neg_cross_entropy",
                 "neg_binary_cross_entropy"]
    # (binary cross-entropy of a multiclass target is an error anyway, see
    # test_binary_cross_entropy_rejects_multiclass_target)
    if not (name == "neg_binary_cross_entropy" and kind.startswith("digits"))
]


@pytest.mark.parametrize("name,kind,unknown", _UNKNOWN_LABEL_CASES)
def test_label_not_known_to_estimator_is_an_error(name, kind, unknown):
    """A test label the estimator never saw is reported, not silently mis-scored.

    The unknown label replaces a whole class, so that a binary test set still has
    two distinct labels (one of them not in ``estimator.classes_``).
    """
    estimator, X, y = _fitted(kind)
    y_bad = np.asarray(y, dtype=object).copy()
    y_bad[y_bad == estimator.classes_[1]] = unknown
    y_bad = np.asarray(y_bad.tolist())
    assert unknown not in set(estimator.classes_.tolist())
    assert len(np.unique(y_bad)) == len(np.unique(y))
    with pytest.raises(ValueError):
        lm.get_scorer(name)(estimator, X, y_bad)


# ------------------------------------------------------------- 7. string labels

@pytest.mark.parametrize("name,kind", [
    (name, kind)
    for kind in ["digits_words", "digits_gapped", "cancer_strings", "cancer_pm1"]
    for name in ["neg_log_loss", "neg_brier_score", "neg_cross_entropy",
                 "neg_binary_cross_entropy"]
    if not (name == "neg_binary_cross_entropy" and kind.startswith("digits"))
])
def test_relabelled_classification_folds(name, kind):
    estimator, X, y, cv = _problem(kind)
    res, folds = _folds(estimator, X, y, cv, lm.get_scorer(name))
    for score, (fitted, test) in zip(res["test_score"], folds):
        assert score == pytest.approx(-_reference_loss(name, fitted, X[test], y[test]),
                                      rel=RTOL)


@pytest.mark.parametrize("kind", ["digits", "digits_words", "digits_gapped"])
def test_binary_cross_entropy_rejects_multiclass_target(kind):
    """Binary cross-entropy is for binary and multilabel targets: a multiclass target
    is an error, not a silently wrong number."""
    estimator, X, y = _fitted(kind)
    with pytest.raises(ValueError):
        lm.get_scorer("neg_binary_cross_entropy")(estimator, X, y)


def test_binary_string_labels_brier_uses_estimator_positive_class():
    """scikit-learn's own neg_brier_score needs pos_label for string targets; ours
    takes classes_[1], the class whose probability predict_proba[:, 1] is."""
    estimator, X, y, cv = _problem("cancer_strings")
    res, folds = _folds(estimator, X, y, cv, lm.get_scorer("neg_brier_score"))
    for score, (fitted, test) in zip(res["test_score"], folds):
        assert fitted.classes_[1] == "malignant"
        p = fitted.predict_proba(X[test])[:, 1]
        expected = skm.brier_score_loss(y[test], p, pos_label="malignant")
        assert score == pytest.approx(-expected, rel=RTOL)


def test_pandas_string_target():
    X, y = _cancer_strings()
    Xdf = pd.DataFrame(X)
    ys = pd.Series(y, dtype=object)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    names = ["neg_log_loss", "neg_brier_score", "neg_cross_entropy",
             "neg_binary_cross_entropy"]
    res, folds = _folds(_clf(), Xdf, ys, cv, {n: lm.get_scorer(n) for n in names})
    for i, (fitted, test) in enumerate(folds):
        for name in names:
            expected = -_reference_loss(name, fitted, Xdf.iloc[test], y[test])
            assert res[f"test_{name}"][i] == pytest.approx(expected, rel=RTOL)
    sk = cross_val_score(_clf(), Xdf, ys, cv=cv, scoring="neg_log_loss")
    assert_allclose(res["test_neg_log_loss"], sk, rtol=RTOL, atol=0)
