"""Regression losses: drop-ins for scikit-learn's mean_squared_error,
root_mean_squared_error, mean_absolute_error, mean_squared_log_error,
root_mean_squared_log_error, mean_absolute_percentage_error,
mean_pinball_loss and the Tweedie deviances (per-output means of one
per-element term), and max_error."""
import functools
import inspect
import math
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, sklearn_demo, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import Option
from lossmetrics._core.state import all_finite, weighted_mean
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._kernels import kernels
from lossmetrics._losses.elementwise import ALPHA
from lossmetrics._losses.lean import (
    NO_WEIGHTS, lean_param, lean_state, plain_vectors,
)
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_array, as_float_array, check_consistent_length,
    check_finite, check_sample_weight,
)


MODES = ("raw_values", "uniform_average")


def _check_regression(metric, y_true, y_pred, sample_weight, n_threads, multioutput,
                      above_minus_one=False, modes=MODES, none_ok=False, **params):
    # scikit-learn validates the parameters first (validate_params), then the
    # arrays: their values (left to the kernel, see Deferred), the sample
    # weights, the outputs and their weights.  ``modes``: the multioutput
    # words the metric takes (``none_ok``: also None, r2_score's uniform average).
    if multioutput is None and none_ok:
        multioutput = "uniform_average"
    if multioutput is None or (isinstance(multioutput, str) and multioutput not in modes):
        words = "{" + ", ".join(repr(m) for m in modes) + "}"
        raise InvalidParameterError(
            f"The 'multioutput' parameter of {metric} must be a str among {words}"
            + (", an array-like or None" if none_ok else " or an array-like")
            + f". Got {multioutput!r} instead."
        )
    yt = as_float_array(y_true, "y_true", metric)
    yp = as_float_array(y_pred, "y_pred", metric)
    sw_arr = None if sample_weight is None or np.isscalar(sample_weight) else as_array(
        sample_weight, "sample_weight")
    check_consistent_length([("y_true", yt), ("y_pred", yp), ("sample_weight", sw_arr)])
    for arr, name in ((yt, "y_true"), (yp, "y_pred")):
        if arr.ndim > 2:
            raise ValueError(
                f"Found array with dim {arr.ndim}, while dim <= 2 is required. {name} "
                f"must have shape (n_samples,) or (n_samples, n_outputs); got {arr.shape}."
            )
        if arr.size == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 "
                f"is required. {name} is empty."
            )
    n_threads = resolve_n_threads(n_threads, work=yt.size + yp.size)
    deferred = Deferred()
    deferred.finite(yt, "y_true", n_threads=n_threads, sklearn_name="")
    deferred.finite(yp, "y_pred", n_threads=n_threads, sklearn_name="")
    with deferred.first():
        sw, yt2, yp2, multioutput = _check_outputs(yt, yp, sample_weight, n_threads,
                                                   multioutput)
    if above_minus_one:
        # The logarithmic errors: values <= -1 make a term NaN or inf, so the
        # kernel's sums show them and this check runs only then.
        deferred.add(lambda: _check_above_minus_one(metric, yt, yp))
    return CheckedInputs(metric, yt2, yp2, sw, n_threads,
                         dict(params, multioutput=multioutput, n_outputs=yt2.shape[1]),
                         deferred)


def _check_above_minus_one(metric, yt, yp):
    for arr, name in ((yt, "y_true"), (yp, "y_pred")):
        if np.min(arr) <= -1:
            flat = int(np.argmax(np.ravel(arr) <= -1))
            where = np.unravel_index(flat, arr.shape)
            where = int(where[0]) if arr.ndim == 1 else tuple(int(i) for i in where)
            words = "Root Mean" if metric.startswith("root") else "Mean"
            raise ValueError(
                f"{words} Squared Logarithmic Error cannot be used when targets contain "
                f"values less than or equal to -1. {name} has {float(arr.flat[flat])!r} at "
                f"index {where}.")


