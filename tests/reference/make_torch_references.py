"""Generate PyTorch reference values for the lossmetrics test-suite.

How to run (from the repository root, in an environment that has PyTorch)::

    pip install torch==2.13.0 numpy
    python tests/reference/make_torch_references.py

The script writes ``torch_references.json`` next to itself (in
``tests/reference/``).  It is deterministic: every group of cases draws its
inputs from a numpy Generator seeded with the CRC32 of the group's name, so
running it twice produces a byte-identical file.  It uses only torch, numpy
and the standard library.

Conventions of the JSON file (one entry per case in ``cases``):

* ``function``/``args``/``kwargs`` describe the lossmetrics call:
  ``getattr(lossmetrics, function)(*args, **kwargs)``; ``args`` is
  ``[y_true, prediction]`` (``[y_true, x1, x2]`` for cosine_embedding_loss,
  whose y_true in {1, -1} is stored as JSON ints; the test casts x1 and x2
  to ``dtype``).  Integer class-index targets are stored as JSON ints (use
  int64); everything else is float.
* ``dtype`` is the dtype the test casts the float prediction (and float
  ``y_true``) to.  For ``float32`` cases the stored inputs are already rounded
  to float32, and every float array in ``kwargs`` (class/sample/pos weights)
  holds dyadic values that are exact in float32.
* ``expected`` is always computed by torch in float64 on the inputs exactly as
  stored.  ``torch_float32_value`` is the same computation done by torch in
  float32 (informational; ``null`` for float64 cases).
* ``sample_weight`` does not exist in torch; those references are built from
  torch's ``reduction='none'`` output L (see ``_weighted``):
  'none' -> L * w[:, None, ...]; 'sum' -> fsum(L * w);
  'mean' -> fsum(L * w) / fsum(D * w) with D the per-element weight torch uses
  as its own 'mean' denominator (class_weight[y] with ignored elements 0 for
  index targets, 1 per element otherwise, 1 per sample for kl_divergence and
  cosine_embedding_loss).
* Scalar kwargs (margin, delta, beta) are passed to torch as Python floats;
  margin -0.3 is not float32-exact, which only affects torch_float32_value.
* cosine_embedding_loss: torch computes cos = (x1.x2) / sqrt((|x1|^2 + eps)
  * (|x2|^2 + eps)) with eps the C++ float constant 1e-12f, i.e.
  eps = 9.999999960041972e-13 in float64 (not 1e-12: the 'cel_tiny_eps'
  cases differ by ~4e-9 relative between the two).  Rows with y not in
  {1, -1} get loss 0 in torch (still counted by 'mean'); none are stored.
  The product of the squared norms can overflow even when each norm is
  finite: the ids containing ``denom_overflow`` (float64, ~1e150) record
  torch's own result in that regime (cos becomes exactly 0), which is NOT the
  mathematically correct value.  In 'cel_large_1e18_*_f32' the float64
  ``expected`` is accurate but torch_float32_value overflows the same way.
* smooth_l1_loss with beta=0 is torch's pure L1 loss |y_pred - y_true|.
* mse_loss and l1_loss are torch's F.mse_loss and F.l1_loss.
* kl_divergence reductions: 'mean' is torch 'batchmean' (2-D input), 'sum' is
  torch 'sum', 'none' is torch 'none' summed over the last axis.
"""

import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torch_references.json")
REDUCTIONS = ("mean", "sum", "none")

CASES = []
_IDS = set()


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def as_dtype(x, dtype):
    """Round float data to the case dtype, returned as float64 numpy."""
    x = np.asarray(x, dtype=np.float64)
    if dtype == "float32":
        return x.astype(np.float32).astype(np.float64)
    return x


def dyadic(rng, size, lo=1, hi=24, denom=8):
    """Positive weights that are exact in float32 (multiples of 1/denom)."""
    return rng.integers(lo, hi + 1, size=size).astype(np.float64) / denom


def quant(x, bits=8):
    """Round to a multiple of 2**-bits: exact in float32 and short in JSON."""
    return np.round(np.asarray(x, dtype=np.float64) * 2.0 ** bits) / 2.0 ** bits


def dyadic_simplex(rng, shape, axis=1, total=64):
    """Random probability vectors along `axis` whose entries are k/total.

    Entries are exact in float32, sum to exactly 1 and may contain zeros.
    """
    shape = tuple(shape)
    C = shape[axis]
    moved = (shape[:axis] + shape[axis + 1:]) + (C,)
    cuts = np.sort(rng.integers(0, total + 1, size=moved[:-1] + (C - 1,)), axis=-1)
    zeros = np.zeros(moved[:-1] + (1,), dtype=np.int64)
    full = np.full(moved[:-1] + (1,), total, dtype=np.int64)
    k = np.diff(np.concatenate([zeros, cuts, full], axis=-1), axis=-1)
    return np.moveaxis(k.astype(np.float64) / total, -1, axis)


