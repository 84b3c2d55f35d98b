"""Property-based tests (Hypothesis) of every public loss.

Three families of properties, over shapes, dtypes (float32 / float64),
memory layouts (strided slices, transposes, negative strides), sample
weights and every option:

* agreement with slow, obviously-correct references written in this file:
  per-element Python loops following the documented semantics (PyTorch's
  formulas, scikit-learn's clipping at ``finfo(dtype).eps`` in the input
  dtype with ``1 - p`` formed in that dtype, the weighting contract of the
  ``_torch_losses`` module docstring), evaluated in float64 and summed with
  ``math.fsum``; rtol 1e-12 plus an absolute slack of a few eps per unit of
  weight (only visible when a value is near 0);
* invariances: permutation of samples, power-of-two scaling of the weights
  (bitwise), integer weights == repetition, and state merge
  (``f(A ++ B) == f(A) + f(B)`` for ``'sum'``, within 2 ulp);
* crash freedom: any generated input -- valid or not, values anywhere in the
  floating-point range, NaN and infinities included -- either raises
  ValueError / TypeError or returns a result without NaN whose infinities are
  the mathematically correct ones.  Results are checked against the same
  references evaluated in 50-digit decimal arithmetic with an unbounded
  exponent (no overflow, no underflow), so an infinite result is accepted only
  when the exact value is infinite (zero probabilities in KL / NLL) or beyond
  the float64 range.

Hypothesis runs derandomized (reproducible in CI).  Set the environment
variable ``LOSSMETRICS_FUZZ_EXAMPLES`` (e.g. ``3000``) to raise the number of
examples of the crash-freedom tests for a longer fuzzing run.

The last section holds explicit examples of the edge cases these properties
found, one test each, asserting the correct behaviour.  Nothing here is timed.
"""
import math
import os
import warnings
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossmetrics as lm

EPS = float(np.finfo(np.float64).eps)
FLOAT_DTYPES = (np.float64, np.float32)
DBL_MAX = float(np.finfo(np.float64).max)

_FUZZ = os.environ.get("LOSSMETRICS_FUZZ_EXAMPLES")
FUZZ_EXAMPLES = int(_FUZZ) if _FUZZ else None

