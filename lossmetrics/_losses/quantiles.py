"""The regression metrics built on (weighted) quantiles: drop-ins for
scikit-learn's median_absolute_error, d2_pinball_score and
d2_absolute_error_score.

A quantile is not a sum: these metrics have no state that merges batch by
batch (``Accumulator`` refuses them, saying so).  The quantiles follow
scikit-learn's definitions exactly: ``np.median`` for the unweighted median,
and its weighted "averaged inverted CDF" (``_weighted_percentile`` with
``average=True``) otherwise (the same value: the middle order statistic, or
the mean of the two middle ones).  In memory, unweighted quantiles select
the two order statistics they need (``selection.order_statistics``:
parallel histograms of the keys' digits, then ``np.partition`` of a few
percent of the values; linear time) instead of sorting; on Dask arrays the
same quantiles are found in passes over the chunks (``selection``: a
histogram of the values' bit patterns per pass).
"""
import functools
import inspect
import math

import numpy as np

from lossmetrics._core.declaration import Loss, public, sklearn_demo
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import undefined_metric_warning, warn
from lossmetrics._core.rounds import Rounds
from lossmetrics._core.validation import as_array
from lossmetrics._losses.elementwise import ALPHA
from lossmetrics._losses.lean import lean_param, lean_state, plain_vectors
from lossmetrics._losses.regression import (
    MULTIOUTPUT, _average_outputs, _check_quantile, _check_regression, regression_state,
)
from lossmetrics._losses.selection import (
    HISTOGRAM_PASSES, MERGERS, order_statistics, passes,
)

_EPS = np.finfo(np.float64).eps


def weighted_quantile(values, weights, alpha, n_threads=1, x=None):
    """scikit-learn's ``_weighted_percentile(values, weights, alpha * 100,
    average=True)`` of a 1-D float64 array without NaN, or of
    ``np.abs(x - values)`` when x is given (weights None: unit weights; their
    two order statistics found on n_threads threads)."""
    n = values.shape[0]
    rank = np.float64(alpha * 100) / 100     # scikit-learn's percentile_rank / 100
    if weights is None:
        # The CDF of unit weights is 1, 2, ..., n: the index is arithmetic.
        target = rank * n
        if target == 0:
            target = np.nextafter(target, target + 1)
        i = min(max(int(np.ceil(target)) - 1, 0), n - 1)
        above = (i + 1) - target > _EPS
        j = min(i + 1, n - 1)
        lower, upper = order_statistics(values, i, j, n_threads, x)
        return lower if above else (lower + upper) / 2
    if x is not None:
        values = np.abs(x - values)
    order = np.argsort(values, kind="stable")
    sorted_values, sorted_weights = values[order], weights[order]
    cdf = np.cumsum(sorted_weights)
    target = rank * cdf[-1]
    if target == 0:
        target = np.nextafter(target, target + 1)
    i = min(int(np.searchsorted(cdf, target)), n - 1)
    above = cdf[i] - target > _EPS
    j = min(i + 1, n - 1)
    if sorted_weights[j] == 0:
        # The next value of nonzero weight (scikit-learn's rule).
        k = int(np.searchsorted(cdf, cdf[i], side="right"))
        j = i if k > n - 1 else k
    return sorted_values[i] if above else (sorted_values[i] + sorted_values[j]) / 2


def _columns(checked):
    y, x = checked.y_true, checked.y_pred
    return [(np.asarray(y[:, j], dtype=np.float64), np.asarray(x[:, j], dtype=np.float64))
            for j in range(y.shape[1])]


def median_state(checked, want_none=False):
    """The per-output medians of |y_true - y_pred| (not a mergeable state)."""
    checked.run_deferred()   # NaN and infinity: the errors scikit-learn raises
    sw = checked.sample_weight if checked.sample_weight.size else None
    # (unweighted: np.median's value, from one partition without its overhead)
    medians = [weighted_quantile(y, sw, 0.5, checked.n_threads, x=x)
               for y, x in _columns(checked)]
    return np.array(medians), None


