"""Benchmark lossmetrics against scikit-learn, PyTorch (CPU), NumPy/SciPy and the
machine's read bandwidth, all in one process.

Run (PyTorch is optional and used only here)::

    pip install . torch==2.13.0
    python -P benchmarks/bench_losses.py            # full suite
    python -P benchmarks/bench_losses.py --quick    # smaller large inputs
    python -P benchmarks/bench_losses.py --sizes large --only log_loss
    python -P benchmarks/bench_losses.py --json benchmarks/results.json

Every public loss runs at three sizes: 64 rows, 4096 rows, and 1e6 x 10 (or
1e7 elements).  It prints, per workload, the best-of-N wall time of each
implementation, the speed-up of lossmetrics over each and over the fastest of
them (the peer), and at the large size the fraction of the bandwidth floor
reached (the time all cores need to read the inputs once, measured with a
NumPy maximum over the bytes, one thread per core).  It never asserts anything.

The implementations of one workload (and its floor) are timed in turns, one
call each per round, so that a slow phase of a shared machine slows them
alike instead of whichever happened to run then; each keeps its best time.
At 64 and 4096 rows a turn times a batch of consecutive calls (about 0.2 ms
of them, as timeit does) and divides: a single call of a few microseconds
measured alone carries the clock's cost and, between other libraries'
calls, a cold cache (the single-call figures of the first runs were 2-6x
the per-call cost for every implementation).
Before each timed call of a large workload the script sleeps 20 ms: the
OpenMP threads of the call before (ours, PyTorch's) spin for several
milliseconds after their work is done, on cores the next call needs.
Without the pause the floor, read right after our call, measured 9-11 ms
instead of 6 ms (and so inflated the "% floor" column).
"""
import argparse
import contextlib
import gc
import datetime
import json
import math
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np


# Pause before each timed call of a large workload: libgomp's idle threads
# spin (GOMP_SPINCOUNT, about 300,000 pauses: milliseconds) before they sleep.
SETTLE_S = 0.02


def _time_once(fn):
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def _time_batch(fn, calls):
    """Time per call of ``calls`` consecutive calls of fn (timeit's way: one
    clock reading per batch, so that microsecond calls are not lost in the
    clock's and the loop's own cost)."""
    if calls == 1:
        return _time_once(fn)
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - t0) / calls
    finally:
        gc.enable()


def batch_sizes(fns, target_s=2e-4):
    """Calls per timing of each callable: enough for about ``target_s`` (at
    most 200), from the best of three single calls after a warm-up call."""
    sizes = {}
    for key, fn in fns.items():
        fn()
        one = min(_time_once(fn) for _ in range(3))
        sizes[key] = max(1, min(200, int(target_s / max(one, 1e-9))))
    return sizes


def best_times_in_turns(fns, repeats, settle=0.0, batch=None):
    """Best time of each callable in ``fns`` (a dict), timed in turns: round i
    times, once each, those with ``repeats[key] > i``, each after sleeping
    ``settle`` seconds (for the previous call's spinning threads to park);
    ``batch[key]`` consecutive calls per timing (default one)."""
    best = {key: float("inf") for key in fns}
    for i in range(max(repeats.values())):
        for key, fn in fns.items():
            if i < repeats[key]:
                if settle:
                    time.sleep(settle)
                best[key] = min(best[key], _time_batch(fn, (batch or {}).get(key, 1)))
    return best


def _as_words(a):
    """The bytes of array ``a`` (copied if not C-contiguous), as float64 words
    when their number allows (else as uint8)."""
    flat = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
    return flat.view(np.float64) if flat.nbytes % 8 == 0 else flat