_COMMON = dict(
    deadline=None, derandomize=True, database=None,
    # no 'explain' phase: it re-runs failing examples many times for little gain
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def examples(n):
    return settings(max_examples=n, **_COMMON)


def crash_examples(n):
    """Settings of the crash-freedom tests: LOSSMETRICS_FUZZ_EXAMPLES overrides n."""
    return settings(max_examples=FUZZ_EXAMPLES or n, **_COMMON)


# ==========================================================================
# Arithmetic backends of the references
# ==========================================================================

class F64:
    """float64 arithmetic, sums with math.fsum (the fast reference)."""

    one, zero, inf = 1.0, 0.0, math.inf
    context = staticmethod(nullcontext)
    num = staticmethod(float)
    log = staticmethod(math.log)
    exp = staticmethod(math.exp)
    log1p = staticmethod(math.log1p)
    sqrt = staticmethod(math.sqrt)
    fsum = staticmethod(math.fsum)
    to_float = staticmethod(float)


class Exact:
    """50 significant digits, exponent range +-1e9: no overflow, no underflow.

    Inputs are converted exactly (``Decimal(float)``); ``to_float`` rounds
    correctly, to +-inf beyond the float64 range.
    """

    ctx = Context(prec=50, Emax=10**9, Emin=-(10**9))
    one, zero, inf = Decimal(1), Decimal(0), Decimal("Infinity")

    @classmethod
    def context(cls):
        return localcontext(cls.ctx)

    @staticmethod
    def num(x):
        return Decimal(float(x))

    @staticmethod
    def log(x):
        return x.ln()

    @staticmethod
    def exp(x):
        return Decimal(0) if x < -(10**6) else x.exp()

    @staticmethod
    def log1p(x):
        return x - x * x / 2 if abs(x) < Decimal("1e-30") else (1 + x).ln()

    @staticmethod
    def sqrt(x):
        return x.sqrt()

    @staticmethod
    def fsum(xs):
        total = Decimal(0)
        for x in xs:
            total += x
        return total

    to_float = staticmethod(float)


OVERFLOW_LIMIT = 1e150


def _weights(B, sw, n):
    if sw is None:
        return [B.one] * n
    a = np.asarray(sw)
    if a.ndim == 0:
        return [B.num(a.item())] * n
    return [B.num(v) for v in a.tolist()]


def _finish(B, vals, units, den, shape, reduction):
    """Reduce per-element (weighted) values like the losses do.

    Returns (value, atol): ``atol`` is 8 eps per unit of weight (``units``
    holds, per element, its weight times the scale of its rounding errors, in
    the backend's numbers).  ``value`` is None when the mean is undefined
    (zero denominator).
    """
    if reduction == "none":
        value = np.array([B.to_float(v) for v in vals], dtype=np.float64).reshape(shape)
        atol = np.array([8 * EPS * B.to_float(u) for u in units], dtype=np.float64)
        return value, atol.reshape(shape)
    total = B.fsum(vals)
    unit = B.fsum(units)
    if reduction == "sum":
        return B.to_float(total), 8 * EPS * B.to_float(unit)
    d = B.fsum(den)
    if d == 0:
        return None, None
    return B.to_float(total / d), 8 * EPS * B.to_float(unit / d)


def _eff_dtype(a):
    """The dtype a loss computes clipping thresholds in (float16 -> float32)."""
    a = np.asarray(a)
    return np.float32 if a.dtype.kind == "f" and a.dtype.itemsize <= 4 else np.float64


# ==========================================================================
# References
# ==========================================================================

def ref_regression(B, name, y, p, sw, multioutput="uniform_average"):
    """scikit-learn: per output sum_i w_i err_i / sum_i w_i, then average outputs."""
    ya, pa = np.asarray(y), np.asarray(p)
    Y = ya.reshape(ya.shape[0], -1).tolist()
    P = pa.reshape(pa.shape[0], -1).tolist()
    n, m = len(Y), len(Y[0])
    with B.context():
        w = _weights(B, sw, n)
        W = B.fsum(w)
        errs = []
        for j in range(m):
            terms = []
            for i in range(n):
                if w[i] == 0:
                    continue
                d = B.num(Y[i][j]) - B.num(P[i][j])
                terms.append(w[i] * (abs(d) if name == "mean_absolute_error" else d * d))
            e = B.fsum(terms) / W
            errs.append(B.sqrt(e) if name == "root_mean_squared_error" else e)
        if isinstance(multioutput, str) and multioutput == "raw_values":
            return np.array([B.to_float(e) for e in errs]), 0.0
        if isinstance(multioutput, str):
            return B.to_float(B.fsum(errs) / m), 0.0
        mo = [B.num(v) for v in np.asarray(multioutput).tolist()]
        value = B.fsum([e * v for e, v in zip(errs, mo)]) / B.fsum(mo)
        unit = B.fsum([abs(e * v) for e, v in zip(errs, mo)]) / abs(B.fsum(mo))
        return B.to_float(value), 8 * EPS * B.to_float(unit)


def _clipped_proba(p):
    """y_proba as scikit-learn clips it: (n, K) in the input dtype, ``1 - p`` too."""
    pa = np.asarray(p)
    dt = _eff_dtype(pa)
    P = pa.astype(dt)
    if P.ndim == 1:
        P = P[:, None]
    if P.shape[1] == 1:
        P = np.concatenate([dt(1) - P, P], axis=1)
    eps = np.finfo(dt).eps
    return np.minimum(np.maximum(P, eps), dt(1) - eps)


def ref_log_loss(B, y, p, sw, labels=None, normalize=True):
    """-log of the clipped probability of each sample's label (column = sorted rank)."""
    P = _clipped_proba(p)
    n = P.shape[0]
    ya = np.asarray(y)
    vals, units = [], []
    with B.context():
        w = _weights(B, sw, n)
        if ya.ndim == 2 and ya.shape[1] > 1:          # label-indicator matrix
            losses = [-B.fsum([B.num(v) * B.log(B.num(P[i, k]))
                               for k, v in enumerate(row) if v])
                      for i, row in enumerate(ya.tolist())]
        else:
            y1 = ya.reshape(-1)
            classes = np.unique(np.asarray(labels) if labels is not None else y1)
            losses = []
            for i in range(n):
                k = int(np.searchsorted(classes, y1[i]))
                assert k < len(classes) and classes[k] == y1[i], (y1[i], classes)
                losses.append(-B.log(B.num(P[i, k])))
        for wi, loss in zip(w, losses):
            vals.append(B.zero if wi == 0 else wi * loss)
            units.append(wi)
        return _finish(B, vals, units, w, (n,), "mean" if normalize else "sum")


def _neg_log_softmax(B, zs):
    """-log_softmax of finite scores: (max - z_c) + log1p(sum over the others)."""
    m = max(zs)
    top = zs.index(m)
    rest = B.fsum([B.exp(zc - m) for c, zc in enumerate(zs) if c != top])
    off = B.log1p(rest)
    return [(m - zc) + off for zc in zs]


def ref_class_scores(B, y, z, sw, kw, reduction, log_input):
    """PyTorch cross_entropy (log_input=False) / nll_loss (True) with our weights.

    Index targets: loss = (1 - s) cw[t] (-log p_t) + s / C sum_c cw[c] (-log p_c),
    denominator sum w cw[t] over non-ignored targets.  Probability targets:
    loss = sum_c cw[c] t'_c (-log p_c), t' = (1 - s) t + s / C, denominator
    sum w per element.  Zero weights contribute nothing.
    """
    za = np.asarray(z)
    N, C = za.shape[:2]
    sp = za.shape[2:]
    S = int(np.prod(sp, dtype=np.int64))
    Z = za.reshape(N, C, S).tolist()
    ya = np.asarray(y)
    prob = (not log_input) and ya.shape == za.shape and ya.dtype.kind in "fOc"
    T = ya.reshape(N, C, S).tolist() if prob else ya.reshape(N, S).tolist()
    cw_in = kw.get("class_weight")
    ign = kw.get("ignore_index")
    vals, units, den = [], [], []
    with B.context():
        cw = [B.one] * C if cw_in is None else [B.num(v) for v in np.asarray(cw_in).tolist()]
        cw_max = max(cw)
        s = B.num(kw.get("label_smoothing", 0.0))
        keep = B.one - s
        w = _weights(B, sw, N)
        for i in range(N):
            wi = w[i]
            for j in range(S):
                if prob:
                    den.append(wi)
                    if wi == 0:
                        vals.append(B.zero)
                        units.append(B.zero)
                        continue
                    nl = _neg_log_softmax(B, [B.num(Z[i][c][j]) for c in range(C)])
                    terms = []
                    for c in range(C):
                        tc = keep * B.num(T[i][c][j]) + s / C
                        if tc != 0 and cw[c] != 0:
                            terms.append(cw[c] * tc * nl[c])
                    loss = B.fsum(terms)
                else:
                    t = int(T[i][j])
                    if ign is not None and t == ign:
                        vals.append(B.zero)
                        units.append(B.zero)
                        continue
                    den.append(wi * cw[t])
                    if wi == 0 or (cw[t] == 0 and s == 0):
                        vals.append(B.zero)
                        units.append(B.zero)
                        continue
                    if log_input:
                        loss = -cw[t] * B.num(Z[i][t][j])
                    else:
                        nl = _neg_log_softmax(B, [B.num(Z[i][c][j]) for c in range(C)])
                        loss = B.zero if keep == 0 else keep * cw[t] * nl[t]
                        if s != 0:
                            loss = loss + s / C * B.fsum(
                                [cw[c] * nl[c] for c in range(C) if cw[c] != 0])
                vals.append(wi * loss)
                units.append(wi * cw_max)
        return _finish(B, vals, units, den, (N,) + sp, reduction)


def ref_bce(B, y, p, sw, reduction):
    """-(y log p + (1 - y) log q), q = 1 - p formed in the input dtype, both clipped."""
    pa = np.asarray(p)
    dt = _eff_dtype(pa)
    P = pa.astype(dt)
    Y = np.asarray(y)
    eps = np.finfo(dt).eps
    one = dt(1)
    vals, units, den = [], [], []
    with B.context():
        w = _weights(B, sw, P.shape[0] if P.ndim else 1)
        for idx in np.ndindex(P.shape):
            pv = P[idx]
            qv = one - pv
            pc = min(max(pv, eps), one - eps)
            qc = min(max(qv, eps), one - eps)
            yv = B.num(Y[idx])
            loss = -(yv * B.log(B.num(pc)) + (B.one - yv) * B.log(B.num(qc)))
            wi = w[idx[0] if idx else 0]   # a 0-d input is one sample
            den.append(wi)
            vals.append(B.zero if wi == 0 else wi * loss)
            units.append(wi)
        return _finish(B, vals, units, den, P.shape, reduction)


def _softplus(B, x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    return max(x, B.zero) + B.log1p(B.exp(-abs(x)))


def ref_bce_logits(B, y, x, sw, kw, reduction):
    """PyTorch BCEWithLogits, as two non-negative terms:
    pos_weight * y * softplus(-x) + (1 - y) * softplus(x)."""
    X = np.asarray(x)
    Y = np.asarray(y)
    pw_in = kw.get("pos_weight")
    n_last = X.shape[-1] if X.ndim > 1 else 1
    vals, units, den = [], [], []
    with B.context():
        if pw_in is None:
            pw = [B.one] * n_last
        else:
            flat = np.asarray(pw_in, dtype=np.float64).reshape(-1).tolist()
            pw = [B.num(flat[0])] * n_last if len(flat) == 1 else [B.num(v) for v in flat]
        w = _weights(B, sw, X.shape[0] if X.ndim else 1)
        for idx in np.ndindex(X.shape):
            xv, yv = B.num(X[idx]), B.num(Y[idx])
            pwj = pw[idx[-1] if X.ndim > 1 else 0]
            loss = B.zero
            if pwj * yv != 0:
                loss = loss + pwj * yv * _softplus(B, -xv)
            if yv != 1:
                loss = loss + (B.one - yv) * _softplus(B, xv)
            wi = w[idx[0] if idx else 0]
            den.append(wi)
            vals.append(B.zero if wi == 0 else wi * loss)
            units.append(wi)
        return _finish(B, vals, units, den, X.shape, reduction)


def ref_kl(B, y, q, sw, kw, reduction):
    """sum_c p_c (log p_c - log q_c) per distribution; 0 log 0 = 0; p > 0 = q -> inf.

    With ``log_true`` a finite log-probability is a positive probability,
    however small (even when exp() underflows in float64).
    """
    Pa, Qa = np.asarray(y), np.asarray(q)
    out_shape = Pa.shape[:-1]
    if Pa.ndim < 2:   # 0-d (one element) or (C,): one sample, a 0-d 'none'
        Pa, Qa, out_shape = Pa.reshape(1, -1), Qa.reshape(1, -1), ()
    C = Pa.shape[-1]
    N = Pa.shape[0]
    rows_p = Pa.reshape(-1, C).tolist()
    rows_q = Qa.reshape(-1, C).tolist()
    per_sample = len(rows_p) // N
    log_true, log_pred = bool(kw.get("log_true", False)), bool(kw.get("log_pred", False))
    vals, units = [], []
    with B.context():
        w = _weights(B, sw, N)
        for r, (prow, qrow) in enumerate(zip(rows_p, rows_q)):
            wi = w[r // per_sample]
            if wi == 0:
                vals.append(B.zero)
                units.append(B.zero)
                continue
            terms, infinite, scale = [], False, B.one
            for pv, qv in zip(prow, qrow):
                if log_true:
                    if pv == -math.inf:
                        continue
                    lp = B.num(pv)
                    pc = B.exp(lp)
                else:
                    if pv == 0:
                        continue
                    pc = B.num(pv)
                    lp = B.log(pc)
                if (qv == -math.inf) if log_pred else (qv == 0):
                    infinite = True
                    continue
                lq = B.num(qv) if log_pred else B.log(B.num(qv))
                terms.append(pc * (lp - lq))
                scale += pc * (abs(lp) + abs(lq))
            row = B.inf if infinite else B.fsum(terms)
            vals.append(wi * row)
            units.append(wi * scale)
        return _finish(B, vals, units, w, out_shape, reduction)


# ==========================================================================
# Memory layouts: the same values behind other strides
# ==========================================================================

@st.composite
def layouts(draw, ndim):
    """Axis order in memory, a step per axis, and which axes run backwards."""
    if ndim == 0:
        return None
    order = tuple(draw(st.permutations(range(ndim))))
    steps = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    flips = tuple(draw(st.booleans()) for _ in range(ndim))
    return order, steps, flips


def _sentinel(dtype):
    """A value that must never be read: NaN, or an invalid label / class index."""
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return np.nan
    if dt.kind == "b":
        return False
    if dt.kind == "u":
        return np.iinfo(dt).max
    return np.iinfo(dt).min


def lay_out(a, layout):
    """A view with ``a``'s values whose memory follows ``layout``.

    The view lives inside a bigger buffer filled with a sentinel: reading an
    element through a wrong stride reads NaN or an invalid label.
    """
    if layout is None or a is None or np.ndim(a) == 0:
        return a
    a = np.asarray(a)
    if a.dtype.kind not in "fiub":
        return a
    order, steps, flips = layout
    buf = np.full([a.shape[ax] * steps[ax] for ax in order], _sentinel(a.dtype),
                  dtype=a.dtype)
    view = buf[tuple(slice(None, None, steps[ax]) for ax in order)]
    view = view.transpose(np.argsort(order))
    view = view[tuple(slice(None, None, -1) if f else slice(None) for f in flips)]
    view[...] = a
    assert np.array_equal(view, a)
    return view


# ==========================================================================
# Value strategies
# ==========================================================================

REGIMES = {
    # agreement tests: wide but moderate ranges (no overflow in the reference)
    "value": dict(real=2.0**20, logit=1000.0, tame=False, neg_inf=True),
    # invariance tests: no tiny magnitudes, so that scaling by 2**k stays exact
    "tame": dict(real=1000.0, logit=50.0, tame=True, neg_inf=False),
}


def _width(dtype):
    return 8 * np.dtype(dtype).itemsize


def _untiny(v):
    return 0.0 if abs(v) < 2.0**-20 else v


def reals(dtype, bound, tame):
    special = [0.0, 1.0, -1.0, bound, -bound, bound / 3, -bound / 3, 30.5, -30.5]
    s = st.floats(-bound, bound, width=_width(dtype))
    if tame:
        s = s.map(_untiny)
    return st.one_of(st.sampled_from([float(dtype(v)) for v in special]), s)


def probabilities(dtype, tame, zero=True):
    eps = float(np.finfo(dtype).eps)
    special = [1.0, 0.5, 1 - eps, 1 - eps / 2] + ([] if tame else [eps, eps / 2])
    if zero:
        special.append(0.0)
    s = st.floats(0.0, 1.0, width=_width(dtype))
    s = s.map(_untiny) if tame else s
    if not zero:
        s = s.filter(bool)
    return st.one_of(st.sampled_from(special), s)


def log_probabilities(dtype, bound, tame, neg_inf):
    s = st.floats(-bound, 0.0, width=_width(dtype))
    if tame:
        s = s.map(_untiny)
    return st.one_of(st.just(-math.inf), s) if neg_inf else s


def arrays(draw, dtype, shape, elements):
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def sample_weights(draw, n, regime):
    kind = draw(st.sampled_from(["none", "array", "array", "integers", "scalar"]))
    if kind == "none":
        return None
    if kind == "scalar":
        return draw(st.floats(2.0**-10, 2.0**10))
    if kind == "integers":
        w = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype=np.int64)
    else:
        # Subnormal weights are rejected with a ValueError (they lose precision in
        # every product); the crash-freedom tests draw them elsewhere.
        pos = st.floats(2.0**-10, 2.0**10) if REGIMES[regime]["tame"] else st.floats(
            0.0, 1e3, allow_subnormal=False)
        w = arrays(draw, np.float64, n, st.one_of(st.just(0.0), pos))
    if not (w > 0).any():
        w[draw(st.integers(0, n - 1))] = 1
    return w


# --------------------------------------------------------------------------
# Case table: one entry per loss and target kind
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    name: str                 # public function
    draw: Callable            # (draw, dtype, regime) -> (y, pred, kwargs)
    reductions: tuple
    ref: Callable             # (B, y, pred, sw, kwargs, reduction) -> (value, atol)
    style: str                # "regression", "log_loss" or "torch"


def call(case, y, p, sw, reduction, kw):
    func = getattr(lm, case.name)
    if case.style == "regression":
        assert reduction == "mean"
        return func(y, p, sample_weight=sw, **kw)
    if case.style == "log_loss":
        return func(y, p, sample_weight=sw, normalize=reduction == "mean", **kw)
    return func(y, p, sample_weight=sw, reduction=reduction, **kw)


def draw_regression(draw, dtype, regime):
    r = REGIMES[regime]
    n = draw(st.integers(1, 30))
    m = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (n,) if m is None else (n, m)
    y_dtype = draw(st.sampled_from(FLOAT_DTYPES))
    y = arrays(draw, y_dtype, shape, reals(y_dtype, r["real"], r["tame"]))
    p = arrays(draw, dtype, shape, reals(dtype, r["real"], r["tame"]))
    options = ["uniform_average", "raw_values"]
    if m is not None and m > 1:
        options.append(draw(st.lists(st.floats(2.0**-4, 16.0), min_size=m, max_size=m)))
    return y, p, dict(multioutput=draw(st.sampled_from(options)))


LABEL_DTYPES = ["int64", "int8", "uint8", "int32", "uint64", "float64", "bool"]


def draw_log_loss(draw, dtype, regime):
    r = REGIMES[regime]
    n = draw(st.integers(2, 30))
    label_dtype = draw(st.sampled_from(LABEL_DTYPES))
    if label_dtype == "bool":
        k = 2
        classes = np.array([False, True])
    else:
        k = draw(st.integers(2, 5))
        if label_dtype == "float64":
            lo, hi = -1000, 1000
        else:
            info = np.iinfo(label_dtype)
            lo, hi = int(info.min), int(info.max)
        values = draw(st.lists(st.one_of(st.integers(max(lo, -3), min(hi, 5)), st.integers(lo, hi)),
                               min_size=k, max_size=k, unique=True))
        classes = np.array(sorted(values), dtype=label_dtype)
    declare = draw(st.booleans()) or n < k
    idx = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    if not declare:
        idx[:k] = range(k)      # classes come from y_true: every one must occur
    idx = np.array(idx)
    form = draw(st.sampled_from(["labels", "labels", "indicator"]))
    if form == "indicator":
        y = (idx[:, None] == np.arange(k)).astype(draw(st.sampled_from(["int64", "float64"])))
    else:
        y = classes[idx]
    if k == 2 and draw(st.booleans()):
        p = arrays(draw, dtype, (n,) if draw(st.booleans()) else (n, 1),
                   probabilities(dtype, r["tame"]))
    elif draw(st.booleans()):
        # rows that sum to one (up to rounding)
        raw = arrays(draw, np.float64, (n, k), st.floats(2.0**-10, 1.0))
        p = (raw / raw.sum(axis=1, keepdims=True)).astype(dtype)
    else:
        p = arrays(draw, dtype, (n, k), probabilities(dtype, r["tame"]))
    kw = {}
    if declare or form == "indicator":
        kw["labels"] = classes
    return y, p, kw


def draw_class_scores(draw, dtype, regime, *, kdim=False, soft=False, log_input=False):
    r = REGIMES[regime]
    n = draw(st.integers(1, 12))
    c = draw(st.integers(1, 6))
    sp = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))) if kdim else ()
    if log_input:
        # -inf (probability 0) in a quarter of the arrays: the loss is then inf
        neg_inf = r["neg_inf"] and draw(st.integers(0, 3)) == 0
        z = arrays(draw, dtype, (n, c) + sp,
                   log_probabilities(dtype, r["logit"], r["tame"], neg_inf))
    else:
        z = arrays(draw, dtype, (n, c) + sp, reals(dtype, r["logit"], r["tame"]))
    kw = {}
    if draw(st.booleans()):
        kw["class_weight"] = draw(st.lists(
            st.one_of(st.just(0.0), st.floats(2.0**-4, 10.0).map(_untiny)),
            min_size=c, max_size=c))
    if not log_input and draw(st.booleans()):
        kw["label_smoothing"] = draw(st.one_of(st.just(1.0), st.floats(0.0, 1.0).map(
            lambda v: _untiny(v) if r["tame"] else v)))
    if soft:
        y_dtype = draw(st.sampled_from(FLOAT_DTYPES))
        return arrays(draw, y_dtype, z.shape, probabilities(y_dtype, r["tame"])), z, kw
    t = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n * int(np.prod(sp)),
                               max_size=n * int(np.prod(sp))))).reshape((n,) + sp)
    ignore = draw(st.sampled_from([None, None, -100, -1, 0, c - 1, c]))
    if ignore is not None:
        kw["ignore_index"] = ignore
        mask = arrays(draw, np.bool_, t.shape, st.booleans())
        t = np.where(mask, ignore, t)
    y_dtype = draw(st.sampled_from(["int64", "int32", "int16", "float64"]
                                   + (["uint8"] if t.min() >= 0 else [])))
    return t.astype(y_dtype), z, kw


