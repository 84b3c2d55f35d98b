"""No kernel reads a byte outside its inputs: every input flush against a
``PROT_NONE`` guard page.

Each input array of every case of the shared table (tests/loss_cases.py) is
copied into memory whose last byte is followed by an inaccessible page (an
over-read past the end faults), and, viewed with negative strides, into
memory whose first byte follows one (an over-read before the start faults),
for float64 and float32, C and Fortran order, and row counts around every
lane width and unrolling of the kernels (1 to 17, 31 to 33, 63 to 65...).  A
fault kills the process, so the calls run in a child process, which reports
the case it was running.

The result on guarded memory must be the result on ordinary arrays (errors
included), bit for bit.
"""
import ctypes
import mmap
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lossmetrics
from loss_cases import CASES, ROW_ARRAYS, call

ROWS = (*range(1, 18), 31, 32, 33, 63, 64, 65, 127, 129, 255, 257)
PAGE = mmap.PAGESIZE
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_keep = []   # the mappings live as long as the process (a child process)


def _guarded_bytes(nbytes, guard_after):
    """A writable uint8 array of nbytes flush against a PROT_NONE page: after
    its last byte (guard_after) or before its first."""
    data_pages = -(-max(nbytes, 1) // PAGE)
    mm = mmap.mmap(-1, (data_pages + 1) * PAGE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(mm))
    whole = np.frombuffer(mm, dtype=np.uint8)
    if guard_after:
        guard = base + data_pages * PAGE
        start = data_pages * PAGE - nbytes
    else:
        guard = base
        start = PAGE
    if _libc.mprotect(guard, PAGE, 0) != 0:
        raise OSError(ctypes.get_errno(), "mprotect")
    _keep.append(mm)
    return whole[start:start + nbytes]


def guarded(a, at_end=True, order="C"):
    """A copy of ``a`` whose buffer ends at a guard page (at_end), or starts
    after one and is viewed reversed along every axis (negative strides: the
    kernels walk down to the guarded start)."""
    a = np.asarray(a)
    raw = _guarded_bytes(a.nbytes, at_end)
    if order == "F" and a.ndim >= 2:
        out = raw.view(a.dtype).reshape(a.shape[::-1]).T
    else:
        out = raw.view(a.dtype).reshape(a.shape)
    if at_end:
        out[...] = a
        return out
    flip = tuple(slice(None, None, -1) for _ in range(a.ndim))
    out[...] = a[flip]
    return out[flip]


def _labels_for(case_id):
    loss = lossmetrics.LOSSES[CASES[case_id].name]
    y, _, kwargs = CASES[case_id].make(np.random.default_rng(0), 500, np.float64)
    if loss.labels is not None and "pos_label" not in kwargs:
        return {"labels": np.unique(y)}
    return {}


def _outcome(case_id, y, pred, kwargs, sw):
    results = []
    for reduction in CASES[case_id].reductions:
        for weights in (None, sw):
            try:
                value = call(lossmetrics, case_id, y, pred, dict(kwargs), reduction,
                             sample_weight=weights)
                results.append(np.asarray(value).tobytes())
            except (ValueError, TypeError) as exc:
                results.append(f"{type(exc).__name__}: {exc}")
    return results


def run_case(case_id):
    fixed = _labels_for(case_id)
    for dtype in (np.float64, np.float32):
        for n in ROWS:
            y, pred, kwargs = CASES[case_id].make(np.random.default_rng(n), n, dtype)
            kwargs = {**kwargs, **fixed}
            sw = np.random.default_rng(n + 1).uniform(0.5, 2.0, n)
            want = _outcome(case_id, y, pred, kwargs, sw)
            for at_end in (True, False):
                for order in ("C", "F"):
                    g_kwargs = {k: (guarded(v, at_end, order) if k in ROW_ARRAYS else v)
                                for k, v in kwargs.items()}
                    got = _outcome(case_id, guarded(y, at_end, order),
                                   guarded(pred, at_end, order), g_kwargs,
                                   guarded(sw, at_end))
                    assert got == want, (case_id, np.dtype(dtype).name, n, at_end, order)


def test_guarded_copies_hold_the_values_and_fault_outside():
    a = np.arange(12.0).reshape(3, 4)
    for at_end in (True, False):
        for order in ("C", "F"):
            g = guarded(a, at_end, order)
            np.testing.assert_array_equal(g, a)
            assert (g.strides[0] < 0) == (not at_end)
    # The guard really faults (in a child: the fault kills it).
    code = textwrap.dedent("""
        import numpy as np, test_guard_pages as t
        g = t.guarded(np.arange(4.0))
        base = g.__array_interface__["data"][0]
        print(np.frombuffer((np.ctypeslib.ctypes.c_char * 16).from_address(base + 24), np.uint8))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=os.path.dirname(__file__), timeout=120)
    # SIGSEGV, or AddressSanitizer's report of it (the sanitizer run of .ci/run).
    assert proc.returncode == -11 or (proc.returncode != 0 and "SEGV" in proc.stderr), (
        proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("case_id", list(CASES))
def test_no_read_outside_the_inputs(case_id):
    code = f"import faulthandler; faulthandler.enable(); import test_guard_pages as t; " \
           f"t.run_case({case_id!r})"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, cwd=os.path.dirname(__file__), env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
