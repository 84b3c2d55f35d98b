"""Scorers built on scikit-learn's ``_Scorer`` (the class ``make_scorer`` returns).

Imported only when a scorer is requested, so ``import lossmetrics`` does not
import scikit-learn.  What a scorer computes comes from the loss's
declaration: its ``scorer`` name, ``response_method`` and ``score`` adapter.
"""
import numpy as np
from sklearn.metrics._scorer import _Scorer

from lossmetrics._losses import LOSSES


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


def _plain(name):
    """The score function of a loss without a ``score`` adapter: the loss with
    ``sample_weight`` only (``classes`` is not used)."""
    func = LOSSES[name].function

    def score(y_true, y_pred, *, classes=None, sample_weight=None):
        return func(y_true, y_pred, sample_weight=sample_weight)

    # A module-level name, so that scorers pickle by reference.
    score.__name__ = name
    score.__qualname__ = f"_score_{name}"
    globals()[score.__qualname__] = score
    return score


_SCORE = {loss.scorer: loss.score or _plain(loss.name)
          for loss in LOSSES.values() if loss.scorer}


def make_lossmetrics_scorer(scorer_name):
    loss = next(loss for loss in LOSSES.values() if loss.scorer == scorer_name)
    sign = 1 if loss.greater_is_better else -1
    return LabelAwareScorer(_SCORE[scorer_name], sign, {}, loss.response_method)
