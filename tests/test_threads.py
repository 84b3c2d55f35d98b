"""Threads: results do not depend on n_threads, limits are honoured, kernels are
thread-safe, and the package under test is the compiled, OpenMP-enabled one.

Every kernel splits its rows into fixed blocks whose size depends only on the
row length, sums each block with a compensated sum and folds the blocks in
order, so a loss is the same bits for every thread count.  The inputs here
(every case of tests/loss_cases.py) are large enough to span dozens of
blocks and to run in parallel (above ``SERIAL_BELOW``).

Nothing here is timed.
"""
import importlib
import importlib.machinery
import io
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest

import lossmetrics
from lossmetrics._core.threads import SERIAL_BELOW
from loss_cases import CASES as LOSS_CASES, call as call_case

N_1D = 200_000      # rows of the 1-D losses
N_CLS = 50_000      # rows of the class / 2-D losses
C = 10              # classes / outputs / labels
SEED = 12345
THREAD_COUNTS = range(1, 9)


# --------------------------------------------------------------------------
# Cases: every case of the shared table (tests/loss_cases.py), at a size that
# spans many blocks and runs in parallel
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str             # the id in tests/loss_cases.py
    n: int              # rows
    variants: tuple     # keyword arguments of each call ('reduction' included)


def _case(case_id, entry):
    _, probe, _ = entry.make(np.random.default_rng(0), 8, np.float64)
    row_len = probe.size // probe.shape[0]
    n = max(3 * SERIAL_BELOW // row_len + 1, 20 * max(1, 8192 // row_len) + 1)
    return Case(case_id, n, tuple({"reduction": r} for r in entry.reductions)
                + entry.variants)


CASES = [_case(case_id, entry) for case_id, entry in LOSS_CASES.items()]
CASE_PARAMS = [pytest.param(c, id=c.id) for c in CASES]
DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def make_inputs(case, dtype, seed=SEED):
    rng = np.random.default_rng(seed)
    y, pred, kwargs = LOSS_CASES[case.id].make(rng, case.n, dtype)
    sw = rng.uniform(0.0, 3.0, pred.shape[0])
    sw[::11] = 0.0
    return y, (pred, kwargs), sw


def call(case, y, p, sw, variant, n_threads):
    pred, kwargs = p
    variant = dict(variant)
    return call_case(lossmetrics, case.id, y, pred, kwargs,
                     reduction=variant.pop("reduction", "mean"), sample_weight=sw,
                     n_threads=n_threads, **variant)


def assert_identical(got, want, what=""):
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), (what, type(got))
        assert got.dtype == want.dtype and got.shape == want.shape, what
        assert got.tobytes() == want.tobytes(), (
            f"{what}: {np.count_nonzero(got != want)} elements differ")
        assert np.array_equal(got, want)
    else:
        assert isinstance(got, float) and isinstance(want, float), (what, got, want)
        assert got.hex() == want.hex(), f"{what}: {got!r} != {want!r}"


def test_cases_run_in_parallel_and_span_many_blocks():
    for case in CASES:
        _, (p, _), _ = make_inputs(case, np.float64)
        assert p.size >= 3 * SERIAL_BELOW, case.id
        # Blocks of about 8192 scalars, whole rows each (see _blocksum.pxd).
        row_len = p.size // p.shape[0]
        rows_per_block = max(1, 8192 // row_len)
        assert -(-p.shape[0] // rows_per_block) >= 20, case.id


# --------------------------------------------------------------------------
# Bitwise identical results for every thread count
# --------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_bitwise_identical_for_every_thread_count(case, dtype, weighted):
    y, p, sw = make_inputs(case, dtype)
    sw = sw if weighted else None
    for variant in case.variants:
        ref = call(case, y, p, sw, variant, 1)
        if isinstance(ref, np.ndarray) and variant.get("reduction") == "none":
            assert np.all(np.isfinite(ref))
        for n_threads in list(THREAD_COUNTS[1:]) + [None, -1, -2]:
            got = call(case, y, p, sw, variant, n_threads)
            assert_identical(got, ref, f"{case.id} {variant} n_threads={n_threads}")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES
                                  if any(v.get("reduction") == "none" for v in c.variants)])
def test_none_reduction_consistent_with_sum_for_every_thread_count(case):
    # The per-element values do not depend on the thread count either, and
    # their compensated sum is the 'sum' reduction (up to a rounding).
    variants = [v for v in case.variants if v.get("reduction") == "none"]
    y, p, sw = make_inputs(case, np.float64)
    for variant in variants:
        per = [call(case, y, p, sw, variant, t) for t in (1, 3, 8)]
        for other in per[1:]:
            assert_identical(other, per[0])
        total = call(case, y, p, sw, {**variant, "reduction": "sum"}, 5)
        np.testing.assert_allclose(np.sum(per[0]), total, rtol=1e-12)


