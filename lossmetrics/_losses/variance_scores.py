"""R² and the explained variance: drop-ins for scikit-learn's r2_score and
explained_variance_score, from one pass over the data.

The kernel (moments_kernel) sums w y, w y², w d, w d² per output (d = y -
y_pred, y and d shifted by their first values so that a large mean does not
cancel) with every product's rounding error; the variances are then taken
from those sums in exact rational arithmetic.  So the state of a batch is a
set of sums, merged by addition, and a constant ``y_true`` has a variance of
exactly 0 (scikit-learn's rounded mean can leave 1e-33 there, and a score
of -1e31).
"""
import functools
from fractions import Fraction

import numpy as np

from lossmetrics._core.declaration import Loss, public, sklearn_demo, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import undefined_metric_warning, warn
from lossmetrics._core.options import Option
from lossmetrics._core.state import all_finite, merge_states, weighted_mean
from lossmetrics._core.validation import check_bool
from lossmetrics._kernels import kernels
from lossmetrics._losses.lean import NO_WEIGHTS, plain_vectors
from lossmetrics._losses.regression import (
    MODES, MULTIOUTPUT, _average_outputs, _check_regression,
)

SCORE_MODES = MODES + ("variance_weighted",)


def _check_score(metric, y_true, y_pred, sample_weight, n_threads, multioutput,
                 force_finite):
    force_finite = check_bool(force_finite, "force_finite", metric)
    return _check_regression(metric, y_true, y_pred, sample_weight, n_threads, multioutput,
                             modes=SCORE_MODES, none_ok=metric == "r2_score",
                             force_finite=force_finite)


def check_r2_score(y_true, y_pred, *, sample_weight=None, n_threads=None,
                   multioutput="uniform_average", force_finite=True):
    return _check_score("r2_score", y_true, y_pred, sample_weight, n_threads, multioutput,
                        force_finite)


def check_explained_variance_score(y_true, y_pred, *, sample_weight=None, n_threads=None,
                                   multioutput="uniform_average", force_finite=True):
    return _check_score("explained_variance_score", y_true, y_pred, sample_weight,
                        n_threads, multioutput, force_finite)


@takes_groups
def moments_state(checked, want_none=False, groups=None):
    """The kernel's sums (see lossmetrics/_kernels/_moment_kernels.pyx); with
    ``groups``, those of every group, each about its own first row."""
    moments = kernels("_moment_kernels")
    if groups is None:
        state = moments.moments_kernel(
            checked.y_true, checked.y_pred, checked.sample_weight, checked.n_threads)
    else:
        first = kernels("_scan").first_rows(groups[0], groups[1])
        state = moments.grouped_moments_kernel(
            checked.y_true, checked.y_pred, checked.sample_weight, checked.n_threads,
            groups[0], groups[1], first)
    checked.after_kernel(state)   # non-finite sums: a NaN or infinity in the inputs?
    if not all_finite(state):
        raise ValueError(
            f"{checked.metric} overflows: the weighted squares of these values exceed "
            f"the largest float64 ({np.finfo(np.float64).max:.4g}); rescale y_true and "
            "y_pred (the score does not change when both are multiplied by one factor)."
        )
    return state, None


# Rows of the state per output (see lossmetrics/_kernels/_moment_kernels.pyx):
# the shifts (c, e), then the sums of w u, w u², w v, w v², w d², where
# u = y - c, d = y - y_pred, v = d - e.
MOMENTS = 6


def _exact(row):
    """The exact value of a (hi, lo) row."""
    return Fraction(float(row[0])) + Fraction(float(row[1]))


def _pair(value):
    """A rational as a (hi, lo) row: hi the nearest float, lo the rest rounded."""
    hi = float(value)
    return hi, float(value - Fraction(hi))


