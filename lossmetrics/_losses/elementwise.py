"""Element-wise losses with PyTorch semantics over inputs of any shape (N, ...):
binary cross-entropy of probabilities and of logits, squared and absolute
errors (``mse_loss``, ``l1_loss``), Huber, smooth L1 and the soft margin loss.

Weighting contract (PyTorch has no ``sample_weight``): the per-element value
is ``sample_weight[n] * loss``; ``'sum'`` adds them; ``'mean'`` divides by the
sum of ``sample_weight[n]`` over elements (the number of elements when
unweighted, as PyTorch has it).
"""
import inspect
import numbers

import numpy as np

from lossmetrics._core.declaration import Loss, public, takes_groups
from lossmetrics._core.driver import evaluate
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.options import REDUCTION, Option
from lossmetrics._core.state import torch_result
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._core.validation import (
    CheckedInputs, Deferred, as_2d, as_float_array, check_bool, check_finite,
    check_non_empty, check_probabilities, check_same_shape, check_sample_weight,
    first_index_where, format_index, in_batches,
)
from lossmetrics._kernels import kernels
from lossmetrics._losses.lean import lean_param, lean_state
from lossmetrics._losses.labels import label_indices


def check_elementwise_pair(y_true, pred, pred_name, sample_weight, n_threads, reduction,
                           pred_is_proba, true_is_proba, deferred, defer_ranges=False):
    """Shared checks of the element-wise losses: same shapes, finite values, and
    values in [0, 1] where the loss takes probabilities.

    The finiteness scans of arrays that need no range check are left to the
    kernel (added to ``deferred``, a Deferred); with ``defer_ranges``, the
    scans of the probability arrays too (for kernels that check them as they
    read them)."""
    # 0-d inputs are one element, as in PyTorch ('none' gives a 0-d result).
    x = as_float_array(pred, pred_name, allow_0d=True)
    t = as_float_array(y_true, "y_true", allow_0d=True)
    check_same_shape(t, x, "y_true", pred_name)
    check_non_empty(x, pred_name)
    reduction = REDUCTION.check(reduction)
    n_threads = resolve_n_threads(n_threads, work=2 * x.size)
    for arr, name, is_proba in ((x, pred_name, pred_is_proba), (t, "y_true", true_is_proba)):
        if is_proba:
            deferred.add(lambda arr=arr, name=name: _check_proba(arr, name, n_threads),
                         by_kernel=defer_ranges)
        else:
            deferred.finite(arr, name, n_threads=n_threads)
    with deferred.first():
        sw = check_sample_weight(sample_weight, x.shape[0] if x.ndim else 1,
                                 n_threads=n_threads)
    return t, x, sw, n_threads, reduction


def _check_proba(arr, name, n_threads):
    lo, hi = check_finite(arr, name, n_threads=n_threads)
    check_probabilities(arr, name, lo, hi)


def check_bce_weight(weight, shape, n_threads):
    """PyTorch's ``weight`` of the binary cross-entropies, validated and
    broadcast to the input's ``shape``: an (N, L) float64 view for the
    kernel (stride 0 along the rows when it does not vary over them), or None.
    """
    if weight is None:
        return None
    if isinstance(weight, (bool, np.bool_)):
        raise InvalidParameterError(
            f"weight must be a number or an array of numbers; got {weight!r}.")
    w = as_float_array(weight, "weight", allow_0d=True)
    try:
        if np.broadcast_shapes(w.shape, shape) != tuple(shape):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"weight of shape {w.shape} does not broadcast to the input's shape "
            f"{tuple(shape)} (PyTorch's rule: it must broadcast without growing "
            "the input).") from None
    lo, _ = check_finite(w, "weight", n_threads=n_threads)
    if lo < 0:
        flat = int(np.argmax(w.ravel() < 0))
        raise ValueError(f"weight must be non-negative; got {float(w.ravel()[flat])!r} "
                         f"at index {format_index(flat, w.shape)}.")
    w = w.astype(np.float64, copy=False)
    n = shape[0] if len(shape) else 1
    if w.ndim < len(shape) or len(shape) == 0 or w.shape[0] == 1:
        # The same for every row: one row of weights, repeated by a stride of 0.
        row = np.ascontiguousarray(np.broadcast_to(w, (1,) + tuple(shape[1:])).reshape(-1))
        return np.broadcast_to(row, (n, row.shape[0]))
    if in_batches():
        raise ValueError(
            "weight varies over the samples (its first axis has the batch's length); "
            "an Accumulator or lossmetrics.dask keeps one weight for every batch: "
            "give per-sample weights as sample_weight, or a weight without the "
            "batch axis.")
    return as_2d(np.broadcast_to(w, shape))


def check_binary_cross_entropy(y_true, y_proba, *, sample_weight=None, n_threads=None,
                               weight=None, reduction="mean"):
    # The kernel checks both arrays as it reads them (see _bce_rows).
    deferred = Deferred()
    t, p, sw, n_threads, reduction = check_elementwise_pair(
        y_true, y_proba, "y_proba", sample_weight, n_threads, reduction, True, True,
        deferred, defer_ranges=True)
    with deferred.first():
        wt = check_bce_weight(weight, p.shape, n_threads)
    return CheckedInputs("binary_cross_entropy", as_2d(t), as_2d(p), sw, n_threads,
                         dict(reduction=reduction, out_shape=p.shape,
                              pos_weight=np.empty(0), weight=wt), deferred)


