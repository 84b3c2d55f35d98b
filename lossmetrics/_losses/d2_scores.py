"""D² of classification: drop-ins for scikit-learn's d2_log_loss_score and
d2_brier_score.

Each is 1 - loss / null loss, the null model predicting every sample's
class with the (weighted) class proportions of ``y_true``.  The state is the
loss's own (log_loss's, brier_score_loss's kernel) with the number of rows
and the weight of each class: the null loss follows from those (no
N x C matrix of null probabilities), and two batches merge by addition.
"""
import numpy as np

from lossmetrics._core.declaration import Loss, public, sklearn_demo, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import undefined_metric_warning, warn
from lossmetrics._core.state import total, weighted_mean
from lossmetrics._core.validation import as_array, as_float_array, check_consistent_length
from lossmetrics._kernels import kernels
from lossmetrics._losses.brier import POS_LABEL, check_brier_score_loss
from lossmetrics._losses.labels import LabelSet
from lossmetrics._losses.log_loss import (
    BRIER_MODE, LABELS, LOG_LOSS_MODE, _prepare, _renamed_y_pred, check_log_loss,
    log_loss_state,
)

_UNDEFINED = "D^2 score is not well-defined with less than two samples."


def _fewer_than_two(y_true, y_proba, sample_weight):
    """scikit-learn's first checks of the D² scores: consistent lengths, then
    NaN with a warning for fewer than two samples (before any other check)."""
    if y_true is None or y_proba is None:
        return False   # the loss's own check names the missing argument
    arrays = [("y_proba", as_array(y_proba, "y_proba")), ("y_true", as_array(y_true, "y_true"))]
    if sample_weight is not None and not np.isscalar(sample_weight):
        arrays.append(("sample_weight", as_array(sample_weight, "sample_weight")))
    check_consistent_length(arrays)
    if arrays[0][1].ndim and 0 < arrays[0][1].shape[0] < 2:   # (empty: an error below)
        warn(_UNDEFINED, undefined_metric_warning())
        return True
    return False


def check_d2_log_loss_score(y_true, y_proba, *, sample_weight=None, n_threads=None,
                            labels=None):
    return _renamed(check_log_loss(y_true, y_proba, sample_weight=sample_weight,
                                   n_threads=n_threads, labels=labels), "d2_log_loss_score")


def check_d2_brier_score(y_true, y_proba, *, sample_weight=None, n_threads=None,
                         pos_label=None, labels=None):
    return _renamed(check_brier_score_loss(y_true, y_proba, sample_weight=sample_weight,
                                           n_threads=n_threads, pos_label=pos_label,
                                           labels=labels), "d2_brier_score")


def _renamed(checked, metric):
    checked.metric = metric
    checked.params.setdefault("binary_1d", False)   # (a label-indicator y_true)
    return checked


@takes_groups
def class_weight_state(checked, want_none=False, groups=None):
    """The loss's state (Σ w loss, Σ w), then the number of rows, then the
    weight of each class (column of y_proba), each a (hi, lo) row (with
    ``groups``, those of every group; None for an indicator y_true)."""
    state, _ = log_loss_state(checked, False, groups)   # raises the errors left to the kernel
    if state is None:
        return None, None
    p, sw = checked.params, checked.sample_weight
    if p["indicator"]:
        y = as_float_array(checked.y_true, "y_true")
        weights = np.zeros((y.shape[1], 2))
        weights[:, 0] = (sw @ y) if sw.size else y.sum(axis=0)
    else:
        enc = p["encoded"]
        n_columns = 2 if p["binary_1d"] else checked.y_pred.shape[1]
        weights = kernels("_class_kernels").class_weight_kernel(
            enc.codes, enc.offset, enc.lut, sw, n_columns, checked.n_threads, *(groups or ()))
    rows = np.zeros(state.shape[:-2] + (1, 2))
    rows[..., 0, 0] = (checked.y_true.shape[0] if groups is None
                       else np.bincount(groups[0], minlength=groups[1]))
    return np.concatenate([state, rows, weights], axis=-2), None


