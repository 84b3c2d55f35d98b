"""One parallel pass over a float array: range and first non-finite entries.

check_inputs uses it instead of ``np.isfinite(x).all()``, ``x.min()``,
``x.max()``, which would make several passes and an x-sized temporary.
"""
import numpy as np
from cython.parallel cimport prange
from libc.math cimport isnan, INFINITY
from libc.stdint cimport int64_t, uint64_t

from lossmetrics._kernels._blocksum cimport block_stop, chunk_of, rows_per_block, n_blocks
from lossmetrics._kernels._rangescan cimport _block_range, _contiguous

cdef extern from "_rowkernels.h" nogil:
    int64_t lm_label_column(int64_t y, int64_t offset, const int64_t *lut, int64_t n_codes,
                            int identity)
    int lm_label_window(const int64_t* y, Py_ssize_t n, Py_ssize_t step, uint64_t base,
                        uint64_t* mask)
    int lm_all_class_indices(const int64_t* y, Py_ssize_t n, int64_t n_classes,
                             int64_t ignore_index, int has_ignore)
    int lm_all_in_window(const int64_t* y, Py_ssize_t n, int64_t lo, uint64_t width)

ctypedef fused floating:
    float
    double


def scan_2d(const floating[:, :] x, int n_threads=1):
    """Return (min, max, first_nan, first_posinf, first_neginf) of a 2-D array.

    min/max ignore NaN; the ``first_*`` entries are flat C-order indices, or -1.
    Each block is read once by a branch-free pass; only a block holding a NaN
    or an infinity is read again to locate it.
    """
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1]
    cdef Py_ssize_t rpb = rows_per_block(m)
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    cdef double[:, ::1] mm = np.empty((nb, 2), dtype=np.float64)
    cdef int64_t[:, ::1] first = np.full((nb, 3), -1, dtype=np.int64)
    cdef Py_ssize_t b, i, j, start, stop
    cdef double v, lo, hi, z
    cdef int64_t f_nan, f_pinf, f_ninf, flat
    cdef bint contiguous = n > 0 and _contiguous(x)

    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            lo = INFINITY
            hi = -INFINITY
            z = 0.0
            _block_range(x, start, stop, contiguous, &lo, &hi, &z)
            mm[b, 0] = lo
            mm[b, 1] = hi
            if z == 0.0:
                continue
            f_nan = -1
            f_pinf = -1
            f_ninf = -1
            for i in range(start, stop):
                for j in range(m):
                    v = x[i, j]
                    if v - v != 0.0 or isnan(v):
                        flat = i * m + j
                        if isnan(v):
                            if f_nan < 0:
                                f_nan = flat
                        elif v > 0:
                            if f_pinf < 0:
                                f_pinf = flat
                        elif f_ninf < 0:
                            f_ninf = flat
            first[b, 0] = f_nan
            first[b, 1] = f_pinf
            first[b, 2] = f_ninf

    lo = INFINITY
    hi = -INFINITY
    result = [-1, -1, -1]
    for b in range(nb):
        if mm[b, 0] < lo:
            lo = mm[b, 0]
        if mm[b, 1] > hi:
            hi = mm[b, 1]
        for j in range(3):
            if result[j] < 0 and first[b, j] >= 0:
                result[j] = first[b, j]
    return lo, hi, result[0], result[1], result[2]


def small_label_set(const int64_t[:] y, int n_threads=1):
    """The sorted distinct values of a non-empty int64 array when they all lie
    in a window of 64 values around ``y[0]``, and their look-up table over
    [min, max] (lut[v - min] = rank of v, -1 for a value absent): (classes,
    lut), or None.

    One parallel pass, no sort (class labels are usually a few small integers).
    """
    if y.strides[0] % <Py_ssize_t>sizeof(int64_t):
        # A view whose elements are not 8-byte steps apart: read a copy.
        return small_label_set(np.ascontiguousarray(y), n_threads)
    cdef Py_ssize_t n = y.shape[0], rpb = 1 << 16, nb = n_blocks(n, 1 << 16)
    cdef Py_ssize_t b, start, stop, step = y.strides[0] // <Py_ssize_t>sizeof(int64_t)
    # base = y[0] - 32 (in unsigned arithmetic: value - base wraps for values
    # far from y[0], which then fall outside the window as they should).
    cdef uint64_t base = <uint64_t>y[0] - 32, mask
    cdef uint64_t[::1] masks = np.empty(nb, dtype=np.uint64)   # every block writes its own
    cdef uint64_t[::1] outs = np.empty(nb, dtype=np.uint64)
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            mask = 0
            outs[b] = not lm_label_window(&y[start], stop - start, step, base, &mask)
            masks[b] = mask
    mask = 0
    for b in range(nb):
        if outs[b]:
            return None
        mask = mask | masks[b]
    # The values base + bit; None if they wrap around the int64 range (the
    # caller's general path handles such labels).
    cdef Py_ssize_t k = 0, lo_bit = 64, hi_bit = -1
    for b in range(64):
        if (mask >> b) & 1:
            k = k + 1
            lo_bit = b if lo_bit == 64 else lo_bit
            hi_bit = b
    cdef int64_t lo = <int64_t>(base + <uint64_t>lo_bit)
    cdef int64_t hi = <int64_t>(base + <uint64_t>hi_bit)
    if hi < lo:
        return None
    classes_arr = np.empty(k, dtype=np.int64)
    lut_arr = np.empty(hi - lo + 1, dtype=np.int64)
    cdef int64_t[::1] classes = classes_arr
    cdef int64_t[::1] lut = lut_arr
    k = 0
    for b in range(lo_bit, hi_bit + 1):
        if (mask >> b) & 1:
            classes[k] = lo + (b - lo_bit)
            lut[b - lo_bit] = k
            k = k + 1
        else:
            lut[b - lo_bit] = -1
    return classes_arr, lut_arr


