"""brier_score_loss: a drop-in for ``sklearn.metrics.brier_score_loss`` (1.9)."""
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import Option
from lossmetrics._core.state import total, weighted_mean
from lossmetrics._core.validation import CheckedInputs
from lossmetrics._kernels import kernels
from lossmetrics._losses.labels import (
    EncodedLabels, LabelSet, binary_pos_label, encode, label_indices,
)
from lossmetrics._losses.lean import plain_vectors
from lossmetrics._losses.log_loss import (
    LABELS,
    BRIER_MODE, check_label_vector, check_multiclass, check_proba_array, log_loss_state,
)


def _check_scale_by_half(scale_by_half):
    if isinstance(scale_by_half, str) and scale_by_half == "auto":
        return scale_by_half
    if isinstance(scale_by_half, (bool, np.bool_)):
        return bool(scale_by_half)
    raise InvalidParameterError(
        "The 'scale_by_half' parameter of brier_score_loss must be an instance of "
        "'bool' or an instance of 'numpy.bool' or a str among {'auto'}. "
        f"Got {scale_by_half!r} instead."
    )


def _check_pos_label(pos_label):
    if pos_label is None or isinstance(pos_label, (numbers.Real, str, bool, np.bool_)):
        return pos_label
    raise InvalidParameterError(
        "The 'pos_label' parameter of brier_score_loss must be an instance of 'float', "
        "an instance of 'str', an instance of 'bool' or an instance of 'numpy.bool' or "
        f"None. Got {pos_label!r} instead."
    )


def _check_binary(y, proba, sw, n_threads, pos_label, params):
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"y_true should be a 1d array, got an array of shape {y.shape} instead."
        )
    if y.dtype.kind == "f" and not np.all(y == np.floor(y)):
        raise ValueError(
            "The type of the target inferred from y_true is continuous but should be "
            "binary according to the shape of y_prob."
        )
    enc = encode(y, None, n_threads)
    if enc.classes.shape[0] > 2:
        raise ValueError(
            "The type of the target inferred from y_true is multiclass but should be "
            f"binary according to the shape of y_prob. y_true has {enc.classes.shape[0]} "
            "classes."
        )
    pos = binary_pos_label(enc.classes, pos_label)
    try:
        is_pos = np.asarray(enc.classes == pos, dtype=bool).reshape(-1)
    except (TypeError, ValueError):
        is_pos = np.zeros(enc.classes.shape[0], dtype=bool)
    # The kernel's look-up table sends each class to column 1 (the positive
    # label) or 0: that is scikit-learn's binary one-hot encoding.
    lut = np.full(enc.lut.shape[0], -1, dtype=np.int64)
    valid = enc.lut >= 0
    lut[valid] = is_pos[enc.lut[valid]].astype(np.int64)
    enc2 = EncodedLabels(enc.codes, enc.offset, lut, enc.classes)
    p2 = proba[:, None] if proba.ndim == 1 else proba
    return CheckedInputs("brier_score_loss", enc2.codes, p2, sw, n_threads,
                         dict(params, indicator=False, encoded=enc2, binary_1d=True,
                              rowsum_tol=np.inf, pos_label=pos))


def check_brier_score_loss(y_true, y_proba, *, sample_weight=None, n_threads=None,
                           pos_label=None, labels=None, scale_by_half="auto"):
    scale_by_half = SCALE_BY_HALF.check(scale_by_half)
    pos_label = POS_LABEL.check(pos_label)
    # scikit-learn's binary path says "less than 0", its multiclass path "lower than 0".
    proba, n_threads = check_proba_array(
        y_true, y_proba, "brier_score_loss", n_threads,
        lower_word=lambda p: "less than" if p.ndim == 1 or p.shape[1] == 1 else "lower than")
    binary = proba.ndim == 1 or proba.shape[1] == 1
    # scikit-learn's binary path checks y_true with assert_all_finite (no name).
    y, sw = check_label_vector(y_true, proba, sample_weight, n_threads,
                               sklearn_name="" if binary else "y")
    if scale_by_half == "auto":
        scale_by_half = binary or proba.shape[1] < 3
    params = dict(mode=BRIER_MODE, scale_by_half=scale_by_half, normalize=True)
    if binary:
        return _check_binary(y, proba, sw, n_threads, pos_label, params)
    return check_multiclass("brier_score_loss", y, proba, sw, n_threads, labels, params)


def brier_result(state, params, metric="brier_score_loss"):
    """The Brier score from its reduced state (halved where scale_by_half)."""
    score = weighted_mean(total(state, 0), total(state, 1), metric)
    return 0.5 * score if params["scale_by_half"] else score