def test_thread_counts_beyond_the_cores_and_block_count():
    # More threads than cores, and more threads than blocks: still the same bits.
    rng = np.random.default_rng(3)
    y = rng.integers(0, C, 9000)
    z = rng.standard_normal((9000, C))          # 90_000 scalars, 11 blocks
    ref = lossmetrics.cross_entropy(y, z, n_threads=1)
    for n_threads in (16, 64):
        assert lossmetrics.cross_entropy(y, z, n_threads=n_threads).hex() == ref.hex()


def test_n_threads_none_and_minus_one_work():
    case = next(c for c in CASES if c.id == "cross_entropy")
    y, (p, _), sw = make_inputs(case, np.float64)
    ref = lossmetrics.cross_entropy(y, p, sample_weight=sw, n_threads=1)
    for n_threads in (None, -1):
        got = lossmetrics.cross_entropy(y, p, sample_weight=sw, n_threads=n_threads)
        assert got.hex() == ref.hex()
    assert lossmetrics.cross_entropy(y, p, sample_weight=sw).hex() == ref.hex()
    checked = lossmetrics.check_inputs("cross_entropy", y, p, n_threads=None)
    assert checked.n_threads == lossmetrics.get_config()["default_n_threads"]
    checked = lossmetrics.check_inputs("cross_entropy", y, p, n_threads=-1)
    assert checked.n_threads == lossmetrics.get_config()["usable_cores"]


def test_n_threads_sanity_check():
    # The full validation of n_threads lives in the validation tests.
    with pytest.raises(lossmetrics.InvalidParameterError, match="n_threads"):
        lossmetrics.mean_squared_error([1.0, 2.0], [1.0, 2.5], n_threads=0)


# --------------------------------------------------------------------------
# Build configuration
# --------------------------------------------------------------------------

def test_get_config_reports_openmp():
    cfg = lossmetrics.get_config()
    if sys.platform.startswith("linux"):
        assert cfg["openmp"] is True, "the Linux build must be compiled with OpenMP"
        assert cfg["openmp_version"] > 0
    assert isinstance(cfg["default_n_threads"], int)
    assert cfg["default_n_threads"] >= 1
    assert 1 <= cfg["default_n_threads"] <= cfg["usable_cores"]
    assert cfg["version"] == lossmetrics.__version__


def test_show_config_prints_version_openmp_and_threads(capsys):
    cfg = lossmetrics.get_config()
    lossmetrics.show_config()
    out = capsys.readouterr().out
    assert lossmetrics.__version__ in out
    assert "OpenMP" in out
    assert f"default n_threads: {cfg['default_n_threads']}" in out
    buf = io.StringIO()
    lossmetrics.show_config(file=buf)
    assert buf.getvalue() == out


EXTENSION_MODULES = ["_class_kernels", "_elementwise_kernels", "_scan", "_openmp"]


@pytest.mark.parametrize("name", EXTENSION_MODULES)
def test_kernels_are_compiled_extensions(name):
    module = importlib.import_module(f"lossmetrics._kernels.{name}")
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert module.__file__.endswith(suffixes), module.__file__
    assert not module.__file__.endswith((".py", ".pyx"))


# --------------------------------------------------------------------------
# The default thread count honours OMP_NUM_THREADS and threadpoolctl
# --------------------------------------------------------------------------

_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import lossmetrics
    import lossmetrics._kernels._class_kernels as k
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 20_000)
    z = rng.standard_normal((20_000, 10))
    checked = lossmetrics.check_inputs("cross_entropy", y, z)
    print(json.dumps({
        "default_n_threads": lossmetrics.get_config()["default_n_threads"],
        "resolved": checked.n_threads,
        "value": lossmetrics.cross_entropy(y, z).hex(),
        "serial": lossmetrics.cross_entropy(y, z, n_threads=1).hex(),
        "file": k.__file__,
    }))