def draw_bce(draw, dtype, regime, *, logits=False):
    r = REGIMES[regime]
    n = draw(st.integers(1, 20))
    shape = (n,) + draw(st.sampled_from([(), (1,), (2,), (3,), (4,), (2, 3), (3, 1)]))
    y_dtype = draw(st.sampled_from(FLOAT_DTYPES))
    hard = draw(st.booleans())
    y = arrays(draw, y_dtype, shape,
               st.sampled_from([0.0, 1.0]) if hard else probabilities(y_dtype, r["tame"]))
    kw = {}
    if logits:
        x = arrays(draw, dtype, shape, reals(dtype, r["logit"], r["tame"]))
        kind = draw(st.sampled_from(["none", "scalar", "vector", "vector"]))
        pw = st.floats(0.0, 10.0).map(_untiny) if r["tame"] else st.floats(0.0, 10.0)
        if kind == "scalar":
            kw["pos_weight"] = draw(pw)
        elif kind == "vector":
            kw["pos_weight"] = draw(st.lists(pw, min_size=shape[-1] if len(shape) > 1 else 1,
                                             max_size=shape[-1] if len(shape) > 1 else 1))
        return y, x, kw
    return y, arrays(draw, dtype, shape, probabilities(dtype, r["tame"])), kw


def draw_kl(draw, dtype, regime):
    r = REGIMES[regime]
    n = draw(st.integers(1, 12))
    c = draw(st.integers(1, 6))
    shape = (n,) + draw(st.sampled_from([(), (1,), (2,), (3,)])) + (c,)
    kw = dict(log_true=draw(st.booleans()), log_pred=draw(st.booleans()))
    out = []
    for is_log, d, is_q in ((kw["log_true"], draw(st.sampled_from(FLOAT_DTYPES)), False),
                            (kw["log_pred"], dtype, True)):
        # zeros of Q (-inf log-probabilities) in a quarter of the arrays:
        # where P > 0 they make the divergence infinite
        zeros = not is_q or (r["neg_inf"] and draw(st.integers(0, 3)) == 0)
        if is_log:
            out.append(arrays(draw, d, shape, log_probabilities(d, 50.0, r["tame"],
                                                                 zeros and r["neg_inf"])))
        elif draw(st.booleans()):
            positive = st.floats(2.0**-10, 1.0)
            raw = arrays(draw, np.float64, shape,
                         st.one_of(st.just(0.0), positive) if zeros else positive)
            raw[..., 0] += 1.0
            out.append((raw / raw.sum(axis=-1, keepdims=True)).astype(d))
        else:
            out.append(arrays(draw, d, shape, probabilities(d, r["tame"], zero=zeros)))
    return out[0], out[1], kw


