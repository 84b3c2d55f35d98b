"""Kernels of the regression scores built from moments: R² and the explained
variance (moments_kernel), and max_error (max_abs_kernel).

moments_kernel reads (N, L) targets y and predictions x once.  Its state has
MOMENTS L + 2 rows of (hi, lo) pairs.  For output j, with d = y - x rounded
to float64 (as scikit-learn rounds it), c = y[0, j] and e = d[0, j] (shifts,
so that the sums below do not grow with the mean; y - c and d - e are held
exactly, as two doubles):

    row 6j       (c, e), the shifts themselves
    rows 6j+1..5 the sums of w (y - c), w (y - c)², w (d - e), w (d - e)², w d²

then the number of rows, then the total weight.  Each product is summed
with its rounding error (TwoProduct, by fma): the sums are double-double
accurate, and a variance taken from them in exact arithmetic,
Σw(y-c)² - (Σw(y-c))²/Σw, keeps its digits.  States of two batches merge by
adding their sums after moving one to the other's shifts (exactly, in
rational arithmetic: lossmetrics._losses.variance_scores.merge_moments).
"""
import numpy as np
from cython.parallel cimport prange
from libc.math cimport fabs, fma

from libc.stdint cimport int64_t

cdef extern from "_rowkernels.h" nogil:
    void lm_max_abs_lanes(const double *y, const double *x, Py_ssize_t n, double *top,
                          double *bad)

from lossmetrics._kernels._blocksum cimport (
    Acc, acc_add, acc_store, acc_zero, block_rows, block_stop, by_group, combine_blocks,
    group_add, group_settle, n_blocks, rows_per_block,
)

ctypedef fused floating_a:
    float
    double

ctypedef fused floating_b:
    float
    double

# Rows of the state per output.
cdef enum:
    MOMENTS = 6


cdef inline Acc _add_exact(Acc a, double hi, double lo) noexcept nogil:
    """a + (hi + lo): hi by TwoSum, lo (hi's rounding error, far smaller) into
    the compensation directly."""
    a = acc_add(a, hi)
    a.c = a.c + lo
    return a


cdef inline void _moments(Acc* s1, Acc* s2, double w, double v, double ve,
                          bint has_w) noexcept nogil:
    """s1 += w (v + ve), s2 += w (v + ve)² (w = 1 without weights), where
    v + ve is a difference held exactly (TwoSum) and each product is kept
    with its rounding error (fma): exact to about 1e-32 of the terms."""
    cdef double wv, wv_err, p
    if not has_w:
        s1[0] = _add_exact(s1[0], v, ve)
        p = v * v
        s2[0] = _add_exact(s2[0], p, fma(v, v, -p) + 2.0 * v * ve)
        return
    wv = w * v
    wv_err = fma(w, v, -wv) + w * ve       # w (v + ve) = wv + wv_err
    p = wv * v
    s1[0] = _add_exact(s1[0], wv, wv_err)
    s2[0] = _add_exact(s2[0], p, fma(wv, v, -p) + wv_err * v + wv * ve)


cdef inline double _two_diff_err(double a, double b, double s) noexcept nogil:
    """The rounding error of s = a - b (Knuth's TwoSum): a - b = s + error."""
    cdef double bp = s - a
    return (a - (s - bp)) + (-b - bp)


cdef inline void _moments_at(double* table, Py_ssize_t k1, Py_ssize_t k2, double w,
                             double v, double ve, bint has_w) noexcept nogil:
    """_moments on the pairs k1 and k2 of a group's table row."""
    cdef Acc s1, s2
    s1.s, s1.c = table[2 * k1], table[2 * k1 + 1]
    s2.s, s2.c = table[2 * k2], table[2 * k2 + 1]
    _moments(&s1, &s2, w, v, ve, has_w)
    table[2 * k1], table[2 * k1 + 1] = s1.s, s1.c
    table[2 * k2], table[2 * k2 + 1] = s2.s, s2.c