def _check_outputs(yt, yp, sample_weight, n_threads, multioutput):
    """The checks of _check_regression after the arrays' values."""
    sw = check_sample_weight(sample_weight, yt.shape[0], n_threads=n_threads)
    yt2 = yt[:, None] if yt.ndim == 1 else yt
    yp2 = yp[:, None] if yp.ndim == 1 else yp
    if yt2.shape[1] != yp2.shape[1]:
        raise ValueError(
            "y_true and y_pred have different number of output "
            f"({yt2.shape[1]}!={yp2.shape[1]})"
        )
    n_outputs = yt2.shape[1]
    if not isinstance(multioutput, str):
        mo = as_float_array(multioutput, "multioutput")
        if n_outputs == 1:
            raise ValueError(
                "Custom weights are useful only in multi-output cases. multioutput "
                f"has {mo.size} weight(s) but y_true has a single output."
            )
        if mo.ndim != 1 or mo.shape[0] != n_outputs:
            raise ValueError(
                f"There must be equally many custom weights ({mo.shape[0] if mo.ndim else 1}) "
                f"as outputs ({n_outputs}). multioutput has shape {mo.shape}."
            )
        check_finite(mo, "multioutput")
        if np.any(mo < 0):
            # (scikit-learn averages with them: a negative error, or a zero sum.)
            where = int(np.flatnonzero(mo < 0)[0])
            raise ValueError(
                f"multioutput weights must be non-negative; got {mo[where]} at index "
                f"{where}."
            )
        if not np.any(mo):
            raise ValueError("multioutput weights sum to zero; they cannot be normalised.")
        multioutput = mo
    return sw, yt2, yp2, multioutput


def check_mean_squared_error(y_true, y_pred, *, sample_weight=None, n_threads=None,
                             multioutput="uniform_average"):
    return _check_regression("mean_squared_error", y_true, y_pred, sample_weight,
                             n_threads, multioutput)


def check_root_mean_squared_error(y_true, y_pred, *, sample_weight=None, n_threads=None,
                                  multioutput="uniform_average"):
    return _check_regression("root_mean_squared_error", y_true, y_pred, sample_weight,
                             n_threads, multioutput)


def check_mean_absolute_error(y_true, y_pred, *, sample_weight=None, n_threads=None,
                              multioutput="uniform_average"):
    return _check_regression("mean_absolute_error", y_true, y_pred, sample_weight,
                             n_threads, multioutput)


def check_mean_squared_log_error(y_true, y_pred, *, sample_weight=None, n_threads=None,
                                 multioutput="uniform_average"):
    return _check_regression("mean_squared_log_error", y_true, y_pred, sample_weight,
                             n_threads, multioutput, above_minus_one=True)


def check_root_mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                                      n_threads=None, multioutput="uniform_average"):
    return _check_regression("root_mean_squared_log_error", y_true, y_pred, sample_weight,
                             n_threads, multioutput, above_minus_one=True)


def check_mean_absolute_percentage_error(y_true, y_pred, *, sample_weight=None,
                                         n_threads=None, multioutput="uniform_average"):
    return _check_regression("mean_absolute_percentage_error", y_true, y_pred,
                             sample_weight, n_threads, multioutput)


def _check_quantile(alpha, metric="mean_pinball_loss"):
    if (isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real)
            or not 0 <= alpha <= 1):
        raise InvalidParameterError(
            f"The 'alpha' parameter of {metric} must be a float in the range "
            f"[0.0, 1.0]. Got {alpha!r} instead.")
    return float(alpha)


def check_mean_pinball_loss(y_true, y_pred, *, sample_weight=None, n_threads=None,
                            alpha=0.5, multioutput="uniform_average"):
    alpha = _check_quantile(alpha)
    return _check_regression("mean_pinball_loss", y_true, y_pred, sample_weight,
                             n_threads, multioutput, param=alpha)


def _check_power(power, metric="mean_tweedie_deviance"):
    ok = (isinstance(power, numbers.Real) and not isinstance(power, np.bool_)
          and (power <= 0 or power >= 1))
    if not ok:
        raise InvalidParameterError(
            f"The 'power' parameter of {metric} must be a float in the range "
            f"(-inf, 0.0] or a float in the range [1.0, inf). Got {power!r} instead.")
    return power