class FloorReader:
    """A callable in which n_threads threads read every array once (GIL
    released): its time is the bandwidth floor.

    Each thread takes the maximum of its share of the arrays' bytes, read as
    float64 words (np.maximum.reduce: NumPy's fastest reduction here, as fast
    as a hand-written C reader on this machine, about 18 GB/s with 2
    threads).  NumPy's float sum (pairwise summation), integer OR and byte
    maximum are not used: they ran at 50-90% of that, which would make the
    floor look slower than the memory is.  The threads are started once and
    wait at a barrier between calls: starting threads in each call (and
    their first grab of the GIL) added up to 8 ms, at random, to a 6 ms read.
    Use as a context manager (the threads end on exit)."""

    def __init__(self, arrays, n_threads):
        parts = []
        for a in arrays:
            parts.extend(np.array_split(_as_words(a), n_threads))
        self._start = threading.Barrier(n_threads + 1)
        self._end = threading.Barrier(n_threads + 1)
        self._threads = [threading.Thread(target=self._work, args=(parts[i::n_threads],),
                                          daemon=True) for i in range(n_threads)]
        for t in self._threads:
            t.start()

    def _work(self, group):
        try:
            while True:
                self._start.wait()
                for p in group:
                    np.maximum.reduce(p)
                self._end.wait()
        except threading.BrokenBarrierError:
            return

    def __call__(self):
        self._start.wait()
        self._end.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._start.abort()
        self._end.abort()
        for t in self._threads:
            t.join()


def peak_memory(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def import_times(modules, repeat=7):
    """Best time of ``import module`` in a fresh interpreter, for each module,
    the modules taking turns."""
    best = dict.fromkeys(modules, float("inf"))
    root = os.path.dirname(os.path.abspath(__file__)) + "/.."
    for _ in range(repeat):
        for module in modules:
            code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
            r = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True,
                               text=True, cwd=root)
            best[module] = min(best[module], float(r.stdout.strip() or "nan"))
    return best


# The sizes of every loss's workloads: (rows of 10 classes, elements of a flat
# loss).  "large" is 1e6 x 10 and 1e7 (1e5 x 10 and 1e6 with --quick).
SIZES = {"64": (64, 64), "4096": (4096, 4096), "large": (1_000_000, 10_000_000)}


def _count(n):
    return f"{n}" if n < 10_000 else f"{n:.0e}"