def _parts(state, metric):
    """(the model's weighted mean loss as (numerator, denominator) integers,
    the class weights, the total weight), or None after scikit-learn's
    warning for fewer than two samples."""
    if total(state, 2) < 2:
        warn(_UNDEFINED, undefined_metric_warning())
        return None
    weight = total(state, 1)
    weighted_mean(total(state, 0), weight, metric)   # raises for a zero total weight
    # The model's mean loss and the class weights, exact from their (hi, lo) sums.
    (num, den), _ = kernels("_exact").exact_rows(np.ascontiguousarray(state[:2]))
    return (num, den), state[3:, 0] + state[3:, 1], weight


def _null_terms(mode, class_weights, weight, binary_1d):
    """Each class's loss under the null model, by the loss's own kernel: one
    row per class, every row the class proportions (float64, as scikit-learn
    forms them; a 1-D y_proba: the proportion of the positive class, its
    complement formed as for the model's), so that a model predicting
    exactly those proportions scores 0.0."""
    n = class_weights.shape[0]
    proportions = np.tile(class_weights / weight, (n, 1))
    if binary_1d:
        proportions = np.ascontiguousarray(proportions[:, 1:])
    codes = np.arange(n, dtype=np.int64)
    _, terms, *_ = kernels("_class_kernels").label_proba_kernel(
        mode, proportions, codes, 0, codes, binary_1d, np.empty(0), np.inf, True, 1)
    return terms


def _d2(mode, state, params, metric):
    parts = _parts(state, metric)
    if parts is None:
        return float("nan")
    (loss_num, loss_den), class_weights, weight = parts
    terms = _null_terms(mode, class_weights, weight, params["binary_1d"])
    # null = (null_num / 2**c) / (p / q), the mean loss of the null model;
    # loss / null = (loss_num * p * 2**c) / (loss_den * null_num * q).
    (null_num, c), (p, q) = (kernels("_exact").exact_dot(class_weights, terms),
                             weight.as_integer_ratio())
    if null_num == 0:   # a single class (Brier): -inf or NaN, with NumPy's warning
        with np.errstate(all="warn"):
            return float(1 - np.float64(loss_num / loss_den) / np.float64(0.0))
    # score = 1 - loss / null = (den - num) / den in integers (den > 0: the
    # weights and the null terms are positive), rounded once by Python's
    # correctly rounded int division.  The model's sum adds products
    # w * loss each rounded (relative error eps / 2), so a score within eps
    # of 0 cannot be told from the null model's own: 0.0, as scikit-learn
    # gives it there.
    num = (loss_num * p) << c
    den = (loss_den * null_num) * q
    if abs(den - num) << _EPS_BITS <= den:
        return 0.0
    return (den - num) / den


_EPS_BITS = 52   # (float64's eps = 2**-52)


def d2_log_loss_result(state, params, metric):
    return _d2(LOG_LOSS_MODE, state, params, metric)


def d2_brier_result(state, params, metric):
    return _d2(BRIER_MODE, state, params, metric)


def _score(function):
    def score(y_true, y_proba, *, classes=None, sample_weight=None):
        if classes is not None and np.ndim(y_proba) == 1 and function is d2_brier_score:
            return function(y_true, y_proba, pos_label=classes[-1],
                            sample_weight=sample_weight)
        return function(y_true, y_proba, labels=classes, sample_weight=sample_weight)
    score.__name__ = score.__qualname__ = f"_score_{function.__name__}"
    globals()[score.__qualname__] = score   # picklable by reference
    return score