def _check_deviance(metric, y_true, y_pred, sample_weight, n_threads, power,
                    multioutput_name="mean_tweedie_deviance", domain=True):
    """scikit-learn's checks of the Tweedie deviances: the arrays as for the
    other regression metrics, one output, then (``domain``) the domain of the
    power."""
    checked = _check_regression(metric, y_true, y_pred, sample_weight, n_threads,
                                "uniform_average", param=float(power))
    checked.run_deferred()   # NaN and infinity first, as scikit-learn checks them
    if checked.y_true.shape[1] != 1:
        raise ValueError(f"Multioutput not supported in {multioutput_name}")
    if domain:
        check_deviance_domain(checked, power)
    return checked


def _in_domain(power, y_min, x_min):
    """Whether values of least y_true ``y_min`` and least y_pred ``x_min``
    lie in the domain of the Tweedie power (False for a NaN)."""
    if power < 0:
        return x_min > 0
    if 1 <= power < 2:
        return y_min >= 0 and x_min > 0
    return power < 1 or (y_min > 0 and x_min > 0)


def check_deviance_domain(checked, power):
    """scikit-learn's error for values outside the domain of the power."""
    y, x = checked.y_true, checked.y_pred
    if power < 0 or power >= 1:
        # (the arrays' own min: np.min's dispatch costs more than a small array)
        y_min, x_min = y.min(), x.min()
        if _in_domain(power, y_min, x_min):
            return checked
    message = f"Mean Tweedie deviance error with power={power} can only be used on "
    if power < 0 and x_min <= 0:
        raise ValueError(message + "strictly positive y_pred." + _first(x, x <= 0, "y_pred"))
    if 1 <= power < 2 and (y_min < 0 or x_min <= 0):
        raise ValueError(message + "non-negative y and strictly positive y_pred."
                         + (_first(y, y < 0, "y_true") if y_min < 0 else
                            _first(x, x <= 0, "y_pred")))
    if power >= 2 and (y_min <= 0 or x_min <= 0):
        raise ValueError(message + "strictly positive y and y_pred."
                         + (_first(y, y <= 0, "y_true") if y_min <= 0 else
                            _first(x, x <= 0, "y_pred")))
    return checked


def _first(arr, mask, name):
    """' {name} has {value} at index {i}.' for the first True of an (N, 1) mask."""
    i = int(np.argmax(mask[:, 0]))
    return f" {name} has {float(arr[i, 0])!r} at index {i}."


def check_max_error(y_true, y_pred, *, sample_weight=None, n_threads=None):
    checked = _check_regression("max_error", y_true, y_pred, sample_weight, n_threads,
                                "uniform_average")
    if checked.y_true.shape[1] != 1:
        checked.run_deferred()   # scikit-learn checks the values first
        raise ValueError("Multioutput not supported in max_error. y_true has "
                         f"{checked.y_true.shape[1]} outputs.")
    return checked


@takes_groups
def max_state(checked, want_none=False, groups=None):
    """max_error's state (lossmetrics/_kernels/_moment_kernels.pyx, max_abs_kernel)."""
    state = kernels("_moment_kernels").max_abs_kernel(
        checked.y_true, checked.y_pred, checked.sample_weight, checked.n_threads,
        *(groups or ()))
    checked.after_kernel(state)
    if not all_finite(state):
        raise ValueError(
            f"max_error overflows: y_true - y_pred exceeds the largest float64 "
            f"({np.finfo(np.float64).max:.4g}); rescale y_true and y_pred.")
    return state, None


def merge_max(a, b):
    """The max_error state of two batches: the larger maximum, the sums of the rest."""
    out = a + b
    out[0, 0] = max(a[0, 0], b[0, 0])
    return out


def _lean_max(y_true, y_pred):
    """max_error of plain small vectors, or None (the fast path, lean.py): the
    kernel's state without the generic checks (small_max_abs_state); a
    non-finite one (a NaN, an infinity, an overflow) goes to the generic
    path, which raises."""
    if not plain_vectors(y_true, y_pred):
        return None
    state = kernels("_moment_kernels").small_max_abs_state(y_true, y_pred)
    return None if state is None else max_result(state, None, "max_error")