def workloads(n_cls, n_flat, large=True):
    """The workloads of every public loss at one size (``large``: with the
    1-thread scaling row)."""
    import lossmetrics as lm

    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(10), n_cls)
    y = rng.integers(0, 10, n_cls)
    logits = rng.normal(size=(n_cls, 10)) * 3
    logits32 = logits.astype(np.float32)
    yb = rng.integers(0, 2, n_flat)
    pb = rng.uniform(0.001, 0.999, n_flat)
    zb = rng.normal(size=n_flat) * 3
    ybf = yb.astype(np.float64)
    a = rng.normal(size=n_flat)
    b = rng.normal(size=n_flat)
    q = rng.dirichlet(np.ones(10), n_cls)
    labels = np.arange(10)
    ml_flat = rng.normal(size=10 * n_cls) * 3
    W = []
    c_rows, f_rows = _count(n_cls), _count(n_flat)

    def add(name, arrays, ours, sklearn=None, torch=None, other=None, other_name="",
            paired=None):
        # The loss is the name's first word; its size, the rows of the inputs.
        name = name.replace(f"{n_cls:.0e}", c_rows).replace(f"{n_flat:.0e}", f_rows)
        W.append(dict(name=name, loss=name.split()[0], arrays=arrays, ours=ours,
                      sklearn=sklearn, torch=torch, other=other, other_name=other_name,
                      paired=paired))

    import sklearn.metrics as skm
    add(f"log_loss {n_cls:.0e}x10, labels given", [proba, y],
        lambda: lm.log_loss(y, proba, labels=labels),
        sklearn=lambda: skm.log_loss(y, proba, labels=labels))
    add(f"log_loss {n_cls:.0e}x10, labels inferred", [proba, y],
        lambda: lm.log_loss(y, proba), sklearn=lambda: skm.log_loss(y, proba))
    add(f"log_loss binary {n_flat:.0e}", [pb, yb], lambda: lm.log_loss(yb, pb),
        sklearn=lambda: skm.log_loss(yb, pb))
    add(f"brier_score_loss binary {n_flat:.0e}", [pb, yb],
        lambda: lm.brier_score_loss(yb, pb), sklearn=lambda: skm.brier_score_loss(yb, pb),
        other=lambda: np.mean((pb - yb) ** 2), other_name="numpy")
    logp = np.log(proba)
    add(f"nll_loss {n_cls:.0e}x10 f64", [logp, y], lambda: lm.nll_loss(y, logp),
        torch=("nll_loss", logp, y),
        other=lambda: -np.mean(logp[np.arange(n_cls), y]), other_name="numpy")
    add(f"cross_entropy {n_cls:.0e}x10 f64", [logits, y], lambda: lm.cross_entropy(y, logits),
        torch=("cross_entropy", logits, y))
    add(f"cross_entropy {n_cls:.0e}x10 f32", [logits32, y],
        lambda: lm.cross_entropy(y, logits32), torch=("cross_entropy", logits32, y))
    if large:
        # Thread scaling: one thread, timed in turns with the default (all cores).
        add(f"cross_entropy {n_cls:.0e}x10 f64, 1 thread", [logits, y],
            lambda: lm.cross_entropy(y, logits, n_threads=1),
            paired=lambda: lm.cross_entropy(y, logits))
    add(f"binary_cross_entropy {n_flat:.0e}", [pb, ybf],
        lambda: lm.binary_cross_entropy(ybf, pb), torch=("binary_cross_entropy", pb, ybf))
    add(f"binary_cross_entropy_with_logits {n_flat:.0e}", [zb, ybf],
        lambda: lm.binary_cross_entropy_with_logits(ybf, zb),
        torch=("binary_cross_entropy_with_logits", zb, ybf))
    add(f"mean_squared_error {n_flat:.0e}", [a, b], lambda: lm.mean_squared_error(a, b),
        sklearn=lambda: skm.mean_squared_error(a, b), torch=("mse_loss", b, a),
        other=lambda: np.mean((a - b) ** 2), other_name="numpy")
    add(f"root_mean_squared_error {n_flat:.0e}", [a, b],
        lambda: lm.root_mean_squared_error(a, b),
        sklearn=lambda: skm.root_mean_squared_error(a, b),
        other=lambda: np.sqrt(np.mean((a - b) ** 2)), other_name="numpy")
    add(f"mean_absolute_error {n_flat:.0e}", [a, b], lambda: lm.mean_absolute_error(a, b),
        sklearn=lambda: skm.mean_absolute_error(a, b), torch=("l1_loss", b, a),
        other=lambda: np.mean(np.abs(a - b)), other_name="numpy")
    if hasattr(lm, "mean_pinball_loss"):
        pos_a, pos_b = np.abs(a), np.abs(b)
        add(f"mean_squared_log_error {n_flat:.0e}", [pos_a, pos_b],
            lambda: lm.mean_squared_log_error(pos_a, pos_b),
            sklearn=lambda: skm.mean_squared_log_error(pos_a, pos_b),
            other=lambda: np.mean((np.log1p(pos_a) - np.log1p(pos_b)) ** 2),
            other_name="numpy")
        add(f"root_mean_squared_log_error {n_flat:.0e}", [pos_a, pos_b],
            lambda: lm.root_mean_squared_log_error(pos_a, pos_b),
            sklearn=lambda: skm.root_mean_squared_log_error(pos_a, pos_b),
            other=lambda: np.sqrt(np.mean((np.log1p(pos_a) - np.log1p(pos_b)) ** 2)),
            other_name="numpy")
        add(f"mean_absolute_percentage_error {n_flat:.0e}", [a, b],
            lambda: lm.mean_absolute_percentage_error(a, b),
            sklearn=lambda: skm.mean_absolute_percentage_error(a, b),
            other=lambda: np.mean(np.abs(b - a) / np.maximum(np.abs(a), 2.0**-52)),
            other_name="numpy")
        counts = np.floor(pos_a * 3)
        rate = pos_b + 0.1
        add(f"mean_poisson_deviance {n_flat:.0e}", [counts, rate],
            lambda: lm.mean_poisson_deviance(counts, rate),
            sklearn=lambda: skm.mean_poisson_deviance(counts, rate))
        add(f"mean_gamma_deviance {n_flat:.0e}", [rate, pos_a + 0.1],
            lambda: lm.mean_gamma_deviance(rate, pos_a + 0.1),
            sklearn=lambda: skm.mean_gamma_deviance(rate, pos_a + 0.1))
        add(f"mean_tweedie_deviance power 1.5 {n_flat:.0e}", [counts, rate],
            lambda: lm.mean_tweedie_deviance(counts, rate, power=1.5),
            sklearn=lambda: skm.mean_tweedie_deviance(counts, rate, power=1.5))
        add(f"mean_pinball_loss {n_flat:.0e}", [a, b],
            lambda: lm.mean_pinball_loss(a, b, alpha=0.9),
            sklearn=lambda: skm.mean_pinball_loss(a, b, alpha=0.9),
            other=lambda: np.mean(np.maximum(0.9 * (a - b), -0.1 * (a - b))),
            other_name="numpy")
    if hasattr(lm, "r2_score"):
        add(f"r2_score {n_flat:.0e}", [a, b], lambda: lm.r2_score(a, b),
            sklearn=lambda: skm.r2_score(a, b))
        add(f"explained_variance_score {n_flat:.0e}", [a, b],
            lambda: lm.explained_variance_score(a, b),
            sklearn=lambda: skm.explained_variance_score(a, b))
        add(f"max_error {n_flat:.0e}", [a, b], lambda: lm.max_error(a, b),
            sklearn=lambda: skm.max_error(a, b),
            other=lambda: np.max(np.abs(a - b)), other_name="numpy")
        add(f"median_absolute_error {n_flat:.0e}", [a, b],
            lambda: lm.median_absolute_error(a, b),
            sklearn=lambda: skm.median_absolute_error(a, b),
            other=lambda: np.median(np.abs(a - b)), other_name="numpy")
        add(f"d2_absolute_error_score {n_flat:.0e}", [a, b],
            lambda: lm.d2_absolute_error_score(a, b),
            sklearn=lambda: skm.d2_absolute_error_score(a, b))
        add(f"d2_pinball_score {n_flat:.0e}", [a, b],
            lambda: lm.d2_pinball_score(a, b, alpha=0.9),
            sklearn=lambda: skm.d2_pinball_score(a, b, alpha=0.9))
        add(f"d2_tweedie_score power 1 {n_flat:.0e}", [counts, rate],
            lambda: lm.d2_tweedie_score(counts, rate, power=1),
            sklearn=lambda: skm.d2_tweedie_score(counts, rate, power=1))
        labels_pred = np.argmax(proba, axis=1)
        add(f"zero_one_loss {n_cls:.0e}", [y, labels_pred],
            lambda: lm.zero_one_loss(y, labels_pred),
            sklearn=lambda: skm.zero_one_loss(y, labels_pred),
            other=lambda: np.mean(y != labels_pred), other_name="numpy")
        add(f"hinge_loss {n_cls:.0e}x10", [logits, y], lambda: lm.hinge_loss(y, logits),
            sklearn=lambda: skm.hinge_loss(y, logits))
        add(f"d2_log_loss_score {n_cls:.0e}x10", [proba, y],
            lambda: lm.d2_log_loss_score(y, proba),
            sklearn=lambda: skm.d2_log_loss_score(y, proba))
        add(f"d2_brier_score {n_cls:.0e}x10", [proba, y], lambda: lm.d2_brier_score(y, proba),
            sklearn=lambda: skm.d2_brier_score(y, proba))
    add(f"huber_loss {n_flat:.0e}", [a, b], lambda: lm.huber_loss(a, b),
        torch=("huber_loss", b, a))
    add(f"smooth_l1_loss {n_flat:.0e}", [a, b], lambda: lm.smooth_l1_loss(a, b),
        torch=("smooth_l1_loss", b, a))
    if hasattr(lm, "mse_loss"):     # (so that the script also times older builds)
        add(f"mse_loss {n_flat:.0e}", [a, b], lambda: lm.mse_loss(a, b),
            torch=("mse_loss", b, a), other=lambda: np.mean((a - b) ** 2),
            other_name="numpy")
        add(f"l1_loss {n_flat:.0e}", [a, b], lambda: lm.l1_loss(a, b),
            torch=("l1_loss", b, a), other=lambda: np.mean(np.abs(a - b)),
            other_name="numpy")
    if hasattr(lm, "soft_margin_loss"):
        signs = np.where(ybf > 0.5, 1.0, -1.0)
        add(f"soft_margin_loss {n_flat:.0e}", [zb, signs],
            lambda: lm.soft_margin_loss(signs, zb), torch=("soft_margin_loss", zb, signs),
            other=lambda: np.mean(np.logaddexp(0.0, -signs * zb)), other_name="numpy")
        add(f"sigmoid_focal_loss {n_flat:.0e}", [zb, ybf],
            lambda: lm.sigmoid_focal_loss(ybf, zb), torch=("sigmoid_focal_loss", zb, ybf))
        ml_z = ml_flat.reshape(n_cls, 10)
        ml_y = (ml_z > 0).astype(np.float64)
        add(f"multilabel_soft_margin_loss {n_cls:.0e}x10", [ml_z, ml_y],
            lambda: lm.multilabel_soft_margin_loss(ml_y, ml_z),
            torch=("multilabel_soft_margin_loss", ml_z, ml_y))
        rates = np.abs(a) + 0.1
        add(f"poisson_nll_loss {n_flat:.0e}", [a, rates],
            lambda: lm.poisson_nll_loss(rates, a), torch=("poisson_nll_loss", a, rates),
            other=lambda: np.mean(np.exp(a) - rates * a), other_name="numpy")
        dist = np.abs(a)
        add(f"hinge_embedding_loss {n_flat:.0e}", [dist, signs],
            lambda: lm.hinge_embedding_loss(signs, dist),
            torch=("hinge_embedding_loss", dist, signs))
    if hasattr(lm, "gaussian_nll_loss"):
        add(f"gaussian_nll_loss {n_flat:.0e}", [a, b, rates],
            lambda: lm.gaussian_nll_loss(a, b, rates),
            torch=_torch_call("gaussian_nll_loss", b, a, rates),
            other=lambda: np.mean(0.5 * (np.log(rates) + (b - a) ** 2 / rates)),
            other_name="numpy")
        add(f"margin_ranking_loss {n_flat:.0e}", [a, b, signs],
            lambda: lm.margin_ranking_loss(signs, a, b),
            torch=_torch_call("margin_ranking_loss", a, b, signs),
            other=lambda: np.mean(np.maximum(0.0, -signs * (a - b))), other_name="numpy")
        pair_signs = np.where(y % 2 == 0, 1.0, -1.0)
        add(f"cosine_embedding_loss {n_cls:.0e}x10", [logits, ml_z, pair_signs],
            lambda: lm.cosine_embedding_loss(pair_signs, logits, ml_z),
            torch=_torch_call("cosine_embedding_loss", logits, ml_z, pair_signs))
        add(f"triplet_margin_loss {n_cls:.0e}x10", [logits, ml_z, proba],
            lambda: lm.triplet_margin_loss(logits, ml_z, proba),
            torch=_torch_call("triplet_margin_loss", logits, ml_z, proba))
        ml_targets = np.full((n_cls, 10), -1, dtype=np.int64)
        ml_targets[:, 0], ml_targets[:, 1] = y, (y + 3) % 10
        add(f"multilabel_margin_loss {n_cls:.0e}x10", [logits, ml_targets],
            lambda: lm.multilabel_margin_loss(ml_targets, logits),
            torch=_torch_call("multilabel_margin_loss", logits, ml_targets))
    from scipy.special import rel_entr
    add(f"kl_divergence {n_cls:.0e}x10", [proba, q], lambda: lm.kl_divergence(proba, q),
        torch=("kl_div", q, proba), other=lambda: rel_entr(proba, q).sum() / n_cls,
        other_name="scipy")
    if hasattr(lm, "multi_margin_loss"):
        add(f"multi_margin_loss {n_cls:.0e}x10", [logits, y],
            lambda: lm.multi_margin_loss(y, logits), torch=("multi_margin_loss", logits, y))
    if hasattr(lm, "jensen_shannon_divergence"):
        from scipy.spatial.distance import jensenshannon
        add(f"jensen_shannon_divergence {n_cls:.0e}x10", [proba, q],
            lambda: lm.jensen_shannon_divergence(proba, q),
            other=lambda: np.mean(jensenshannon(proba, q, axis=1) ** 2),
            other_name="scipy")
    return W