D2_LOG_LOSS_SCORE = Loss(
    name="d2_log_loss_score", dtype_dependent=True,
    check=check_d2_log_loss_score, state=class_weight_state, result=d2_log_loss_result,
    result_keys=("binary_1d",), options=(LABELS,), target="class labels",
    prediction="probabilities",
    reference="sklearn.metrics.d2_log_loss_score",
    example=("[0, 1, 1, 0]", "[[.9, .1], [.2, .8], [.3, .7], [.6, .4]]"),
    scorer="d2_log_loss_score", response_method="predict_proba",
    greater_is_better=True, labels=LabelSet(), prepare=_prepare,
    demo=sklearn_demo("d2_log_loss_score", "labels", "proba"),
)
D2_BRIER_SCORE = Loss(
    name="d2_brier_score", dtype_dependent=True,
    check=check_d2_brier_score, state=class_weight_state, result=d2_brier_result,
    result_keys=("binary_1d",), options=(POS_LABEL, LABELS), target="class labels",
    prediction="probabilities", reference="sklearn.metrics.d2_brier_score",
    example=("[0, 1, 1, 0]", "[.1, .8, .7, .4]"),
    scorer="d2_brier_score", response_method="predict_proba",
    greater_is_better=True, labels=LabelSet(binary_pos_label=True),
    demo=sklearn_demo("d2_brier_score", "labels", "proba"),
)


@public(D2_LOG_LOSS_SCORE)
def d2_log_loss_score(y_true, y_proba=None, *, sample_weight=None, labels=None,
                      n_threads=None, y_pred="deprecated"):
    """D² of the log loss: the fraction of log loss explained; a drop-in for
    scikit-learn's.

    ``1 - log_loss(y_true, y_proba) / log_loss(y_true, null)``, where the null
    model predicts the (weighted) class proportions of ``y_true`` for every
    sample: 1.0 is best, 0.0 is no better than the class frequencies, and it
    can be negative.  With fewer than two samples it is undefined: NaN, with
    scikit-learn's ``UndefinedMetricWarning``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of any type, or a 0/1 label-indicator matrix.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, columns in sorted label order (a 1-D array:
        the probability of the greater label).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    labels : array-like, default=None
        All class labels; inferred from ``y_true`` if None.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.
    y_pred : array-like, deprecated
        Former name of ``y_proba`` (as in scikit-learn 1.9).

    Returns
    -------
    d2 : float

    Examples
    --------
    >>> from lossmetrics import d2_log_loss_score
    >>> round(d2_log_loss_score([0, 1, 1, 0], [[.9, .1], [.2, .8], [.3, .7], [.6, .4]]), 6)
    0.568633
    """
    y_proba = _renamed_y_pred(y_proba, y_pred)
    if _fewer_than_two(y_true, y_proba, sample_weight):
        return float("nan")
    return evaluate(D2_LOG_LOSS_SCORE, y_true, y_proba, sample_weight, n_threads,
                    labels=labels)


@public(D2_BRIER_SCORE)
def d2_brier_score(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                   n_threads=None):
    """D² of the Brier score (the Brier skill score); a drop-in for scikit-learn's.

    ``1 - brier(y_true, y_proba) / brier(y_true, null)``, where the null model
    predicts the (weighted) class proportions of ``y_true`` for every sample.
    With fewer than two samples it is undefined: NaN, with scikit-learn's
    ``UndefinedMetricWarning``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities; a 1-D array is the probability of ``pos_label``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    pos_label : int, float, bool or str, default=None
        The positive class of a binary problem (scikit-learn's rules).
    labels : array-like, default=None
        All class labels of a multiclass problem; inferred from ``y_true`` if None.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    d2 : float

    Examples
    --------
    >>> from lossmetrics import d2_brier_score
    >>> round(d2_brier_score([0, 1, 1, 0], [.1, .8, .7, .4]), 6)
    0.7
    """
    if _fewer_than_two(y_true, y_proba, sample_weight):
        return float("nan")
    return evaluate(D2_BRIER_SCORE, y_true, y_proba, sample_weight, n_threads,
                    pos_label=pos_label, labels=labels)


_SCORE_LOG_LOSS = _score(d2_log_loss_score)
_SCORE_BRIER = _score(d2_brier_score)
D2_LOG_LOSS_SCORE.score = _SCORE_LOG_LOSS
D2_BRIER_SCORE.score = _SCORE_BRIER