def _score_brier(y_true, y_proba, *, classes=None, sample_weight=None):
    """Scorer: the labels are the fitted estimator's classes_; a 1-D y_proba is
    the probability of the last one (predict_proba's second column)."""
    if classes is not None and np.ndim(y_proba) == 1:
        label_indices(y_true, classes)  # every label must be one the estimator knows
        return brier_score_loss(y_true, y_proba, pos_label=classes[-1],
                                sample_weight=sample_weight)
    return brier_score_loss(y_true, y_proba, labels=classes, sample_weight=sample_weight)


def _demo(d):
    import sklearn.metrics as skm

    return [("brier_score_loss", lambda: brier_score_loss(d.labels, d.proba), "sklearn",
             lambda: skm.brier_score_loss(d.labels, d.proba)),
            ("brier_score_loss (binary)",
             lambda: brier_score_loss(d.binary_labels, d.binary_proba), "sklearn",
             lambda: skm.brier_score_loss(d.binary_labels, d.binary_proba))]


POS_LABEL = Option("pos_label", "the positive class of a binary problem", metavar="LABEL",
                   check=_check_pos_label)
SCALE_BY_HALF = Option("scale_by_half", "halve the score (default auto: for binary problems)",
                       metavar=None, choices=("true", "false", "auto"),
                       parse=lambda v: {"true": True, "false": False}.get(v, v),
                       check=_check_scale_by_half)

_HALF = dict(scale_by_half=True)


def _lean_brier(y_true, y_proba, pos_label=None, labels=None, scale_by_half="auto"):
    """The binary Brier score of a small call without options, or None: int64
    labels in {0, 1} or {-1, 1} (the positive class 1) and a float64 vector
    of probabilities in [0, 1] (see lossmetrics/_losses/lean.py).  One kernel
    call checks both and sums the generic kernel's terms in its lanes and
    blocks (the same bits); any other input goes to the generic path, which
    decides or raises."""
    if not (pos_label is None and labels is None and isinstance(scale_by_half, str)
            and scale_by_half == "auto"
            and plain_vectors(y_true, y_proba, (np.int64, np.float64), work=1)):
        return None
    state = kernels("_class_kernels").small_brier_binary_state(y_true, y_proba)
    return None if state is None else brier_result(state, _HALF)


BRIER_SCORE_LOSS = Loss(
    name="brier_score_loss", dtype_dependent=True,
    check=check_brier_score_loss, state=log_loss_state,
    result=brier_result, result_keys=("scale_by_half",),
    options=(POS_LABEL, LABELS, SCALE_BY_HALF), target="class labels", prediction="probabilities",
    reference="sklearn.metrics.brier_score_loss",
    example=("[0, 1, 1, 0]", "[.1, .8, .7, .4]"), scorer="neg_brier_score",
    response_method="predict_proba", score=_score_brier,
    labels=LabelSet(binary_pos_label=True), fast=_lean_brier, demo=_demo,
)


@public(BRIER_SCORE_LOSS)
def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                     scale_by_half="auto", n_threads=None):
    """Brier score loss; a drop-in for :func:`sklearn.metrics.brier_score_loss` (1.9).

    The (weighted) mean over samples of ``sum_c (onehot_c - p_c)^2``, halved
    when ``scale_by_half`` (by default for binary problems, so that the
    binary score is the mean squared error of the positive-class probability).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities; a 1-D array is the probability of ``pos_label``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    pos_label : int, float, bool or str, default=None
        The positive class of a binary problem: 1 when ``y_true`` is in
        {0, 1} or {-1, 1}, else the greater label (an error for strings).
    labels : array-like, default=None
        All class labels of a multiclass problem; inferred from ``y_true`` if None.
    scale_by_half : bool or 'auto', default='auto'
        Halve the score; 'auto' halves for a 1-D ``y_proba`` or fewer than 3 columns.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from lossmetrics import brier_score_loss
    >>> y_true = np.array([0, 1, 1, 0])
    >>> y_prob = np.array([0.1, 0.9, 0.8, 0.3])
    >>> round(brier_score_loss(y_true, y_prob), 6)
    0.0375
    >>> round(brier_score_loss(["spam", "ham", "ham", "spam"], y_prob, pos_label="ham"), 6)
    0.0375
    >>> round(brier_score_loss(["eggs", "ham", "spam"],
    ...                        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]],
    ...                        labels=["eggs", "ham", "spam"]), 6)
    0.146667
    """
    return evaluate(BRIER_SCORE_LOSS, y_true, y_proba, sample_weight, n_threads,
                    pos_label=pos_label, labels=labels, scale_by_half=scale_by_half)