def max_result(state, params, metric):
    if state[1, 0] == 0:
        weighted_mean(0.0, 0.0, metric)   # raises: every weight is zero
    return float(state[0, 0])


def check_mean_tweedie_deviance(y_true, y_pred, *, sample_weight=None, n_threads=None,
                                power=0):
    power = _check_power(power)
    return _check_deviance("mean_tweedie_deviance", y_true, y_pred, sample_weight,
                           n_threads, power)


def check_mean_poisson_deviance(y_true, y_pred, *, sample_weight=None, n_threads=None):
    return _check_deviance("mean_poisson_deviance", y_true, y_pred, sample_weight,
                           n_threads, 1)


def check_mean_gamma_deviance(y_true, y_pred, *, sample_weight=None, n_threads=None):
    return _check_deviance("mean_gamma_deviance", y_true, y_pred, sample_weight,
                           n_threads, 2)


def _kind(term):
    """The kernel's Kind of a term name (the kernel module loads at the first call)."""
    return int(getattr(kernels("_elementwise_kernels").Kind, term))


@takes_groups
def regression_state(term, checked, want_none=False, groups=None):
    """Per-output (hi, lo) sums of the weighted errors (``term``: a term of the
    kernel's Kind, SQUARED_ERROR, ABSOLUTE_ERROR...), then the weight total
    (with ``groups``, (row group numbers, n_groups): those of each group)."""
    elementwise_kernel = kernels("_elementwise_kernels").elementwise_kernel
    state, per, _ = elementwise_kernel(_kind(term), checked.y_true, checked.y_pred,
                                       NO_WEIGHTS, checked.sample_weight, True, want_none,
                                       checked.n_threads, checked.params.get("param", 0.0),
                                       0.0, None, *(groups or ()))
    checked.after_kernel(state)   # non-finite sums: a NaN or infinity in the inputs?
    if not all_finite(state[..., :-1, :]):
        # Finite inputs whose errors overflow (scikit-learn returns inf with a
        # RuntimeWarning): an error, not a silent inf.
        errors = _ERROR_WORDS.get(term, "errors")
        raise ValueError(
            f"{checked.metric} overflows: the sum of the {errors} of these values "
            f"exceeds the largest float64 ({np.finfo(np.float64).max:.4g}); rescale "
            "y_true and y_pred (the error scales with them)."
        )
    return state, per


_ERROR_WORDS = {"SQUARED_ERROR": "squared errors", "ABSOLUTE_ERROR": "absolute errors",
                "ABSOLUTE_PERCENTAGE_ERROR": "absolute percentage errors",
                "PINBALL": "pinball losses", "TWEEDIE": "deviances"}


def regression_result(root, state, params, metric):
    """The value of an MSE / RMSE / MAE from its reduced state (``root``: the
    square root of each output's mean, RMSE)."""
    if state.shape[0] == 2 and isinstance(params["multioutput"], str) and (
            params["multioutput"] == "uniform_average"):
        # One output: the arithmetic below on Python floats, the same bits
        # (a fast path for small calls).
        (s_hi, s_lo), (d_hi, d_lo) = state.tolist()
        den = d_hi + d_lo
        if den == 0.0 or not math.isfinite(den):
            weighted_mean(0.0, den, metric)  # raises
        error = (s_hi + s_lo) / den
        return math.sqrt(error) if root else error
    sums = state[:-1, 0] + state[:-1, 1]
    den = state[-1, 0] + state[-1, 1]
    if den == 0.0 or not np.isfinite(den):
        weighted_mean(0.0, den, metric)  # raises: no weight, or the weights overflow
    errors = sums / den
    if root:
        errors = np.sqrt(errors)
    return _average_outputs(errors, params["multioutput"])


