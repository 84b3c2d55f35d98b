"""PyTorch semantics, checked against values made by real PyTorch.

The reference values come from tests/reference/make_torch_references.py, run
with torch 2.13.0 (CPU); the suite itself does not need PyTorch.  Each case's
``expected`` was computed by torch in float64 on the stored inputs (float32
cases store float32-exact inputs), which is what lossmetrics computes: float32
is read as float32 and every per-element loss is evaluated in float64.
"""
import inspect
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import lossmetrics

CASES = json.loads(
    (Path(__file__).parent / "reference" / "torch_references.json").read_text()
)["cases"]


def _prepare(case):
    """(y_true, prediction, kwargs); a third array (x2, var, negative) goes into kwargs."""
    dtype = np.dtype(case["dtype"])
    y_true, pred, *rest = case["args"]
    y_true = np.asarray(y_true)
    if y_true.dtype.kind == "f":
        y_true = y_true.astype(dtype)
    else:
        y_true = y_true.astype(np.int64)
    pred = np.asarray(pred, dtype=np.float64).astype(dtype)
    kwargs = dict(case["kwargs"])
    if rest:   # the third positional array: x2, var, negative
        kwargs[_THIRD[case["function"]]] = np.asarray(rest[0], dtype=np.float64).astype(dtype)
    return y_true, pred, kwargs


# The name of the third positional argument of the losses that take one.
_THIRD = {name: list(inspect.signature(loss.function).parameters)[2]
          for name, loss in lossmetrics.LOSSES.items() if loss.batch_arrays}


def _call(case, y_true, pred, kwargs):
    func = getattr(lossmetrics, case["function"])
    third = _THIRD.get(case["function"])
    if third in kwargs:
        kwargs = dict(kwargs)
        return func(y_true, pred, kwargs.pop(third), **kwargs)
    return func(y_true, pred, **kwargs)


def _exact_cosine_loss(y_true, x1, x2, margin):
    """Per-row cosine embedding loss with Python's exact-ish float math (no overflow)."""
    eps = float(np.float32(1e-12))
    out = []
    for t, a, b in zip(y_true.tolist(), x1.tolist(), x2.tolist()):
        scale = max([abs(v) for v in a + b] + [1.0])
        a2 = [v / scale for v in a]
        b2 = [v / scale for v in b]
        dot = math.fsum(u * v for u, v in zip(a2, b2))
        n1 = math.fsum(u * u for u in a2) + eps / scale**2
        n2 = math.fsum(v * v for v in b2) + eps / scale**2
        cos = dot / (math.sqrt(n1) * math.sqrt(n2))
        out.append(1.0 - cos if t == 1 else max(0.0, cos - margin))
    return np.array(out)


def test_reference_file_covers_every_torch_style_loss():
    # Every loss whose declared reference is PyTorch has generated cases.
    functions = {c["function"] for c in CASES}
    torch_style = {name for name, loss in lossmetrics.LOSSES.items()
                   if loss.reference.startswith(("torch.", "torchvision."))}
    assert functions == torch_style
    assert len(torch_style) >= 10 and len(CASES) > 500


# PyTorch forms sqrt(m1 * m2), which overflows for norms near 1e150 and turns
# the cosine into 0; lossmetrics takes the square roots separately there.
OVERFLOW = [c for c in CASES if "denom_overflow" in c["id"]]
AGREED = [c for c in CASES if c not in OVERFLOW]