REG = ("mean",)
TORCH = ("mean", "sum", "none")
CASES = [
    Case("mean_squared_error", "mean_squared_error", draw_regression, REG,
         lambda B, y, p, sw, kw, red: ref_regression(B, "mean_squared_error", y, p, sw, **kw),
         "regression"),
    Case("root_mean_squared_error", "root_mean_squared_error", draw_regression, REG,
         lambda B, y, p, sw, kw, red: ref_regression(B, "root_mean_squared_error", y, p, sw, **kw),
         "regression"),
    Case("mean_absolute_error", "mean_absolute_error", draw_regression, REG,
         lambda B, y, p, sw, kw, red: ref_regression(B, "mean_absolute_error", y, p, sw, **kw),
         "regression"),
    Case("log_loss", "log_loss", draw_log_loss, ("mean", "sum"),
         lambda B, y, p, sw, kw, red: ref_log_loss(B, y, p, sw, kw.get("labels"), red == "mean"),
         "log_loss"),
    Case("cross_entropy-index", "cross_entropy", draw_class_scores, TORCH,
         lambda B, y, p, sw, kw, red: ref_class_scores(B, y, p, sw, kw, red, False), "torch"),
    Case("cross_entropy-kdim", "cross_entropy",
         lambda d, t, r: draw_class_scores(d, t, r, kdim=True), TORCH,
         lambda B, y, p, sw, kw, red: ref_class_scores(B, y, p, sw, kw, red, False), "torch"),
    Case("cross_entropy-probabilities", "cross_entropy",
         lambda d, t, r: draw_class_scores(d, t, r, kdim=d(st.booleans()), soft=True), TORCH,
         lambda B, y, p, sw, kw, red: ref_class_scores(B, y, p, sw, kw, red, False), "torch"),
    Case("nll_loss", "nll_loss",
         lambda d, t, r: draw_class_scores(d, t, r, kdim=d(st.booleans()), log_input=True), TORCH,
         lambda B, y, p, sw, kw, red: ref_class_scores(B, y, p, sw, kw, red, True), "torch"),
    Case("binary_cross_entropy", "binary_cross_entropy", draw_bce, TORCH,
         lambda B, y, p, sw, kw, red: ref_bce(B, y, p, sw, red), "torch"),
    Case("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits",
         lambda d, t, r: draw_bce(d, t, r, logits=True), TORCH,
         lambda B, y, p, sw, kw, red: ref_bce_logits(B, y, p, sw, kw, red), "torch"),
    Case("kl_divergence", "kl_divergence", draw_kl, TORCH,
         lambda B, y, p, sw, kw, red: ref_kl(B, y, p, sw, kw, red), "torch"),
]
CASE_PARAMS = [pytest.param(c, id=c.id) for c in CASES]


# The losses these properties cover.  The registry may hold more (losses added
# since): they need a case here, a draw function and a reference.
COVERED = {"log_loss", "mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
           "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_divergence"}


def test_every_covered_loss_has_a_case():
    assert COVERED <= set(lm.LOSSES)
    assert {c.name for c in CASES} == COVERED


# ==========================================================================
# Helpers of the assertions
# ==========================================================================

def _as_checked_array(got, expected):
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), type(got)
        assert got.dtype == np.float64, got.dtype
        assert got.shape == expected.shape, (got.shape, expected.shape)
        return got
    assert type(got) is float, type(got)
    return np.array([got])


def assert_matches(got, expected, atol, rtol=1e-12):
    """|got - expected| <= rtol |expected| + atol, infinities equal, no NaN."""
    g = _as_checked_array(got, expected)
    e = np.asarray(expected, dtype=np.float64).reshape(g.shape)
    a = np.asarray(atol, dtype=np.float64)
    a = a.reshape(g.shape) if a.ndim else np.full(g.shape, a)
    assert not np.isnan(g).any(), f"NaN in the result: {got!r}"
    inf = np.isinf(e)
    assert np.array_equal(g[inf], e[inf]), (
        f"expected infinities at {np.flatnonzero(inf)}: got {g[inf]}")
    assert np.isfinite(g[~inf]).all(), f"unexpected infinities: got {got!r}, expected {expected!r}"
    fin = ~inf
    err = np.zeros(g.shape)
    err[fin] = np.abs(g[fin] - e[fin])
    bad = np.flatnonzero((fin & (err > rtol * np.abs(np.where(fin, e, 0)) + a)).ravel())
    if bad.size:
        k = bad[0]
        gk, ek, errk = g.ravel()[k], e.ravel()[k], err.ravel()[k]
        raise AssertionError(
            f"{bad.size} value(s) differ, first at flat index {k}: got {gk!r}, expected "
            f"{ek!r} (abs error {errk:.3g}, rel {errk / max(abs(ek), 1e-300):.3g}, "
            f"atol {a.ravel()[k]:.3g})")


