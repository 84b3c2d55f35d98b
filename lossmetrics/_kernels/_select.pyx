"""Order statistics of a large float64 array in linear time, in parallel:
the kernels of lossmetrics._losses.selection.order_statistics.

The values are y, or |x - y| (fabs(x - y), NumPy's np.abs(x - y)) when x is
given, computed as they are read instead of stored.  A float64 maps to a
64-bit key in the order of the values (-0.0 as 0.0, as
selection.order_keys maps it).  key_histogram counts the keys' 16-bit digit
at a shift, per part of the values (the contiguous values n t // n_parts to
n (t + 1) // n_parts - 1 are part t; the parts run in parallel);
gather_digits copies the values whose digit lies in a range to each part's
place in the output, which the histograms tell.  The counts are exact, so
the result does not depend on the number of parts.
"""
import numpy as np
from cython.parallel cimport prange
from libc.math cimport fabs
from libc.stdint cimport int64_t, uint64_t
from libc.string cimport memcpy

cdef enum:
    DIGIT_BITS = 16
N_DIGITS = 1 << DIGIT_BITS


cdef inline uint64_t _digit(double v, int shift) noexcept nogil:
    """Bits shift .. shift + 15 of v's order key (the sign bit flipped for
    v >= 0, every bit for v < 0: keys ordered as the values)."""
    cdef uint64_t b
    v = v + 0.0
    memcpy(&b, &v, 8)
    b = b ^ ((<uint64_t>0 - (b >> 63)) | (<uint64_t>1 << 63))
    return (b >> shift) & ((<uint64_t>1 << DIGIT_BITS) - 1)


cdef inline double _value(const double *y, const double *x, Py_ssize_t i) noexcept nogil:
    return fabs(x[i] - y[i]) if x != NULL else y[i]


def key_histogram(const double[::1] y, const double[::1] x, int shift, int n_parts):
    """(n_parts, 65536) counts of the values' digit at ``shift`` (48, 32, 16
    or 0), row t for part t; x None or as long as y; n_parts >= 1."""
    cdef Py_ssize_t n = y.shape[0], t, i, start, stop
    counts_arr = np.zeros((n_parts, N_DIGITS), dtype=np.int64)
    cdef int64_t[:, ::1] counts = counts_arr
    cdef const double *yp = &y[0]
    cdef const double *xp = &x[0] if x is not None else NULL
    cdef int64_t *h
    with nogil:
        for t in prange(n_parts, schedule='static', num_threads=n_parts):
            start = n * t // n_parts
            stop = n * (t + 1) // n_parts
            h = &counts[t, 0]
            for i in range(start, stop):
                h[_digit(_value(yp, xp, i), shift)] += 1
    return counts_arr


def gather_digits(const double[::1] y, const double[::1] x, int shift, uint64_t lo,
                  uint64_t hi, const int64_t[::1] offsets, double[::1] out):
    """Copy the values whose digit at ``shift`` lies in [lo, hi] to out, those
    of part t (of len(offsets) parts) from out[offsets[t]] on, in their
    order; offsets from key_histogram's counts of the same parts."""
    cdef Py_ssize_t n = y.shape[0], n_parts = offsets.shape[0], t, i, start, stop
    cdef const double *yp = &y[0]
    cdef const double *xp = &x[0] if x is not None else NULL
    cdef int64_t k
    cdef double v
    with nogil:
        for t in prange(n_parts, schedule='static', num_threads=n_parts):
            start = n * t // n_parts
            stop = n * (t + 1) // n_parts
            k = offsets[t]
            for i in range(start, stop):
                v = _value(yp, xp, i)
                if _digit(v, shift) - lo <= hi - lo:
                    out[k] = v
                    k = k + 1