def merge_moments(a, b):
    """The state of two batches: ``b``'s sums moved to ``a``'s shifts (in exact
    arithmetic), then the rows added as every state's are."""
    b = b.copy()
    weight = _exact(b[-1])
    for j in range(0, a.shape[0] - 2, MOMENTS):
        for k, shift in ((1, 0), (3, 1)):     # (u, u²) by c, (v, v²) by e
            delta = Fraction(float(b[j, shift])) - Fraction(float(a[j, shift]))
            if delta:
                s1, s2 = _exact(b[j + k]), _exact(b[j + k + 1])
                b[j + k] = _pair(s1 + weight * delta)
                b[j + k + 1] = _pair(s2 + 2 * delta * s1 + weight * delta * delta)
    out = merge_states(a, b)
    out[0:-2:MOMENTS] = a[0:-2:MOMENTS]      # the shifts
    return out


def _sums_of_squares(explained, state):
    """Per output, the residual and total sums of squares about the means,
    exact from the state's sums (clipped at 0: the sums carry errors of about
    1e-32 of the squares), both times the weight W and 2**(2k) (integers):
    with S the sums times 2**k (``exact_rows``), total = SUU W - SU²,
    residual = SVV W - SV² or SDD W.  Returns (residuals, totals, W 2**(2k),
    the divisor that makes them variances times W).  Every result is a ratio
    of these, the same for any k."""
    scaled, k = kernels("_exact").exact_rows(np.ascontiguousarray(state, np.float64))
    weight = scaled[-1]
    residual, total = [], []
    for j in range(0, len(scaled) - 2, MOMENTS):
        _, su, suu, sv, svv, sdd = scaled[j:j + MOMENTS]
        total.append(max(suu * weight - su * su, 0))
        residual.append(max(svv * weight - sv * sv, 0) if explained else sdd * weight)
    return residual, total, weight << k


def score_result(explained, state, params, metric):
    """R² (``explained=False``) or the explained variance from the state, with
    scikit-learn's rules for ``force_finite`` and ``multioutput``.  The
    arithmetic is exact, on integers, and each score the correctly rounded
    1 - residual / total (a quotient of integers is correctly rounded)."""
    if not explained and state[-2, 0] + state[-2, 1] < 2:
        warn("R^2 score is not well-defined with less than two samples.",
             undefined_metric_warning())
        return float("nan")
    weight = state[-1, 0] + state[-1, 1]
    if weight == 0.0:
        weighted_mean(0.0, weight, metric)   # raises: every weight is zero
    residual, total, divisor = _sums_of_squares(explained, state)
    scores = np.empty(len(total))
    for j, (num, den) in enumerate(zip(residual, total)):
        if num != 0 and den != 0:
            scores[j] = (den - num) / den   # 1 - num / den, correctly rounded
        elif params["force_finite"]:
            scores[j] = 1.0 if num == 0 else 0.0
        else:
            with np.errstate(all="warn"):   # NaN or -inf, with NumPy's warning
                scores[j] = 1 - np.float64(num != 0) / np.float64(den / divisor)
    multioutput = params["multioutput"]
    if isinstance(multioutput, str) and multioutput == "variance_weighted":
        weights = np.array([den / divisor for den in total])
        multioutput = weights if np.any(weights) else "uniform_average"
    return _average_outputs(scores, multioutput)


FORCE_FINITE = Option("force_finite", "r2_score, explained_variance_score: 1.0 / 0.0 "
                      "instead of NaN / -inf for a constant y_true (default; "
                      "--no-force-finite: the plain formula)", metavar=None,
                      switch="on_off")


_LEAN_PARAMS = dict(multioutput="uniform_average", force_finite=True)


