"""The baseline, x86-64-v3 (AVX2) and x86-64-v4 (AVX-512) builds of the
kernels give the same bits.

On x86-64 every kernel module is built three times (lossmetrics/_kernels); the
process uses one, chosen from the CPU or by ``LOSSMETRICS_SIMD``.  Each build
is run here in a child process on the same inputs (every loss, both dtypes,
weights, per-sample outputs, strided input, one and two threads) and the
results are compared bit for bit, errors by their messages.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lossmetrics
import lossmetrics._kernels as _simd
from lossmetrics._kernels._cpu import built_x86_64_v3, cpu_x86_64_v3, cpu_x86_64_v4

# The levels above the baseline that this CPU and build can run.
HIGHER = _simd.runnable_levels()[1:]


def _digest(value):
    if isinstance(value, str):
        return value
    a = np.asarray(value)
    return a.dtype.str + str(a.shape) + hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _battery():
    """name -> digest of the result (or the error message) of many calls."""
    lm = lossmetrics
    rng = np.random.default_rng(7)
    n, c = 100_003, 7
    proba = rng.dirichlet(np.ones(c), n)
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) * 4
    target_p = rng.dirichlet(np.ones(c), n)
    sw = rng.uniform(0.1, 2.0, n)
    yb = rng.integers(0, 2, 10 * n)
    pb = rng.uniform(1e-6, 1 - 1e-6, 10 * n)
    zb = rng.normal(size=10 * n) * 6
    a, b = rng.normal(size=(2, 10 * n))
    cw = rng.uniform(0.5, 2.0, c)
    wide = np.asfortranarray(proba)
    bad_p = proba.copy()
    bad_p[n // 2, 3] = 1.5
    cases = {
        "log_loss given": lambda nt: lm.log_loss(y, proba, labels=np.arange(c), n_threads=nt),
        "log_loss inferred": lambda nt: lm.log_loss(y, proba, n_threads=nt),
        "log_loss f32": lambda nt: lm.log_loss(y, proba.astype(np.float32), n_threads=nt),
        "log_loss strided": lambda nt: lm.log_loss(y, wide, sample_weight=sw, n_threads=nt),
        "log_loss binary": lambda nt: lm.log_loss(yb, pb, n_threads=nt),
        "log_loss sum": lambda nt: lm.log_loss(y, proba, normalize=False, n_threads=nt),
        "log_loss bad": lambda nt: lm.log_loss(y, bad_p, n_threads=nt),
        "brier": lambda nt: lm.brier_score_loss(y, proba, labels=np.arange(c), n_threads=nt),
        "ce f64": lambda nt: lm.cross_entropy(y, logits, n_threads=nt),
        "ce f32": lambda nt: lm.cross_entropy(y, logits.astype(np.float32), n_threads=nt),
        "ce weights": lambda nt: lm.cross_entropy(y, logits, class_weight=cw, sample_weight=sw,
                                                  ignore_index=3, n_threads=nt),
        "ce smoothing": lambda nt: lm.cross_entropy(y, logits, label_smoothing=0.1,
                                                    n_threads=nt),
        "ce proba target": lambda nt: lm.cross_entropy(target_p, logits, n_threads=nt),
        "ce none": lambda nt: lm.cross_entropy(y, logits, reduction="none", n_threads=nt),
        "ce 3d": lambda nt: lm.cross_entropy(y.reshape(-1, 1), logits.reshape(n, c, 1),
                                             n_threads=nt),
        "ce bad": lambda nt: lm.cross_entropy(np.where(np.arange(n) == 77, c, y), logits,
                                              n_threads=nt),
        "nll": lambda nt: lm.nll_loss(y, np.log(proba), class_weight=cw, n_threads=nt),
        "bce": lambda nt: lm.binary_cross_entropy(yb.astype(float), pb, n_threads=nt),
        "bce f32 none": lambda nt: lm.binary_cross_entropy(
            yb.astype(np.float32), pb.astype(np.float32), reduction="none", n_threads=nt),
        "bce logits": lambda nt: lm.binary_cross_entropy_with_logits(yb.astype(float), zb,
                                                                     n_threads=nt),
        "bce logits pos_weight": lambda nt: lm.binary_cross_entropy_with_logits(
            yb.astype(float).reshape(-1, 10), zb.reshape(-1, 10), pos_weight=np.arange(1, 11.0),
            n_threads=nt),
        "bce logits f32": lambda nt: lm.binary_cross_entropy_with_logits(
            yb.astype(np.float32), zb.astype(np.float32), n_threads=nt),
        "mse": lambda nt: lm.mean_squared_error(a, b, n_threads=nt),
        "rmse weighted": lambda nt: lm.root_mean_squared_error(a, b, sample_weight=np.abs(b),
                                                               n_threads=nt),
        "mae raw": lambda nt: lm.mean_absolute_error(a.reshape(-1, 10), b.reshape(-1, 10),
                                                     multioutput="raw_values", n_threads=nt),
        "mse f32": lambda nt: lm.mean_squared_error(a.astype(np.float32), b.astype(np.float32),
                                                    n_threads=nt),
        "huber": lambda nt: lm.huber_loss(a, b, delta=0.7, n_threads=nt),
        "smooth_l1": lambda nt: lm.smooth_l1_loss(a, b, beta=0.3, n_threads=nt),
        "cosine": lambda nt: lm.cosine_embedding_loss(np.where(y % 2 == 0, 1, -1), logits,
                                                      target_p, margin=0.1, n_threads=nt),
        "kl": lambda nt: lm.kl_divergence(proba, target_p, n_threads=nt),
        "kl log": lambda nt: lm.kl_divergence(np.log(proba), np.log(target_p), log_true=True,
                                              log_pred=True, n_threads=nt),
        "kl f32": lambda nt: lm.kl_divergence(proba.astype(np.float32), target_p, n_threads=nt),
        # the exp / log terms of the element-wise and multi-label families
        "poisson_nll": lambda nt: lm.poisson_nll_loss(np.abs(a), b, n_threads=nt),
        "poisson_nll rates": lambda nt: lm.poisson_nll_loss(np.abs(a), np.abs(b),
                                                            log_input=False, full=True,
                                                            n_threads=nt),
        "gaussian_nll": lambda nt: lm.gaussian_nll_loss(a, b, np.abs(a) + 0.5, full=True,
                                                        n_threads=nt),
        "focal": lambda nt: lm.sigmoid_focal_loss(yb.astype(float), zb, n_threads=nt),
        "soft_margin": lambda nt: lm.soft_margin_loss(np.sign(a), zb, n_threads=nt),
        "multilabel_soft_margin": lambda nt: lm.multilabel_soft_margin_loss(
            (target_p > 0.2).astype(float), logits, n_threads=nt),
        "msle": lambda nt: lm.mean_squared_log_error(np.abs(a), np.abs(b), n_threads=nt),
        "tweedie": lambda nt: lm.mean_tweedie_deviance(np.abs(a), np.abs(b) + 0.1, power=1.5,
                                                       n_threads=nt),
        "jensen_shannon": lambda nt: lm.jensen_shannon_divergence(proba, target_p,
                                                                  n_threads=nt),
        "triplet": lambda nt: lm.triplet_margin_loss(logits, target_p, proba, n_threads=nt),
    }
    out = {}
    for name, call in cases.items():
        for n_threads in (1, 2):
            try:
                value = call(n_threads)
            except (ValueError, TypeError) as exc:
                value = f"{type(exc).__name__}: {exc}"
            out[f"{name}, n_threads={n_threads}"] = _digest(value)
    return out


_CHILD = """
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {tests_dir!r})
import test_simd
from lossmetrics._kernels import simd_level
print(json.dumps(dict(level=simd_level(), results=test_simd._battery())))
"""


def _run_child(level, tmp_path):
    env = {**os.environ, _simd.ENV_VAR: level}
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(tests_dir=str(Path(__file__).parent))],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not HIGHER, reason="this CPU or build has no x86-64-v3 kernels to compare")
def test_every_build_gives_the_baseline_bits(tmp_path):
    base = _run_child("baseline", tmp_path)
    assert base["level"] == "baseline"
    for level in HIGHER:
        other = _run_child(level, tmp_path)
        assert other["level"] == level
        assert base["results"].keys() == other["results"].keys()
        differ = [k for k in base["results"] if base["results"][k] != other["results"][k]]
        assert not differ, (level, differ)
    # The battery computes numbers (not only errors), and its bad inputs fail.
    results = base["results"]
    assert sum(not d.startswith(("ValueError", "TypeError")) for d in results.values()) >= 60
    assert results["ce bad, n_threads=2"].startswith("ValueError") and "77" in results[
        "ce bad, n_threads=2"]
    assert results["log_loss bad, n_threads=1"].startswith("ValueError")


@pytest.mark.parametrize("level", HIGHER or [pytest.param(
    "x86-64-v3", marks=pytest.mark.skip(reason="this CPU or build has no x86-64-v3 kernels"))])
@pytest.mark.parametrize("name", ["log", "exp", "exp_neg", "softplus_neg", "neg_log_normal"])
def test_fastmath_builds_give_the_same_bits(name, level):
    # tests/test_fastmath.py bounds the baseline's ulp errors; the same bits
    # carry those bounds to the x86-64-v3 and x86-64-v4 builds.
    import importlib

    from lossmetrics._kernels import _fastmath
    fastmath_level = importlib.import_module("lossmetrics._kernels._fastmath" + _simd._SUFFIX[level])

    rng = np.random.default_rng(11)
    bits = rng.integers(0, 2**64, 2_000_000, dtype=np.uint64, endpoint=False)
    x = np.concatenate([bits.view(np.float64), rng.normal(size=500_000) * 30,
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.0, 709.8, -745.2]])
    if name == "exp_neg" or name == "softplus_neg":
        x = -np.abs(x) if name == "exp_neg" else np.abs(x)
    if name == "neg_log_normal":
        x = np.abs(x[np.isfinite(x)])
        x = x[(x >= 2.2250738585072014e-308) & (x <= 1.0)]
        x = np.concatenate([x, rng.uniform(1e-15, 1.0, 500_000)])
    got_base = getattr(_fastmath, name)(x.copy())
    got_level = getattr(fastmath_level, name)(x.copy())
    # NaN in, NaN out: IEEE 754 leaves a NaN's sign to the implementation (fma
    # in hardware or in libm differ there), and no loss returns one (a NaN
    # input is an error), so NaNs compare by position only.
    nan = np.isnan(got_base)
    np.testing.assert_array_equal(nan, np.isnan(got_level))
    np.testing.assert_array_equal(got_base[~nan].view(np.uint64), got_level[~nan].view(np.uint64))
    assert np.isfinite(got_base).sum() > 100_000


def test_the_best_available_build_is_chosen_by_default():
    expected = ("x86-64-v4" if cpu_x86_64_v4() else
                "x86-64-v3" if cpu_x86_64_v3() else "baseline")
    assert _simd._choose("") == expected
    assert _simd._choose("  Baseline ") == "baseline"
    if os.environ.get(_simd.ENV_VAR, "") == "":
        assert _simd.simd_level() == expected
        assert lossmetrics.get_config()["simd"] == expected
    suffix = {"baseline": "", "x86-64-v3": "_v3", "x86-64-v4": "_v4"}[_simd.simd_level()]
    assert _simd.kernels("_class_kernels").__name__ == "lossmetrics._kernels._class_kernels" + suffix
    assert _simd.kernels("_scan").__name__ == "lossmetrics._kernels._scan" + suffix
    if cpu_x86_64_v3():
        assert built_x86_64_v3()
    if cpu_x86_64_v4():
        # a CPU with AVX-512 has AVX2, and a build of v4 kernels has v3 ones
        assert cpu_x86_64_v3()


def test_show_config_names_the_kernels_build():
    import io

    buf = io.StringIO()
    lossmetrics.show_config(file=buf)
    assert f"kernels built for: {_simd.simd_level()}" in buf.getvalue()


@pytest.mark.parametrize("value", ["avx2", "sse", "x86-64-v5", "avx512", "1"])
def test_unknown_lossmetrics_simd_value_is_an_error_naming_the_variable(value):
    with pytest.raises(ValueError, match=rf"LOSSMETRICS_SIMD must be one of .*got '{value}'"):
        _simd._choose(value)


@pytest.mark.parametrize("level", ["x86-64-v3", "x86-64-v4"])
def test_requesting_a_level_the_cpu_lacks_is_an_error(monkeypatch, level):
    import lossmetrics._kernels._cpu as cpu

    monkeypatch.setattr(cpu, "cpu_x86_64_v3", lambda: False)
    monkeypatch.setattr(cpu, "cpu_x86_64_v4", lambda: False)
    with pytest.raises(ValueError, match=rf"LOSSMETRICS_SIMD='{level}', but (this CPU does not "
                                         r"support it|this build of lossmetrics has no)"):
        _simd._choose(level)
    assert _simd._choose("") == "baseline"


def test_without_avx512_the_x86_64_v3_build_is_chosen(monkeypatch):
    import lossmetrics._kernels._cpu as cpu

    monkeypatch.setattr(cpu, "cpu_x86_64_v3", lambda: True)
    monkeypatch.setattr(cpu, "cpu_x86_64_v4", lambda: False)
    assert _simd._choose("") == "x86-64-v3"
    with pytest.raises(ValueError, match=r"use one of \('baseline', 'x86-64-v3'\)"):
        _simd._choose("x86-64-v4")


def test_an_invalid_lossmetrics_simd_fails_the_first_loss_call_with_a_clear_error(tmp_path):
    # The import itself loads no kernel module of a SIMD level (and so cannot
    # fail on it); only the OpenMP runtime's (see test_threads).
    code = ("import sys, lossmetrics\n"
            "assert [m for m in sys.modules if m.startswith('lossmetrics._kernels._')]"
            " == ['lossmetrics._kernels._openmp']\n"
            "print('imported', flush=True)\n"
            "lossmetrics.mean_squared_error([1.0, 2.0], [2.0, 2.0])\n")
    env = {**os.environ, _simd.ENV_VAR: "fast"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert proc.stdout.strip() == "imported", proc.stderr[-2000:]
    assert proc.returncode != 0
    assert "ValueError" in proc.stderr
    assert "LOSSMETRICS_SIMD must be one of" in proc.stderr and "'fast'" in proc.stderr


def test_get_config_shows_an_invalid_lossmetrics_simd_instead_of_raising(tmp_path):
    # get_config() raised too, so the diagnostic could not show what is wrong.
    code = ("import lossmetrics\n"
            "print(lossmetrics.get_config()['simd'])\n"
            "lossmetrics.show_config()\n")
    env = {**os.environ, _simd.ENV_VAR: "bogus"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first = proc.stdout.splitlines()[0]
    assert first.startswith("invalid (") and "LOSSMETRICS_SIMD must be one of" in first
    assert "'bogus'" in first
    assert "kernels built for: invalid (" in proc.stdout