@pytest.mark.parametrize("case", AGREED, ids=[c["id"] for c in AGREED])
def test_matches_pytorch(case):
    y_true, pred, kwargs = _prepare(case)
    if case["function"] in ("cross_entropy", "nll_loss") and "ignore_index" not in kwargs \
            and y_true.dtype.kind == "i" and (y_true == -100).any():
        # PyTorch's default ignore_index is -100; ours is None (ignore nothing),
        # so -100 targets are an error unless asked for explicitly.
        with pytest.raises(ValueError, match="y_true must hold class indices"):
            _call(case, y_true, pred, kwargs)
        kwargs["ignore_index"] = -100
    got = _call(case, y_true, pred, kwargs)
    expected = np.asarray(case["expected"], dtype=np.float64)
    if kwargs.get("reduction", "mean") == "none":
        assert isinstance(got, np.ndarray)
        assert got.shape == expected.shape
    else:
        assert isinstance(got, float)
    # binary_cross_entropy forms 1 - p before its log, exactly as scikit-learn's
    # log_loss does (so the two agree to the bit); PyTorch uses log1p(-p).  The
    # rounding of 1 - p in the input dtype costs at most eps/2 absolute.
    atol = 1e-300
    if case["function"] == "binary_cross_entropy":
        atol = 0.51 * np.finfo(pred.dtype).eps
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=atol)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["dtype"] == "float32"],
    ids=[c["id"] for c in CASES if c["dtype"] == "float32"])