def check_binary_cross_entropy_with_logits(y_true, logits, *, sample_weight=None,
                                           n_threads=None, pos_weight=None, weight=None,
                                           reduction="mean"):
    deferred = Deferred()
    with deferred.first():
        checked = _check_bce_logits(y_true, logits, sample_weight, n_threads, pos_weight,
                                    reduction, deferred)
        checked.params["weight"] = check_bce_weight(weight, checked.params["out_shape"],
                                                    checked.n_threads)
    return checked


def _check_bce_logits(y_true, logits, sample_weight, n_threads, pos_weight, reduction,
                      deferred, scores_name="logits"):
    # The kernel checks both arrays as it reads them (see _bce_rows).
    t, z, sw, n_threads, reduction = check_elementwise_pair(
        y_true, logits, scores_name, sample_weight, n_threads, reduction, False, True,
        deferred, defer_ranges=True)
    if pos_weight is None:
        pw = np.empty(0)
    else:
        if isinstance(pos_weight, (bool, np.bool_)):
            raise InvalidParameterError(
                f"pos_weight must be a number or an array of numbers; got {pos_weight!r}."
            )
        pw = as_float_array(pos_weight, "pos_weight") if not isinstance(
            pos_weight, numbers.Real) else np.asarray([float(pos_weight)])
        n_last = z.shape[-1] if z.ndim > 1 else 1
        if pw.ndim != 1 or pw.shape[0] not in (1, n_last):
            raise ValueError(
                f"pos_weight must be a scalar or have shape ({n_last},), one weight "
                f"per entry of the last axis; got shape {pw.shape}."
            )
        lo, _ = check_finite(pw, "pos_weight")
        if lo < 0:
            where = first_index_where(lambda a: a < 0, pw)
            raise ValueError(
                f"pos_weight must be non-negative; got {pw[where]} at index {where}."
            )
        # One weight per column of the (N, L) view: the last axis repeats.
        row_shape = z.shape[1:] if z.ndim > 1 else (1,)
        pw = np.ascontiguousarray(np.broadcast_to(pw, row_shape).reshape(-1),
                                  dtype=np.float64)
    return CheckedInputs("binary_cross_entropy_with_logits", as_2d(t), as_2d(z), sw,
                         n_threads, dict(reduction=reduction, out_shape=z.shape,
                                         pos_weight=pw), deferred)


def binary_state(term):
    """The kernel call of a binary cross-entropy (``term``: BINARY_CROSS_ENTROPY or
    BINARY_CROSS_ENTROPY_LOGITS), which checks its inputs as it reads them."""
    @takes_groups
    def state(checked, want_none=False, groups=None):
        k = kernels("_elementwise_kernels")
        state, per, all_checked = k.elementwise_kernel(
            getattr(k.Kind, term), checked.y_true, checked.y_pred,
            checked.params["pos_weight"], checked.sample_weight, False, want_none,
            checked.n_threads, 0.0, 0.0, checked.params["weight"], *(groups or ()))
        if not all_checked:
            checked.run_deferred()  # the scans left to the kernel, if any
        return state, per
    return state


def _score_binary_cross_entropy(y_true, y_proba, *, classes=None, sample_weight=None):
    """Scorer: binary (probability of classes_[1]) or multilabel (indicator y_true)."""
    y = np.asarray(y_true)
    if np.ndim(y_proba) == 1 and y.ndim == 1:
        idx, _ = label_indices(y, classes)
        y = (idx == 1).astype(np.float64)
    return binary_cross_entropy(y, y_proba, sample_weight=sample_weight)


def _demo_bce(d):
    import sklearn.metrics as skm

    y = d.binary_labels.astype(np.float64)
    return [("binary_cross_entropy", lambda: binary_cross_entropy(y, d.binary_proba),
             "sklearn", lambda: skm.log_loss(d.binary_labels, d.binary_proba))]


def _demo_bce_logits(d):
    y, z = d.binary_labels.astype(np.float64), d.binary_logits
    return [("binary_cross_entropy_with_logits",
             lambda: binary_cross_entropy_with_logits(y, z), "numpy",
             lambda: np.mean(np.logaddexp(0, z) - y * z))]


POS_WEIGHT = Option("pos_weight", "weight of the positive targets: one, or one per column",
                    metavar="F", nargs="+", type=float,
                    parse=lambda v: v[0] if len(v) == 1 else v)
WEIGHT = Option("weight", "PyTorch's weight of each element: one, or one per column",
                metavar="F", nargs="+", type=float,
                parse=lambda v: v[0] if len(v) == 1 else v)

BINARY_CROSS_ENTROPY = Loss(
    name="binary_cross_entropy", dtype_dependent=True,
    check=check_binary_cross_entropy,
    state=binary_state("BINARY_CROSS_ENTROPY"),
    result=torch_result, result_keys=("reduction",), options=(WEIGHT, REDUCTION),
    target="probabilities", prediction="probabilities",
    reference="torch.nn.functional.binary_cross_entropy",
    example=("[0., 1, 1, 0]", "[.1, .8, .7, .4]"),
    scorer="neg_binary_cross_entropy", response_method="predict_proba",
    score=_score_binary_cross_entropy, demo=_demo_bce,
)