def grouped_moments_kernel(const floating_a[:, :] y, const floating_b[:, :] x,
                           const double[::1] sw, int n_threads, const int64_t[::1] groups,
                           Py_ssize_t n_groups, const int64_t[::1] first):
    """moments_kernel's state for every group, of shape (n_groups, MOMENTS L
    + 2, 2): each group's sums about its own shifts (the values of its first
    row, ``first[g]``), from super-blocks (_blocksum.pxd)."""
    cdef Py_ssize_t n = y.shape[0], n_cols = y.shape[1]
    cdef Py_ssize_t n_state = MOMENTS * n_cols + 2
    cdef bint has_sw = sw.shape[0] > 0
    cdef Py_ssize_t rpb = block_rows(n, n_cols, True, n_groups)
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    cdef double[:, :, ::1] tables = np.zeros((nb, n_groups * n_state, 2), dtype=np.float64)
    cdef double[:, ::1] shift_y = np.zeros((n_groups, n_cols), dtype=np.float64)
    cdef double[:, ::1] shift_d = np.zeros((n_groups, n_cols), dtype=np.float64)
    cdef Py_ssize_t b, i, j, g, start, stop
    cdef double yv, d, w, u, v
    cdef double* row
    for g in range(n_groups):
        for j in range(n_cols):
            shift_y[g, j] = <double>y[first[g], j]
            shift_d[g, j] = <double>y[first[g], j] - <double>x[first[g], j]
    with nogil:
        for b in prange(nb, schedule='static', num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            for i in range(start, stop):
                g = groups[i]
                row = &tables[b, g * n_state, 0]
                for j in range(n_cols):
                    yv = <double>y[i, j]
                    d = yv - <double>x[i, j]
                    u = yv - shift_y[g, j]
                    v = d - shift_d[g, j]
                    if has_sw and sw[i] == 0.0:
                        group_add(row, 0, 0, MOMENTS * j + 1, (u - u) + (v - v))
                        continue
                    w = sw[i] if has_sw else 1.0
                    _moments_at(row, MOMENTS * j + 1, MOMENTS * j + 2, w, u,
                                _two_diff_err(yv, shift_y[g, j], u), has_sw)
                    _moments_at(row, MOMENTS * j + 3, MOMENTS * j + 4, w, v,
                                _two_diff_err(d, shift_d[g, j], v), has_sw)
                    # (the pair gets Σ w d²; _moments' Σ w d, unused, is dropped,
                    # as moments_kernel drops it)
                    _moments_at(row, MOMENTS * j + 5, MOMENTS * j + 5, w, d, 0.0, has_sw)
                group_add(row, 0, 0, n_state - 2, 1.0)
                group_add(row, 0, 0, n_state - 1, sw[i] if has_sw else 1.0)
            group_settle(&tables[b, 0, 0], n_groups * n_state)
    states = by_group(tables, n_groups, n_state)
    for g in range(n_groups):
        for j in range(n_cols):
            states[g, MOMENTS * j, 0] = shift_y[g, j]
            states[g, MOMENTS * j, 1] = shift_d[g, j]
    return states


def moments_kernel(const floating_a[:, :] y, const floating_b[:, :] x,
                   const double[::1] sw, int n_threads):
    """The state of R² and the explained variance (see the module docstring).

    A row of weight 0 adds nothing when its values are finite, and NaN when
    not, so that a non-finite input always shows in the sums.
    """
    cdef Py_ssize_t n = y.shape[0], n_cols = y.shape[1]
    cdef Py_ssize_t n_rows_state = MOMENTS * n_cols + 2
    cdef bint has_sw = sw.shape[0] > 0
    cdef Py_ssize_t rpb = rows_per_block(n_cols)
    if n_blocks(n, rpb) * n_rows_state > (1 << 18):
        rpb = n_blocks(n, max(1, (1 << 18) // n_rows_state))
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    cdef double[:, :, ::1] partials = np.zeros((nb, n_rows_state, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((n_rows_state, 2), dtype=np.float64)
    cdef double[::1] shift_y = np.zeros(n_cols, dtype=np.float64)
    cdef double[::1] shift_d = np.zeros(n_cols, dtype=np.float64)
    cdef Py_ssize_t b, i, j, start, stop
    cdef double yv, d, w, u, v
    cdef Acc sy, syy, sd, sdd, sr, srr, lw
    for j in range(n_cols):
        if n > 0:
            shift_y[j] = <double>y[0, j]
            shift_d[j] = <double>y[0, j] - <double>x[0, j]
    with nogil:
        for b in prange(nb, schedule='static', num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            for j in range(n_cols):
                sy = acc_zero()
                syy = acc_zero()
                sd = acc_zero()
                sdd = acc_zero()
                sr = acc_zero()
                srr = acc_zero()
                for i in range(start, stop):
                    yv = <double>y[i, j]
                    d = yv - <double>x[i, j]
                    u = yv - shift_y[j]
                    v = d - shift_d[j]
                    if has_sw and sw[i] == 0.0:
                        sy = acc_add(sy, (u - u) + (v - v))
                        continue
                    w = sw[i] if has_sw else 1.0
                    _moments(&sy, &syy, w, u, _two_diff_err(yv, shift_y[j], u), has_sw)
                    _moments(&sd, &sdd, w, v, _two_diff_err(d, shift_d[j], v), has_sw)
                    _moments(&sr, &srr, w, d, 0.0, has_sw)
                acc_store(partials, b, MOMENTS * j + 1, sy)
                acc_store(partials, b, MOMENTS * j + 2, syy)
                acc_store(partials, b, MOMENTS * j + 3, sd)
                acc_store(partials, b, MOMENTS * j + 4, sdd)
                acc_store(partials, b, MOMENTS * j + 5, srr)
            lw = acc_zero()
            lw.s = stop - start
            acc_store(partials, b, n_rows_state - 2, lw)
            if has_sw:
                lw = acc_zero()
                for i in range(start, stop):
                    lw = acc_add(lw, sw[i])
            acc_store(partials, b, n_rows_state - 1, lw)
        combine_blocks(partials, state)
    for j in range(n_cols):
        state[MOMENTS * j, 0] = shift_y[j]
        state[MOMENTS * j, 1] = shift_d[j]
    return np.asarray(state)


def small_max_abs_state(const double[::1] y, const double[::1] x):
    """The state max_abs_kernel(y[:, None], x[:, None], no weights, ...)
    returns for contiguous float64 vectors of one length, or None where it
    is not finite (a NaN, an infinity, an overflow: the generic path
    raises).  The lean path of small calls (lossmetrics/_losses/
    regression.py): one call of the lanes over the whole vectors, the same
    bits (a maximum and sums of zeros do not depend on the blocks)."""
    cdef Py_ssize_t n = y.shape[0]
    cdef double top = 0.0, bad = 0.0
    if n == 0 or x.shape[0] != n:
        return None
    with nogil:
        lm_max_abs_lanes(&y[0], &x[0], n, &top, &bad)
    if not (bad == 0.0 and top - top == 0.0):
        return None
    state_arr = np.zeros((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    state[0, 0] = top
    state[1, 0] = <double>n
    return state_arr


def max_abs_kernel(const floating_a[:, :] y, const floating_b[:, :] x,
                   const double[::1] sw, int n_threads, const int64_t[::1] groups=None,
                   Py_ssize_t n_groups=0):
    """max_error's state, shape (2, 2): row 0 the largest |y - x| over the rows
    of nonzero weight and the sum of (|y - x| - |y - x|) over all rows (0, or
    NaN where a value is not finite); row 1 the number of rows of nonzero
    weight.  Two states merge by the maximum of (0, 0) and the sums of the rest
    (lossmetrics._losses.regression.merge_max).  With ``groups`` (each row's
    group number, below ``n_groups``), the state of every group, of shape
    (n_groups, 2, 2), from super-blocks (_blocksum.pxd)."""
    cdef Py_ssize_t n = y.shape[0], n_cols = y.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n, n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (one (top, bad, rows) triple per block, or per block and group)
    cdef double[:, :, ::1] partials = np.zeros((nb, n_groups if grouped else 1, 3),
                                               dtype=np.float64)
    cdef Py_ssize_t b, i, j, start, stop
    cdef double d, top, bad, rows
    cdef double* slot = NULL
    with nogil:
        for b in prange(nb, schedule='static', num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            top = 0.0
            bad = 0.0
            rows = 0.0
            if (floating_a is double and floating_b is double and not grouped and not has_sw
                    and n_cols == 1 and y.strides[0] == sizeof(double)
                    and x.strides[0] == sizeof(double) and stop > start):
                # One contiguous column: the same maximum by vectorised lanes.
                lm_max_abs_lanes(&y[start, 0], &x[start, 0], stop - start, &top, &bad)
                rows = stop - start
                start = stop
            for i in range(start, stop):
                if grouped:   # (the row's group's triple, in registers)
                    slot = &partials[b, groups[i], 0]
                    top = slot[0]
                    bad = slot[1]
                    rows = slot[2]
                if has_sw and sw[i] == 0.0:
                    for j in range(n_cols):
                        d = <double>y[i, j] - <double>x[i, j]
                        bad = bad + (d - d)
                else:
                    rows = rows + 1.0
                    for j in range(n_cols):
                        d = fabs(<double>y[i, j] - <double>x[i, j])
                        bad = bad + (d - d)
                        if d > top:
                            top = d
                if grouped:
                    slot[0] = top
                    slot[1] = bad
                    slot[2] = rows
            if not grouped:
                partials[b, 0, 0] = top
                partials[b, 0, 1] = bad
                partials[b, 0, 2] = rows
    # The blocks' triples folded in C (NumPy's max and sums cost 10 us a small
    # call): tops are >= 0, the "bad" sums 0 or NaN and the rows integers, so
    # any order gives the same bits.
    cdef Py_ssize_t g, n_g = partials.shape[1]
    out_arr = np.zeros((n_g, 2, 2), dtype=np.float64)
    cdef double[:, :, ::1] out = out_arr
    with nogil:
        for g in range(n_g):
            for b in range(nb):
                if partials[b, g, 0] > out[g, 0, 0]:
                    out[g, 0, 0] = partials[b, g, 0]
                out[g, 0, 1] = out[g, 0, 1] + partials[b, g, 1]
                out[g, 1, 0] = out[g, 1, 0] + partials[b, g, 2]
    return out_arr if grouped else out_arr[0]