def test_float32_close_to_pytorch_float32(case):
    # PyTorch computes float32 input in float32; we accumulate in float64, so
    # we agree with its float32 result to float32 precision.
    y_true, pred, kwargs = _prepare(case)
    kwargs.setdefault("ignore_index", -100) if case["function"] in (
        "cross_entropy", "nll_loss") and y_true.dtype.kind == "i" else None
    if case["function"] == "cosine_embedding_loss" and np.abs(pred).max() > 1e15:
        # PyTorch's float32 product of squared norms overflows here; the
        # float64 reference (test_matches_pytorch) covers these inputs.
        return
    got = _call(case, y_true, pred, kwargs)
    np.testing.assert_allclose(got, np.asarray(case["torch_float32_value"], dtype=np.float64),
                               rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("case", OVERFLOW, ids=[c["id"] for c in OVERFLOW])
def test_cosine_stays_right_where_pytorch_overflows(case):
    y_true, x1, kwargs = _prepare(case)
    reduction = kwargs.get("reduction", "mean")
    got = _call(case, y_true, x1, kwargs)
    rows = _exact_cosine_loss(y_true, x1, kwargs["x2"], kwargs.get("margin", 0.0))
    expected = {"none": rows, "sum": math.fsum(rows), "mean": math.fsum(rows) / len(rows)}
    np.testing.assert_allclose(got, expected[reduction], rtol=1e-12, atol=1e-15)
    assert not np.allclose(got, case["expected"])  # PyTorch's value is the wrong one


def test_soft_margin_loss_is_finite_where_pytorchs_formula_overflows():
    # comparison.md: PyTorch computes log1p(exp(-y x)), inf beyond 709.78 (and
    # 88.72 in float32); the loss there is -y x itself.
    z = np.array([709.0, 710.0, 1000.0, 1e300])
    with np.errstate(over="ignore"):
        naive = np.log1p(np.exp(z))
        naive32 = np.log1p(np.exp(np.float32(89.0)))
    assert np.isfinite(naive[0]) and np.isinf(naive[1:]).all() and np.isinf(naive32)
    got = lossmetrics.soft_margin_loss(-np.ones(4), z, reduction="none")
    np.testing.assert_array_equal(got, z)   # log1p(exp(-z)) < ulp(z) / 2 here
    assert lossmetrics.soft_margin_loss(np.float32([1.0]), np.float32([-89.0])) == 89.0


def test_poisson_nll_loss_refuses_what_pytorch_ignores_or_turns_into_nan():
    # comparison.md: eps with log_input=True is unused (PyTorch ignores it), and
    # a rate with y_pred + eps <= 0 gives NaN or inf in PyTorch.
    y, x = np.array([1.0, 2.0, 0.0]), np.array([0.5, 1.0, 2.0])
    with pytest.raises(ValueError, match="eps=0.001 applies only with log_input=False"):
        lossmetrics.poisson_nll_loss(y, x, eps=1e-3)
    assert lossmetrics.poisson_nll_loss(y, x, eps=1e-8) == lossmetrics.poisson_nll_loss(y, x)
    with pytest.raises(ValueError, match=r"y_pred \+ eps > 0 .* got -1e-08 at index 2"):
        lossmetrics.poisson_nll_loss(y, np.array([0.5, 1.0, -1e-8]), log_input=False)
    assert np.isfinite(lossmetrics.poisson_nll_loss(y, np.array([0.5, 1.0, 0.0]),
                                                    log_input=False))


def test_sigmoid_focal_loss_keeps_its_digits_where_torchvisions_cancels():
    # comparison.md: torchvision forms 1 - p_t, which cancels for confident
    # predictions; lossmetrics computes sigmoid(-x) y + sigmoid(x) (1 - y).
    x = np.array([20.0, 30.0, -20.0, -35.0, 12.5])
    y = np.array([1.0, 1.0, 0.0, 0.0, 1.0])
    a = np.abs(x)
    ce = np.log1p(np.exp(-a))                    # the right-class cross-entropy
    q = np.exp(-a) / (1.0 + np.exp(-a))          # 1 - p_t, without cancellation
    exact = np.where(y == 1, 0.25, 0.75) * ce * q**2
    got = lossmetrics.sigmoid_focal_loss(y, x, reduction="none")
    np.testing.assert_allclose(got, exact, rtol=1e-13)
    sig = 1.0 / (1.0 + np.exp(-x))
    naive = 1.0 - (sig * y + (1.0 - sig) * (1.0 - y))
    assert np.max(np.abs(naive[:4] / q[:4] - 1.0)) > 1e-3    # torchvision's digits lost


def test_inputs_without_a_batch_axis_are_one_sample():
    # 0-d element-wise inputs and (C,) class scores / distributions are one
    # sample: 'none' gives a 0-d array (the generated cases check the values
    # against PyTorch), and a sample_weight has one entry.
    got = lossmetrics.mse_loss(1.5, 0.25, reduction="none")
    assert isinstance(got, np.ndarray) and got.shape == () and got == 1.5625
    assert lossmetrics.mse_loss(1.5, 0.25, sample_weight=[3.0], reduction="sum") == 3 * 1.5625
    z = np.array([1.25, -0.5, 2.0])
    assert lossmetrics.cross_entropy(2, z, reduction="none").shape == ()
    assert lossmetrics.cross_entropy(2, z) == lossmetrics.cross_entropy([2], z[None, :])
    with pytest.raises(ValueError, match="no batch axis"):
        lossmetrics.cross_entropy([2], z)


def test_kl_divergence_of_one_distribution_is_its_kl_not_pytorchs_batchmean():
    # comparison.md: PyTorch's 'batchmean' of a 1-D input divides by its
    # length C; lossmetrics reads a 1-D input as one distribution (one sample).
    p, q = np.array([0.25, 0.5, 0.25]), np.array([0.125, 0.625, 0.25])
    kl = math.fsum((p * np.log(p / q)).tolist())
    assert lossmetrics.kl_divergence(p, q) == pytest.approx(kl, rel=1e-15)
    assert lossmetrics.kl_divergence(p, q) == lossmetrics.kl_divergence(p[None], q[None])
    assert lossmetrics.kl_divergence(p, q, reduction="none").shape == ()


def test_bce_weight_with_sample_weight_follows_the_documented_contract():
    # reductions.md: element value sample_weight[n] * weight * loss; 'mean'
    # divides by the elements' sample weights (weight is not in it).
    rng = np.random.default_rng(4)
    y = (rng.random((6, 3)) < 0.5).astype(float)
    p = rng.uniform(0.05, 0.95, (6, 3))
    w, sw = np.array([0.5, 1.0, 2.0]), rng.uniform(0.5, 2.0, 6)
    terms = -(y * np.log(p) + (1 - y) * np.log(1 - p)) * w * sw[:, None]
    got = lossmetrics.binary_cross_entropy(y, p, weight=w, sample_weight=sw)
    assert got == pytest.approx(math.fsum(terms.ravel().tolist()) / (3 * math.fsum(sw)),
                                rel=1e-14)
    with pytest.raises(ValueError, match="does not broadcast"):
        lossmetrics.binary_cross_entropy(y, p, weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="weight must be non-negative"):
        lossmetrics.binary_cross_entropy_with_logits(y, p, weight=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="varies over the samples"):
        lossmetrics.Accumulator("binary_cross_entropy", weight=np.ones((6, 3))).update(y, p)


@pytest.mark.parametrize("call, match", [
    (lambda: lossmetrics.sigmoid_focal_loss([1.0], [0.5], alpha=1.5), "alpha must be"),
    (lambda: lossmetrics.sigmoid_focal_loss([1.0], [0.5], alpha=np.nan), "alpha must be"),
    (lambda: lossmetrics.sigmoid_focal_loss([1.0], [0.5], gamma=-1.0), "gamma must be"),
    (lambda: lossmetrics.sigmoid_focal_loss([1.5], [0.5]), "y_true"),
    (lambda: lossmetrics.multi_margin_loss([0], [[1.0, 2.0]], p=3), "p must be 1 or 2"),
    (lambda: lossmetrics.multi_margin_loss([0], [[1.0, 2.0]], p=True), "p must be 1 or 2"),
    (lambda: lossmetrics.multi_margin_loss([2], [[1.0, 2.0]]), r"\[0, 2\).*got 2"),
    (lambda: lossmetrics.multi_margin_loss([0], [[1.0, 2.0]], class_weight=[1.0]),
     "class_weight must have shape"),
    (lambda: lossmetrics.hinge_embedding_loss([1.0], [0.5], margin=np.inf), "margin must be"),
    (lambda: lossmetrics.poisson_nll_loss([1.0], [0.5], log_input=False, eps=-1.0),
     "eps must be"),
    (lambda: lossmetrics.poisson_nll_loss([1.0], [0.5], full=1), "'full' parameter"),
    (lambda: lossmetrics.jensen_shannon_divergence([[1.0]], [[1.0]], base=0.0),
     "base must be"),
    (lambda: lossmetrics.multilabel_soft_margin_loss([[0.0, 2.0]], [[1.0, 2.0]]), "y_true"),
    (lambda: lossmetrics.gaussian_nll_loss([1.0], [0.5], [-1.0]),
     r"var has negative entry/entries.*got -1.0 at index 0"),
    (lambda: lossmetrics.gaussian_nll_loss([1.0], [0.5], -0.5), "var has negative"),
    (lambda: lossmetrics.gaussian_nll_loss(np.ones((4, 3)), np.ones((4, 3)), np.ones(3)),
     r"var is of incorrect size.*\(4, 3\), \(4,\).*got shape \(3,\)"),
    (lambda: lossmetrics.gaussian_nll_loss(np.ones((4, 3)), np.ones((4, 3)), np.ones((2, 3))),
     "var is of incorrect size"),
    (lambda: lossmetrics.gaussian_nll_loss([1.0], [0.5], [np.nan]), "var"),
    (lambda: lossmetrics.gaussian_nll_loss([1.0], [0.5], [1.0], eps=-1e-6), "eps must be"),
    (lambda: lossmetrics.gaussian_nll_loss([1.0], [0.5], [1.0], full="yes"), "'full'"),
    (lambda: lossmetrics.margin_ranking_loss([1.0], [0.5], [1.0], margin=np.nan),
     "margin must be"),
    (lambda: lossmetrics.triplet_margin_loss([[1.0]], [[0.5]], [[0.0]], margin=0.0),
     "margin must be greater than 0"),
    (lambda: lossmetrics.triplet_margin_loss([[1.0]], [[0.5]], [[0.0]], p=0.0), "p must be"),
    (lambda: lossmetrics.triplet_margin_loss([[1.0]], [[0.5]], [[0.0]], p=np.nan),
     "p must be"),
    (lambda: lossmetrics.triplet_margin_loss([[1.0]], [[0.5]], [[0.0]], eps=-1.0),
     "eps must be"),
    (lambda: lossmetrics.triplet_margin_loss([[1.0]], [[0.5]], [[0.0]], swap=1), "'swap'"),
    (lambda: lossmetrics.triplet_margin_loss([[1.0]], [[0.5]], [[0.0, 1.0]]),
     r"negative.*\(1, 1\) and \(1, 2\)"),
    (lambda: lossmetrics.multilabel_margin_loss([[0, 3, -1]], [[1.0, 2.0, 0.0]]),
     r"\[0, 3\) or -1.*got 3 at index \(0, 1\)"),
    (lambda: lossmetrics.multilabel_margin_loss([[0, -2, -1]], [[1.0, 2.0, 0.0]]),
     r"got -2 at index \(0, 1\)"),
    (lambda: lossmetrics.multilabel_margin_loss([[0.5, -1, -1]], [[1.0, 2.0, 0.0]]),
     "non-integer 0.5"),
    (lambda: lossmetrics.multilabel_margin_loss([[0, -1]], [[1.0, 2.0, 0.0]]),
     r"shape of x, \(1, 3\)"),
])
def test_new_losses_refuse_bad_options_naming_them(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_gaussian_nll_loss_differences_from_pytorch():
    # comparison.md: (x - y)^2 / var where (x - y)^2 alone overflows stays
    # finite (PyTorch: inf); eps=0 with a zero variance is an error (PyTorch:
    # inf or NaN); y_true must have y_pred's shape (PyTorch broadcasts it).
    d, v = 1e200, 1e200
    exact = 0.5 * (math.log(v) + float(Fraction(d) ** 2 / Fraction(v)))
    got = lossmetrics.gaussian_nll_loss([0.0], [d], [v], reduction="none")
    assert got[0] == pytest.approx(exact, rel=1e-15)
    with np.errstate(over="ignore"):
        assert np.isinf(np.float64(d) * np.float64(d) / v)   # the naive formula
    with pytest.raises(ValueError, match=r"var must be > 0 where eps=0.*index 1"):
        lossmetrics.gaussian_nll_loss([1.0, 2.0], [1.5, 2.0], [1.0, 0.0], eps=0.0)
    assert np.isfinite(lossmetrics.gaussian_nll_loss([1.0, 2.0], [1.5, 2.0], [1.0, 0.5],
                                                     eps=0.0))
    with pytest.raises(ValueError, match=r"y_true and y_pred must have the same shape"):
        lossmetrics.gaussian_nll_loss(np.ones((4, 1)), np.ones((4, 3)), np.ones((4, 3)))


def test_triplet_margin_loss_distances_stay_finite_where_pytorchs_overflow():
    # comparison.md: PyTorch's p-norm of differences beyond about 1e154 (p = 2)
    # overflows to inf; the scaled norm stays right.
    a = np.array([[0.0, 0.0], [1e-200, 0.0]])
    pos = np.array([[3e200, 4e200], [0.0, 0.0]])
    neg = np.array([[6e200, 8e200], [0.0, 3e-200]])
    got = lossmetrics.triplet_margin_loss(a, pos, neg, eps=0.0, margin=1.0, reduction="none")
    # d(a, p) = 5e200, d(a, n) = 1e201 (row 0); tiny distances (row 1): the margin.
    assert got[0] == 0.0 and got[1] == pytest.approx(1.0 + 1e-200 - math.hypot(1e-200, 3e-200))
    for p in (1.0, 3.0, np.inf):
        far = lossmetrics.triplet_margin_loss(a[:1], neg[:1], pos[:1], eps=0.0, p=p,
                                              reduction="none")
        d_far = {1.0: 14e200, 3.0: (6.0**3 + 8.0**3) ** (1 / 3) * 1e200, np.inf: 8e200}[p]
        d_near = {1.0: 7e200, 3.0: (3.0**3 + 4.0**3) ** (1 / 3) * 1e200, np.inf: 4e200}[p]
        assert far[0] == pytest.approx(1.0 + d_far - d_near, rel=1e-14)


def test_margin_ranking_and_multilabel_margin_differences_from_pytorch():
    # comparison.md: margin_ranking_loss takes inputs of one shape (PyTorch
    # broadcasts inputs of the same number of axes); multilabel_margin_loss
    # takes integer-valued float targets (PyTorch: int64 only).
    with pytest.raises(ValueError, match=r"x1 and x2 must have the same shape"):
        lossmetrics.margin_ranking_loss(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 1)))
    x = np.array([[0.1, 0.2, 0.4, 0.8]])
    assert (lossmetrics.multilabel_margin_loss(np.array([[3.0, 0, -1, 1]]), x)
            == lossmetrics.multilabel_margin_loss(np.array([[3, 0, -1, 1]]), x))
