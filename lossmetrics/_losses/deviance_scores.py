"""D² of the Tweedie deviance: a drop-in for scikit-learn's d2_tweedie_score.

``1 - deviance(y, y_pred) / deviance(y, mean(y))``: two passes, the second
needing the (weighted) mean of y_true from the first, so its state does not
merge batch by batch (``Accumulator`` refuses it, saying so); in memory and on
Dask arrays it is computed in the same two rounds (``_core.rounds``).
"""
import numpy as np

from lossmetrics._core.declaration import Loss, public
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import undefined_metric_warning, warn
from lossmetrics._core.rounds import Rounds, run
from lossmetrics._core.state import all_finite, weighted_mean
from lossmetrics._core.validation import CheckedInputs, in_batches
from lossmetrics._kernels import kernels
from lossmetrics._losses.lean import NO_WEIGHTS, lean_param, pair_state, plain_vectors
from lossmetrics._losses.regression import (
    POWER, _check_deviance, _check_power, _in_domain, check_deviance_domain, regression_state,
)
from lossmetrics._losses.variance_scores import merge_moments


class UndefinedScoreError(ValueError, ZeroDivisionError):
    """A score whose denominator is zero: a ValueError (lossmetrics's rule for
    bad input), and the ZeroDivisionError scikit-learn raises there."""


def check_d2_tweedie_score(y_true, y_pred, *, sample_weight=None, n_threads=None, power=0):
    power = _check_power(power, "d2_tweedie_score")
    checked = _check_deviance("d2_tweedie_score", y_true, y_pred, sample_weight, n_threads,
                              power, multioutput_name="d2_tweedie_score", domain=False)
    # scikit-learn returns NaN for fewer than two samples before it checks
    # the domain of the power; a batch (a chunk of a longer input) is checked
    # whatever its size.
    checked.params["n_samples"] = checked.y_true.shape[0]
    if checked.y_true.shape[0] >= 2 or in_batches():
        check_deviance_domain(checked, power)
    return checked


def _chunk(checked, r, context):
    """Pass 0: the moments of y_true (for its weighted mean) and the model's
    deviance; pass 1: the deviance of the mean."""
    if r == 0:
        moments = kernels("_moment_kernels").moments_kernel(
            checked.y_true, checked.y_true, checked.sample_weight, checked.n_threads)
        return {"moments": moments, "model": regression_state("TWEEDIE", checked)[0]}
    y = checked.y_true
    mean = np.full((1, 1), context["mean"])
    null, _ = regression_state("TWEEDIE", CheckedInputs(
        checked.metric, y, np.broadcast_to(mean, y.shape), checked.sample_weight,
        checked.n_threads, checked.params))
    return {"null": null}


def _advance(r, context, merged, params):
    if r == 0:
        return {"mean": _weighted_mean(merged["moments"]), "model": merged["model"]}
    return np.array([_mean(context["model"]), _mean(merged["null"])])


def _weighted_mean(moments):
    """The weighted mean of y_true, rounded once (from the moment kernel's
    sums about the first value, shift + total / weight, in exact integer
    arithmetic: a quotient of integers is correctly rounded)."""
    rows, _ = kernels("_exact").exact_rows(np.ascontiguousarray(moments))
    total, weight = rows[1], rows[-1]
    if weight == 0:
        weighted_mean(0.0, 0.0, "d2_tweedie_score")   # raises: every weight is zero
    n, d = float(moments[0, 0]).as_integer_ratio()
    return (n * weight + total * d) / (d * weight)


ROUNDS = Rounds(2, _chunk, _advance, {"moments": merge_moments})


def d2_tweedie_state(checked, want_none=False):
    """(the model's mean deviance, the mean deviance of the mean of y_true)."""
    if checked.params["n_samples"] < 2:
        return np.zeros(2), None
    return run(ROUNDS, checked), None


def _mean(state):
    return (state[0, 0] + state[0, 1]) / (state[-1, 0] + state[-1, 1])