def _lean(metric, term, root, option, y_true, y_pred, multioutput="uniform_average",
          **options):
    """The value for small plain float64 vectors, one output, or None (the
    declarations' fast path, taken without sample_weight and n_threads; see
    lossmetrics/_losses/lean.py).  ``option``: the term's option (name, check,
    default), pinball's alpha, or None."""
    if not (isinstance(multioutput, str) and multioutput == "uniform_average"):
        return None
    param = lean_param(options, option)
    state = None if param is None else lean_state(term, y_true, y_pred, param)
    return None if state is None else regression_result(root, state, _LEAN_PARAMS, metric)


_LEAN_PARAMS = dict(multioutput="uniform_average", n_outputs=1)


def _lean_deviance(metric, fixed, y_true, y_pred, **options):
    """The Tweedie deviance of power ``fixed`` (None: the call's ``power``
    option) for small plain float64 vectors, or None (see _lean): values
    outside the power's domain go to the generic path, which raises."""
    power = fixed
    if fixed is None:
        power = lean_param(options, ("power", _check_power, 0))
    elif options:
        return None
    if power is None or not plain_vectors(y_true, y_pred):
        return None
    if (power < 0 or power >= 1) and not _in_domain(power, y_true.min(), y_pred.min()):
        return None
    state = lean_state("TWEEDIE", y_true, y_pred, float(power))
    return None if state is None else regression_result(False, state, _LEAN_PARAMS, metric)


def _average_outputs(errors, multioutput):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors
        if errors.shape[0] == 1:
            return float(errors[0])    # the average of one output (a fast path)
        weights = None
    else:
        # A power-of-two rescaling (exact) keeps huge weights from overflowing.
        _, e = np.frexp(np.max(np.abs(multioutput)))
        weights = np.ldexp(multioutput, -e)
    # Likewise for the errors: the average of values near the float maximum
    # must not overflow in the sum.
    top = np.max(np.abs(errors))
    if not np.isfinite(top) or top == 0:
        return float(np.average(errors, weights=weights))
    _, k = np.frexp(top)
    return float(np.ldexp(np.average(np.ldexp(errors, -k), weights=weights), k))


def _multioutput_words(words, modes=MODES):
    """--multioutput's words: one of ``modes`` (raw_values, uniform_average...),
    or the weights."""
    if len(words) == 1 and words[0] in modes:
        return words[0]
    try:
        return [float(v) for v in words]
    except ValueError:
        raise ValueError(
            f"--multioutput takes {', '.join(modes)} or one weight per output; "
            f"got {' '.join(words)}.") from None


# One option for every regression metric and score: the words of all of them
# (each metric's check refuses those it does not take, in its own message).
MULTIOUTPUT = Option("multioutput", "raw_values (print one value per output), "
                     "uniform_average (default), variance_weighted (the scores) or one "
                     "weight per output", metavar="MODE_OR_W", nargs="+",
                     parse=functools.partial(_multioutput_words,
                                             modes=MODES + ("variance_weighted",)))


POWER = Option("power", "the Tweedie power: <= 0, or >= 1 (1 Poisson, 2 Gamma)",
               metavar="P", type=float, check=_check_power)


# The terms whose inputs need no check but finiteness (see lean.py), and their
# option.  (MSLE's values <= -1 give a NaN or infinite term: the generic path.)
_LEAN = {"SQUARED_ERROR": None, "ABSOLUTE_ERROR": None, "ABSOLUTE_PERCENTAGE_ERROR": None,
         "SQUARED_LOG_ERROR": None,
         "PINBALL": ("alpha", _check_quantile,
                     inspect.signature(check_mean_pinball_loss).parameters["alpha"].default)}


def _declare(name, check, term, root=False, options=(MULTIOUTPUT,), scorer=True,
             fast=None):
    if fast is None and term in _LEAN:
        fast = functools.partial(_lean, name, term, root, _LEAN[term])
    return Loss(
        name=name, check=check,
        state=functools.partial(regression_state, term),
        result=functools.partial(regression_result, root),
        result_keys=("multioutput",), options=options, target="values",
        prediction="values",
        reference=f"sklearn.metrics.{name}",
        example=(("[3.0, 0.5, 2.0, 7.0]", "[2.5, 1.0, 2.0, 8.0]") if term == "TWEEDIE"
                 else ("[3.0, -0.5, 2.0, 7.0]", "[2.5, 0.0, 2.0, 8.0]")),
        scorer=f"neg_{name}" if scorer else "", response_method="predict" if scorer else "",
        fast=fast,
        demo=sklearn_demo(name),
    )