def int_min_max(const int64_t[:] y):
    """Return (min, max) of a non-empty int64 array in one pass."""
    cdef Py_ssize_t i, n = y.shape[0]
    cdef int64_t lo = y[0], hi = y[0], v
    with nogil:
        for i in range(1, n):
            v = y[i]
            if v < lo:
                lo = v
            elif v > hi:
                hi = v
    return int(lo), int(hi)


def mark_present(const int64_t[:] y, int64_t offset, unsigned char[::1] present):
    """Set ``present[y[i] - offset] = 1``; every ``y[i] - offset`` must index ``present``."""
    cdef Py_ssize_t i, n = y.shape[0]
    with nogil:
        for i in range(n):
            present[y[i] - offset] = 1


def first_bad_index(const int64_t[:, :] y, int64_t n_classes, int64_t ignore_index,
                    bint has_ignore):
    """First flat index of y (N, S) outside [0, n_classes) and not ignore_index, or -1.

    Reads y in place, whatever its strides (a broadcast y costs no memory).
    """
    cdef Py_ssize_t i, j, n = y.shape[0], m = y.shape[1]
    cdef int64_t v, found = -1
    cdef int all_good = 0
    if (n > 0 and m > 0 and y.strides[1] == sizeof(int64_t)
            and (n == 1 or y.strides[0] == m * sizeof(int64_t))):
        # Contiguous: a vectorised check first; the search only on a failure.
        with nogil:
            all_good = lm_all_class_indices(&y[0, 0], n * m, n_classes, ignore_index,
                                            has_ignore)
        if all_good:
            return -1
    with nogil:
        for i in range(n):
            for j in range(m):
                v = y[i, j]
                if (v < 0 or v >= n_classes) and not (has_ignore and v == ignore_index):
                    found = i * m + j
                    break
            if found >= 0:
                break
    return int(found)


def first_unmapped(const int64_t[:] codes, int64_t offset, const int64_t[::1] lut):
    """First i with ``lut[codes[i] - offset]`` out of range or -1 (undeclared), or -1."""
    cdef Py_ssize_t i, n = codes.shape[0], m = lut.shape[0]
    cdef int64_t found = -1
    cdef bint no_holes = m > 0
    cdef int all_inside = 0
    for i in range(m):
        if lut[i] < 0:
            no_holes = False
            break
    if no_holes and n > 0 and codes.strides[0] == sizeof(int64_t):
        # Every code of the table's range is a class: a vectorised range check,
        # and the search only when it fails.
        with nogil:
            all_inside = lm_all_in_window(&codes[0], n, offset, <uint64_t>m)
        if all_inside:
            return -1
    if m == 0:
        return 0 if n > 0 else -1
    with nogil:
        for i in range(n):
            if lm_label_column(codes[i], offset, &lut[0], m, 0) < 0:
                found = i
                break
    return int(found)


def mapped(const int64_t[:] codes, int64_t offset, const int64_t[::1] lut, int n_threads=1):
    """``lut[codes - offset]`` in one parallel pass without temporaries (every
    ``codes[i] - offset`` must index ``lut``: codes from the label encoder)."""
    cdef Py_ssize_t i, n = codes.shape[0]
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for i in prange(n, schedule='static', num_threads=n_threads):
            out[i] = lut[codes[i] - offset]
    return out_arr


def first_rows(const int64_t[::1] groups, Py_ssize_t n_groups):
    """The index of the first row of each group (every group has one)."""
    cdef Py_ssize_t i, n = groups.shape[0], missing = n_groups
    first_arr = np.full(n_groups, -1, dtype=np.int64)
    cdef int64_t[::1] first = first_arr
    with nogil:
        for i in range(n):
            if first[groups[i]] < 0:
                first[groups[i]] = i
                missing = missing - 1
                if missing == 0:
                    break
    return first_arr