def _torch_call(name, *arrays):
    """A torch spec of a loss whose arguments are ``arrays`` in PyTorch's order
    (for losses of three arrays): made into a call by torch_callable."""
    def make():
        import torch
        import torch.nn.functional as F
        tensors = [torch.from_numpy(x) for x in arrays]
        fn = getattr(F, name)
        return lambda: float(fn(*tensors))
    return make


def torch_callable(spec):
    if spec is None:
        return None
    if callable(spec):
        try:
            return spec()
        except ImportError:
            return None
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    name, pred, target = spec
    tp = torch.from_numpy(pred)
    if name in ("cross_entropy", "nll_loss", "multi_margin_loss"):   # class-index targets
        tt = torch.from_numpy(target)
        fn = getattr(F, name)
        return lambda: float(fn(tp, tt))
    tt = torch.from_numpy(target).to(tp.dtype)
    if name == "kl_div":
        logq = torch.log(tp)  # PyTorch handed log Q precomputed
        return lambda: float(F.kl_div(logq, tt, reduction="batchmean"))
    if name == "sigmoid_focal_loss":   # torchvision's formula (torchvision not needed)
        def focal():
            p = torch.sigmoid(tp)
            ce = F.binary_cross_entropy_with_logits(tp, tt, reduction="none")
            p_t = p * tt + (1 - p) * (1 - tt)
            return float((ce * (1 - p_t) ** 2 * (0.25 * tt + 0.75 * (1 - tt))).mean())
        return focal
    fn = getattr(F, name)
    return lambda: float(fn(tp, tt))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="large inputs 10x smaller")
    parser.add_argument("--sizes", default="64,4096,large",
                        help="the sizes to run, of " + ", ".join(SIZES))
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--only", metavar="TEXT", action="append",
                        help="run only the workloads whose name contains TEXT (repeatable)")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the printed rows to PATH as JSON")
    args = parser.parse_args(argv)
    import lossmetrics as lm

    cfg = lm.get_config()
    n_threads = cfg["default_n_threads"]
    try:
        import torch
        torch.set_num_threads(n_threads)
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    import sklearn
    report = dict(date=datetime.date.today().isoformat(),
                  lossmetrics=cfg["version"], openmp=cfg["openmp"], n_threads=n_threads,
                  usable_cores=cfg["usable_cores"], simd=cfg["simd"], numpy=np.__version__,
                  sklearn=sklearn.__version__, torch=torch_version, quick=args.quick,
                  repeat=args.repeat, rows=[])
    print(f"lossmetrics {cfg['version']} (OpenMP: {cfg['openmp']}, {n_threads} threads, "
          f"kernels for {cfg['simd']}), "
          f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, torch {torch_version}")
    header = (f"{'workload':48s} {'ours ms':>9s} {'sklearn':>9s} {'torch':>9s} {'other':>9s}"
              f" {'x skl':>7s} {'x torch':>7s} {'x other':>7s} {'% floor':>7s}"
              f" {'x peer':>7s}")
    print(header)
    print("-" * len(header))
    todo = []
    for size in args.sizes.split(","):
        n_cls, n_flat = SIZES[size]
        if size == "large" and args.quick:
            n_cls, n_flat = n_cls // 10, n_flat // 10
        todo += [(size, w) for w in workloads(n_cls, n_flat, large=size == "large")]
    for size, w in todo:
        if args.only and not any(text in w["name"] for text in args.only):
            continue
        small = size != "large"
        # Small calls: batches of calls (a call takes microseconds), in more turns.
        repeat = args.repeat * {"64": 4, "4096": 2}.get(size, 1)
        # Small calls have no floor (reading 24 KB says nothing about memory).
        with contextlib.nullcontext() if small else FloorReader(w["arrays"], n_threads) as floor:
            fns = dict(ours=w["ours"], sklearn=w["sklearn"], torch=torch_callable(w["torch"]),
                       other=w["other"], paired=w["paired"], floor=floor)
            fns = {key: fn for key, fn in fns.items() if fn is not None}
            # scikit-learn is slow: fewer turns (at least 2).  The floor is
            # cheap and its best is what the column divides by: three times
            # the turns (its extra calls come after the others' last round).
            repeats = {key: max(2, repeat // 3) if key == "sklearn" else repeat for key in fns}
            if "floor" in repeats:
                repeats["floor"] = 3 * repeat
            times = best_times_in_turns(fns, repeats, settle=0.0 if small else SETTLE_S,
                                        batch=batch_sizes(fns) if small else None)
        t_ours = times["ours"]
        t_skl, t_torch = times.get("sklearn"), times.get("torch")
        t_other, t_paired, floor = times.get("other"), times.get("paired"), times.get("floor")

        def ms(t):
            return f"{t * 1e3:9.3f}" if t else f"{'-':>9s}"

        # Rounded down: a figure printed at a target has met it.
        def ratio(t):
            return f"{math.floor(10 * t / t_ours) / 10:7.1f}" if t else f"{'-':>7s}"

        pct = f"{math.floor(100 * floor / t_ours):6d}%" if floor else f"{'-':>7s}"
        # The fastest peer: scikit-learn, PyTorch or the NumPy/SciPy expression.
        peers = {"sklearn": t_skl, "torch": t_torch, w["other_name"] or "other": t_other}
        peers = {key: t for key, t in peers.items() if t}
        peer = min(peers, key=peers.get) if peers else None
        print(f"{w['name']:48s} {ms(t_ours)} {ms(t_skl)} {ms(t_torch)} {ms(t_other)} "
              f"{ratio(t_skl)} {ratio(t_torch)} {ratio(t_other)} {pct}"
              f" {ratio(peers[peer]) if peer else f'{chr(45):>7s}'}"
              + (f" ({peer})" if peer else "")
              + (f"  (other: {w['other_name']})" if w["other"] else "")
              + (f"  (all cores: {ms(t_paired).strip()} ms, "
                 f"{math.floor(100 * t_ours / t_paired) / 100:.2f}x faster)"
                 if t_paired else ""))
        row = dict(workload=w["name"], loss=w["loss"], size=size, ours_s=t_ours,
                   sklearn_s=t_skl, torch_s=t_torch, other_s=t_other,
                   other_name=w["other_name"] or None, floor_s=floor, peer=peer,
                   peer_s=peers[peer] if peer else None)
        if t_paired:
            row["all_cores_s"] = t_paired
        report["rows"].append(row)
    # Memory: peak traced allocation of one call, against scikit-learn's.
    rng = np.random.default_rng(1)
    n = int((0.1 if args.quick else 1.0) * 1_000_000)
    proba = rng.dirichlet(np.ones(10), n)
    y = rng.integers(0, 10, n)
    import sklearn.metrics as skm
    ours = peak_memory(lambda: lm.log_loss(y, proba))
    theirs = peak_memory(lambda: skm.log_loss(y, proba))
    print(f"\npeak extra memory, log_loss {n:.0e}x10: lossmetrics {ours / 1e6:.3f} MB, "
          f"scikit-learn {theirs / 1e6:.1f} MB ({100 * ours / theirs:.2f}%)")
    z32 = rng.normal(size=(n, 10)).astype(np.float32)
    ce = peak_memory(lambda: lm.cross_entropy(y, z32))
    print(f"peak extra memory, cross_entropy float32 {n:.0e}x10: {ce / 1e6:.3f} MB "
          f"({100 * ce / z32.nbytes:.2f}% of the input)")
    imports = import_times(["lossmetrics", "numpy"])
    t_lm, t_np = imports["lossmetrics"], imports["numpy"]
    print(f"import lossmetrics: {t_lm * 1e3:.1f} ms; import numpy: {t_np * 1e3:.1f} ms "
          f"(ratio {t_lm / t_np:.2f})")
    if args.json:
        report.update(peak_memory_log_loss_bytes=dict(lossmetrics=ours, sklearn=theirs),
                      peak_memory_cross_entropy_f32_bytes=ce,
                      cross_entropy_f32_input_bytes=z32.nbytes,
                      import_s=dict(lossmetrics=t_lm, numpy=t_np))
        try:   # the Dask benchmark's entry (bench_dask.py --json) is kept
            with open(args.json) as f:
                previous = json.load(f)
            if "dask" in previous:
                report["dask"] = previous["dask"]
        except (OSError, ValueError):
            pass
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