BINARY_CROSS_ENTROPY_WITH_LOGITS = Loss(
    name="binary_cross_entropy_with_logits", check=check_binary_cross_entropy_with_logits,
    state=binary_state("BINARY_CROSS_ENTROPY_LOGITS"), result=torch_result,
    result_keys=("reduction",),
    options=(POS_WEIGHT, WEIGHT, REDUCTION), target="probabilities", prediction="logits",
    reference="torch.nn.functional.binary_cross_entropy_with_logits",
    example=("[0., 1, 1, 0]", "[-2., 1.5, .5, -.3]"), demo=_demo_bce_logits,
)


@public(BINARY_CROSS_ENTROPY)
def binary_cross_entropy(y_true, y_proba, *, weight=None, sample_weight=None,
                         reduction="mean", n_threads=None):
    """Binary cross-entropy of probabilities, element-wise (binary or multilabel).

    Parameters
    ----------
    y_true : array-like of any shape (N, ...)
        Targets in [0, 1]; soft targets allowed.
    y_proba : array-like of the same shape
        Predicted probabilities in [0, 1].
    weight : float or array-like, default=None
        PyTorch's ``weight``: a non-negative rescaling of each element's loss,
        broadcast to the input (a scalar, one per column, one per element...).
        As in PyTorch it does not enter the ``'mean'`` denominator.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements: the sum of
        ``sample_weight[n] * weight[n, ...] * loss`` divided by the sum of
        ``sample_weight[n]`` over the elements (their number when
        ``sample_weight`` is None, as in PyTorch).
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Notes
    -----
    Probabilities are clipped to ``[eps, 1 - eps]`` with
    ``eps = np.finfo(y_proba.dtype).eps``, as scikit-learn's ``log_loss``
    does, so for 0/1 targets the value equals ``log_loss``.  PyTorch instead
    clamps each log term at -100: the two agree unless a probability is within
    ``eps`` of 0 or 1 (then PyTorch's term is at most 100, ours at most
    ``-log(eps)``, about 36.04 in float64 and 15.94 in float32).

    Examples
    --------
    >>> from lossmetrics import binary_cross_entropy
    >>> round(binary_cross_entropy([1, 0, 1], [0.9, 0.2, 0.6]), 6)
    0.279777
    """
    return evaluate(BINARY_CROSS_ENTROPY, y_true, y_proba, sample_weight, n_threads,
                    weight=weight, reduction=reduction)


@public(BINARY_CROSS_ENTROPY_WITH_LOGITS)
def binary_cross_entropy_with_logits(y_true, logits, *, pos_weight=None, weight=None,
                                     sample_weight=None, reduction="mean",
                                     n_threads=None):
    """Binary cross-entropy of logits, PyTorch ``BCEWithLogitsLoss`` semantics.

    Parameters
    ----------
    y_true : array-like of any shape (N, ...)
        Targets in [0, 1]; soft targets allowed.
    logits : array-like of the same shape
        Finite real scores; infinite logits are rejected with a ValueError.
    pos_weight : float or array-like of shape (L,), default=None
        Weight of the positive term, broadcast over the last axis.
    weight : float or array-like, default=None
        PyTorch's ``weight``: a non-negative rescaling of each element's loss,
        broadcast to the input; not in the ``'mean'`` denominator (see
        :func:`binary_cross_entropy`).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row).
    reduction : {'mean', 'sum', 'none'}, default='mean'
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Notes
    -----
    Computed as ``max(x, 0) - y x + log1p(exp(-|x|))`` (plus the
    ``pos_weight`` term), exact and finite for any finite logit.

    Examples
    --------
    >>> from lossmetrics import binary_cross_entropy_with_logits
    >>> round(binary_cross_entropy_with_logits([1, 0], [2.0, -1.0]), 6)
    0.220095
    >>> binary_cross_entropy_with_logits([1.0, 0.0], [-1e5, 1e5], reduction="sum")
    200000.0
    """
    return evaluate(BINARY_CROSS_ENTROPY_WITH_LOGITS, y_true, logits, sample_weight,
                    n_threads, pos_weight=pos_weight, weight=weight, reduction=reduction)



def _check_threshold(value, name, allow_zero):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and np.isfinite(value) and (value >= 0 if allow_zero else value > 0))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidParameterError(
            f"{name} must be a finite real number {bound}; got {value!r}."
        )
    return float(value)


def check_pair(metric, y_true, y_pred, sample_weight, n_threads, reduction,
                pred_name="y_pred", **params):
    deferred = Deferred()
    t, x, sw, n_threads, reduction = check_elementwise_pair(
        y_true, y_pred, pred_name, sample_weight, n_threads, reduction, False, False,
        deferred)
    return CheckedInputs(metric, as_2d(t), as_2d(x), sw, n_threads,
                         dict(params, reduction=reduction, out_shape=x.shape), deferred)


