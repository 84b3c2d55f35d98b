"""Scorers built on scikit-learn's ``_Scorer`` (the class ``make_scorer`` returns).

Imported only when a scorer is requested, so ``import lossmetrics`` does not
import scikit-learn.
"""
import numpy as np
from sklearn.metrics._scorer import _Scorer

import lossmetrics as lm
from lossmetrics._registry import LOSSES


class LabelAwareScorer(_Scorer):
    """``make_scorer``'s scorer that also hands ``estimator.classes_`` to the loss.

    scikit-learn's own classification scorers infer the labels from the test
    fold, so a fold lacking a class fails ("y_true and y_prob contain
    different number of classes"); the fitted estimator knows them all.
    """

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        classes = getattr(estimator, "classes_", None)
        if classes is not None and not isinstance(classes, list):
            kwargs["classes"] = np.asarray(classes)
        return super()._score(method_caller, estimator, X, y_true, **kwargs)


def _label_indices(y_true, classes):
    """Column of each label in ``classes`` (sorted), with a clear error if missing."""
    y = np.asarray(y_true)
    classes = np.unique(y) if classes is None else classes
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    missing = classes[idx] != y
    if np.any(missing):
        where = int(np.argmax(missing))
        raise ValueError(
            f"y_true contains the label {y[where]!r} (index {where}), which is not one "
            f"of the estimator's classes {classes.tolist()}."
        )
    return idx, classes


def _log_loss(y_true, y_proba, *, classes=None, sample_weight=None):
    return lm.log_loss(y_true, y_proba, labels=classes, sample_weight=sample_weight)


def _brier(y_true, y_proba, *, classes=None, sample_weight=None):
    if classes is not None and np.ndim(y_proba) == 1:
        _label_indices(y_true, classes)  # every label must be one the estimator knows
        return lm.brier_score_loss(y_true, y_proba, pos_label=classes[-1],
                                   sample_weight=sample_weight)
    return lm.brier_score_loss(y_true, y_proba, labels=classes, sample_weight=sample_weight)


def _cross_entropy(y_true, y_score, *, classes=None, sample_weight=None):
    """Multiclass logits (N, C), or the binary logit of classes_[1] (N,)."""
    idx, classes = _label_indices(y_true, classes)
    if np.ndim(y_score) == 1:
        return lm.binary_cross_entropy_with_logits(
            (idx == 1).astype(np.float64), y_score, sample_weight=sample_weight)
    return lm.cross_entropy(idx, y_score, sample_weight=sample_weight)


def _binary_cross_entropy(y_true, y_proba, *, classes=None, sample_weight=None):
    """Binary (probability of classes_[1]) or multilabel (indicator y_true)."""
    y = np.asarray(y_true)
    if np.ndim(y_proba) == 1 and y.ndim == 1:
        idx, _ = _label_indices(y, classes)
        y = (idx == 1).astype(np.float64)
    return lm.binary_cross_entropy(y, y_proba, sample_weight=sample_weight)


def _plain(name):
    func = LOSSES[name].function

    def score(y_true, y_pred, *, classes=None, sample_weight=None):
        return func(y_true, y_pred, sample_weight=sample_weight)

    score.__name__ = name
    return score


_ADAPTERS = {
    "log_loss": _log_loss,
    "brier_score_loss": _brier,
    "cross_entropy": _cross_entropy,
    "binary_cross_entropy": _binary_cross_entropy,
}


def _score_function(loss_name):
    if loss_name in _ADAPTERS:
        return _ADAPTERS[loss_name]
    return _PLAIN[loss_name]


# Module-level functions so that scorers pickle by reference.
_PLAIN = {}
for _name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
              "huber_loss", "smooth_l1_loss"):
    _func = _plain(_name)
    _func.__qualname__ = f"_score_{_name}"
    globals()[f"_score_{_name}"] = _func
    _PLAIN[_name] = _func


def make_lossmetrics_scorer(scorer_name):
    spec = next(s for s in LOSSES.values() if s.scorer == scorer_name)
    return LabelAwareScorer(_score_function(spec.name), -1, {}, spec.response_method)