def d2_tweedie_result(state, params, metric):
    if params["n_samples"] < 2:
        warn("D^2 score is not well-defined with less than two samples.",
             undefined_metric_warning())
        return float("nan")
    numerator, denominator = state
    if denominator == 0:
        raise UndefinedScoreError(
            "float division by zero: d2_tweedie_score is undefined where the deviance "
            "of the mean prediction is 0 (y_true constant, or all 0 for power >= 1).")
    return float(1 - numerator / denominator)


def _lean_d2_tweedie(y_true, y_pred, **options):
    """d2_tweedie_score of two small plain float64 vectors of at least two
    values, or None (the declarations' fast path, see
    lossmetrics/_losses/lean.py): the generic path's two rounds, their
    kernels run serially (the same sums); values outside the power's domain
    or not finite, and fewer than two values go to the generic path, which
    warns or raises; a zero null deviance raises the generic path's error."""
    power = lean_param(options, ("power", _check_d2_power, 0))
    if (power is None or not plain_vectors(y_true, y_pred) or y_true.shape[0] < 2
            or ((power < 0 or power >= 1)
                and not _in_domain(power, y_true.min(), y_pred.min()))):
        return None
    model = pair_state("TWEEDIE", y_true, y_pred, float(power))
    moments = kernels("_moment_kernels").moments_kernel(y_true[:, None], y_true[:, None],
                                                        NO_WEIGHTS, 1)
    if model is None or not all_finite(moments):
        return None
    null = pair_state("TWEEDIE", y_true, np.full(y_true.shape[0], _weighted_mean(moments)),
                      float(power))
    if null is None:
        return None
    return d2_tweedie_result((_mean(model), _mean(null)),
                             {"n_samples": y_true.shape[0]}, "d2_tweedie_score")


def _check_d2_power(power):
    return _check_power(power, "d2_tweedie_score")


D2_TWEEDIE_SCORE = Loss(
    name="d2_tweedie_score", check=check_d2_tweedie_score, state=d2_tweedie_state,
    result=d2_tweedie_result, result_keys=("n_samples",), options=(POWER,),
    target="values", prediction="values", reference="sklearn.metrics.d2_tweedie_score",
    example=("[0.5, 1.0, 2.5, 7.0]", "[1.0, 1.0, 5.0, 3.5]"),
    greater_is_better=True, rounds=ROUNDS, fast=_lean_d2_tweedie,
    unmergeable="the deviance of the mean of y_true needs that mean first, from all the rows",
    demo=lambda d: _demo(d),
)


def _demo(d):
    import sklearn.metrics as skm

    return [("d2_tweedie_score (power 0)", lambda: d2_tweedie_score(d.targets, d.predictions),
             "sklearn", lambda: skm.d2_tweedie_score(d.targets, d.predictions))]


@public(D2_TWEEDIE_SCORE)
def d2_tweedie_score(y_true, y_pred, *, sample_weight=None, power=0, n_threads=None):
    """D² of the Tweedie deviance; a drop-in for scikit-learn's.

    ``1 - D(y_true, y_pred) / D(y_true, mean(y_true))``, ``D`` the mean
    Tweedie deviance of power ``power``: the fraction of deviance explained,
    the GLM analogue of R² (``power=0`` is R²).  1.0 is best; predicting the
    mean scores 0.0.  Fewer than two samples give NaN with scikit-learn's
    ``UndefinedMetricWarning``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Targets, in the domain of the power (see mean_tweedie_deviance).
    y_pred : array-like of shape (n_samples,)
        Predicted means.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    power : float, default=0
        The Tweedie power, <= 0 or >= 1 (0 normal, 1 Poisson, 2 Gamma).
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        Also a ZeroDivisionError, as scikit-learn's, where the deviance of the
        mean is 0 (a constant ``y_true``).

    Examples
    --------
    >>> from lossmetrics import d2_tweedie_score
    >>> round(d2_tweedie_score([0.5, 1, 2.5, 7], [1, 1, 5, 3.5], power=1), 6)
    0.487915
    """
    return evaluate(D2_TWEEDIE_SCORE, y_true, y_pred, sample_weight, n_threads, power=power)