def _lean_median(y_true, y_pred, multioutput="uniform_average"):
    """The median absolute error of small plain float64 vectors, one output,
    or None (the declarations' fast path, see lossmetrics/_losses/lean.py):
    the generic path's quantile of the same errors; a NaN, an infinity or
    errors whose sum overflows go to the generic path, which raises."""
    if not (isinstance(multioutput, str) and multioutput == "uniform_average"
            and plain_vectors(y_true, y_pred)):
        return None
    with np.errstate(over="ignore"):
        errors = np.abs(y_pred - y_true)
        if not math.isfinite(errors.sum()):
            return None
    return float(weighted_quantile(errors, None, 0.5))


def _absolute_errors(checked):
    return [np.abs(x - y) for y, x in _columns(checked)]


def _targets(checked):
    return [y for y, _ in _columns(checked)]


def _median_rounds():
    """median_absolute_error in passes (Dask): the quantile passes over the
    absolute errors; the state, the medians."""
    chunk, advance = passes(_absolute_errors, lambda params: 0.5, "median_absolute_error")

    def first(checked, r, context):
        if r == 0:
            checked.run_deferred()
        return chunk(checked, r, context)

    def last(r, context, merged, params):
        context = advance(r, context, merged, params)
        return context["quantiles"] if r == HISTOGRAM_PASSES else context

    return Rounds(HISTOGRAM_PASSES + 1, first, last, MERGERS)


def _d2_pinball_rounds(metric):
    """The pinball D² in passes (Dask): the model's pinball state with the
    first quantile pass over y_true, then the null state against the quantiles."""
    chunk, advance = passes(_targets, lambda params: params["param"], metric)

    def each(checked, r, context):
        if r == 0:
            checked.run_deferred()
            return dict(chunk(checked, r, context),
                        model=regression_state("PINBALL", checked)[0])
        if r <= HISTOGRAM_PASSES:
            return chunk(checked, r, context)
        return {"null": _null_state(checked, context["quantiles"])}

    def after(r, context, merged, params):
        if r == 0:
            return dict(advance(r, context, merged, params), model=merged["model"])
        if r <= HISTOGRAM_PASSES:
            return dict(advance(r, context, merged, params), model=context["model"])
        return np.stack([_means(context["model"]), _means(merged["null"])])

    return Rounds(HISTOGRAM_PASSES + 2, each, after, MERGERS)


def median_result(medians, params, metric):
    return _average_outputs(medians, params["multioutput"])


def d2_pinball_state(checked, want_none=False):
    """Per output: the model's mean pinball loss, and that of the constant
    ``alpha``-quantile of y_true (both by the pinball kernel)."""
    checked.run_deferred()
    alpha = checked.params["param"]
    model, _ = regression_state("PINBALL", checked)
    sw = checked.sample_weight if checked.sample_weight.size else None
    y = checked.y_true
    quantiles = np.array([weighted_quantile(np.asarray(y[:, j], dtype=np.float64), sw, alpha,
                                            checked.n_threads) for j in range(y.shape[1])])
    return np.stack([_means(model), _means(_null_state(checked, quantiles))]), None


def _null_state(checked, quantiles):
    """The pinball state of the constant prediction ``quantiles``."""
    y = checked.y_true
    null, _ = regression_state("PINBALL", checked.__class__(
        checked.metric, y, np.broadcast_to(quantiles, y.shape), checked.sample_weight,
        checked.n_threads, checked.params))
    return null


def _means(state):
    sums = state[:-1, 0] + state[:-1, 1]
    return sums / (state[-1, 0] + state[-1, 1])


def d2_pinball_result(state, params, metric):
    if params["n_samples"] < 2:
        warn("D^2 score is not well-defined with less than two samples.",
             undefined_metric_warning())
        return float("nan")
    num, den = state
    # scikit-learn's force_finite rules: 1.0 for a perfect fit, 0.0 for a
    # constant y_true that is not fitted perfectly.
    scores = np.ones(num.shape[0])
    valid = (num != 0) & (den != 0)
    scores[valid] = 1 - num[valid] / den[valid]
    scores[(num != 0) & (den == 0)] = 0.0
    return _average_outputs(scores, params["multioutput"])