""")


def _run_child(tmp_path, **env_overrides):
    import json

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(env_overrides)
    proc = subprocess.run([sys.executable, "-c", _CHILD], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_omp_num_threads_sets_the_default(tmp_path):
    out = _run_child(tmp_path, OMP_NUM_THREADS="1")
    assert out["default_n_threads"] == 1
    assert out["resolved"] == 1
    assert out["value"] == out["serial"]
    # The child imported the same compiled package as this process.
    assert out["file"] == importlib.import_module("lossmetrics._kernels._class_kernels").__file__


def test_omp_num_threads_two(tmp_path):
    out = _run_child(tmp_path, OMP_NUM_THREADS="2")
    assert out["default_n_threads"] == min(2, lossmetrics.get_config()["usable_cores"])
    assert out["value"] == out["serial"]


# --------------------------------------------------------------------------
# Forked children never hang (GNU OpenMP's pool does not survive fork)
# --------------------------------------------------------------------------

_FORK_SCRIPT = textwrap.dedent("""
    import multiprocessing as mp
    import os
    import sys

    import numpy as np

    import lossmetrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 200_000)
    p = rng.dirichlet(np.ones(10), 200_000)


    def value(_=None):
        return lossmetrics.log_loss(y, p).hex(), lossmetrics.get_config()["default_n_threads"]


    if __name__ == "__main__":
        parent, parent_threads = value()     # a parallel call in the parent first
        method = sys.argv[1]
        if method == "os.fork":
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                v, t = value()
                os.write(w, f"{v} {t}".encode())
                os._exit(0)
            os.waitpid(pid, 0)
            v, t = os.read(r, 200).decode().split()
            got = [(v, int(t))]
        else:
            with mp.get_context(method).Pool(2) as pool:
                got = pool.map(value, range(4))   # one pool, reused across calls
        assert all(v == parent for v, _ in got), (parent, got)
        print(parent_threads, sorted({t for _, t in got}))
""")


@pytest.mark.parametrize("method", ["fork", "os.fork", "forkserver", "spawn"])
def test_children_after_a_parallel_call_never_hang(method, tmp_path):
    # Before the fix, a forked child hung forever at its first parallel call.
    script = tmp_path / "fork_child.py"
    script.write_text(_FORK_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OMP_NUM_THREADS")}
    proc = subprocess.run([sys.executable, str(script), method], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    parent_threads, child_threads = proc.stdout.split(maxsplit=1)
    assert int(parent_threads) == lossmetrics.get_config()["usable_cores"]
    # Forked children run serially (the same bits); new processes in parallel.
    expected = 1 if "fork" in method and method != "forkserver" else int(parent_threads)
    assert child_threads.strip() == f"[{expected}]"


_FORK_FIRST_SCRIPT = textwrap.dedent("""
    import os

    import numpy as np

    import lossmetrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 200_000)
    p = rng.dirichlet(np.ones(10), 200_000)
    r, w = os.pipe()
    pid = os.fork()          # before any parallel call (a server forking workers)
    if pid == 0:
        v = lossmetrics.log_loss(y, p).hex()
        t = lossmetrics.get_config()["default_n_threads"]
        os.write(w, f"{v} {t}".encode())
        os._exit(0)
    os.waitpid(pid, 0)
    v, t = os.read(r, 200).decode().split()
    assert v == lossmetrics.log_loss(y, p, n_threads=1).hex()
    print(t)
""")


def test_children_forked_before_any_parallel_call_run_in_parallel(tmp_path):
    script = tmp_path / "fork_first.py"
    script.write_text(_FORK_FIRST_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OMP_NUM_THREADS")}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == lossmetrics.get_config()["usable_cores"]


_LIMIT_FIRST_CALL = textwrap.dedent("""
    import numpy as np
    import threadpoolctl

    import lossmetrics

    z = np.random.default_rng(0).standard_normal((200_000, 10))
    y = np.zeros(200_000, dtype=np.int64)
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        print(lossmetrics.check_inputs("cross_entropy", y, z).n_threads,
              lossmetrics.get_config()["default_n_threads"])
    print(lossmetrics.check_inputs("cross_entropy", y, z).n_threads)