def _ulps_apart(a, b, scale):
    if a == b:
        return 0
    return abs(a - b) / math.ulp(scale) if math.isfinite(scale) and scale else math.inf


def _show(**values):
    """name=value lines, floats with all their digits (for Hypothesis notes)."""
    with np.printoptions(floatmode="unique", threshold=200):
        return "\n".join(f"{k}={v!r}" for k, v in values.items())


def _take(a, idx):
    return None if a is None else np.asarray(a)[idx]


# ==========================================================================
# 1. Agreement with the references
# ==========================================================================

@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASE_PARAMS)
@examples(80)
@given(data=st.data())
def test_agrees_with_reference(case, data):
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES), label="dtype")
    y, p, kw = case.draw(data.draw, dtype, "value")
    n = np.asarray(p).shape[0]
    sw = data.draw(sample_weights(n, "value"), label="sample_weight")
    reduction = data.draw(st.sampled_from(case.reductions), label="reduction")
    expected, atol = case.ref(F64, y, p, sw, kw, reduction)
    # The same values behind odd strides: slices, transposes, negative strides.
    y_v = lay_out(y, data.draw(layouts(np.ndim(y)), label="y layout"))
    p_v = lay_out(p, data.draw(layouts(np.ndim(p)), label="pred layout"))
    sw_v = lay_out(sw, data.draw(layouts(np.ndim(sw)), label="sw layout"))
    note(_show(y=y, pred=p, sample_weight=sw, kwargs=kw))
    if expected is None:
        with pytest.raises(ValueError, match="denominator"):
            call(case, y_v, p_v, sw_v, reduction, kw)
        return
    got = call(case, y_v, p_v, sw_v, reduction, kw)
    note(_show(got=got, expected=expected))
    assert_matches(got, expected, atol)


# ==========================================================================
# 2. Invariances
# ==========================================================================

def _draw_tame(case, data, weights=True, positive_weights=False):
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES), label="dtype")
    y, p, kw = case.draw(data.draw, dtype, "tame")
    n = np.asarray(p).shape[0]
    if case.style == "log_loss" and "labels" not in kw:
        kw["labels"] = np.unique(y)          # subsets must keep every class
    sw = None
    if weights:
        elem = st.floats(2.0**-10, 2.0**10)
        if not positive_weights:
            elem = st.one_of(st.just(0.0), elem)
        sw = arrays(data.draw, np.float64, n, elem)
        if not (sw > 0).any():
            sw[0] = 1.0
    return y, p, kw, sw


def _defined(case, y, p, sw, kw, reduction):
    """False if the reference says the mean is undefined (all weight ignored)."""
    return reduction != "mean" or case.ref(F64, y, p, sw, kw, reduction)[0] is not None


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASE_PARAMS)
@examples(20)
@given(data=st.data())
def test_permutation_of_samples(case, data):
    y, p, kw, sw = _draw_tame(case, data, weights=data.draw(st.booleans()))
    n = np.asarray(p).shape[0]
    perm = np.array(data.draw(st.permutations(range(n)), label="perm"))
    for reduction in case.reductions:
        if not _defined(case, y, p, sw, kw, reduction):
            continue
        a = call(case, y, p, sw, reduction, kw)
        b = call(case, _take(y, perm), _take(p, perm), _take(sw, perm), reduction, kw)
        if reduction == "none":
            np.testing.assert_array_equal(b, a[perm])
            continue
        _, atol = case.ref(F64, y, p, sw, kw, reduction)
        for u, v in zip(np.ravel(a), np.ravel(b)):
            assert u == v or abs(u - v) <= 4 * math.ulp(max(abs(u), abs(v))) + atol, (
                reduction, u, v)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASE_PARAMS)
@examples(20)
@given(data=st.data())
def test_power_of_two_weight_scaling(case, data):
    # Scaling every weight by 2**k scales every product and partial sum
    # exactly: 'mean' keeps its bits, 'sum' and 'none' scale exactly.
    y, p, kw, sw = _draw_tame(case, data)
    k = data.draw(st.integers(-60, 60).filter(bool), label="k")
    scalar = data.draw(st.booleans(), label="scalar weights")
    if scalar:
        sw = None
    for reduction in case.reductions:
        if not _defined(case, y, p, sw, kw, reduction):
            continue
        base = call(case, y, p, 1.0 if scalar else sw, reduction, kw)
        scaled = call(case, y, p, 2.0**k if scalar else sw * 2.0**k, reduction, kw)
        if reduction == "mean":
            np.testing.assert_array_equal(scaled, base)
            assert np.asarray(scaled).tobytes() == np.asarray(base).tobytes()
        else:
            np.testing.assert_array_equal(scaled, np.ldexp(base, k))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASE_PARAMS)
@examples(20)
@given(data=st.data())
def test_integer_weights_equal_repetition(case, data):
    y, p, kw, _ = _draw_tame(case, data, weights=False)
    n = np.asarray(p).shape[0]
    w = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n), label="w"))
    if not w.any():
        w[0] = 2
    idx = np.repeat(np.arange(n), w)
    for reduction in case.reductions:
        if reduction == "none" or not _defined(case, y, p, w, kw, reduction):
            continue
        weighted = call(case, y, p, w, reduction, kw)
        repeated = call(case, _take(y, idx), _take(p, idx), None, reduction, kw)
        _, atol = case.ref(F64, y, p, w, kw, reduction)
        np.testing.assert_allclose(weighted, repeated, rtol=1e-13, atol=2 * atol)


def _regression_state(case, y, p, sw, kw):
    spec = lm.LOSSES[case.name]
    state, _ = spec.state(spec.check(y, p, sample_weight=sw, **kw))
    return [float(hi + lo) for hi, lo in state]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASE_PARAMS)
@examples(20)
@given(data=st.data())
def test_state_merge(case, data):
    # For 'sum': f(A ++ B) == f(A) + f(B) within 2 ulp of the exactly rounded
    # sum.  Regression losses only offer a mean: their reduced states
    # (per-output weighted sums, weight total) merge the same way.
    y, p, kw, sw = _draw_tame(case, data, weights=data.draw(st.booleans()))
    n = np.asarray(p).shape[0]
    assume(n >= 2)
    k = data.draw(st.integers(1, n - 1), label="split")
    if sw is not None:
        sw[0] = max(sw[0], 1.0)
        sw[k] = max(sw[k], 1.0)
    a, b = slice(None, k), slice(k, None)
    if case.style == "regression":
        whole = _regression_state(case, y, p, sw, kw)
        parts = zip(_regression_state(case, y[a], p[a], _take(sw, a), kw),
                    _regression_state(case, y[b], p[b], _take(sw, b), kw))
    else:
        whole = [call(case, y, p, sw, "sum", kw)]
        parts = [(call(case, y[a], p[a], _take(sw, a), "sum", kw),
                  call(case, y[b], p[b], _take(sw, b), "sum", kw))]
    for total, (fa, fb) in zip(whole, parts):
        merged = math.fsum([fa, fb])
        scale = max(abs(fa), abs(fb), abs(merged))
        assert _ulps_apart(total, merged, scale) <= 2, (total, fa, fb, merged)


# ==========================================================================
# 3. Crash freedom: ValueError / TypeError, or a result without NaN whose
#    infinities (and rough value) are the exact ones
# ==========================================================================

F64_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, EPS, 1 - EPS, 1 + EPS, 5e-324, 2.2250738585072014e-308,
               DBL_MAX, -DBL_MAX, 1e154, -1e154, 1e300, -1e300, 745.2, -745.2, 36.5, -36.5,
               1e-300, 2.0**63, 2.0**64]


def _specials(dtype):
    with np.errstate(over="ignore"):
        return sorted({float(v) for v in np.array(F64_SPECIAL, dtype=dtype) if np.isfinite(v)})