def check_huber_loss(y_true, y_pred, *, sample_weight=None, n_threads=None, delta=1.0,
                     reduction="mean"):
    delta = DELTA.check(delta)
    return check_pair("huber_loss", y_true, y_pred, sample_weight, n_threads, reduction,
                       param=delta)


def check_smooth_l1_loss(y_true, y_pred, *, sample_weight=None, n_threads=None, beta=1.0,
                         reduction="mean"):
    beta = BETA.check(beta)
    return check_pair("smooth_l1_loss", y_true, y_pred, sample_weight, n_threads,
                       reduction, param=beta)


def check_mse_loss(y_true, y_pred, *, sample_weight=None, n_threads=None,
                   reduction="mean"):
    return check_pair("mse_loss", y_true, y_pred, sample_weight, n_threads, reduction)


def check_l1_loss(y_true, y_pred, *, sample_weight=None, n_threads=None, reduction="mean"):
    return check_pair("l1_loss", y_true, y_pred, sample_weight, n_threads, reduction)


def _check_eps(value):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and np.isfinite(value) and value >= 0)
    if not ok:
        raise InvalidParameterError(f"eps must be a finite real number >= 0; got {value!r}.")
    return float(value)


_POISSON_EPS = 1e-8


def check_poisson_nll_loss(y_true, y_pred, *, sample_weight=None, n_threads=None,
                           log_input=True, full=False, eps=_POISSON_EPS, reduction="mean"):
    log_input = LOG_INPUT.check(log_input)
    full = FULL.check(full)
    eps = EPS.check(eps)
    if log_input and eps != _POISSON_EPS:
        raise InvalidParameterError(
            f"eps={eps!r} applies only with log_input=False (it keeps log(y_pred + eps) "
            "finite for a rate of 0); with log_input=True y_pred is a log-rate and eps "
            "is not used.")
    checked = check_pair("poisson_nll_loss", y_true, y_pred, sample_weight, n_threads,
                         reduction, param=eps, param2=float(full), log_input=log_input)
    if not log_input:
        # A rate: y_pred + eps must be > 0 (PyTorch gives NaN or inf).
        x = checked.y_pred
        lo, _ = check_finite(x, "y_pred", n_threads=checked.n_threads)
        if not lo + eps > 0:
            flat = int(np.argmax(~(x + eps > 0)))   # C order: the input's flat index
            raise ValueError(
                f"y_pred must hold rates with y_pred + eps > 0 when log_input=False; "
                f"got {float(x.flat[flat])!r} at index "
                f"{format_index(flat, checked.params['out_shape'])} (eps={eps!r}).")
    return checked


def _check_alpha(value):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and np.isfinite(value) and value <= 1)
    if not ok:
        raise InvalidParameterError(
            f"alpha must be a finite real number <= 1 (a negative one turns the class "
            f"weighting off); got {value!r}.")
    return float(value)


def check_sigmoid_focal_loss(y_true, logits, *, sample_weight=None, n_threads=None,
                             alpha=0.25, gamma=2.0, reduction="mean"):
    alpha = _check_alpha(alpha)
    gamma = GAMMA.check(gamma)
    deferred = Deferred()
    # Targets in [0, 1], checked before the kernel; the logits' finiteness
    # shows in the kernel's sums.
    t, z, sw, n_threads, reduction = check_elementwise_pair(
        y_true, logits, "logits", sample_weight, n_threads, reduction, False, True,
        deferred)
    return CheckedInputs("sigmoid_focal_loss", as_2d(t), as_2d(z), sw, n_threads,
                         dict(reduction=reduction, out_shape=z.shape, param=alpha,
                              param2=gamma), deferred)


def check_soft_margin_loss(y_true, x, *, sample_weight=None, n_threads=None,
                           reduction="mean"):
    return check_pair("soft_margin_loss", y_true, x, sample_weight, n_threads, reduction,
                       pred_name="x")


def one_vs_rest(y_true, scores, classes):
    """The 0/1 targets of a classifier's decision function for the scorers of
    the element-wise losses: for a binary (N,) score, whether the label is
    ``classes[1]``; for (N, C) scores, the one-hot rows of the labels (one
    versus rest)."""
    idx, classes = label_indices(y_true, classes)
    if np.ndim(scores) == 1:
        return (idx == 1).astype(np.float64)
    return (idx[:, None] == np.arange(np.shape(scores)[1])).astype(np.float64)


def _score_soft_margin(y_true, scores, *, classes=None, sample_weight=None):
    """Scorer: targets 1 / -1 of the decision function (see one_vs_rest)."""
    return soft_margin_loss(2.0 * one_vs_rest(y_true, scores, classes) - 1.0, scores,
                            sample_weight=sample_weight)


def _score_focal(y_true, scores, *, classes=None, sample_weight=None):
    """Scorer: targets 1 / 0 of the decision function (see one_vs_rest)."""
    return sigmoid_focal_loss(one_vs_rest(y_true, scores, classes), scores,
                              sample_weight=sample_weight)


def _score_poisson(y_true, rate, *, classes=None, sample_weight=None):
    """Scorer: a regressor's predictions are rates (mean counts)."""
    return poisson_nll_loss(y_true, rate, log_input=False, sample_weight=sample_weight)