""")


def test_threadpoolctl_limits_the_first_call_of_a_process(tmp_path):
    # Issue 20 item 16: the OpenMP runtime was loaded at the first call, after
    # threadpoolctl had looked for it, so the limit was ignored.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OMP_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", _LIMIT_FIRST_CALL], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    inside, after = proc.stdout.strip().splitlines()
    assert inside == "1 1"
    assert int(after) == lossmetrics.get_config()["usable_cores"]


def test_threadpoolctl_limits_the_default():
    import threadpoolctl
    rng = np.random.default_rng(5)
    y = rng.integers(0, C, N_CLS)
    z = rng.standard_normal((N_CLS, C))
    yb = rng.uniform(0, 1, N_1D)
    pb = rng.uniform(0, 1, N_1D)
    outside = (lossmetrics.cross_entropy(y, z), lossmetrics.binary_cross_entropy(yb, pb),
               lossmetrics.mean_squared_error(yb, pb))
    default_outside = lossmetrics.get_config()["default_n_threads"]
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert lossmetrics.get_config()["default_n_threads"] == 1
        assert lossmetrics.check_inputs("cross_entropy", y, z).n_threads == 1
        inside = (lossmetrics.cross_entropy(y, z),
                  lossmetrics.binary_cross_entropy(yb, pb),
                  lossmetrics.mean_squared_error(yb, pb))
        # An explicit n_threads still works under the limit.
        explicit = lossmetrics.cross_entropy(y, z, n_threads=4)
    assert lossmetrics.get_config()["default_n_threads"] == default_outside
    for a, b in zip(inside, outside):
        assert a.hex() == b.hex()
    assert explicit.hex() == outside[0].hex()


# --------------------------------------------------------------------------
# Thread safety: the kernels release the GIL and share nothing mutable
# --------------------------------------------------------------------------

def _shared_inputs():
    rng = np.random.default_rng(99)
    n = 15_000      # 150_000 class scores: above SERIAL_BELOW
    y = rng.integers(0, C, n)
    z = 3 * rng.standard_normal((n, C))
    z32 = z.astype(np.float32)
    proba = rng.dirichlet(np.full(C, 0.7), size=n)
    yr = rng.standard_normal((n, 4))
    pr = rng.standard_normal((n, 4))
    yb = rng.integers(0, 2, (n, 4)).astype(np.float64)
    pb = rng.uniform(0, 1, (n, 4))
    sw = rng.uniform(0, 2, n)
    signs = np.where(rng.random(n) < 0.5, 1, -1)
    arrays = dict(y=y, z=z, z32=z32, proba=proba, yr=yr, pr=pr, yb=yb, pb=pb, sw=sw,
                  signs=signs)
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


def _calls(a):
    lm = lossmetrics
    return [
        lambda nt: lm.log_loss(a["y"], a["proba"], sample_weight=a["sw"], n_threads=nt),
        lambda nt: lm.cross_entropy(a["y"], a["z"], n_threads=nt),
        lambda nt: lm.cross_entropy(a["y"], a["z32"], label_smoothing=0.1,
                                    reduction="none", n_threads=nt),
        lambda nt: lm.nll_loss(a["y"], np.log(a["proba"]), sample_weight=a["sw"],
                               n_threads=nt),
        lambda nt: lm.mean_squared_error(a["yr"], a["pr"], multioutput="raw_values",
                                         n_threads=nt),
        lambda nt: lm.mean_absolute_error(a["yr"], a["pr"], sample_weight=a["sw"],
                                          n_threads=nt),
        lambda nt: lm.binary_cross_entropy(a["yb"], a["pb"], n_threads=nt),
        lambda nt: lm.binary_cross_entropy_with_logits(a["yb"], a["pr"],
                                                       pos_weight=2.0, n_threads=nt),
        lambda nt: lm.kl_divergence(a["proba"], a["proba"][::-1], reduction="none",
                                    n_threads=nt),
        lambda nt: lm.huber_loss(a["yr"], a["pr"], delta=0.7, sample_weight=a["sw"],
                                 n_threads=nt),
        lambda nt: lm.smooth_l1_loss(a["yr"], a["pr"], beta=0.3, reduction="none",
                                     n_threads=nt),
        lambda nt: lm.cosine_embedding_loss(a["signs"], a["z"], a["z32"][::-1], margin=0.1,
                                            sample_weight=a["sw"], n_threads=nt),
        lambda nt: lm.cosine_embedding_loss(a["signs"], a["z"], a["z"][:, ::-1],
                                            reduction="none", n_threads=nt),
        lambda nt: lm.brier_score_loss(a["y"], a["proba"], sample_weight=a["sw"],
                                       n_threads=nt),
        lambda nt: lm.brier_score_loss(a["yb"][:, 0], a["pb"][:, 1], n_threads=nt),
    ]


@pytest.mark.parametrize("n_threads", [1, 2, None])
def test_concurrent_python_threads_get_the_serial_results(n_threads):
    arrays = _shared_inputs()
    calls = _calls(arrays)
    expected = [f(1) for f in calls]

    def worker(seed):
        order = np.random.default_rng(seed).permutation(len(calls))
        results = {}
        for repeat in range(20):
            for i in order:
                results.setdefault(i, []).append(calls[i](n_threads))
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        all_results = list(pool.map(worker, range(8)))
    assert len(all_results) == 8
    for results in all_results:
        for i, values in results.items():
            assert len(values) == 20
            for v in values:
                assert_identical(v, expected[i], f"call {i}")