def softmax_np(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_np(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def normalize_rows(x):
    x = np.asarray(x, dtype=np.float64)
    return x / x.sum(axis=-1, keepdims=True)


def to_json(v):
    if isinstance(v, torch.Tensor):
        v = v.detach().to(torch.float64).numpy()
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return float(v)
        return v.tolist()
    if isinstance(v, (np.floating, float)):
        return float(v)
    raise TypeError(type(v))


def json_arg(x):
    """Nested list for JSON: int arrays stay ints, float arrays floats."""
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a.astype(np.int64).tolist()
    return a.astype(np.float64).tolist()


def tt(x, tdt):
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=tdt)


def _weighted(L, sw, D, reduction, tdt):
    """Apply the lossmetrics sample_weight contract to torch's per-element L.

    L: torch 'none' output, shape (N, ...); sw: (N,); D: per-element
    denominator weights (same shape as L) for 'mean'.
    """
    sw = np.asarray(sw, dtype=np.float64)
    D = np.asarray(D, dtype=np.float64)
    shape = (-1,) + (1,) * (L.dim() - 1)
    if tdt == torch.float64:
        Ln = L.detach().numpy().astype(np.float64)
        wb = sw.reshape(shape)
        WL = Ln * wb
        if reduction == "none":
            return WL
        s = math.fsum(WL.ravel().tolist())
        if reduction == "sum":
            return s
        den = math.fsum((D * wb).ravel().tolist())
        return s / den
    # float32 (informational): do the arithmetic in torch float32
    wt = torch.tensor(sw, dtype=tdt).reshape(shape)
    WL = L * wt
    if reduction == "none":
        return WL
    if reduction == "sum":
        return WL.sum()
    return WL.sum() / (torch.tensor(D, dtype=tdt) * wt).sum()


# ----------------------------------------------------------------------------
# torch evaluations, one per lossmetrics function
# ----------------------------------------------------------------------------
def torch_cross_entropy(y, z, kw, tdt, sw_override=None):
    y = np.asarray(y)
    logits = tt(z, tdt)
    is_prob = y.dtype.kind == "f"
    target = tt(y, tdt) if is_prob else torch.tensor(y, dtype=torch.int64)
    cw = kw.get("class_weight")
    cw_t = None if cw is None else tt(cw, tdt)
    ii = kw.get("ignore_index")
    ii = -100 if ii is None else ii
    common = dict(weight=cw_t, label_smoothing=kw.get("label_smoothing", 0.0))
    if not is_prob:  # torch refuses any explicit ignore_index for prob targets
        common["ignore_index"] = ii
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.cross_entropy(logits, target, reduction=red, **common)
    L = F.cross_entropy(logits, target, reduction="none", **common)
    if is_prob:
        D = np.ones(tuple(L.shape))
    else:
        C = logits.shape[1]
        cwa = np.ones(C) if cw is None else np.asarray(cw, dtype=np.float64)
        mask = y != ii
        D = np.where(mask, cwa[np.where(mask, y, 0)], 0.0)
    return _weighted(L, sw, D, red, tdt)


def torch_nll_loss(y, lp, kw, tdt, sw_override=None):
    y = np.asarray(y)
    inp = tt(lp, tdt)
    target = torch.tensor(y, dtype=torch.int64)
    cw = kw.get("class_weight")
    cw_t = None if cw is None else tt(cw, tdt)
    ii = kw.get("ignore_index")
    ii = -100 if ii is None else ii
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.nll_loss(inp, target, weight=cw_t, ignore_index=ii, reduction=red)
    L = F.nll_loss(inp, target, weight=cw_t, ignore_index=ii, reduction="none")
    C = inp.shape[1]
    cwa = np.ones(C) if cw is None else np.asarray(cw, dtype=np.float64)
    mask = y != ii
    D = np.where(mask, cwa[np.where(mask, y, 0)], 0.0)
    return _weighted(L, sw, D, red, tdt)


def _weight(kw, tdt):
    w = kw.get("weight")
    return None if w is None else tt(w, tdt)


def torch_binary_cross_entropy(y, p, kw, tdt, sw_override=None):
    inp, target = tt(p, tdt), tt(y, tdt)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    w = _weight(kw, tdt)
    if sw is None:
        return F.binary_cross_entropy(inp, target, weight=w, reduction=red)
    L = F.binary_cross_entropy(inp, target, weight=w, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_binary_cross_entropy_with_logits(y, z, kw, tdt, sw_override=None):
    inp, target = tt(z, tdt), tt(y, tdt)
    pw = kw.get("pos_weight")
    pw_t = None if pw is None else tt(pw, tdt)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    w = _weight(kw, tdt)
    if sw is None:
        return F.binary_cross_entropy_with_logits(inp, target, weight=w, pos_weight=pw_t,
                                                  reduction=red)
    L = F.binary_cross_entropy_with_logits(inp, target, weight=w, pos_weight=pw_t,
                                           reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_kl_divergence(y, q, kw, tdt, sw_override=None, torch_log_target=None):
    P, Qa = tt(y, tdt), tt(q, tdt)
    inp = Qa if kw.get("log_pred", False) else torch.log(Qa)
    lt = kw.get("log_true", False)
    if torch_log_target is False and lt:
        # see the 'kl_zero_p_lt1_lp0' cases: torch's log_target=True path gives
        # NaN for log P = -inf, so evaluate torch's log_target=False path on P.
        P, lt = torch.exp(P), False
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        if red == "mean":
            return F.kl_div(inp, P, reduction="batchmean", log_target=lt)
        if red == "sum":
            return F.kl_div(inp, P, reduction="sum", log_target=lt)
        return F.kl_div(inp, P, reduction="none", log_target=lt).sum(-1)
    L = F.kl_div(inp, P, reduction="none", log_target=lt).sum(-1)
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_cosine_embedding_loss(y, xs, kw, tdt, sw_override=None):
    x1, x2 = (tt(x, tdt) for x in xs)
    target = torch.tensor(np.asarray(y), dtype=torch.int64)
    margin = kw.get("margin", 0.0)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.cosine_embedding_loss(x1, x2, target, margin=margin, reduction=red)
    L = F.cosine_embedding_loss(x1, x2, target, margin=margin, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_huber_loss(y, p, kw, tdt, sw_override=None):
    inp, target = tt(p, tdt), tt(y, tdt)
    delta = kw.get("delta", 1.0)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.huber_loss(inp, target, delta=delta, reduction=red)
    L = F.huber_loss(inp, target, delta=delta, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_smooth_l1_loss(y, p, kw, tdt, sw_override=None):
    inp, target = tt(p, tdt), tt(y, tdt)
    beta = kw.get("beta", 1.0)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.smooth_l1_loss(inp, target, beta=beta, reduction=red)
    L = F.smooth_l1_loss(inp, target, beta=beta, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def _torch_pair(fn, y, p, kw, tdt, sw_override):
    """An element-wise loss of (input, target) with reduction only (mse, l1)."""
    inp, target = tt(p, tdt), tt(y, tdt)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return fn(inp, target, reduction=red)
    L = fn(inp, target, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_mse_loss(y, p, kw, tdt, sw_override=None):
    return _torch_pair(F.mse_loss, y, p, kw, tdt, sw_override)


def torch_l1_loss(y, p, kw, tdt, sw_override=None):
    return _torch_pair(F.l1_loss, y, p, kw, tdt, sw_override)


def torch_soft_margin_loss(y, x, kw, tdt, sw_override=None):
    return _torch_pair(F.soft_margin_loss, y, x, kw, tdt, sw_override)


def torch_hinge_embedding_loss(y, x, kw, tdt, sw_override=None):
    margin = kw.get("margin", 1.0)

    def fn(inp, target, reduction):
        return F.hinge_embedding_loss(inp, target, margin=margin, reduction=reduction)
    return _torch_pair(fn, y, x, kw, tdt, sw_override)


def torch_poisson_nll_loss(y, x, kw, tdt, sw_override=None):
    opts = {k: kw[k] for k in ("log_input", "full", "eps") if k in kw}

    def fn(inp, target, reduction):
        return F.poisson_nll_loss(inp, target, reduction=reduction, **opts)
    return _torch_pair(fn, y, x, kw, tdt, sw_override)


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0,
                                   reduction="none"):
    """torchvision.ops.sigmoid_focal_loss (torchvision 0.28, BSD-3-Clause), verbatim
    but for the docstring: torchvision is not needed to make the references."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "none":
        pass
    elif reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


def torch_sigmoid_focal_loss(y, x, kw, tdt, sw_override=None):
    opts = {k: kw[k] for k in ("alpha", "gamma") if k in kw}

    def fn(inp, target, reduction):
        return torchvision_sigmoid_focal_loss(inp, target, reduction=reduction, **opts)
    return _torch_pair(fn, y, x, kw, tdt, sw_override)


def torch_multilabel_soft_margin_loss(y, x, kw, tdt, sw_override=None):
    inp, target = tt(x, tdt), tt(y, tdt)
    cw = kw.get("class_weight")
    w = None if cw is None else tt(cw, tdt)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.multilabel_soft_margin_loss(inp, target, weight=w, reduction=red)
    L = F.multilabel_soft_margin_loss(inp, target, weight=w, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_multi_margin_loss(y, x, kw, tdt, sw_override=None):
    inp, target = tt(x, tdt), torch.tensor(np.asarray(y), dtype=torch.int64)
    cw = kw.get("class_weight")
    opts = dict(p=kw.get("p", 1), margin=kw.get("margin", 1.0),
                weight=None if cw is None else tt(cw, tdt))
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.multi_margin_loss(inp, target, reduction=red, **opts)
    L = F.multi_margin_loss(inp, target, reduction="none", **opts)
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def _torch_triple(fn, y, xs, kw, tdt, sw_override):
    """An element-wise loss of three tensors (y, a, b) with the lossmetrics
    sample_weight contract."""
    target, a, b = tt(y, tdt), tt(xs[0], tdt), tt(xs[1], tdt)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return fn(target, a, b, red)
    L = fn(target, a, b, "none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_gaussian_nll_loss(y, xs, kw, tdt, sw_override=None):
    # xs = (mean, var), or (mean,) with a Python float var in kw.
    opts = dict(full=kw.get("full", False), eps=kw.get("eps", 1e-6))
    if not isinstance(xs, tuple):
        var = float(kw["var"])

        def fn(target, a, _, reduction):
            return F.gaussian_nll_loss(a, target, var, reduction=reduction, **opts)
        return _torch_triple(fn, y, (xs, xs), kw, tdt, sw_override)

    def fn(target, a, b, reduction):
        return F.gaussian_nll_loss(a, target, b, reduction=reduction, **opts)
    return _torch_triple(fn, y, xs, kw, tdt, sw_override)


def torch_margin_ranking_loss(y, xs, kw, tdt, sw_override=None):
    margin = kw.get("margin", 0.0)

    def fn(target, a, b, reduction):
        return F.margin_ranking_loss(a, b, target, margin=margin, reduction=reduction)
    return _torch_triple(fn, y, xs, kw, tdt, sw_override)


def torch_triplet_margin_loss(anchor, xs, kw, tdt, sw_override=None):
    a, pos, neg = tt(anchor, tdt), tt(xs[0], tdt), tt(xs[1], tdt)
    opts = dict(margin=kw.get("margin", 1.0), p=kw.get("p", 2.0), eps=kw.get("eps", 1e-6),
                swap=kw.get("swap", False))
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.triplet_margin_loss(a, pos, neg, reduction=red, **opts)
    L = F.triplet_margin_loss(a, pos, neg, reduction="none", **opts)
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


def torch_multilabel_margin_loss(y, x, kw, tdt, sw_override=None):
    inp, target = tt(x, tdt), torch.tensor(np.asarray(y), dtype=torch.int64)
    red = kw.get("reduction", "mean")
    sw = kw.get("sample_weight") if sw_override is None else sw_override
    if sw is None:
        return F.multilabel_margin_loss(inp, target, reduction=red)
    L = F.multilabel_margin_loss(inp, target, reduction="none")
    return _weighted(L, sw, np.ones(tuple(L.shape)), red, tdt)


TORCH_FN = {
    "mse_loss": torch_mse_loss,
    "l1_loss": torch_l1_loss,
    "cross_entropy": torch_cross_entropy,
    "nll_loss": torch_nll_loss,
    "binary_cross_entropy": torch_binary_cross_entropy,
    "binary_cross_entropy_with_logits": torch_binary_cross_entropy_with_logits,
    "kl_divergence": torch_kl_divergence,
    "cosine_embedding_loss": torch_cosine_embedding_loss,
    "huber_loss": torch_huber_loss,
    "smooth_l1_loss": torch_smooth_l1_loss,
    "soft_margin_loss": torch_soft_margin_loss,
    "hinge_embedding_loss": torch_hinge_embedding_loss,
    "poisson_nll_loss": torch_poisson_nll_loss,
    "sigmoid_focal_loss": torch_sigmoid_focal_loss,
    "multilabel_soft_margin_loss": torch_multilabel_soft_margin_loss,
    "multi_margin_loss": torch_multi_margin_loss,
    "gaussian_nll_loss": torch_gaussian_nll_loss,
    "margin_ranking_loss": torch_margin_ranking_loss,
    "triplet_margin_loss": torch_triplet_margin_loss,
    "multilabel_margin_loss": torch_multilabel_margin_loss,
}


def _close(a, b, rtol=1e-12):
    a = np.asarray(to_json(a), dtype=np.float64)
    b = np.asarray(to_json(b), dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=1e-300, equal_nan=False)


def add_case(case_id, function, y, pred, kwargs, dtype, expect_inf=False, **torch_extra):
    """Register one case; computes expected (float64) and float32 value."""
    assert case_id not in _IDS, case_id
    _IDS.add(case_id)
    fn = TORCH_FN[function]
    kw = dict(kwargs)
    exp = to_json(fn(y, pred, kw, torch.float64, **torch_extra))
    f32 = None
    if dtype == "float32":
        f32 = to_json(fn(y, pred, kw, torch.float32, **torch_extra))
    arr = np.asarray(exp, dtype=np.float64)
    if expect_inf:
        assert np.isposinf(arr).any() and not np.isnan(arr).any(), (case_id, exp)
    else:
        assert np.isfinite(arr).all(), (case_id, exp)
    # self-check of the sample_weight formulas: all-ones weights == torch's own reduction
    if kw.get("sample_weight") is not None and not expect_inf:
        n = np.asarray(pred[0] if isinstance(pred, tuple) else pred).shape[0]
        ones = fn(y, pred, {k: v for k, v in kw.items() if k != "sample_weight"},
                  torch.float64, sw_override=np.ones(n), **torch_extra)
        plain = fn(y, pred, {k: v for k, v in kw.items() if k != "sample_weight"},
                   torch.float64, **torch_extra)
        assert _close(ones, plain), (case_id, to_json(ones), to_json(plain))
    jkw = {}
    for k, v in kwargs.items():
        jkw[k] = json_arg(v) if isinstance(v, np.ndarray) else v
    CASES.append({
        "id": case_id,
        "function": function,
        "args": [json_arg(y)] + [json_arg(p) for p in (pred if isinstance(pred, tuple) else (pred,))],
        "kwargs": jkw,
        "dtype": dtype,
        "expected": exp,
        "torch_float32_value": f32,
    })


def add_group(name, function, y, pred, kwargs, dtypes=("float64",),
              reductions=REDUCTIONS, f32_reductions=("mean",),
              expect_inf=False, **torch_extra):
    """Add one case per (dtype, reduction).  Float inputs are rounded per dtype.

    To keep the JSON small (< 450 KB), float32 variants default to 'mean'
    only; core groups pass f32_reductions=REDUCTIONS or MEAN_NONE.
    """
    for dtype in dtypes:
        yy = np.asarray(y)
        if yy.dtype.kind == "f":
            yy = as_dtype(yy, dtype)
        if isinstance(pred, tuple):  # cosine_embedding_loss: (x1, x2)
            pp = tuple(as_dtype(p, dtype) for p in pred)
        else:
            pp = as_dtype(pred, dtype)
        for red in (reductions if dtype == "float64" else f32_reductions):
            kw = dict(kwargs)
            kw["reduction"] = red
            suffix = "" if dtype == "float64" else "_f32"
            add_case(f"{name}_{red}{suffix}", function, yy, pp, kw, dtype,
                     expect_inf=expect_inf, **torch_extra)


BOTH = ("float64", "float32")
MEAN_NONE = ("mean", "none")


def sample_weights(rng, n, zero=False):
    w = dyadic(rng, n, 1, 24, 8)
    w[0] = 2.0  # some integer weights
    if n > 2:
        w[2] = 1.0
    if zero:
        w[min(1, n - 1)] = 0.0
    return w


# ----------------------------------------------------------------------------
# cross_entropy
# ----------------------------------------------------------------------------
def gen_cross_entropy():
    f = "cross_entropy"

    def idx_data(name, N, C, spatial=(), scale=2.0):
        r = rng_for(name)
        z = quant(r.normal(0.0, scale, size=(N, C) + spatial))
        y = r.integers(0, C, size=(N,) + spatial)
        return r, z, y

    r, z, y = idx_data("ce_plain", 5, 4)
    add_group("ce_plain", f, y, z, {}, BOTH, f32_reductions=REDUCTIONS)

    r, z, y = idx_data("ce_class_weight", 5, 4)
    cw = np.array([0.5, 2.0, 1.25, 3.0])
    add_group("ce_class_weight", f, y, z, {"class_weight": cw}, BOTH)

    r, z, y = idx_data("ce_ignore_m100", 6, 3)
    y[[1, 4]] = -100
    add_group("ce_ignore_m100", f, y, z, {"ignore_index": -100}, BOTH)

    r, z, y = idx_data("ce_default_ignore_index_targets_m100", 5, 3)
    y[2] = -100
    add_group("ce_default_ignore_index_targets_m100", f, y, z, {})

    r, z, y = idx_data("ce_ignore_real_class", 7, 3)
    y[:] = [0, 1, 2, 1, 0, 1, 2]
    add_group("ce_ignore_real_class", f, y, z, {"ignore_index": 1}, BOTH)

    r, z, y = idx_data("ce_ignore_real_class_cw", 7, 4)
    y[:] = [0, 1, 2, 3, 1, 2, 1]
    add_group("ce_ignore_real_class_cw", f, y, z,
              {"class_weight": np.array([1.5, 0.25, 2.0, 0.75]), "ignore_index": 1})

    r, z, y = idx_data("ce_ls01", 5, 4)
    add_group("ce_ls01", f, y, z, {"label_smoothing": 0.1}, BOTH)

    r, z, y = idx_data("ce_ls03_cw", 5, 4)
    add_group("ce_ls03_cw", f, y, z,
              {"class_weight": np.array([0.5, 2.0, 1.0, 3.5]), "label_smoothing": 0.3}, BOTH)

    r, z, y = idx_data("ce_ls01_cw_ignore_m100", 7, 4)
    y[[0, 5]] = -100
    add_group("ce_ls01_cw_ignore_m100", f, y, z,
              {"class_weight": np.array([1.0, 0.5, 2.5, 1.75]), "ignore_index": -100,
               "label_smoothing": 0.1}, BOTH, f32_reductions=MEAN_NONE)

    r, z, y = idx_data("ce_ls03_ignore_real_class", 7, 3)
    y[:] = [2, 0, 1, 2, 2, 0, 1]
    add_group("ce_ls03_ignore_real_class", f, y, z,
              {"ignore_index": 2, "label_smoothing": 0.3})

    # K-dimensional (N, C, 2, 3)
    r, z, y = idx_data("ce_kdim", 2, 3, (2, 3))
    add_group("ce_kdim", f, y, z, {}, BOTH, f32_reductions=REDUCTIONS)

    r, z, y = idx_data("ce_kdim_cw_ignore_m100", 2, 3, (2, 3))
    y[0, 1, 2] = -100
    y[1, 0, 0] = -100
    add_group("ce_kdim_cw_ignore_m100", f, y, z,
              {"class_weight": np.array([0.75, 2.0, 1.5]), "ignore_index": -100}, BOTH)

    r, z, y = idx_data("ce_kdim1_cw_ls02_ignore_real_class", 2, 4, (3,))
    y[0, :2] = 0
    y[1, 1] = 3
    add_group("ce_kdim1_cw_ls02_ignore_real_class", f, y, z,
              {"class_weight": np.array([1.0, 0.5, 2.0, 1.25]), "ignore_index": 0,
               "label_smoothing": 0.2})

    # probability targets
    def prob_data(name, N, C, spatial=()):
        r = rng_for(name)
        z = quant(r.normal(0.0, 2.0, size=(N, C) + spatial))
        p = dyadic_simplex(r, (N, C) + spatial, axis=1)
        return r, z, p

    r, z, p = prob_data("ce_prob", 5, 4)
    p[1] = [0.0, 1.0, 0.0, 0.0]  # a one-hot row
    add_group("ce_prob", f, p, z, {}, BOTH, f32_reductions=MEAN_NONE)

    r, z, p = prob_data("ce_prob_cw", 5, 3)
    add_group("ce_prob_cw", f, p, z, {"class_weight": np.array([0.5, 2.0, 1.25])})

    r, z, p = prob_data("ce_prob_cw_ls01", 5, 4)
    add_group("ce_prob_cw_ls01", f, p, z,
              {"class_weight": np.array([1.5, 0.25, 1.0, 2.0]), "label_smoothing": 0.1}, BOTH)

    r, z, p = prob_data("ce_prob_ls03", 4, 3)
    add_group("ce_prob_ls03", f, p, z, {"label_smoothing": 0.3})

    r, z, p = prob_data("ce_prob_kdim", 2, 3, (2, 3))
    add_group("ce_prob_kdim", f, p, z, {}, BOTH)

    r, z, p = prob_data("ce_prob_kdim1_cw_ls02", 2, 3, (3,))
    add_group("ce_prob_kdim1_cw_ls02", f, p, z,
              {"class_weight": np.array([2.0, 0.5, 1.0]), "label_smoothing": 0.2})

    # huge logits (all values exact in float32)
    zh = np.array([
        [1e4, 0.0, -1e4],       # target = max
        [1e4, 0.0, -1e4],       # target = min (far from max)
        [1e5, 1e5, -1e5],       # tie at max
        [-1e5, 1e5, 3.0],       # target far below max
        [1e5, -1e4, 1e4],       # target in the middle
        [-1e4, -1e5, -1e4],     # all very negative
    ])
    yh = np.array([0, 2, 1, 0, 2, 2])
    add_group("ce_huge_logits", f, yh, zh, {}, BOTH, f32_reductions=MEAN_NONE)
    add_group("ce_huge_logits_cw_ls01", f, yh, zh,
              {"class_weight": np.array([0.5, 2.0, 1.5]), "label_smoothing": 0.1}, BOTH)
    ph = np.array([[0.5, 0.25, 0.25], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0],
                   [0.125, 0.75, 0.125], [0.0, 1.0, 0.0], [1.0 / 3, 1.0 / 3, 1.0 / 3]])
    add_group("ce_prob_huge_logits", f, ph, zh, {})

    # single sample, binary
    r, z, y = idx_data("ce_single_sample", 1, 4)
    add_group("ce_single_sample", f, y, z, {})
    r, z, y = idx_data("ce_single_sample_cw_ls01", 1, 3)
    add_group("ce_single_sample_cw_ls01", f, y, z,
              {"class_weight": np.array([2.0, 0.5, 1.0]), "label_smoothing": 0.1})
    r, z, y = idx_data("ce_two_classes", 6, 2)
    add_group("ce_two_classes", f, y, z, {}, BOTH)
    r, z, y = idx_data("ce_two_classes_cw", 8, 2)
    add_group("ce_two_classes_cw", f, y, z, {"class_weight": np.array([1.0, 3.0])})
    r, z, y = idx_data("ce_five_classes_large_n", 12, 5)
    add_group("ce_five_classes_large_n", f, y, z, {}, reductions=("mean", "none"))

    # sample_weight
    r, z, y = idx_data("ce_sw", 5, 4)
    add_group("ce_sw", f, y, z, {"sample_weight": sample_weights(r, 5)}, BOTH,
              f32_reductions=REDUCTIONS)

    r, z, y = idx_data("ce_sw_zero", 6, 3)
    add_group("ce_sw_zero", f, y, z, {"sample_weight": sample_weights(r, 6, zero=True)})

    r, z, y = idx_data("ce_sw_cw_ignore_m100", 7, 4)
    y[[3, 6]] = -100
    add_group("ce_sw_cw_ignore_m100", f, y, z,
              {"class_weight": np.array([0.5, 2.0, 1.0, 1.5]), "ignore_index": -100,
               "sample_weight": sample_weights(r, 7)}, BOTH)

    r, z, y = idx_data("ce_sw_cw_ls03_ignore_real_class", 7, 3)
    y[:] = [0, 1, 2, 1, 0, 2, 1]
    add_group("ce_sw_cw_ls03_ignore_real_class", f, y, z,
              {"class_weight": np.array([1.25, 0.5, 2.0]), "ignore_index": 1,
               "label_smoothing": 0.3, "sample_weight": sample_weights(r, 7, zero=True)})

    r, z, y = idx_data("ce_sw_kdim_cw_ignore_m100", 2, 3, (2, 3))
    y[1, 0, 1] = -100
    add_group("ce_sw_kdim_cw_ignore_m100", f, y, z,
              {"class_weight": np.array([2.0, 1.0, 0.5]), "ignore_index": -100,
               "sample_weight": sample_weights(r, 2)})

    r, z, y = idx_data("ce_sw_kdim_ls01", 2, 3, (2, 3))
    add_group("ce_sw_kdim_ls01", f, y, z,
              {"label_smoothing": 0.1, "sample_weight": np.array([0.25, 3.0])}, ("float32",))

    r, z, p = prob_data("ce_sw_prob", 5, 3)
    add_group("ce_sw_prob", f, p, z, {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH)

    r, z, p = prob_data("ce_sw_prob_cw_ls01", 4, 4)
    add_group("ce_sw_prob_cw_ls01", f, p, z,
              {"class_weight": np.array([0.5, 1.0, 2.0, 1.5]), "label_smoothing": 0.1,
               "sample_weight": sample_weights(r, 4)})

    r, z, p = prob_data("ce_sw_prob_kdim1_cw", 2, 3, (3,))
    add_group("ce_sw_prob_kdim1_cw", f, p, z,
              {"class_weight": np.array([1.0, 0.25, 2.0]), "sample_weight": np.array([1.5, 4.0])})


# ----------------------------------------------------------------------------
# nll_loss
# ----------------------------------------------------------------------------
def gen_nll_loss():
    f = "nll_loss"

    def data(name, N, C, spatial=()):
        r = rng_for(name)
        lp = log_softmax_np(r.normal(0.0, 2.0, size=(N, C) + spatial), axis=1)
        y = r.integers(0, C, size=(N,) + spatial)
        return r, lp, y

    r, lp, y = data("nll_plain", 5, 3)
    add_group("nll_plain", f, y, lp, {}, BOTH, f32_reductions=REDUCTIONS)

    r, lp, y = data("nll_cw", 5, 4)
    add_group("nll_cw", f, y, lp, {"class_weight": np.array([0.5, 2.0, 1.25, 3.0])}, BOTH)

    r, lp, y = data("nll_ignore_m100", 6, 3)
    y[[1, 2]] = -100
    add_group("nll_ignore_m100", f, y, lp, {"ignore_index": -100})

    r, lp, y = data("nll_ignore_real_class_cw", 7, 3)
    y[:] = [0, 1, 2, 1, 2, 0, 1]
    add_group("nll_ignore_real_class_cw", f, y, lp,
              {"class_weight": np.array([1.5, 0.5, 2.0]), "ignore_index": 1}, BOTH)

    r, lp, y = data("nll_kdim", 2, 3, (2, 3))
    add_group("nll_kdim", f, y, lp, {}, BOTH)

    r, lp, y = data("nll_kdim1_cw_ignore_m100", 2, 4, (3,))
    y[0, 0] = -100
    y[1, 2] = -100
    add_group("nll_kdim1_cw_ignore_m100", f, y, lp,
              {"class_weight": np.array([1.0, 2.0, 0.5, 1.5]), "ignore_index": -100})

    r, lp, y = data("nll_two_classes_single_sample", 1, 2)
    add_group("nll_two_classes_single_sample", f, y, lp, {})

    r, lp, y = data("nll_sw", 5, 3)
    add_group("nll_sw", f, y, lp, {"sample_weight": sample_weights(r, 5)}, BOTH)

    r, lp, y = data("nll_sw_zero_cw_ignore_real_class", 7, 3)
    y[:] = [2, 0, 1, 2, 1, 0, 2]
    add_group("nll_sw_zero_cw_ignore_real_class", f, y, lp,
              {"class_weight": np.array([0.75, 1.5, 2.0]), "ignore_index": 2,
               "sample_weight": sample_weights(r, 7, zero=True)})

    r, lp, y = data("nll_sw_kdim_cw_ignore_m100", 2, 3, (2, 2))
    y[1, 1, 0] = -100
    add_group("nll_sw_kdim_cw_ignore_m100", f, y, lp,
              {"class_weight": np.array([2.0, 0.5, 1.0]), "ignore_index": -100,
               "sample_weight": sample_weights(r, 2)})


# ----------------------------------------------------------------------------
# binary_cross_entropy
# ----------------------------------------------------------------------------
def gen_binary_cross_entropy():
    f = "binary_cross_entropy"

    def data(name, shape, soft=False):
        r = rng_for(name)
        p = quant(r.uniform(0.01, 0.99, size=shape), 8)
        y = r.uniform(0.0, 1.0, size=shape) if soft else r.integers(0, 2, size=shape).astype(float)
        return r, y, p

    r, y, p = data("bce_1d", (6,))
    add_group("bce_1d", f, y, p, {}, BOTH)

    r, y, p = data("bce_2d", (5, 3))
    add_group("bce_2d", f, y, p, {}, BOTH, f32_reductions=REDUCTIONS)

    r, y, p = data("bce_3d", (2, 3, 2))
    add_group("bce_3d", f, y, p, {})

    r, y, p = data("bce_soft", (4, 3), soft=True)
    y[0, 0], y[1, 1] = 0.0, 1.0
    add_group("bce_soft", f, y, p, {}, BOTH)

    # probabilities near the allowed extremes [1e-6, 1 - 1e-6]
    pe = np.array([1e-6, 1 - 1e-6, 1e-6, 1 - 1e-6, 1e-3, 0.5])
    ye = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])
    add_group("bce_near_extremes", f, ye, pe, {}, BOTH, f32_reductions=MEAN_NONE)

    r, y, p = data("bce_single", (1,))
    add_group("bce_single", f, y, p, {})

    r, y, p = data("bce_sw_1d", (6,))
    add_group("bce_sw_1d", f, y, p, {"sample_weight": sample_weights(r, 6)}, BOTH)

    r, y, p = data("bce_sw_2d_soft_zero", (5, 3), soft=True)
    add_group("bce_sw_2d_soft_zero", f, y, p, {"sample_weight": sample_weights(r, 5, zero=True)})

    r, y, p = data("bce_sw_3d", (3, 2, 2))
    add_group("bce_sw_3d", f, y, p, {"sample_weight": sample_weights(r, 3)})


# ----------------------------------------------------------------------------
# binary_cross_entropy_with_logits
# ----------------------------------------------------------------------------
def gen_bce_with_logits():
    f = "binary_cross_entropy_with_logits"

    def data(name, shape, soft=False):
        r = rng_for(name)
        z = quant(r.normal(0.0, 3.0, size=shape))
        y = r.uniform(0.0, 1.0, size=shape) if soft else r.integers(0, 2, size=shape).astype(float)
        return r, y, z

    r, y, z = data("bcel_1d", (6,))
    add_group("bcel_1d", f, y, z, {}, BOTH)

    r, y, z = data("bcel_2d", (5, 3))
    add_group("bcel_2d", f, y, z, {}, BOTH)

    r, y, z = data("bcel_2d_pos_weight", (5, 3))
    add_group("bcel_2d_pos_weight", f, y, z, {"pos_weight": np.array([0.5, 2.0, 3.25])}, BOTH)

    r, y, z = data("bcel_3d_pos_weight", (2, 2, 3))
    add_group("bcel_3d_pos_weight", f, y, z, {"pos_weight": np.array([1.5, 0.25, 4.0])})

    r, y, z = data("bcel_soft", (4, 3), soft=True)
    add_group("bcel_soft", f, y, z, {}, BOTH)

    r, y, z = data("bcel_soft_pos_weight", (4, 2), soft=True)
    add_group("bcel_soft_pos_weight", f, y, z, {"pos_weight": np.array([2.0, 0.5])})

    # huge logits, float64: includes +-3e38 and pos_weight
    zh = np.array([
        [1e4, -1e4, 1e5],
        [-1e5, 3e38, -3e38],
        [3e38, -3e38, 1e4],
        [-1e4, 1e5, -1e5],
    ])
    yh = np.array([
        [0.0, 1.0, 0.3],
        [0.3, 0.0, 1.0],
        [1.0, 0.0, 0.3],
        [0.3, 1.0, 0.0],
    ])
    add_group("bcel_huge", f, yh, zh, {})
    add_group("bcel_huge_pos_weight", f, yh, zh, {"pos_weight": np.array([2.0, 0.5, 1.5])})

    # huge logits, float32: every stored value is float32-exact and torch's
    # float32 result stays finite (sums kept below float32 max).
    # (at most one element per case has a loss near 3e38).
    zf = np.array([1e4, -1e4, 1e5, -1e5, 3e38, -3e38, 3e38, -3e38, 1e5, -1e4])
    yf = np.array([0.0, 1.0, 0.3, 0.3, 1.0, 0.0, 0.3, 0.0, 1.0, 0.0])
    add_group("bcel_huge_1d", f, yf, zf, {}, BOTH, f32_reductions=REDUCTIONS)
    zn = np.array([-3e38, 3e38, -1e5, 1e4, 0.5])
    yn = np.array([1.0, 1.0, 0.0, 0.3, 0.3])
    add_group("bcel_huge_neg_target1_1d", f, yn, zn, {}, BOTH, f32_reductions=MEAN_NONE)
    zf2 = np.array([[1e4, -1e5], [-1e4, 1e5], [1e5, 1e4], [-1e5, -1e4]])
    yf2 = np.array([[0.0, 1.0], [0.3, 0.3], [1.0, 0.0], [0.3, 1.0]])
    add_group("bcel_huge_2d_pos_weight", f, yf2, zf2, {"pos_weight": np.array([2.5, 0.75])},
              BOTH, f32_reductions=MEAN_NONE)

    r, y, z = data("bcel_sw_1d", (6,))
    add_group("bcel_sw_1d", f, y, z, {"sample_weight": sample_weights(r, 6)}, BOTH)

    r, y, z = data("bcel_sw_2d_pos_weight_zero", (5, 3))
    add_group("bcel_sw_2d_pos_weight_zero", f, y, z,
              {"pos_weight": np.array([1.0, 2.0, 0.5]),
               "sample_weight": sample_weights(r, 5, zero=True)})

    r, y, z = data("bcel_sw_3d_soft", (3, 2, 2), soft=True)
    add_group("bcel_sw_3d_soft", f, y, z, {"sample_weight": sample_weights(r, 3)})

    add_group("bcel_sw_huge", f, yh, zh,
              {"pos_weight": np.array([2.0, 0.5, 1.5]),
               "sample_weight": np.array([0.5, 0.25, 2.0, 1.0])})


# ----------------------------------------------------------------------------
# kl_divergence
# ----------------------------------------------------------------------------
def gen_kl_divergence():
    f = "kl_divergence"

    def data(name, N, C, zeros_in_p=False):
        r = rng_for(name)
        P = r.uniform(0.05, 1.0, size=(N, C))
        Q = r.uniform(0.05, 1.0, size=(N, C))
        if zeros_in_p:
            P[0, 1] = 0.0
            P[2, 0] = 0.0
            P[2, C - 1] = 0.0
        return r, normalize_rows(P), normalize_rows(Q)

    def args_for(P, Q, log_true, log_pred, dtype):
        # round the stored representation, then that is what torch sees
        Pa = as_dtype(np.log(P) if log_true else P, dtype)
        Qa = as_dtype(np.log(Q) if log_pred else Q, dtype)
        return Pa, Qa

    def group(name, P, Q, log_true, log_pred, dtypes=("float64",), extra=None,
              expect_inf=False, f32_reductions=("mean",), **torch_extra):
        for dtype in dtypes:
            Pa, Qa = args_for(P, Q, log_true, log_pred, dtype)
            kw = {"log_true": log_true, "log_pred": log_pred}
            if extra:
                kw.update(extra)
            add_group(name, f, Pa, Qa, kw, (dtype,), f32_reductions=f32_reductions,
                      expect_inf=expect_inf, **torch_extra)

    for lt in (False, True):
        for lpred in (False, True):
            tag = f"kl_lt{int(lt)}_lp{int(lpred)}"
            _, P, Q = data(tag, 4, 3)
            group(tag, P, Q, lt, lpred, BOTH if lt == lpred else ("float64",),
                  f32_reductions=MEAN_NONE if not lt else ("mean",))

    # zeros in P (0 * log 0 = 0); with log_true=False torch handles them directly
    for lpred in (False, True):
        tag = f"kl_zero_p_lt0_lp{lpred:d}"
        _, P, Q = data(tag, 4, 3, zeros_in_p=True)
        group(tag, P, Q, False, lpred, BOTH if not lpred else ("float64",))

    # zeros in P with log_true=True: y_true holds log P = -inf.  torch's
    # log_target=True path returns NaN there (exp(-inf) * (-inf - x)), so the
    # reference is torch's log_target=False path on P = exp(log P) (0*log0 = 0).
    _, P, Q = data("kl_zero_p_lt1_lp0", 4, 3, zeros_in_p=True)
    with np.errstate(divide="ignore"):
        group("kl_zero_p_lt1_lp0", P, Q, True, False, torch_log_target=False)

    # Q has a zero where P > 0 -> +inf
    P = normalize_rows(np.array([[0.2, 0.3, 0.5], [0.25, 0.25, 0.5], [0.1, 0.6, 0.3]]))
    Q = normalize_rows(np.array([[0.3, 0.3, 0.4], [0.5, 0.0, 0.5], [0.2, 0.2, 0.6]]))
    with np.errstate(divide="ignore"):
        group("kl_inf_q_zero_lp0", P, Q, False, False, expect_inf=True)
        group("kl_inf_q_zero_lp1", P, Q, False, True, expect_inf=True)

    # sample_weight
    r, P, Q = data("kl_sw_lt0_lp0", 4, 3)
    group("kl_sw_lt0_lp0", P, Q, False, False, BOTH,
          extra={"sample_weight": sample_weights(r, 4)})
    r, P, Q = data("kl_sw_lt1_lp1_zero", 5, 4)
    group("kl_sw_lt1_lp1_zero", P, Q, True, True,
          extra={"sample_weight": sample_weights(r, 5, zero=True)})
    r, P, Q = data("kl_sw_zero_p_lt0_lp1", 4, 3, zeros_in_p=True)
    group("kl_sw_zero_p_lt0_lp1", P, Q, False, True,
          extra={"sample_weight": sample_weights(r, 4)})


# ----------------------------------------------------------------------------
# cosine_embedding_loss
# ----------------------------------------------------------------------------
def gen_cosine_embedding_loss():
    f = "cosine_embedding_loss"

    def data(name, N, D, scale=1.5):
        r = rng_for(name)
        x1 = quant(r.normal(0.0, scale, size=(N, D)), 4)
        x2 = quant(r.normal(0.0, scale, size=(N, D)), 4)
        x1[np.all(x1 == 0, axis=1), 0] = 1.0  # no accidental zero rows here
        x2[np.all(x2 == 0, axis=1), 0] = -1.0
        y = np.where(r.integers(0, 2, size=N) == 1, 1, -1)
        y[0] = 1
        if N > 1:
            y[1] = -1
        return r, y, x1, x2

    r, y, x1, x2 = data("cel_d3", 5, 3)
    add_group("cel_d3", f, y, (x1, x2), {}, BOTH, f32_reductions=REDUCTIONS)
    r, y, x1, x2 = data("cel_d8_m05", 4, 8)
    add_group("cel_d8_m05", f, y, (x1, x2), {"margin": 0.5}, BOTH)
    r, y, x1, x2 = data("cel_d1_mneg03", 6, 1)
    # D=1: cos is +-1 (up to EPSILON); fix the signs so that every
    # (y, sign agreement) combination occurs and the losses are not all ~0
    y[:] = [1, -1, 1, -1, 1, -1]
    x2 = np.abs(x2) * np.sign(x1) * np.array([[1], [1], [-1], [-1], [1], [-1]])
    add_group("cel_d1_mneg03", f, y, (x1, x2), {"margin": -0.3}, BOTH)
    r, y, x1, x2 = data("cel_d3_m05_single", 1, 3)
    add_group("cel_d3_m05_single", f, y, (x1, x2), {"margin": 0.5},
              reductions=("mean", "none"))

    # edge rows: zero vectors (only torch's EPSILON=1e-12 keeps the
    # denominator positive -> cos = 0), x1 == x2, x1 == -x2, parallel rows
    r = rng_for("cel_edge")
    v = quant(r.normal(0.0, 1.5, size=(4, 3)), 4)
    v[np.all(v == 0, axis=1), 0] = 1.0
    z = np.zeros(3)
    rows = [  # (y, x1, x2)
        (1, z, v[0]), (-1, z, v[0]), (-1, v[1], z), (1, z, z), (-1, z, z),
        (1, v[2], v[2]), (-1, v[2], v[2]), (1, v[3], -v[3]), (-1, v[3], -v[3]),
        (-1, v[1], 2.0 * v[1]),
    ]
    ye = np.array([t[0] for t in rows])
    x1e = np.array([t[1] for t in rows])
    x2e = np.array([t[2] for t in rows])
    add_group("cel_edge_m0", f, ye, (x1e, x2e), {"margin": 0.0})
    add_group("cel_edge_m05", f, ye, (x1e, x2e), {"margin": 0.5})
    add_group("cel_edge_mneg03", f, ye, (x1e, x2e), {"margin": -0.3}, BOTH,
              f32_reductions=MEAN_NONE)

    # tiny vectors: squared norms ~1e-12 are comparable to torch's EPSILON,
    # so these pin down exactly where (and which) epsilon is added: torch
    # uses float(1e-12f) = 9.999999960041972e-13 even in float64
    k1 = np.array([[1, 2, -1], [3, 0, 1], [-2, -2, 1], [1, 0, 0], [4, -1, 2]], dtype=float)
    k2 = np.array([[1, 2, -1], [-3, 0, -1], [1, -2, 2], [0, 1, 0], [40, -10, 20]], dtype=float)
    yt = np.array([1, -1, -1, 1, 1])
    add_group("cel_tiny_eps_m0", f, yt, (k1 * 2.0 ** -21, k2 * 2.0 ** -21), {},
              BOTH, reductions=MEAN_NONE, f32_reductions=MEAN_NONE)
    add_group("cel_tiny_eps_mneg03", f, yt, (k1 * 2.0 ** -20, k2 * 2.0 ** -22),
              {"margin": -0.3}, reductions=MEAN_NONE)

    # large magnitudes, float64, torch accurate: only one of x1/x2 is ~1e150,
    # so (|x1|^2 + eps) * (|x2|^2 + eps) stays below the float64 maximum
    B = 1e150
    xa = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0], [-1.0, -1.0, 2.0], [2.0, 0.0, 1.0]])
    xb = np.array([[1.5, -0.5, 1.0], [-2.0, 1.0, 0.25], [0.5, -1.0, 2.0], [-2.0, 0.0, -1.0]])
    x1l = xa * np.array([[B], [1.0], [B], [1.0]])
    x2l = xb * np.array([[1.0], [B], [1.0], [B]])
    yl = np.array([1, -1, 1, -1])
    add_group("cel_large_1e150", f, yl, (x1l, x2l), {"margin": 0.5})
    # both x1 and x2 ~1e150 (D=8): (|x1|^2+eps)*(|x2|^2+eps) ~ 1e600 overflows
    # to inf in torch, so torch's cos is exactly 0 (loss 1 for y=1, and
    # max(0, -margin) for y=-1) although the true cos is +-1 or in between.
    # torch's float64 result is finite; it is stored as is.
    xo1 = np.array([[1.0, 2, 3, 4, -1, -2, 0.5, 1], [1.0, 2, 3, 4, -1, -2, 0.5, 1],
                    [1.0, -1, 1, -1, 1, -1, 1, -1], [2.0, 1, 0, 0, 0, 0, 0, 0]]) * B
    xo2 = np.array([[1.0, 2, 3, 4, -1, -2, 0.5, 1], [1.0, 2, 3, 4, -1, -2, 0.5, 1],
                    [-1.0, 1, -1, 1, -1, 1, -1, 1], [1.0, 3, 0, 0, 0, 0, 0, 0]]) * B
    yo = np.array([1, -1, 1, -1])
    add_group("cel_large_1e150_denom_overflow", f, yo, (xo1, xo2), {"margin": -0.3})

    # float32, ~1e18: squares (1e36) are finite in float32 but their product
    # is not, so torch's float32 value shows the same overflow (cos = 0) on
    # rows where both vectors are large; `expected` (torch float64) is exact.
    E = 1e18
    x1s = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0], [1.0, 1.0, 1.0],
                    [2.0, -1.0, 0.5], [1.0, 2.0, 2.0]]) * np.array([[E], [1.0], [E], [E], [E]])
    x2s = np.array([[1.5, -0.5, 1.0], [-2.0, 1.0, 0.25], [1.0, 1.0, 1.0],
                    [-2.0, 1.0, -0.5], [2.0, 0.5, -1.0]]) * np.array([[1.0], [E], [E], [E], [E]])
    ys = np.array([1, -1, 1, -1, -1])
    add_group("cel_large_1e18", f, ys, (x1s, x2s), {"margin": 0.5}, ("float32",),
              f32_reductions=REDUCTIONS)

    # sample_weight
    r, y, x1, x2 = data("cel_sw_d3", 5, 3)
    add_group("cel_sw_d3", f, y, (x1, x2), {"sample_weight": sample_weights(r, 5)}, BOTH,
              f32_reductions=REDUCTIONS)
    r, y, x1, x2 = data("cel_sw_zero_d8_m05", 6, 8)
    add_group("cel_sw_zero_d8_m05", f, y, (x1, x2),
              {"margin": 0.5, "sample_weight": sample_weights(r, 6, zero=True)})
    r = rng_for("cel_sw_edge_mneg03")
    add_group("cel_sw_edge_mneg03", f, ye, (x1e, x2e),
              {"margin": -0.3, "sample_weight": sample_weights(r, len(ye), zero=True)}, BOTH)


# ----------------------------------------------------------------------------
# huber_loss / smooth_l1_loss
# ----------------------------------------------------------------------------
def _regression_data(name, shape, scale=2.0):
    r = rng_for(name)
    y = quant(r.normal(0.0, scale, size=shape), 4)
    p = quant(y + r.normal(0.0, scale, size=shape), 4)
    return r, y, p


def _regression_edge(name, t):
    """(6, 2) targets/predictions whose differences sit on the threshold t.

    Differences: +-t exactly, t -+ 2**-6, 0, small, moderate and outliers up
    to 1e6.  All stored values are exact in float32.
    """
    r = rng_for(name)
    d = np.array([t, -t, t - 2.0 ** -6, -(t + 2.0 ** -6), 0.0, 2.0 ** -4,
                  -3.0 * t - 0.5, 2.5, 1e3, -1e3 - 0.5, 1e6, -0.75])
    y = quant(r.uniform(-2.0, 2.0, size=12), 4)
    return r, y.reshape(6, 2), (y + d).reshape(6, 2)


def gen_huber_loss():
    f = "huber_loss"
    r, y, p = _regression_data("huber_1d", (8,))
    add_group("huber_1d", f, y, p, {}, BOTH, f32_reductions=REDUCTIONS)
    r, y, p = _regression_data("huber_2d_d05", (5, 3))
    add_group("huber_2d_d05", f, y, p, {"delta": 0.5}, BOTH, f32_reductions=MEAN_NONE)
    r, y, p = _regression_data("huber_3d_d3", (2, 3, 2), scale=3.0)
    add_group("huber_3d_d3", f, y, p, {"delta": 3.0}, BOTH)
    r, y, p = _regression_data("huber_3d_d1", (3, 2, 2))
    add_group("huber_3d_d1", f, y, p, {"delta": 1.0}, reductions=("mean", "sum"))

    for tag, delta in (("d1", 1.0), ("d05", 0.5), ("d3", 3.0)):
        r, y, p = _regression_edge(f"huber_edge_{tag}", delta)
        add_group(f"huber_edge_{tag}", f, y, p, {"delta": delta}, BOTH,
                  f32_reductions=MEAN_NONE if tag == "d1" else ("mean",))

    r, y, p = _regression_data("huber_sw_1d", (6,))
    add_group("huber_sw_1d", f, y, p, {"sample_weight": sample_weights(r, 6)}, BOTH,
              f32_reductions=REDUCTIONS)
    r, y, p = _regression_data("huber_sw_2d_d05_zero", (5, 3))
    add_group("huber_sw_2d_d05_zero", f, y, p,
              {"delta": 0.5, "sample_weight": sample_weights(r, 5, zero=True)})
    r, y, p = _regression_edge("huber_sw_edge_d3", 3.0)
    add_group("huber_sw_edge_d3", f, y, p,
              {"delta": 3.0, "sample_weight": sample_weights(r, 6, zero=True)}, BOTH)
    r, y, p = _regression_data("huber_sw_3d_d3", (3, 2, 2), scale=3.0)
    add_group("huber_sw_3d_d3", f, y, p,
              {"delta": 3.0, "sample_weight": sample_weights(r, 3)}, BOTH)


def gen_smooth_l1_loss():
    f = "smooth_l1_loss"
    r, y, p = _regression_data("sl1_1d", (8,))
    add_group("sl1_1d", f, y, p, {}, BOTH, f32_reductions=REDUCTIONS)
    r, y, p = _regression_data("sl1_2d_b025", (5, 3))
    add_group("sl1_2d_b025", f, y, p, {"beta": 0.25}, BOTH, f32_reductions=MEAN_NONE)
    r, y, p = _regression_data("sl1_3d_b0", (2, 3, 2))
    add_group("sl1_3d_b0", f, y, p, {"beta": 0.0}, BOTH)
    r, y, p = _regression_data("sl1_3d_b1", (3, 2, 2))
    add_group("sl1_3d_b1", f, y, p, {"beta": 1.0}, reductions=("mean", "sum"))
    r, y, p = _regression_data("sl1_2d_b0", (4, 3), scale=0.5)
    add_group("sl1_2d_b0", f, y, p, {"beta": 0.0}, reductions=MEAN_NONE)

    for tag, beta in (("b1", 1.0), ("b025", 0.25), ("b0", 0.0)):
        r, y, p = _regression_edge(f"sl1_edge_{tag}", beta)
        add_group(f"sl1_edge_{tag}", f, y, p, {"beta": beta}, BOTH,
                  f32_reductions=MEAN_NONE if tag == "b025" else ("mean",))

    r, y, p = _regression_data("sl1_sw_1d", (6,))
    add_group("sl1_sw_1d", f, y, p, {"sample_weight": sample_weights(r, 6)}, BOTH,
              f32_reductions=REDUCTIONS)
    r, y, p = _regression_data("sl1_sw_2d_b025_zero", (5, 3))
    add_group("sl1_sw_2d_b025_zero", f, y, p,
              {"beta": 0.25, "sample_weight": sample_weights(r, 5, zero=True)})
    r, y, p = _regression_edge("sl1_sw_edge_b0", 0.0)
    add_group("sl1_sw_edge_b0", f, y, p,
              {"beta": 0.0, "sample_weight": sample_weights(r, 6, zero=True)}, BOTH)
    r, y, p = _regression_data("sl1_sw_3d_b025", (3, 2, 2))
    add_group("sl1_sw_3d_b025", f, y, p,
              {"beta": 0.25, "sample_weight": sample_weights(r, 3)})


def gen_pair_losses():
    """mse_loss and l1_loss: 1-D to 3-D, outliers up to 1e6, sample weights (with
    a zero)."""
    for f, tag in (("mse_loss", "mse"), ("l1_loss", "l1")):
        r, y, p = _regression_data(f"{tag}_1d", (8,))
        add_group(f"{tag}_1d", f, y, p, {}, BOTH, f32_reductions=REDUCTIONS)
        r, y, p = _regression_data(f"{tag}_2d", (5, 3))
        add_group(f"{tag}_2d", f, y, p, {}, BOTH, f32_reductions=MEAN_NONE)
        r, y, p = _regression_data(f"{tag}_3d", (2, 3, 2), scale=3.0)
        add_group(f"{tag}_3d", f, y, p, {}, BOTH)
        r, y, p = _regression_edge(f"{tag}_edge", 1.0)
        add_group(f"{tag}_edge", f, y, p, {}, BOTH)
        r, y, p = _regression_data(f"{tag}_sw_2d_zero", (5, 3))
        add_group(f"{tag}_sw_2d_zero", f, y, p,
                  {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
                  f32_reductions=REDUCTIONS)
        r, y, p = _regression_data(f"{tag}_sw_3d", (3, 2, 2), scale=3.0)
        add_group(f"{tag}_sw_3d", f, y, p, {"sample_weight": sample_weights(r, 3)})


def _signs(r, shape):
    return np.where(r.random(shape) < 0.5, 1, -1).astype(np.int64)


def gen_soft_margin_loss():
    """soft_margin_loss: 1-D to 3-D, scores far out (|y x| up to 700, where
    PyTorch's log1p(exp(-y x)) is still finite in float64), targets other
    than +-1 (PyTorch's formula, which lossmetrics follows), sample weights."""
    f = "soft_margin_loss"
    for tag, shape in (("1d", (8,)), ("2d", (5, 3)), ("3d", (2, 3, 2))):
        r = rng_for(f"sml_{tag}")
        x = quant(r.normal(0.0, 3.0, size=shape), 4)
        add_group(f"sml_{tag}", f, _signs(r, shape), x, {}, BOTH,
                  f32_reductions=REDUCTIONS if tag == "2d" else ("mean",))
    r = rng_for("sml_far")
    x = np.array([[30.0, -30.0, 600.0], [-600.0, 700.0, -700.0], [0.0, 1e-3, -2.5]])
    add_group("sml_far", f, _signs(r, x.shape), x, {})
    r = rng_for("sml_far_f32")
    x = np.array([[20.0, -20.0, 80.0], [-80.0, 0.5, -0.25]])
    add_group("sml_far_f32", f, _signs(r, x.shape), x, {}, ("float32",),
              f32_reductions=REDUCTIONS)
    r = rng_for("sml_real_targets")
    y = np.array([[0.5, 0.0, 2.0], [-1.5, 1.0, -0.25]])
    add_group("sml_real_targets", f, y, quant(r.normal(0.0, 2.0, size=(2, 3)), 4), {})
    r = rng_for("sml_sw_2d_zero")
    add_group("sml_sw_2d_zero", f, _signs(r, (5, 3)), quant(r.normal(0, 3, (5, 3)), 4),
              {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_hinge_embedding_loss():
    """hinge_embedding_loss: distances on both sides of margins 1, 0.5, -0.3,
    2.5; targets other than +-1 (both terms, as PyTorch); sample weights."""
    f = "hinge_embedding_loss"
    for tag, shape, margin in (("1d", (8,), None), ("2d_m05", (5, 3), 0.5),
                               ("3d_m25", (2, 3, 2), 2.5), ("2d_mneg03", (4, 3), -0.3)):
        r = rng_for(f"hel_{tag}")
        x = quant(np.abs(r.normal(0.0, 1.5, size=shape)), 4)
        x.ravel()[::5] *= -1.0       # negative inputs too (PyTorch takes any)
        kw = {} if margin is None else {"margin": margin}
        add_group(f"hel_{tag}", f, _signs(r, shape), x, kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "1d" else ("mean",))
    r = rng_for("hel_real_targets")
    y = np.array([[0.0, 2.0, 1.0], [-1.0, 0.5, -2.0]])
    add_group("hel_real_targets", f, y, quant(np.abs(r.normal(0, 1.5, (2, 3))), 4),
              {"margin": 1.5})
    r = rng_for("hel_sw_2d_zero")
    add_group("hel_sw_2d_zero", f, _signs(r, (5, 3)),
              quant(np.abs(r.normal(0, 1.5, (5, 3))), 4),
              {"margin": 1.25, "sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_poisson_nll_loss():
    """poisson_nll_loss: log-rates and rates (eps 1e-8 and 0.5), with and
    without the Stirling term (counts 0, 1 and above), 1-D to 3-D, sample
    weights."""
    f = "poisson_nll_loss"
    for tag, shape, kw in (("1d", (8,), {}), ("2d_full", (5, 3), {"full": True}),
                           ("3d", (2, 3, 2), {}),
                           ("2d_rates", (5, 3), {"log_input": False}),
                           ("2d_rates_full", (4, 3), {"log_input": False, "full": True}),
                           ("1d_rates_eps05", (8,), {"log_input": False, "eps": 0.5})):
        r = rng_for(f"pnl_{tag}")
        y = r.poisson(3.0, size=shape).astype(np.float64)
        y.ravel()[:3] = [0.0, 1.0, 7.0]
        if kw.get("log_input", True):
            x = quant(r.normal(0.5, 1.0, size=shape), 4)
        else:
            x = quant(r.uniform(0.0, 5.0, size=shape), 4)
            x.ravel()[3] = 0.0          # a rate of 0: log(eps)
        add_group(f"pnl_{tag}", f, y, x, kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "1d" else ("mean",))
    r = rng_for("pnl_sw_2d_zero")
    add_group("pnl_sw_2d_zero", f, r.poisson(2.0, (5, 3)).astype(np.float64),
              quant(r.normal(0.0, 1.0, (5, 3)), 4),
              {"full": True, "sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_sigmoid_focal_loss():
    """sigmoid_focal_loss (torchvision's formula, run in torch): logits with
    |x| <= 6, where torchvision's 1 - p_t keeps its digits; alpha 0.25, 0.6,
    -1 (off), gamma 2, 0, 0.5, 3; soft targets; sample weights."""
    f = "sigmoid_focal_loss"
    for tag, shape, kw in (("1d", (8,), {}), ("2d_a06_g05", (5, 3), {"alpha": 0.6, "gamma": 0.5}),
                           ("3d_off_g3", (2, 3, 2), {"alpha": -1.0, "gamma": 3.0}),
                           ("2d_g0", (4, 3), {"gamma": 0.0})):
        r = rng_for(f"sfl_{tag}")
        y = (r.random(shape) < 0.4).astype(np.float64)
        x = np.clip(quant(r.normal(0.0, 2.5, size=shape), 4), -6.0, 6.0)
        add_group(f"sfl_{tag}", f, y, x, kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "1d" else ("mean",))
    r = rng_for("sfl_soft")
    add_group("sfl_soft", f, dyadic(r, (3, 4), 0, 16, 16),
              np.clip(quant(r.normal(0, 2.0, (3, 4)), 4), -6, 6), {"alpha": 0.4})
    r = rng_for("sfl_sw_2d_zero")
    add_group("sfl_sw_2d_zero", f, (r.random((5, 3)) < 0.5).astype(np.float64),
              np.clip(quant(r.normal(0, 2.0, (5, 3)), 4), -6, 6),
              {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_no_batch():
    """0-d inputs of the element-wise losses and KL, and inputs without a batch
    dimension: (C,) scores with a 0-d class index or (C,) probabilities for
    cross_entropy / nll_loss, (D,) embeddings with a 0-d target for
    cosine_embedding_loss, a (C,) distribution for kl_divergence ('sum' and
    'none': PyTorch's 'batchmean' of a 1-D input divides by C, see
    comparison.md).  'none' gives a 0-d result, as in PyTorch."""
    s = np.array
    for f, y, x, kw in (
            ("mse_loss", s(1.5), s(0.25), {}),
            ("l1_loss", s(-2.0), s(0.75), {}),
            ("huber_loss", s(3.0), s(0.5), {"delta": 1.5}),
            ("smooth_l1_loss", s(0.25), s(0.5), {"beta": 0.5}),
            ("soft_margin_loss", s(-1), s(0.75), {}),
            ("hinge_embedding_loss", s(-1), s(0.25), {"margin": 1.5}),
            ("poisson_nll_loss", s(3.0), s(0.5), {"full": True}),
            ("sigmoid_focal_loss", s(1.0), s(-0.75), {}),
            ("binary_cross_entropy", s(1.0), s(0.625), {}),
            ("binary_cross_entropy_with_logits", s(0.0), s(1.25), {"pos_weight": 2.0}),
            ("kl_divergence", s(0.375), s(0.5), {})):
        add_group(f"nobatch_0d_{f}", f, y, x, kw, BOTH, f32_reductions=REDUCTIONS)
    z = s([1.25, -0.5, 2.0, 0.0])
    add_group("nobatch_ce_index", "cross_entropy", s(2), z,
              {"class_weight": s([1.0, 0.5, 2.0, 1.5]), "label_smoothing": 0.125}, BOTH,
              f32_reductions=REDUCTIONS)
    add_group("nobatch_ce_proba", "cross_entropy", s([0.25, 0.125, 0.5, 0.125]), z, {},
              BOTH, f32_reductions=REDUCTIONS)
    add_group("nobatch_nll", "nll_loss", s(1), s([-1.5, -0.25, -2.0]),
              {"class_weight": s([0.5, 2.0, 1.0])}, BOTH, f32_reductions=REDUCTIONS)
    add_group("nobatch_cosine", "cosine_embedding_loss", s(-1),
              (s([1.0, 2.0, -0.5]), s([0.5, 1.5, 0.25])), {"margin": 0.25}, BOTH,
              f32_reductions=REDUCTIONS)
    add_group("nobatch_0d_gaussian_nll_loss", "gaussian_nll_loss", s(1.5),
              (s(0.25), s(0.75)), {"full": True}, BOTH, f32_reductions=REDUCTIONS)
    add_group("nobatch_0d_margin_ranking_loss", "margin_ranking_loss", s(-1.0),
              (s(0.25), s(0.75)), {"margin": 0.125}, BOTH, f32_reductions=REDUCTIONS)
    add_group("nobatch_kl_1d", "kl_divergence", s([0.25, 0.5, 0.25]),
              s([0.125, 0.625, 0.25]), {}, BOTH, reductions=("sum", "none"),
              f32_reductions=("sum", "none"))


def gen_bce_weight():
    """weight= of both binary cross-entropies: 0-d, per column, (N, 1), per
    element (1-D to 3-D), with pos_weight, and with sample weights (the
    'mean' denominator is the elements' sample weights, without weight)."""
    for f, tag in (("binary_cross_entropy", "bcew"),
                   ("binary_cross_entropy_with_logits", "bcelw")):
        for case, shape, wshape in (("scalar", (5, 3), ()), ("cols", (5, 3), (3,)),
                                    ("rows", (5, 3), (5, 1)), ("elems", (5, 3), (5, 3)),
                                    ("elems_1d", (8,), (8,)), ("3d_last", (2, 3, 4), (4,)),
                                    ("3d_mid", (2, 3, 4), (3, 1))):
            r = rng_for(f"{tag}_{case}")
            y = (r.random(shape) < 0.5).astype(np.float64)
            if f == "binary_cross_entropy":
                x = dyadic(r, shape, 1, 63, 64)
            else:
                x = quant(r.normal(0.0, 2.0, size=shape), 4)
            kw = {"weight": dyadic(r, wshape, 0, 16, 8) if wshape else 1.5}
            if case == "cols" and f != "binary_cross_entropy":
                kw["pos_weight"] = s_arr([2.0, 0.5, 1.0])
            add_group(f"{tag}_{case}", f, y, x, kw, BOTH,
                      f32_reductions=REDUCTIONS if case == "cols" else ("mean",))
        r = rng_for(f"{tag}_sw")
        y = (r.random((5, 3)) < 0.5).astype(np.float64)
        x = dyadic(r, (5, 3), 1, 63, 64) if f == "binary_cross_entropy" else quant(
            r.normal(0.0, 2.0, size=(5, 3)), 4)
        add_group(f"{tag}_sw", f, y, x, {"weight": dyadic(r, (3,), 1, 16, 8),
                                         "sample_weight": sample_weights(r, 5, zero=True)},
                  BOTH, f32_reductions=REDUCTIONS)


def gen_multilabel_soft_margin_loss():
    """multilabel_soft_margin_loss: (N, C) and one (C,) sample, class weights,
    soft targets, logits up to 40 in magnitude, sample weights."""
    f = "multilabel_soft_margin_loss"
    for tag, shape, kw in (("2d", (5, 4), {}), ("2d_cw", (6, 3), {"class_weight": True}),
                           ("1d", (5,), {}), ("wide", (3, 17), {"class_weight": True})):
        r = rng_for(f"mlsm_{tag}")
        y = (r.random(shape) < 0.4).astype(np.float64)
        x = quant(r.normal(0.0, 3.0, size=shape), 4)
        x.ravel()[::7] *= 10.0
        if kw.get("class_weight"):
            kw = {"class_weight": dyadic(r, shape[-1], 0, 16, 8)}
        add_group(f"mlsm_{tag}", f, y, x, kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "2d" else ("mean",))
    r = rng_for("mlsm_soft")
    add_group("mlsm_soft", f, dyadic(r, (3, 4), 0, 16, 16),
              quant(r.normal(0, 2.0, (3, 4)), 4), {})
    r = rng_for("mlsm_sw_zero")
    add_group("mlsm_sw_zero", f, (r.random((5, 3)) < 0.5).astype(np.float64),
              quant(r.normal(0, 2.0, (5, 3)), 4),
              {"class_weight": dyadic(r, 3, 1, 16, 8),
               "sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_multi_margin_loss():
    """multi_margin_loss: p 1 and 2, margins 1, 0.5, -0.25, 3, class weights
    (not in PyTorch's 'mean' denominator), one (C,) sample, sample weights."""
    f = "multi_margin_loss"
    for tag, shape, kw in (("p1", (6, 4), {}), ("p2_m05", (5, 3), {"p": 2, "margin": 0.5}),
                           ("cw_mneg", (6, 5), {"margin": -0.25, "class_weight": True}),
                           ("p2_cw_m3", (4, 7), {"p": 2, "margin": 3.0,
                                                 "class_weight": True})):
        r = rng_for(f"mml_{tag}")
        y = r.integers(0, shape[1], shape[0]).astype(np.int64)
        x = quant(r.normal(0.0, 1.5, size=shape), 4)
        if kw.get("class_weight"):
            kw = dict(kw, class_weight=dyadic(r, shape[1], 0, 16, 8))
        add_group(f"mml_{tag}", f, y, x, kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "p1" else ("mean",))
    r = rng_for("mml_nobatch")
    add_group("mml_nobatch", f, np.array(2), quant(r.normal(0.0, 1.5, 5), 4), {"p": 2},
              BOTH, f32_reductions=REDUCTIONS)
    r = rng_for("mml_sw_zero")
    add_group("mml_sw_zero", f, r.integers(0, 4, 5).astype(np.int64),
              quant(r.normal(0, 1.5, (5, 4)), 4),
              {"class_weight": dyadic(r, 4, 1, 16, 8),
               "sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_gaussian_nll_loss():
    """gaussian_nll_loss: var per element, per row ((N,) and (N, 1)), per
    column ((1, C)), along a middle axis of a 3-D input, a Python float; full,
    eps (variances of 0 and below eps floored), 1-D and 0-d inputs, sample
    weights.  PyTorch's module tests use (N, 2) means with (N, 2) and (N, 1)
    variances."""
    f = "gaussian_nll_loss"
    for tag, shape, vshape, kw in (
            ("elems", (5, 2), (5, 2), {}), ("rows", (5, 2), (5, 1), {"full": True}),
            ("rows_short", (6, 3), (6,), {}), ("cols", (4, 3), (1, 3), {"eps": 0.25}),
            ("3d_mid", (2, 3, 4), (2, 1, 4), {}), ("1d", (8,), (8,), {"full": True}),
            ("1d_one", (7,), (), {})):
        r = rng_for(f"gnll_{tag}")
        y = quant(r.normal(0.0, 2.0, size=shape), 4)
        mean = quant(y + r.normal(0.0, 1.0, size=shape), 4)
        var = dyadic(r, vshape, 0, 32, 8) if vshape else np.array(0.625)
        add_group(f"gnll_{tag}", f, y, (mean, var), kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "elems" else ("mean",))
    r = rng_for("gnll_float_var")
    y = quant(r.normal(0.0, 2.0, size=(5, 3)), 4)
    add_group("gnll_float_var", f, y, quant(y + r.normal(0, 1, (5, 3)), 4),
              {"var": 0.375, "full": True}, BOTH)
    r = rng_for("gnll_sw_zero")
    y = quant(r.normal(0.0, 2.0, size=(5, 3)), 4)
    add_group("gnll_sw_zero", f, y, (quant(y + r.normal(0, 1, (5, 3)), 4),
                                     dyadic(r, (5, 3), 1, 32, 8)),
              {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_margin_ranking_loss():
    """margin_ranking_loss: (50,) pairs with margin 0.5 as in PyTorch's module
    tests, 2-D and 3-D inputs, margins 0 and -0.25, targets other than +-1
    (PyTorch's formula), sample weights."""
    f = "margin_ranking_loss"
    for tag, shape, kw in (("1d_m05", (50,), {"margin": 0.5}), ("2d", (5, 3), {}),
                           ("3d_mneg", (2, 3, 2), {"margin": -0.25})):
        r = rng_for(f"mrl_{tag}")
        x1 = quant(r.normal(0.0, 1.5, size=shape), 4)
        x2 = quant(r.normal(0.0, 1.5, size=shape), 4)
        add_group(f"mrl_{tag}", f, _signs(r, shape), (x1, x2), kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "2d" else ("mean",))
    r = rng_for("mrl_real_targets")
    y = np.array([[0.5, 0.0, 2.0], [-1.5, 1.0, -0.25]])
    add_group("mrl_real_targets", f, y, (quant(r.normal(0, 1.5, (2, 3)), 4),
                                         quant(r.normal(0, 1.5, (2, 3)), 4)),
              {"margin": 0.25})
    r = rng_for("mrl_sw_zero")
    add_group("mrl_sw_zero", f, _signs(r, (5, 2)), (quant(r.normal(0, 1.5, (5, 2)), 4),
                                                     quant(r.normal(0, 1.5, (5, 2)), 4)),
              {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_triplet_margin_loss():
    """triplet_margin_loss: (5, 10) triplets as in PyTorch's module tests, p 2,
    1, 3, 0.5 and inf, swap, eps 0 and 0.1, margins 1, 0.5 and 2, one (D,)
    triplet, sample weights."""
    f = "triplet_margin_loss"
    for tag, shape, kw in (("p2", (5, 10), {}), ("p1_swap", (5, 10), {"p": 1.0, "swap": True}),
                           ("p3_m05", (6, 4), {"p": 3.0, "margin": 0.5}),
                           ("phalf_eps0", (4, 3), {"p": 0.5, "eps": 0.0, "margin": 2.0}),
                           ("pinf_swap", (5, 3), {"p": float("inf"), "swap": True}),
                           ("eps01", (4, 6), {"eps": 0.1}), ("nobatch", (6,), {"swap": True})):
        r = rng_for(f"tml_{tag}")
        a = quant(r.normal(0.0, 1.0, size=shape), 4)
        pos = quant(a + r.normal(0.0, 0.6, size=shape), 4)
        neg = quant(a + r.normal(0.0, 1.0, size=shape), 4)
        add_group(f"tml_{tag}", f, a, (pos, neg), kw, BOTH,
                  f32_reductions=REDUCTIONS if tag == "p2" else ("mean",))
    r = rng_for("tml_sw_zero")
    a = quant(r.normal(0.0, 1.0, size=(5, 4)), 4)
    add_group("tml_sw_zero", f, a, (quant(a + r.normal(0, 0.6, (5, 4)), 4),
                                    quant(a + r.normal(0, 1.0, (5, 4)), 4)),
              {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def gen_multilabel_margin_loss():
    """multilabel_margin_loss: (5, 10) and one (10,) sample as in PyTorch's
    module tests, rows without targets, with every class a target, a repeated
    target, junk after the first -1, a 0-d sample, sample weights."""
    f = "multilabel_margin_loss"

    def targets(r, n, c):
        y = r.integers(-1, c, (n, c))
        for row in y:
            k = r.integers(0, c + 1)
            if k < c:
                row[k] = -1
        return y

    for tag, shape in (("2d", (5, 10)), ("2d_small", (6, 3)), ("wide", (3, 17))):
        r = rng_for(f"mlm_{tag}")
        y = targets(r, *shape)
        if tag == "2d_small":
            y[0] = [-1, 2, 0]         # no targets
            y[1] = [2, 0, 1]          # every class a target
            y[2] = [1, 1, -1]         # a repeated target
        add_group(f"mlm_{tag}", f, y, quant(r.normal(0.0, 1.5, size=shape), 4), {}, BOTH,
                  f32_reductions=REDUCTIONS if tag == "2d" else ("mean",))
    r = rng_for("mlm_nobatch")
    add_group("mlm_nobatch", f, np.array([3, 0, -1, 1, 4, 2, 0, 1, 1, 9]),
              quant(r.normal(0.0, 1.5, 10), 4), {}, BOTH, f32_reductions=REDUCTIONS)
    add_group("mlm_0d", f, np.array(0), np.array(0.75), {}, BOTH,
              reductions=("mean", "none"), f32_reductions=("none",))
    r = rng_for("mlm_sw_zero")
    add_group("mlm_sw_zero", f, targets(r, 5, 4), quant(r.normal(0, 1.5, (5, 4)), 4),
              {"sample_weight": sample_weights(r, 5, zero=True)}, BOTH,
              f32_reductions=REDUCTIONS)


def s_arr(values):
    return np.asarray(values, dtype=np.float64)


def main():
    gen_cross_entropy()
    gen_nll_loss()
    gen_binary_cross_entropy()
    gen_bce_with_logits()
    gen_kl_divergence()
    gen_cosine_embedding_loss()
    gen_huber_loss()
    gen_smooth_l1_loss()
    gen_pair_losses()
    gen_soft_margin_loss()
    gen_hinge_embedding_loss()
    gen_poisson_nll_loss()
    gen_sigmoid_focal_loss()
    gen_no_batch()
    gen_bce_weight()
    gen_multilabel_soft_margin_loss()
    gen_multi_margin_loss()
    gen_gaussian_nll_loss()
    gen_margin_ranking_loss()
    gen_triplet_margin_loss()
    gen_multilabel_margin_loss()
    doc = {
        "torch_version": torch.__version__,
        "generator": "tests/reference/make_torch_references.py",
        "cases": CASES,
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(CASES)} cases to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