def _lean_score(explained, metric, y_true, y_pred, multioutput="uniform_average",
                force_finite=True):
    """R² or the explained variance of two small plain float64 vectors of at
    least two values, with the default options, or None (the declarations'
    fast path, see lossmetrics/_losses/lean.py): the generic path's kernel,
    serially (the same sums), and result; a NaN or an infinity (non-finite
    sums) or squares beyond float64 go to the generic path, which raises."""
    if not (force_finite is True and isinstance(multioutput, str)
            and multioutput == "uniform_average" and plain_vectors(y_true, y_pred)
            and y_true.shape[0] >= 2):
        return None
    state = kernels("_moment_kernels").moments_kernel(y_true[:, None], y_pred[:, None],
                                                      NO_WEIGHTS, 1)
    if not all_finite(state):
        return None
    return score_result(explained, state, _LEAN_PARAMS, metric)


def _declare(name, check, explained, scorer):
    return Loss(
        name=name, check=check, state=moments_state,
        result=functools.partial(score_result, explained),
        result_keys=("multioutput", "force_finite"),
        options=(MULTIOUTPUT, FORCE_FINITE), target="values", prediction="values",
        reference=f"sklearn.metrics.{name}",
        example=("[3.0, -0.5, 2.0, 7.0]", "[2.5, 0.0, 2.0, 8.0]"),
        scorer=scorer, response_method="predict", greater_is_better=True,
        merge=merge_moments,
        demo=sklearn_demo(name), fast=functools.partial(_lean_score, explained, name),
    )


R2_SCORE = _declare("r2_score", check_r2_score, False, "r2")
EXPLAINED_VARIANCE_SCORE = _declare("explained_variance_score",
                                    check_explained_variance_score, True,
                                    "explained_variance")


_PARAMS = """
    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values (float32 and float64 are read in place).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    multioutput : {'raw_values', 'uniform_average', 'variance_weighted'} or \
array-like of shape (n_outputs,), default='uniform_average'
        How to aggregate the outputs' scores: return them all, average them,
        average them weighted by each output's variance of ``y_true``, or with
        these weights.{none}
    force_finite : bool, default=True
        Whether a constant ``y_true`` (a zero variance) scores 1.0 for perfect
        predictions and 0.0 otherwise, instead of NaN and ``-inf``.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        A float (1.0 is best), or the per-output scores for
        ``multioutput='raw_values'``.
"""


@public(R2_SCORE)
def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average",
             force_finite=True, n_threads=None):
    return evaluate(R2_SCORE, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput, force_finite=force_finite)


@public(EXPLAINED_VARIANCE_SCORE)
def explained_variance_score(y_true, y_pred, *, sample_weight=None,
                             multioutput="uniform_average", force_finite=True,
                             n_threads=None):
    return evaluate(EXPLAINED_VARIANCE_SCORE, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput, force_finite=force_finite)


r2_score.__doc__ = """R² (coefficient of determination); a drop-in for scikit-learn's.

    ``1 - Σ w (y - y_pred)² / Σ w (y - mean(y))²`` per output: the fraction of
    the variance of ``y_true`` the predictions explain (1.0 is best; a
    constant prediction of the mean scores 0.0; worse ones are negative).
    With fewer than two samples it is undefined: NaN, with scikit-learn's
    ``UndefinedMetricWarning``.
""" + _PARAMS.replace("{none}", " None is the uniform average.") + """
    Examples
    --------
    >>> from lossmetrics import r2_score
    >>> round(r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 6)
    0.948608
    >>> r2_score([1.0, 1.0, 1.0], [1.0, 1.0, 2.0])   # constant y_true: not -inf
    0.0
"""

explained_variance_score.__doc__ = """Explained variance; a drop-in for scikit-learn's.

    ``1 - Var(y - y_pred) / Var(y)`` per output (weighted variances): R²
    without the penalty for a constant offset of the predictions, which it
    does not see (R² is most often the one to use).
""" + _PARAMS.replace("{none}", "") + """
    Examples
    --------
    >>> from lossmetrics import explained_variance_score
    >>> round(explained_variance_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 6)
    0.957173
    >>> explained_variance_score([1.0, 2.0, 3.0], [11.0, 12.0, 13.0])
    1.0
"""