MEAN_SQUARED_ERROR = _declare("mean_squared_error", check_mean_squared_error,
                              "SQUARED_ERROR")
ROOT_MEAN_SQUARED_ERROR = _declare("root_mean_squared_error", check_root_mean_squared_error,
                                   "SQUARED_ERROR", root=True)
MEAN_ABSOLUTE_ERROR = _declare("mean_absolute_error", check_mean_absolute_error,
                               "ABSOLUTE_ERROR")
MEAN_SQUARED_LOG_ERROR = _declare("mean_squared_log_error", check_mean_squared_log_error,
                                  "SQUARED_LOG_ERROR")
ROOT_MEAN_SQUARED_LOG_ERROR = _declare(
    "root_mean_squared_log_error", check_root_mean_squared_log_error, "SQUARED_LOG_ERROR",
    root=True)
MEAN_ABSOLUTE_PERCENTAGE_ERROR = _declare(
    "mean_absolute_percentage_error", check_mean_absolute_percentage_error,
    "ABSOLUTE_PERCENTAGE_ERROR")
# (scikit-learn has no scorer for the pinball loss: its quantile is an option.)
MEAN_PINBALL_LOSS = _declare("mean_pinball_loss", check_mean_pinball_loss, "PINBALL",
                             options=(ALPHA, MULTIOUTPUT), scorer=False)
MEAN_POISSON_DEVIANCE = _declare(
    "mean_poisson_deviance", check_mean_poisson_deviance, "TWEEDIE", options=(),
    fast=functools.partial(_lean_deviance, "mean_poisson_deviance", 1))
MEAN_GAMMA_DEVIANCE = _declare(
    "mean_gamma_deviance", check_mean_gamma_deviance, "TWEEDIE", options=(),
    fast=functools.partial(_lean_deviance, "mean_gamma_deviance", 2))
# (scikit-learn has no scorer for the Tweedie deviance: its power is an option.)
MEAN_TWEEDIE_DEVIANCE = _declare(
    "mean_tweedie_deviance", check_mean_tweedie_deviance, "TWEEDIE", options=(POWER,),
    scorer=False, fast=functools.partial(_lean_deviance, "mean_tweedie_deviance", None))


MAX_ERROR = Loss(
    name="max_error", check=check_max_error, state=max_state, result=max_result,
    result_keys=(), options=(), target="values", prediction="values",
    reference="sklearn.metrics.max_error",
    example=("[3.0, 2.0, 7.0, 1.0]", "[4.0, 2.0, 7.0, 1.0]"),
    scorer="neg_max_error", response_method="predict", merge=merge_max, fast=_lean_max,
    demo=sklearn_demo("max_error"),
)


_DOC_PARAMS = """
    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values (float32 and float64 are read in place).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,), \
default='uniform_average'
        How to aggregate the outputs' errors: return them all, average them,
        or average them with these weights.
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)
        A float, or the per-output values for ``multioutput='raw_values'``.
"""