def _lean_d2(metric, alpha_option, y_true, y_pred, multioutput="uniform_average",
             **options):
    """The pinball D² (``alpha_option``: d2_pinball_score's alpha, or None for
    the median's 0.5) of small plain float64 vectors, one output, at least
    two samples, or None (the declarations' fast path, see
    lossmetrics/_losses/lean.py): the generic path's two pinball states, by
    the pinball kernel's lanes, and its quantile; a non-finite state goes to
    the generic path, which raises."""
    if not (isinstance(multioutput, str) and multioutput == "uniform_average"):
        return None
    alpha = lean_param(options, alpha_option, 0.5)
    if alpha is None or not plain_vectors(y_true, y_pred) or y_true.shape[0] < 2:
        return None
    model = lean_state("PINBALL", y_true, y_pred, alpha)
    if model is None:
        return None
    quantile = weighted_quantile(y_true, None, alpha)
    null = lean_state("PINBALL", y_true, np.full(y_true.shape[0], quantile), alpha)
    if null is None:
        return None
    return d2_pinball_result(np.stack([_means(model), _means(null)]),
                             dict(n_samples=y_true.shape[0], multioutput=multioutput),
                             metric)


def check_median_absolute_error(y_true, y_pred, *, sample_weight=None, n_threads=None,
                                multioutput="uniform_average"):
    # scikit-learn checks this metric's arrays as "numeric", not floating.
    for value, name in ((y_true, "y_true"), (y_pred, "y_pred")):
        if value is None:
            continue   # (the generic check names it)
        arr = as_array(value, name)
        if arr.dtype.kind in "US" and arr.size:
            raise ValueError(
                "dtype='numeric' is not compatible with arrays of bytes/strings.Convert "
                f"your data to numeric values explicitly instead. {name} holds strings: "
                f"{arr.flat[0].item()!r} at index 0.")
    return _check_regression("median_absolute_error", y_true, y_pred, sample_weight,
                             n_threads, multioutput)


def _check_d2(metric, y_true, y_pred, sample_weight, n_threads, multioutput, alpha):
    checked = _check_regression(metric, y_true, y_pred, sample_weight, n_threads,
                                multioutput, param=alpha)
    checked.params["n_samples"] = checked.y_true.shape[0]
    return checked


def check_d2_pinball_score(y_true, y_pred, *, sample_weight=None, n_threads=None,
                           alpha=0.5, multioutput="uniform_average"):
    alpha = _check_quantile(alpha, "d2_pinball_score")
    return _check_d2("d2_pinball_score", y_true, y_pred, sample_weight, n_threads,
                     multioutput, alpha)


def check_d2_absolute_error_score(y_true, y_pred, *, sample_weight=None, n_threads=None,
                                  multioutput="uniform_average"):
    return _check_d2("d2_absolute_error_score", y_true, y_pred, sample_weight, n_threads,
                     multioutput, 0.5)


def _declare(name, check, state, result, options, scorer, greater_is_better, rounds,
             fast=None):
    return Loss(
        name=name, check=check, state=state, result=result,
        result_keys=("multioutput", "n_samples") if greater_is_better else ("multioutput",),
        options=options, target="values", prediction="values",
        reference=f"sklearn.metrics.{name}",
        example=("[3.0, -0.5, 2.0, 7.0]", "[2.5, 0.0, 2.0, 8.0]"),
        scorer=scorer, response_method="predict" if scorer else "",
        greater_is_better=greater_is_better, rounds=rounds,
        unmergeable="a quantile of all the rows is not found from the quantiles of parts "
                    "(the median of medians is not the median)",
        fast=fast, demo=sklearn_demo(name),
    )


MEDIAN_ABSOLUTE_ERROR = _declare("median_absolute_error", check_median_absolute_error,
                                 median_state, median_result, (MULTIOUTPUT,),
                                 "neg_median_absolute_error", False, _median_rounds(),
                                 fast=_lean_median)