def pair_state(term):
    """The kernel call of an element-wise loss of (y_true, y_pred) pairs whose
    per-element term is ``term``: the name of a term of the kernel's ``Kind``,
    or a function of the validated options giving it.  The kernel module is
    loaded at the first call, not at import."""
    @takes_groups
    def state(checked, want_none=False, groups=None):
        k = kernels("_elementwise_kernels")
        name = term if isinstance(term, str) else term(checked.params)
        state, per, _ = k.elementwise_kernel(
            getattr(k.Kind, name), checked.y_true, checked.y_pred, np.empty(0),
            checked.sample_weight, False, want_none, checked.n_threads,
            checked.params.get("param", 0.0), checked.params.get("param2", 0.0), None,
            *(groups or ()))
        checked.after_kernel(state)
        return state, per
    return state


def triple_state(term, third):
    """The kernel call of an element-wise loss of three operands (y_true, the
    prediction, and the validated option ``third``, an array of the
    prediction's 2-D shape): ``term`` names a term of the kernel's ``Kind``."""
    @takes_groups
    def state(checked, want_none=False, groups=None):
        k = kernels("_elementwise_kernels")
        prm = checked.params
        state, per = k.elementwise3_kernel(
            getattr(k.Kind, term), checked.y_true, checked.y_pred, prm[third],
            checked.sample_weight, want_none, checked.n_threads, prm.get("param", 0.0),
            prm.get("param2", 0.0), *(groups or ()))
        checked.after_kernel(state)
        return state, per
    return state


_REGRESSION_EXAMPLE = ("[3.0, -0.5, 2.0, 7.0]", "[2.5, 0.0, 2.0, 8.0]")

def _huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))


def _demo_pair(name, reference, label="", **options):
    def demo(d):
        ours = globals()[name]
        return [(f"{name}{label}", lambda: ours(d.targets, d.predictions, **options),
                 "numpy", lambda: reference(d.predictions - d.targets))]
    return demo


DELTA = Option("delta", "threshold of the Huber loss", metavar="F", type=float,
               check=lambda v: _check_threshold(v, "delta", allow_zero=False))
BETA = Option("beta", "threshold of the smooth L1 loss", metavar="F", type=float,
              check=lambda v: _check_threshold(v, "beta", allow_zero=True))

_NO_DEFAULT = object()   # (an option the check has no default for)


def lean_pair(name, term, check, option=None, fixed=0.0, third=None):
    """The fast path (see lean.py) of the element-wise PyTorch loss ``name``
    of ``term`` (a term's name, or a function of the parameter giving it),
    whose ``option`` (an Option) is the term's parameter, its default read
    from the loss's ``check``; without one, the parameter is ``fixed`` and
    the path takes no option but ``reduction``.  ``third``: the name of the
    option that holds a term's third operand (margin ranking's x2)."""
    defaults = {key: p.default for key, p in inspect.signature(check).parameters.items()
                if p.kind is p.KEYWORD_ONLY}
    if option is not None:
        option = (option.name, option.check, defaults[option.name])

    def fast(y_true, y_pred, reduction="mean", **options):
        if not (isinstance(reduction, str) and reduction in ("mean", "sum")):
            return None
        operand = options.pop(third, None) if third else None
        if third and operand is None:
            return None
        # (the public function passes every option: those at their default,
        # of the default's type, are no option; the defaults themselves, the
        # same objects, in the common call)
        for key, value in options.items():
            if value is not defaults.get(key, _NO_DEFAULT):
                options = {key: value for key, value in options.items()
                           if not (key in defaults and type(value) is type(defaults[key])
                                   and value == defaults[key])}
                break
        else:
            options = {}
        param = lean_param(options, option, fixed)
        if param is None:
            return None
        state = lean_state(term(param) if callable(term) else term, y_true, y_pred, param,
                           operand)
        return None if state is None else torch_result(state, {"reduction": reduction}, name)
    return fast


def _smooth_l1_term(beta):
    """PyTorch: beta = 0 is exactly the L1 loss."""
    return "ABSOLUTE_ERROR" if beta == 0.0 else "SMOOTH_L1"


MSE_LOSS = Loss(
    name="mse_loss", check=check_mse_loss, state=pair_state("SQUARED_ERROR"),
    result=torch_result, result_keys=("reduction",), options=(REDUCTION,),
    target="values", prediction="values", reference="torch.nn.functional.mse_loss",
    fast=lean_pair("mse_loss", "SQUARED_ERROR", check_mse_loss),
    example=_REGRESSION_EXAMPLE, demo=_demo_pair("mse_loss", lambda e: np.mean(e * e)),
)

L1_LOSS = Loss(
    name="l1_loss", check=check_l1_loss, state=pair_state("ABSOLUTE_ERROR"),
    result=torch_result, result_keys=("reduction",), options=(REDUCTION,),
    target="values", prediction="values", reference="torch.nn.functional.l1_loss",
    fast=lean_pair("l1_loss", "ABSOLUTE_ERROR", check_l1_loss),
    example=_REGRESSION_EXAMPLE, demo=_demo_pair("l1_loss", lambda e: np.mean(np.abs(e))),
)