def wild_elements(dtype, mode):
    """Elements of an array of ``dtype``: mode 'unit' ([0, 1]), 'logp' (<= 0, -inf
    included), 'real' (any finite), 'nonneg' (finite >= 0) or 'wild' (anything)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return st.booleans()
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo = 0 if mode in ("unit", "nonneg") else int(info.min)
        small = st.integers(max(int(info.min), -3 if lo < 0 else 0), min(int(info.max), 3))
        if mode == "unit":
            return st.integers(0, 1)
        if mode == "logp":
            return st.integers(max(int(info.min), -3), 0)
        return st.one_of(small, st.integers(lo, int(info.max)))
    width = 8 * dt.itemsize
    special = _specials(dt.newbyteorder("="))
    if mode == "unit":
        return st.one_of(st.sampled_from([v for v in special if 0 <= v <= 1]),
                         st.floats(0, 1, width=width))
    if mode == "logp":
        return st.one_of(st.just(-math.inf), st.sampled_from([-abs(v) for v in special]),
                         st.floats(max_value=0.0, allow_nan=False, width=width))
    if mode == "nonneg":
        return st.one_of(st.sampled_from([abs(v) for v in special]),
                         st.floats(min_value=0.0, allow_infinity=False, width=width))
    if mode == "real":
        return st.one_of(st.sampled_from(special),
                         st.floats(allow_nan=False, allow_infinity=False, width=width))
    return st.one_of(st.sampled_from(special + [math.nan, math.inf, -math.inf]),
                     st.floats(width=width))


PRED_DTYPES = ["<f8", "<f4", "<f2", ">f8", ">f4", "<i8", "|b1", "<u1"]


@st.composite
def wild_array(draw, shape, mode, dtypes=PRED_DTYPES, p_wild=0.15):
    dtype = draw(st.sampled_from(dtypes))
    if draw(st.floats(0, 1)) < p_wild:
        mode = "wild"
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=wild_elements(dtype, mode)))


@st.composite
def maybe_other_shape(draw, shape):
    """Mostly ``shape``; sometimes another (mismatched, empty, scalar) shape."""
    if draw(st.floats(0, 1)) < 0.9:
        return shape
    return tuple(draw(st.lists(st.integers(0, 3), max_size=4)))


@st.composite
def wild_weights(draw, n):
    kind = draw(st.sampled_from(["none", "scalar", "array", "array", "array", "wrong"]))
    if kind == "none":
        return None
    if kind == "scalar":
        return draw(st.sampled_from([0, 1, 3, 2.5, -1.0, math.nan, math.inf, 1e308, 5e-324,
                                     np.float32(3.0), np.int64(2), True, "1"]))
    if kind == "wrong":
        return draw(st.sampled_from([np.ones(n + 1), np.ones((n, 1)), np.ones(0), [[1.0]] * n]))
    return draw(wild_array((n,), "nonneg", dtypes=["<f8", "<f4", "<i8", "|b1", ">f8"],
                           p_wild=0.1))


def _fuzz_n_threads():
    return st.sampled_from([None, None, None, 1, 2, -1, 0, 1.5, True, 2**31, -(2**40)])


def _reductions():
    return st.sampled_from(["mean", "mean", "sum", "sum", "none", "none", "batchmean", None])


VALUES = pytest.mark.parametrize("values", [False, True], ids=["crash", "values"])


def check_outcome(run, reference, values, **inputs):
    """Run a loss on generated input: it either raises ValueError / TypeError,
    or returns a float (or float64 array) that has no NaN and, with ``values``,
    whose infinities are exactly those of the exact reference and whose finite
    values are roughly (rtol 1e-6) the exact ones.

    The crash tests run twice, without and with ``values``, so that a frequent
    wrong-infinity failure cannot hide a rarer crash or NaN.  ``inputs`` are
    shown (with all their digits) when the example fails."""
    note(_show(**inputs))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # numpy overflow / invalid casts
        warnings.simplefilter("ignore", UserWarning)     # log_loss's documented warnings
        try:
            got = run()
        except (ValueError, TypeError):
            return
    if isinstance(got, np.ndarray):
        assert got.dtype == np.float64, got.dtype
        g = got
    else:
        assert type(got) is float, type(got)
        g = np.array(got)
    assert not np.isnan(g).any(), f"NaN in the result {got!r}"
    if not values:
        return
    expected, atol = reference(Exact)
    assert expected is not None, f"the mean is undefined, yet the loss returned {got!r}"
    e = np.asarray(expected, dtype=np.float64)
    assert g.shape == e.shape, (g.shape, e.shape)
    note(_show(got=got, exact=expected))
    # Documented limitation (as in scikit-learn and PyTorch): sums are formed in
    # float64, so an exact result within a factor of the sample count of the
    # float maximum may overflow to inf on the way (for the root mean squared
    # error, whose squares overflow first, from about 1e154 on).
    spurious = np.isinf(g) & (g != e) & ~(np.abs(e) > OVERFLOW_LIMIT)
    assert not spurious.any(), (
        f"infinite result {got!r} where the exact value is finite: {expected!r}")
    missing = np.isinf(e) & (g != e)
    assert not missing.any(), (
        f"finite result {got!r} where the exact value is infinite: {expected!r}")
    finite = np.isfinite(e) & ~(np.isinf(g) & (np.abs(e) > OVERFLOW_LIMIT))
    err = np.abs(g[finite] - e[finite])
    # rtol 1e-6, plus the absolute slack of the reference and of subnormal
    # results (whose relative precision is inherently lower)
    tol = (1e-6 * np.abs(e[finite]) + 1e9 * np.broadcast_to(atol, e.shape)[finite]
           + 1000 * 2.0**-1074)
    assert (err <= tol).all(), f"result {got!r} far from the exact value {expected!r}"


def _kwargs(**kw):
    """Drop options left at their 'not given' marker."""
    return {k: v for k, v in kw.items() if not (isinstance(v, str) and v == "<absent>")}


@pytest.mark.parametrize("name", ["mean_squared_error", "root_mean_squared_error",
                                  "mean_absolute_error"])
@VALUES
@crash_examples(60)
@given(data=st.data())
def test_regression_never_crashes(name, values, data):
    draw = data.draw
    n = draw(st.integers(1, 5))
    m = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (n,) if m is None else (n, m)
    y = draw(wild_array(draw(maybe_other_shape(shape)), "real"))
    p = draw(wild_array(draw(maybe_other_shape(shape)), "real"))
    sw = draw(wild_weights(n))
    mo = draw(st.one_of(
        st.sampled_from(["uniform_average", "raw_values", "<absent>", "mean", None]),
        st.lists(st.sampled_from([0.0, 1.0, 2.0, -1.0, 0.5, 1e308, 5e-324, math.nan]),
                 min_size=1, max_size=4)))
    kw = _kwargs(multioutput=mo, n_threads=draw(_fuzz_n_threads()))
    check_outcome(
        lambda: getattr(lm, name)(y, p, sample_weight=sw, **kw),
        lambda B: ref_regression(B, name, y, p, sw, kw.get("multioutput", "uniform_average")),
        values, y=y, pred=p, sample_weight=sw, kwargs=kw)


@st.composite
def wild_labels(draw, n):
    kind = draw(st.sampled_from(["int", "int", "uint64", "float", "bool", "str", "indicator"]))
    if kind == "int":
        dt = draw(st.sampled_from(["int64", "int8", "uint8", "int32"]))
        return draw(hnp.arrays(dt, n, elements=wild_elements(dt, "real")))
    if kind == "uint64":
        big = st.integers(2**63 - 2, 2**64 - 1)       # beyond int64
        return np.array(draw(st.lists(st.one_of(st.integers(0, 3), big), min_size=n, max_size=n)),
                        dtype=np.uint64)
    if kind == "float":
        return np.array(draw(st.lists(st.sampled_from(
            [0.0, -0.0, 1.0, 2.0, 3.0, 0.5, 1e19, -1e19, 1e300, 2.0**62, 2.0**63, -(2.0**63)]),
            min_size=n, max_size=n)))
    if kind == "bool":
        return draw(hnp.arrays(np.bool_, n))
    if kind == "str":
        return np.array(draw(st.lists(st.sampled_from(["a", "b", "c", "10", "9"]),
                                      min_size=n, max_size=n)))
    k = draw(st.integers(1, 4))
    return draw(hnp.arrays(draw(st.sampled_from(["int64", "float64"])), (n, k),
                           elements=st.sampled_from([0, 1, 1, 2])))


@VALUES
@crash_examples(100)
@given(data=st.data())
def test_log_loss_never_crashes(values, data):
    draw = data.draw
    n = draw(st.integers(1, 5))
    y = draw(wild_labels(n))
    pshape = draw(st.sampled_from([(n,), (n, 1), (n, 2), (n, 3), (n, 4)]))
    p = draw(wild_array(draw(maybe_other_shape(pshape)), "unit"))
    sw = draw(wild_weights(n))
    labels = draw(st.one_of(st.just("<absent>"), st.just(None),
                            st.just(np.unique(y) if y.ndim == 1 else "<absent>"),
                            st.lists(st.integers(-3, 5), min_size=1, max_size=5, unique=True)))
    normalize = draw(st.sampled_from([True, False, True, 1, None, np.bool_(False)]))
    kw = _kwargs(labels=labels, normalize=normalize, n_threads=draw(_fuzz_n_threads()))
    check_outcome(
        lambda: lm.log_loss(y, p, sample_weight=sw, **kw),
        lambda B: ref_log_loss(B, y, p, sw, kw.get("labels"), bool(kw.get("normalize", True))),
        values, y=y, pred=p, sample_weight=sw, kwargs=kw)


@st.composite
def class_score_inputs(draw, log_input):
    n = draw(st.integers(1, 5))
    c = draw(st.integers(1, 4))
    sp = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    zshape = (n, c) + sp
    z = draw(wild_array(draw(maybe_other_shape(zshape)), "logp" if log_input else "real"))
    kind = draw(st.sampled_from(["index", "index", "prob"] if not log_input else ["index"]))
    if kind == "prob":
        y = draw(wild_array(draw(maybe_other_shape(zshape)), "unit",
                            dtypes=["<f8", "<f4", "<f2", ">f8"]))
    else:
        ydt = draw(st.sampled_from(["int64", "int32", "uint8", "float64", "bool"]))
        elems = (st.booleans() if ydt == "bool" else
                 st.sampled_from([0, 1, 2, 3, -1, -100, c, 255] if ydt != "float64"
                                 else [0.0, 1.0, 2.0, 3.0, -1.0, -100.0, 0.5, 2.0**62, math.nan]))
        if ydt == "uint8":
            elems = st.sampled_from([0, 1, 2, 3, 255])
        y = draw(hnp.arrays(ydt, draw(maybe_other_shape((n,) + sp)), elements=elems))
    cw = draw(st.one_of(
        st.just("<absent>"), st.just(None),
        wild_array((c,), "nonneg", dtypes=["<f8", "<f4", "<i8"], p_wild=0.1),
        st.just(np.ones(c + 1)), st.just([-1.0] * c)))
    ignore = draw(st.sampled_from(["<absent>", None, -100, -1, 0, 1, c, 255, 2**63 - 1,
                                   -(2**63), 2**64, 1.0, True, np.int64(1), np.uint64(0)]))
    kw = dict(class_weight=cw, ignore_index=ignore, reduction=draw(_reductions()),
              n_threads=draw(_fuzz_n_threads()))
    if not log_input:
        kw["label_smoothing"] = draw(st.one_of(
            st.sampled_from(["<absent>", 0.0, 0.0, 0.25, 1.0, -0.5, 1.5, math.nan, True,
                             np.float32(0.1), 1]),
            st.floats(0, 1)))
    return y, z, n, _kwargs(**kw)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@VALUES
@crash_examples(100)
@given(data=st.data())
def test_class_score_losses_never_crash(name, values, data):
    log_input = name == "nll_loss"
    y, z, n, kw = data.draw(class_score_inputs(log_input))
    sw = data.draw(wild_weights(n))
    check_outcome(
        lambda: getattr(lm, name)(y, z, sample_weight=sw, **kw),
        lambda B: ref_class_scores(B, y, z, sw, kw, kw.get("reduction", "mean"), log_input),
        values, y=y, pred=z, sample_weight=sw, kwargs=kw)


@pytest.mark.parametrize("logits", [False, True], ids=["probabilities", "logits"])
@VALUES
@crash_examples(100)
@given(data=st.data())
def test_binary_cross_entropies_never_crash(logits, values, data):
    draw = data.draw
    n = draw(st.integers(1, 5))
    shape = (n,) + tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    x = draw(wild_array(draw(maybe_other_shape(shape)), "real" if logits else "unit"))
    y = draw(wild_array(draw(maybe_other_shape(shape)), "unit"))
    sw = draw(wild_weights(n))
    kw = dict(reduction=draw(_reductions()), n_threads=draw(_fuzz_n_threads()))
    if logits:
        last = shape[-1] if len(shape) > 1 else 1
        kw["pos_weight"] = draw(st.one_of(
            st.sampled_from(["<absent>", None, 1.0, 0.0, 3.0, 1e-300, 1e300, DBL_MAX, -1.0,
                             math.nan, True, np.float32(2.0)]),
            wild_array((last,), "nonneg", dtypes=["<f8", "<f4"], p_wild=0.1),
            st.just(np.ones(last + 1))))
    kw = _kwargs(**kw)
    if logits:
        func = lm.binary_cross_entropy_with_logits
        ref = lambda B: ref_bce_logits(B, y, x, sw, kw, kw.get("reduction", "mean"))  # noqa: E731
    else:
        func = lm.binary_cross_entropy
        ref = lambda B: ref_bce(B, y, x, sw, kw.get("reduction", "mean"))  # noqa: E731
    check_outcome(lambda: func(y, x, sample_weight=sw, **kw), ref, values,
                  y=y, pred=x, sample_weight=sw, kwargs=kw)


@VALUES
@crash_examples(100)
@given(data=st.data())
def test_kl_divergence_never_crashes(values, data):
    draw = data.draw
    n = draw(st.integers(1, 5))
    c = draw(st.integers(1, 4))
    shape = (n,) + tuple(draw(st.lists(st.integers(1, 3), max_size=1))) + (c,)
    log_true = draw(st.sampled_from([False, True, False, True, 1, np.bool_(True), "<absent>"]))
    log_pred = draw(st.sampled_from([False, True, False, True, None, np.bool_(False), "<absent>"]))
    p = draw(wild_array(draw(maybe_other_shape(shape)), "logp" if log_true is True else "unit"))
    q = draw(wild_array(draw(maybe_other_shape(shape)), "logp" if log_pred is True else "unit"))
    sw = draw(wild_weights(n))
    kw = _kwargs(log_true=log_true, log_pred=log_pred, reduction=draw(_reductions()),
                 n_threads=draw(_fuzz_n_threads()))
    check_outcome(
        lambda: lm.kl_divergence(p, q, sample_weight=sw, **kw),
        lambda B: ref_kl(B, p, q, sw, kw, kw.get("reduction", "mean")),
        values, y=p, pred=q, sample_weight=sw, kwargs=kw)


# ==========================================================================
# 4. Edge cases found by the properties above, one explicit test each
# ==========================================================================

def _exact(ref):
    value, _ = ref(Exact)
    return value


@pytest.mark.parametrize("name, y, pred, kw", [
    ("mean_squared_error", [1e308, 0.5], [-1e308, 0.0], {}),
    ("mean_absolute_error", [1e308, 0.5], [-1e308, 0.0], {}),
    ("binary_cross_entropy_with_logits", [1.0, 1.0], [-1e308, 0.0], {"pos_weight": 10.0}),
    ("cross_entropy", [[0.0, 1.0], [1.0, 0.0]], [[1e308, -1e308], [0.0, 0.0]], {}),
])
def test_zero_weight_removes_an_element_whose_loss_overflows(name, y, pred, kw):
    # A sample of weight 0 must not contribute (weight 0 == removal), even when
    # its unweighted loss overflows to inf: 0 * inf must not turn into NaN.
    func = getattr(lm, name)
    got = func(y, pred, sample_weight=[0.0, 1.0], **kw)
    expected = func(y[1:], pred[1:], **kw)
    assert got == expected, (got, expected)


@pytest.mark.parametrize("scale", [2.0**1022, 2.0**-1070], ids=["huge", "subnormal"])
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_mean_with_weights_at_the_ends_of_the_float_range(case, scale):
    # 'mean' is invariant to scaling the weights, and any finite positive
    # weights are valid.  Four weights of 2**1022: each is finite, their total
    # is not (the mean came out 0.0 or NaN).  Weights of 2**-1070: weight *
    # loss is subnormal and loses most of its bits.
    # The contract: the exact mean, or a ValueError naming the weights when
    # their total overflows float64 or they are subnormal -- never a silent
    # NaN or a wrong number.
    y, p, kw = _fixed_inputs(case, np.random.default_rng(7))
    w = np.ones(np.asarray(p).shape[0])
    base = call(case, y, p, w, "mean", kw)
    try:
        scaled = call(case, y, p, w * scale, "mean", kw)
    except ValueError as exc:
        assert "sample_weight" in str(exc), exc
        return
    assert scaled == pytest.approx(base, rel=1e-14, abs=0), (scaled, base)


@pytest.mark.parametrize("name", ["mean_squared_error", "root_mean_squared_error",
                                  "mean_absolute_error"])
def test_multioutput_weights_near_the_float_maximum(name):
    # Equal custom output weights are the uniform average, however large.
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    func = getattr(lm, name)
    assert func(y, p, multioutput=[1e308, 1e308]) == pytest.approx(
        func(y, p), rel=1e-15, abs=0)


def _fixed_inputs(case, rng):
    """Small ordinary inputs of a case (no Hypothesis)."""
    n = 4
    if case.style == "regression":
        return rng.normal(size=(n, 2)), rng.normal(size=(n, 2)), {}
    if case.name == "log_loss":
        return np.array([0, 1, 2, 1]), rng.dirichlet(np.ones(3), n), {}
    if case.id == "cross_entropy-probabilities":
        return rng.dirichlet(np.ones(3), n), rng.normal(size=(n, 3)), {}
    if case.id == "cross_entropy-kdim":
        return rng.integers(0, 3, (n, 2)), rng.normal(size=(n, 3, 2)), {}
    if case.name == "cross_entropy":
        return np.array([0, 1, 2, 1]), rng.normal(size=(n, 3)), {}
    if case.name == "nll_loss":
        z = rng.normal(size=(n, 3))
        return np.array([0, 1, 2, 1]), z - np.log(np.exp(z).sum(axis=1, keepdims=True)), {}
    if case.name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, 2)).astype(float), rng.uniform(0.1, 0.9, (n, 2)), {}
    if case.name == "binary_cross_entropy_with_logits":
        return rng.integers(0, 2, (n, 2)).astype(float), rng.normal(size=(n, 2)), {}
    assert case.name == "kl_divergence"
    return rng.dirichlet(np.ones(3), n), rng.dirichlet(np.ones(3), n), {}


@pytest.mark.parametrize("y, logits, kw", [
    # soft target close to 1, large positive logit: (1 - y) x, not x - y x
    ([1 - 2.0**-52], [1000.0], {}),
    ([1 - 2.0**-40], [1000.123456789], {}),
    ([0.999999], [12345.678901], {}),
    # small pos_weight, large negative logit: pw y softplus(-x)
    ([1.0], [-1000.0], {"pos_weight": 1e-10}),
    ([0.75], [-30.5], {"pos_weight": 1e-6}),
    ([2.0**-52], [-1e300], {"pos_weight": 1e-80}),      # 0.0 instead of 2.2e204
])
def test_bce_with_logits_is_accurate_without_cancellation(y, logits, kw):
    # The docstring promises exact values for any finite logit; the loss is a
    # sum of two non-negative terms, pos_weight y softplus(-x) + (1 - y)
    # softplus(x), which float64 evaluates to a few ulp.
    got = lm.binary_cross_entropy_with_logits(y, logits, reduction="sum", **kw)
    expected = _exact(lambda B: ref_bce_logits(B, np.array(y), np.array(logits), None, kw,
                                               "sum"))
    assert got == pytest.approx(expected, rel=1e-12, abs=0), (got, expected)


@pytest.mark.parametrize("kw, y, logits", [
    # probability targets, a class of weight 0 whose log-probability is -3.4e308
    (dict(class_weight=[1.0, 0.0]), [[0.5, 0.5]], [[1.7e308, -1.7e308]]),
    # index targets with label smoothing and a zero class weight
    (dict(class_weight=[1.0, 0.0], label_smoothing=0.1), [0], [[1.7e308, -1.7e308]]),
    # label_smoothing=1: the target's own term has weight 0 (1 - s = 0); the
    # smoothing term itself overflows on the way (a documented limitation),
    # so only the absence of NaN is asserted for these two, below.
    (dict(label_smoothing=1.0), [1], [[1.0e308, -1.0e308]]),
    (dict(label_smoothing=1.0), [0], [[1.0e308, -1.0e308]]),
])
def test_cross_entropy_zero_weight_terms_with_huge_logit_gaps(kw, y, logits):
    got = lm.cross_entropy(y, logits, reduction="sum", **kw)
    expected = _exact(lambda B: ref_class_scores(B, np.array(y), np.array(logits), None, kw,
                                                 "sum", False))
    assert not math.isnan(got)
    if kw.get("label_smoothing") == 1.0 and math.isinf(got):
        assert expected > 1e300  # intermediate overflow of an exact value near the max
        return
    assert got == pytest.approx(expected, rel=1e-12, abs=0), (got, expected)


@pytest.mark.parametrize("log_p", [-700.0, -800.0, -1e5])
def test_kl_log_true_positive_probability_against_zero_q_is_inf(log_p):
    # With log_true, a finite log-probability is a positive probability, and
    # q = 0 (log q = -inf) where p > 0 makes KL(P || Q) infinite -- even when
    # exp(log_p) underflows in float64.
    p = [[log_p, math.log1p(-math.exp(log_p))]]
    q = [[-math.inf, 0.0]]
    assert lm.kl_divergence(p, q, log_true=True, log_pred=True) == math.inf


@pytest.mark.parametrize("labels", [None, "declared"])
def test_log_loss_uint64_labels_above_int64_max(labels):
    y = np.array([0, 2**64 - 1, 0], dtype=np.uint64)
    p = np.array([0.2, 0.8, 0.3])
    kw = {} if labels is None else {"labels": np.array([0, 2**64 - 1], dtype=np.uint64)}
    expected = _exact(lambda B: ref_log_loss(B, y, p, None, kw.get("labels")))
    # scikit-learn: classes [0, 2**64 - 1]; p is the probability of the greater.
    assert expected == pytest.approx(-(math.log(0.8) + math.log(0.8) + math.log(0.7)) / 3)
    assert lm.log_loss(y, p, **kw) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("y", [[0.0, 1e19], [1e300, 2e300], [-(2.0**64), 5.0]])
def test_log_loss_float_labels_beyond_int64(y):
    # Integral float labels that int64 cannot hold: either the right value
    # (scikit-learn's classes are the sorted floats) or a ValueError, and no
    # RuntimeWarning from an invalid cast.
    p = [0.2, 0.8]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            got = lm.log_loss(y, p)
        except ValueError as exc:
            assert "-9.22" not in str(exc), exc   # never report a label y does not hold
            return
    assert got == pytest.approx(-math.log(0.8), rel=1e-15, abs=0)


@pytest.mark.parametrize("pred", [[0.2, 0.7], [[0.2], [0.7]], [0.2, 0.7, 0.4]])
def test_log_loss_indicator_targets_with_binary_probability_column(pred):
    # y_true as a label-indicator matrix with y_proba as a single column (the
    # probability of the greater class): scikit-learn expands it to [1 - p, p].
    y = np.eye(2, dtype=int)[[0, 1, 0][:len(pred)]]
    expected = _exact(lambda B: ref_log_loss(B, y, np.array(pred), None))
    assert lm.log_loss(y, pred) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("name", sorted(COVERED))
@pytest.mark.parametrize("weight", [1j, 1 + 1j, np.complex128(2.0)])
def test_complex_scalar_sample_weight_is_rejected(name, weight):
    # Complex arrays of weights are rejected; complex scalars must be too,
    # not silently truncated to their real part.
    case = next(c for c in CASES if c.name == name)
    y, p, kw = _fixed_inputs(case, np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((ValueError, TypeError)):
            call(case, y, p, weight, case.reductions[0], kw)