# (scikit-learn has no scorer for the pinball D²: its quantile is an option.)
D2_PINBALL_SCORE = _declare(
    "d2_pinball_score", check_d2_pinball_score, d2_pinball_state, d2_pinball_result,
    (ALPHA, MULTIOUTPUT), "", True, _d2_pinball_rounds("d2_pinball_score"),
    fast=functools.partial(_lean_d2, "d2_pinball_score", (
        "alpha", functools.partial(_check_quantile, metric="d2_pinball_score"),
        inspect.signature(check_d2_pinball_score).parameters["alpha"].default)))
D2_ABSOLUTE_ERROR_SCORE = _declare(
    "d2_absolute_error_score", check_d2_absolute_error_score, d2_pinball_state,
    d2_pinball_result, (MULTIOUTPUT,), "d2_absolute_error_score", True,
    _d2_pinball_rounds("d2_absolute_error_score"),
    fast=functools.partial(_lean_d2, "d2_absolute_error_score", None))

_PARAMS = """
    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.{alpha}
    multioutput : {{'raw_values', 'uniform_average'}} or array-like of shape \
(n_outputs,), default='uniform_average'
        Return every output's value, their average, or their average with
        these weights.
    n_threads : int, default=None
        OpenMP threads for the sums; results are bitwise identical for every value.

    Returns
    -------
    {result} : float or ndarray of shape (n_outputs,)
"""


@public(MEDIAN_ABSOLUTE_ERROR)
def median_absolute_error(y_true, y_pred, *, multioutput="uniform_average",
                          sample_weight=None, n_threads=None):
    return evaluate(MEDIAN_ABSOLUTE_ERROR, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


@public(D2_PINBALL_SCORE)
def d2_pinball_score(y_true, y_pred, *, sample_weight=None, alpha=0.5,
                     multioutput="uniform_average", n_threads=None):
    return evaluate(D2_PINBALL_SCORE, y_true, y_pred, sample_weight, n_threads,
                    alpha=alpha, multioutput=multioutput)


@public(D2_ABSOLUTE_ERROR_SCORE)
def d2_absolute_error_score(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average", n_threads=None):
    return evaluate(D2_ABSOLUTE_ERROR_SCORE, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


median_absolute_error.__doc__ = """Median absolute error; a drop-in for scikit-learn's.

    The (weighted) median of ``|y_true - y_pred|`` per output: robust to
    outliers.  It needs all the data at once (no ``Accumulator``).
""" + _PARAMS.format(alpha="", result="loss") + """
    Examples
    --------
    >>> from lossmetrics import median_absolute_error
    >>> median_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.5
"""

d2_pinball_score.__doc__ = """D² of the pinball loss; a drop-in for scikit-learn's.

    ``1 - pinball(y_true, y_pred) / pinball(y_true, q)`` per output, ``q``
    the (weighted) ``alpha``-quantile of ``y_true``: the fraction of the
    pinball loss explained (1.0 best, 0.0 no better than the quantile).  A
    constant ``y_true`` scores 1.0 if fitted exactly, else 0.0; fewer than
    two samples give NaN with scikit-learn's ``UndefinedMetricWarning``.
""" + _PARAMS.format(alpha="""
    alpha : float, default=0.5
        The quantile, in [0, 1].""", result="score") + """
    Examples
    --------
    >>> from lossmetrics import d2_pinball_score
    >>> round(d2_pinball_score([1, 2, 3], [1, 3, 3], alpha=0.9), 6)
    0.666667
"""

d2_absolute_error_score.__doc__ = """D² of the absolute error; a drop-in for scikit-learn's.

    ``d2_pinball_score`` with ``alpha=0.5``: ``1 - MAE(y_true, y_pred) /
    MAE(y_true, median(y_true))`` per output.
""" + _PARAMS.format(alpha="", result="score") + """
    Examples
    --------
    >>> from lossmetrics import d2_absolute_error_score
    >>> round(d2_absolute_error_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 6)
    0.764706
"""