HUBER_LOSS = Loss(
    name="huber_loss", check=check_huber_loss, state=pair_state("HUBER"),
    result=torch_result,
    result_keys=("reduction",), options=(DELTA, REDUCTION), target="values",
    prediction="values",
    reference="torch.nn.functional.huber_loss", example=_REGRESSION_EXAMPLE,
    fast=lean_pair("huber_loss", "HUBER", check_huber_loss, DELTA),
    scorer="neg_huber_loss", response_method="predict",
    demo=_demo_pair("huber_loss", lambda e: np.mean(_huber(e, 10.0)), " (delta=10)",
                    delta=10.0),
)

SMOOTH_L1_LOSS = Loss(
    name="smooth_l1_loss", check=check_smooth_l1_loss,
    state=pair_state(lambda params: _smooth_l1_term(params["param"])),
    result=torch_result, result_keys=("reduction",), options=(BETA, REDUCTION),
    target="values", prediction="values", reference="torch.nn.functional.smooth_l1_loss",
    fast=lean_pair("smooth_l1_loss", _smooth_l1_term, check_smooth_l1_loss, BETA),
    example=_REGRESSION_EXAMPLE, scorer="neg_smooth_l1_loss", response_method="predict",
    demo=_demo_pair("smooth_l1_loss", lambda e: np.mean(_huber(e, 10.0)) / 10.0,
                    " (beta=10)", beta=10.0),
)


def _demo_soft_margin(d):
    # Breast cancer's decision function against its labels as signs.
    y, z = 2.0 * d.binary_labels - 1.0, d.binary_logits
    return [("soft_margin_loss", lambda: soft_margin_loss(y, z), "numpy",
             lambda: np.mean(np.logaddexp(0, -y * z)))]


SOFT_MARGIN_LOSS = Loss(
    name="soft_margin_loss", check=check_soft_margin_loss, state=pair_state("SOFT_MARGIN"),
    result=torch_result, result_keys=("reduction",), options=(REDUCTION,),
    target="signs", prediction="scores",
    reference="torch.nn.functional.soft_margin_loss",
    fast=lean_pair("soft_margin_loss", "SOFT_MARGIN", check_soft_margin_loss),
    example=("[1, -1, 1, -1]", "[0.8, -1.5, -0.25, 2.0]"), demo=_demo_soft_margin,
    scorer="neg_soft_margin_loss", response_method="decision_function",
    score=_score_soft_margin,
)


@public(SOFT_MARGIN_LOSS)
def soft_margin_loss(y_true, x, *, sample_weight=None, reduction="mean", n_threads=None):
    """Two-class logistic loss of scores, PyTorch ``SoftMarginLoss`` semantics.

    Per element: ``log(1 + exp(-y x))``, element-wise over inputs of any shape.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets, 1 or -1.  As in PyTorch, any finite real number is accepted
        (the formula holds for every ``y``).
    x : array-like of the same shape
        Real scores (float32 and float64 are read in place).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Notes
    -----
    Computed as the softplus ``max(z, 0) + log1p(exp(-|z|))`` of ``z = -y x``:
    exact and finite for every finite input.  PyTorch computes
    ``log1p(exp(z))``, which overflows to ``inf`` for ``z`` above 709.78 in
    float64 (88.72 in float32), where the loss is ``z`` itself.

    Examples
    --------
    >>> from lossmetrics import soft_margin_loss
    >>> round(soft_margin_loss([1, -1, 1], [2.0, -0.5, -1.0]), 6)
    0.638089
    >>> soft_margin_loss([1.0], [-1000.0])
    1000.0
    """
    return evaluate(SOFT_MARGIN_LOSS, y_true, x, sample_weight, n_threads,
                    reduction=reduction)


LOG_INPUT = Option("log_input", "y_pred holds log-rates (default); --no-log-input: rates",
                   metavar=None, switch="on_off",
                   check=lambda v: check_bool(v, "log_input", "poisson_nll_loss"))
FULL = Option("full", "add the constant terms (poisson_nll_loss: Stirling's log(y_true!); "
              "gaussian_nll_loss: log(2 pi) / 2)", metavar=None, switch="on",
              check=lambda v: check_bool(v, "full", "poisson_nll_loss"))
EPS = Option("eps", "poisson_nll_loss: added to the rates (with --no-log-input); "
             "gaussian_nll_loss: the variances' floor; triplet_margin_loss: added to "
             "the differences", metavar="F", type=float, check=_check_eps)

def _demo_poisson(d):
    # Digits' labels as counts, the expected label under each predicted
    # distribution as the rate.
    rate = d.proba @ np.arange(d.proba.shape[1], dtype=np.float64)
    y = d.labels.astype(np.float64)
    return [("poisson_nll_loss (digit as a count)",
             lambda: poisson_nll_loss(y, rate, log_input=False), "numpy",
             lambda: np.mean(rate - y * np.log(rate + 1e-8)))]