@public(MEAN_SQUARED_ERROR)
def mean_squared_error(y_true, y_pred, *, sample_weight=None,
                       multioutput="uniform_average", n_threads=None):
    return evaluate(MEAN_SQUARED_ERROR, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


@public(ROOT_MEAN_SQUARED_ERROR)
def root_mean_squared_error(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average", n_threads=None):
    return evaluate(ROOT_MEAN_SQUARED_ERROR, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


@public(MEAN_ABSOLUTE_ERROR)
def mean_absolute_error(y_true, y_pred, *, sample_weight=None,
                        multioutput="uniform_average", n_threads=None):
    return evaluate(MEAN_ABSOLUTE_ERROR, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


mean_squared_error.__doc__ = """Mean squared error; a drop-in for scikit-learn's.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> from lossmetrics import mean_squared_error
    >>> mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.375
    >>> mean_squared_error([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]],
    ...                    multioutput="raw_values")
    array([0.41666667, 1.        ])
"""

root_mean_squared_error.__doc__ = """Root mean squared error; a drop-in for scikit-learn's.

    The square root is taken per output, then outputs are averaged.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> from lossmetrics import root_mean_squared_error
    >>> round(root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 6)
    0.612372
"""

mean_absolute_error.__doc__ = """Mean absolute error; a drop-in for scikit-learn's.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> from lossmetrics import mean_absolute_error
    >>> mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.5
    >>> mean_absolute_error([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]],
    ...                     multioutput=[0.3, 0.7])
    0.85
"""


@public(MEAN_SQUARED_LOG_ERROR)
def mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                           multioutput="uniform_average", n_threads=None):
    return evaluate(MEAN_SQUARED_LOG_ERROR, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


@public(ROOT_MEAN_SQUARED_LOG_ERROR)
def root_mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                                multioutput="uniform_average", n_threads=None):
    return evaluate(ROOT_MEAN_SQUARED_LOG_ERROR, y_true, y_pred, sample_weight, n_threads,
                    multioutput=multioutput)


@public(MEAN_ABSOLUTE_PERCENTAGE_ERROR)
def mean_absolute_percentage_error(y_true, y_pred, *, sample_weight=None,
                                   multioutput="uniform_average", n_threads=None):
    return evaluate(MEAN_ABSOLUTE_PERCENTAGE_ERROR, y_true, y_pred, sample_weight,
                    n_threads, multioutput=multioutput)


@public(MEAN_PINBALL_LOSS)
def mean_pinball_loss(y_true, y_pred, *, sample_weight=None, alpha=0.5,
                      multioutput="uniform_average", n_threads=None):
    return evaluate(MEAN_PINBALL_LOSS, y_true, y_pred, sample_weight, n_threads,
                    alpha=alpha, multioutput=multioutput)


mean_squared_log_error.__doc__ = """Mean squared logarithmic error; a drop-in for
    scikit-learn's.

    The mean of ``(log1p(y_true) - log1p(y_pred))**2``: relative errors,
    for targets with exponential growth.  Values must be greater than -1.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> from lossmetrics import mean_squared_log_error
    >>> round(mean_squared_log_error([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 6)
    0.03973
"""

root_mean_squared_log_error.__doc__ = """Root mean squared logarithmic error; a
    drop-in for scikit-learn's.

    The square root is taken per output, then outputs are averaged.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> from lossmetrics import root_mean_squared_log_error
    >>> round(root_mean_squared_log_error([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 6)
    0.199324
"""

mean_absolute_percentage_error.__doc__ = """Mean absolute percentage error; a drop-in
    for scikit-learn's.

    The mean of ``|y_pred - y_true| / max(|y_true|, eps)``, ``eps`` the
    float64 machine epsilon: a relative error (not multiplied by 100), huge
    where ``y_true`` is near 0.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> from lossmetrics import mean_absolute_percentage_error
    >>> round(mean_absolute_percentage_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 6)
    0.327381
"""

mean_pinball_loss.__doc__ = """Pinball (quantile) loss; a drop-in for scikit-learn's.

    The mean of ``alpha * (y_true - y_pred)`` where ``y_true >= y_pred`` and
    ``(1 - alpha) * (y_pred - y_true)`` below: minimised by the ``alpha``
    quantile (``alpha=0.5``: half the absolute error).
""" + _DOC_PARAMS.replace("""    multioutput :""", """    alpha : float, default=0.5
        The quantile, in [0, 1].
    multioutput :""") + """
    Examples
    --------
    >>> from lossmetrics import mean_pinball_loss
    >>> mean_pinball_loss([1, 2, 3], [0, 2, 3], alpha=0.1)
    0.03333333333333333
    >>> mean_pinball_loss([1, 2, 3], [0, 2, 3], alpha=0.9)
    0.3
"""


@public(MEAN_POISSON_DEVIANCE)
def mean_poisson_deviance(y_true, y_pred, *, sample_weight=None, n_threads=None):
    """Mean Poisson deviance; a drop-in for scikit-learn's.

    The mean of ``2 (y log(y / y_pred) - y + y_pred)`` (``0 log 0 = 0``): the
    deviance of a Poisson GLM (``PoissonRegressor``), for counts and rates.

    {params}

    Examples
    --------
    >>> from lossmetrics import mean_poisson_deviance
    >>> round(mean_poisson_deviance([2, 0, 1, 4], [0.5, 0.5, 2.0, 2.0]), 6)
    1.426015
    """
    return evaluate(MEAN_POISSON_DEVIANCE, y_true, y_pred, sample_weight, n_threads)


@public(MEAN_GAMMA_DEVIANCE)
def mean_gamma_deviance(y_true, y_pred, *, sample_weight=None, n_threads=None):
    """Mean Gamma deviance; a drop-in for scikit-learn's.

    The mean of ``2 (log(y_pred / y) + y / y_pred - 1)``: the deviance of a
    Gamma GLM, invariant to the scale of the targets (relative errors).

    {params}

    Examples
    --------
    >>> from lossmetrics import mean_gamma_deviance
    >>> round(mean_gamma_deviance([2, 0.5, 1, 4], [0.5, 0.5, 2, 2]), 6)
    1.056853
    """
    return evaluate(MEAN_GAMMA_DEVIANCE, y_true, y_pred, sample_weight, n_threads)


@public(MEAN_TWEEDIE_DEVIANCE)
def mean_tweedie_deviance(y_true, y_pred, *, sample_weight=None, power=0, n_threads=None):
    """Mean Tweedie deviance; a drop-in for scikit-learn's.

    The deviance of the Tweedie distribution of power ``power``: 0 the
    squared error, 1 the Poisson deviance, 2 the Gamma deviance, between 1
    and 2 compound Poisson-Gamma (``TweedieRegressor``), in scikit-learn's
    formulas.

    {params}

    Examples
    --------
    >>> from lossmetrics import mean_tweedie_deviance
    >>> round(mean_tweedie_deviance([2, 0, 1, 4], [0.5, 0.5, 2.0, 2.0], power=1.5), 6)
    1.778175
    """
    return evaluate(MEAN_TWEEDIE_DEVIANCE, y_true, y_pred, sample_weight, n_threads,
                    power=power)


def _deviance_params(y_true, y_pred, power=""):
    """The Parameters and Returns sections of a deviance's docstring."""
    return f"""Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Targets{y_true}.
    y_pred : array-like of shape (n_samples,)
        Predicted means{y_pred}.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights with a positive total.{power}
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    loss : float"""


for _function, _words in (
        (mean_poisson_deviance, (", >= 0", ", > 0")),
        (mean_gamma_deviance, (", > 0", ", > 0")),
        (mean_tweedie_deviance, (
            ": any real for ``power <= 0``, >= 0 for ``1 <= power < 2``,\n"
            "        > 0 for ``power >= 2``", ", > 0 (any real for ``power=0``)",
            "\n    power : float, default=0\n        The Tweedie power, <= 0 or >= 1."))):
    _function.__doc__ = _function.__doc__.replace("{params}", _deviance_params(*_words))
del _function, _words


@public(MAX_ERROR)
def max_error(y_true, y_pred, *, sample_weight=None, n_threads=None):
    """Maximum absolute error; a drop-in for scikit-learn's.

    The largest ``|y_true - y_pred|``: the worst case, for one output.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth target values.
    y_pred : array-like of shape (n_samples,)
        Estimated target values (float32 and float64 are read in place).
    sample_weight : array-like of shape (n_samples,), default=None
        Rows of weight 0 are left out; the size of a positive weight does not
        matter (scikit-learn's ``max_error`` takes no weights).
    n_threads : int, default=None
        OpenMP threads; results are bitwise identical for every value.

    Returns
    -------
    max_error : float

    Examples
    --------
    >>> from lossmetrics import max_error
    >>> max_error([3, 2, 7, 1], [4, 2, 7, 1])
    1.0
    """
    return evaluate(MAX_ERROR, y_true, y_pred, sample_weight, n_threads)
