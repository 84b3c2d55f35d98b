"""PyTorch semantics, checked against values made by real PyTorch.

The reference values come from tests/reference/make_torch_references.py, run
with torch 2.13.0 (CPU); the suite itself does not need PyTorch.  Each case's
``expected`` was computed by torch in float64 on the stored inputs (float32
cases store float32-exact inputs), which is what lossmetrics computes: float32
is read as float32 and every per-element loss is evaluated in float64.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import lossmetrics

CASES = json.loads(
    (Path(__file__).parent / "reference" / "torch_references.json").read_text()
)["cases"]


def _prepare(case):
    dtype = np.dtype(case["dtype"])
    y_true, pred = case["args"]
    y_true = np.asarray(y_true)
    if y_true.dtype.kind == "f":
        y_true = y_true.astype(dtype)
    else:
        y_true = y_true.astype(np.int64)
    pred = np.asarray(pred, dtype=np.float64).astype(dtype)
    return y_true, pred, dict(case["kwargs"])


def test_reference_file_covers_every_torch_style_loss():
    functions = {c["function"] for c in CASES}
    assert functions == {"cross_entropy", "nll_loss", "binary_cross_entropy",
                         "binary_cross_entropy_with_logits", "kl_divergence"}
    assert len(CASES) > 250


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_pytorch(case):
    y_true, pred, kwargs = _prepare(case)
    func = getattr(lossmetrics, case["function"])
    if case["function"] in ("cross_entropy", "nll_loss") and "ignore_index" not in kwargs \
            and y_true.dtype.kind == "i" and (y_true == -100).any():
        # PyTorch's default ignore_index is -100; ours is None (ignore nothing),
        # so -100 targets are an error unless asked for explicitly.
        with pytest.raises(ValueError, match="y_true must hold class indices"):
            func(y_true, pred, **kwargs)
        kwargs["ignore_index"] = -100
    got = func(y_true, pred, **kwargs)
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
    got = getattr(lossmetrics, case["function"])(y_true, pred, **kwargs)
    np.testing.assert_allclose(got, np.asarray(case["torch_float32_value"], dtype=np.float64),
                               rtol=2e-5, atol=1e-5)