POISSON_NLL_LOSS = Loss(
    name="poisson_nll_loss", check=check_poisson_nll_loss,
    state=pair_state(lambda params: "POISSON_LOG" if params["log_input"] else "POISSON"),
    result=torch_result, result_keys=("reduction",), options=(LOG_INPUT, FULL, EPS, REDUCTION),
    target="values", prediction="log-rates or rates",
    reference="torch.nn.functional.poisson_nll_loss",
    # (log_input=True, full=False: eps is the term's parameter, unused)
    fast=lean_pair("poisson_nll_loss", "POISSON_LOG", check_poisson_nll_loss,
                   fixed=_POISSON_EPS),
    example=("[0.0, 1.0, 3.0, 2.0]", "[-0.5, 0.25, 1.0, 0.75]"), demo=_demo_poisson,
    # A regressor predicts rates (a mean count): the scorer reads them so.
    scorer="neg_poisson_nll_loss", response_method="predict",
    score=_score_poisson,
)


@public(POISSON_NLL_LOSS)
def poisson_nll_loss(y_true, y_pred, *, log_input=True, full=False, eps=_POISSON_EPS,
                     sample_weight=None, reduction="mean", n_threads=None):
    """Negative log-likelihood of Poisson counts, PyTorch ``PoissonNLLLoss`` semantics.

    Per element: ``exp(x) - y x`` for a log-rate ``x`` (``log_input=True``),
    ``x - y log(x + eps)`` for a rate; with ``full=True`` plus the Stirling
    approximation of ``log(y!)``, ``y log y - y + log(2 pi y) / 2``, where
    ``y > 1``.  Element-wise over inputs of any shape.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Observed counts (any finite real is accepted, as in PyTorch).
    y_pred : array-like of the same shape
        Log-rates (``log_input=True``) or rates, ``y_pred + eps > 0``.
    log_input : bool, default=True
        Whether ``y_pred`` holds log-rates.
    full : bool, default=False
        Whether to add the Stirling term, making the value the full negative
        log-likelihood.
    eps : float, default=1e-8
        Added to the rates inside the logarithm; used with ``log_input=False``
        only (another value with ``log_input=True`` is an error).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> import numpy as np
    >>> from lossmetrics import poisson_nll_loss
    >>> poisson_nll_loss([0.0, 2.0], np.log([0.5, 2.0]))
    0.5568528194400547
    >>> poisson_nll_loss([0.0, 2.0], [0.5, 2.0], log_input=False, reduction="none")
    array([0.5       , 0.61370563])
    """
    return evaluate(POISSON_NLL_LOSS, y_true, y_pred, sample_weight, n_threads,
                    log_input=log_input, full=full, eps=eps, reduction=reduction)


# Shared by sigmoid_focal_loss (the weight of the positive class) and
# mean_pinball_loss (a quantile): each loss's check validates it.
ALPHA = Option("alpha", "sigmoid_focal_loss: weight of the positive class (negative: "
               "none); mean_pinball_loss: the quantile, in [0, 1]", metavar="F", type=float)
GAMMA = Option("gamma", "focusing exponent", metavar="F", type=float,
               check=lambda v: _check_threshold(v, "gamma", allow_zero=True))


def _demo_focal(d):
    y, z = d.binary_labels.astype(np.float64), d.binary_logits
    q = 1.0 / (1.0 + np.exp(np.where(y == 1, z, -z)))    # 1 - p_t
    ce = np.logaddexp(0, z) - y * z
    return [("sigmoid_focal_loss", lambda: sigmoid_focal_loss(y, z), "numpy",
             lambda: np.mean(np.where(y == 1, 0.25, 0.75) * ce * q**2))]


SIGMOID_FOCAL_LOSS = Loss(
    name="sigmoid_focal_loss", check=check_sigmoid_focal_loss,
    state=pair_state("SIGMOID_FOCAL"), result=torch_result, result_keys=("reduction",),
    options=(ALPHA, GAMMA, REDUCTION), target="probabilities", prediction="logits",
    reference="torchvision.ops.sigmoid_focal_loss",
    example=("[0., 1, 1, 0]", "[-2., 1.5, .5, -.3]"), demo=_demo_focal,
    scorer="neg_sigmoid_focal_loss", response_method="decision_function",
    score=_score_focal,
)


@public(SIGMOID_FOCAL_LOSS)
def sigmoid_focal_loss(y_true, logits, *, alpha=0.25, gamma=2.0, sample_weight=None,
                       reduction="mean", n_threads=None):
    """Focal loss of logits, ``torchvision.ops.sigmoid_focal_loss`` semantics.

    The binary cross-entropy of each logit, down-weighted where the
    prediction is already good: ``alpha_t (1 - p_t)^gamma ce``, with
    ``p = sigmoid(logits)``, ``p_t = p y + (1 - p)(1 - y)`` and
    ``alpha_t = alpha y + (1 - alpha)(1 - y)``.  The standard loss for
    imbalanced detection (Lin et al., 2017).  Element-wise over any shape.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets in [0, 1] (0 or 1; soft targets allowed).
    logits : array-like of the same shape
        Finite real scores.
    alpha : float, default=0.25
        Weight of the positive class (``1 - alpha`` of the negative one); a
        negative value turns the weighting off.  At most 1.
    gamma : float, default=2.0
        Focusing exponent, >= 0 (0 is the weighted binary cross-entropy).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Notes
    -----
    ``1 - p_t`` is computed as ``sigmoid(-x) y + sigmoid(x) (1 - y)``, not
    as ``1 - p_t``: torchvision's form cancels to a few correct digits where
    the prediction is confident (``|x|`` beyond about 15).

    Examples
    --------
    >>> from lossmetrics import sigmoid_focal_loss
    >>> round(sigmoid_focal_loss([1, 0, 1], [2.0, -1.0, -0.5]), 6)
    0.037266
    >>> sigmoid_focal_loss([1.0], [-40.0], alpha=-1.0, gamma=0.0)
    40.0
    """
    return evaluate(SIGMOID_FOCAL_LOSS, y_true, logits, sample_weight, n_threads,
                    alpha=alpha, gamma=gamma, reduction=reduction)


@public(MSE_LOSS)
def mse_loss(y_true, y_pred, *, sample_weight=None, reduction="mean", n_threads=None):
    """Mean squared error, PyTorch ``MSELoss`` semantics, element-wise over any shape.

    Per element: ``(y_pred - y_true)^2``.  ``reduction='sum'`` is the sum of
    squared errors (SSE).  For scikit-learn's ``multioutput`` averaging, use
    :func:`mean_squared_error`.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets.
    y_pred : array-like of the same shape
        Predictions (float32 and float64 are read in place).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> from lossmetrics import mse_loss
    >>> mse_loss([[0.0, 1.0], [2.0, 3.0]], [[0.5, 1.0], [2.0, 1.0]])
    1.0625
    >>> mse_loss([0.0, 1.0], [0.5, 3.0], reduction="none")
    array([0.25, 4.  ])
    """
    return evaluate(MSE_LOSS, y_true, y_pred, sample_weight, n_threads,
                    reduction=reduction)


@public(L1_LOSS)
def l1_loss(y_true, y_pred, *, sample_weight=None, reduction="mean", n_threads=None):
    """Mean absolute error, PyTorch ``L1Loss`` semantics, element-wise over any shape.

    Per element: ``|y_pred - y_true|``.  For scikit-learn's ``multioutput``
    averaging, use :func:`mean_absolute_error`.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets.
    y_pred : array-like of the same shape
        Predictions (float32 and float64 are read in place).
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> from lossmetrics import l1_loss
    >>> l1_loss([[0.0, 1.0], [2.0, 3.0]], [[0.5, 1.0], [2.0, 1.0]])
    0.625
    >>> l1_loss([0.0, 1.0], [0.5, 3.0], reduction="sum")
    2.5
    """
    return evaluate(L1_LOSS, y_true, y_pred, sample_weight, n_threads,
                    reduction=reduction)


@public(HUBER_LOSS)
def huber_loss(y_true, y_pred, *, delta=1.0, sample_weight=None, reduction="mean",
               n_threads=None):
    """Huber loss, PyTorch ``HuberLoss`` semantics, element-wise over any shape.

    Per element, with ``d = |y_pred - y_true|``: ``0.5 d^2`` if ``d < delta``,
    else ``delta (d - delta / 2)``.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets.
    y_pred : array-like of the same shape
        Predictions (float32 and float64 are read in place).
    delta : float > 0, default=1.0
        Where the loss turns from quadratic to linear.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
        ``'mean'`` is the weighted mean over all elements.
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> from lossmetrics import huber_loss
    >>> huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -4.0])
    1.7083333333333333
    >>> huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -4.0], delta=2.0, reduction="none")
    array([0.125, 2.   , 6.   ])
    """
    return evaluate(HUBER_LOSS, y_true, y_pred, sample_weight, n_threads, delta=delta,
                    reduction=reduction)


@public(SMOOTH_L1_LOSS)
def smooth_l1_loss(y_true, y_pred, *, beta=1.0, sample_weight=None, reduction="mean",
                   n_threads=None):
    """Smooth L1 loss, PyTorch ``SmoothL1Loss`` semantics, element-wise over any shape.

    Per element, with ``d = |y_pred - y_true|``: ``0.5 d^2 / beta`` if
    ``d < beta``, else ``d - beta / 2``; ``beta = 0`` is the L1 loss.  It is
    Huber's loss divided by ``beta``.

    Parameters
    ----------
    y_true : array-like of shape (N, ...)
        Targets.
    y_pred : array-like of the same shape
        Predictions.
    beta : float >= 0, default=1.0
        Where the loss turns from quadratic to linear.
    sample_weight : array-like of shape (N,), default=None
        Weight of each sample (row), applied to all its elements.
    reduction : {'mean', 'sum', 'none'}, default='mean'
    n_threads : int, default=None
        OpenMP threads; results do not depend on it.

    Returns
    -------
    loss : float or ndarray of the input's shape

    Examples
    --------
    >>> from lossmetrics import smooth_l1_loss
    >>> smooth_l1_loss([0.0, 0.0, 0.0], [0.5, 2.0, -4.0])
    1.7083333333333333
    >>> smooth_l1_loss([0.0, 0.0], [0.5, 2.0], beta=0.0)
    1.25
    """
    return evaluate(SMOOTH_L1_LOSS, y_true, y_pred, sample_weight, n_threads, beta=beta,
                    reduction=reduction)

