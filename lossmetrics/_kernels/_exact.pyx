"""Exact sums of products of float64 values, as Python integers: the final
arithmetic of the scores that are exact by design (R² and the explained
variance, the D² of log loss and Brier).

A finite float64 is m 2**(e - 53) with m = frexp's fraction times 2**53,
an integer of at most 53 bits; a product of two, m m' 2**(e + e' - 106).
Brought to one power of two, sums of them are integer sums, exact.  Each
function returns integers and the exponent k of that power (values are the
integers over 2**k, or times 2**k), the least among multiples of the
mantissas: every caller takes ratios, the same for any k.  (Python's
Fractions, or a fixed 2**1074 that suits every float64, cost microseconds
a value.)
"""
from libc.math cimport frexp

cdef double TWO53 = 9007199254740992.0


cdef inline object _mantissa(double x, int *e):
    """x's 53-bit integer mantissa m (a Python int), with x = m 2**(e - 53)."""
    return <long long>(frexp(x, e) * TWO53)


def exact_rows(const double[:, ::1] state):
    """(ints, k): each row's exact value hi + lo (a state's (hi, lo) pairs,
    finite) times 2**k, as Python integers, for the least k >= 0 (among
    multiples of the mantissas) that makes every one an integer."""
    cdef Py_ssize_t r, c, n = state.shape[0]
    cdef int e, k = 0
    for r in range(n):
        for c in range(2):
            if state[r, c] != 0.0:
                frexp(state[r, c], &e)
                k = max(k, 53 - e)
    rows = []
    for r in range(n):
        total = 0
        for c in range(2):
            if state[r, c] != 0.0:
                m = _mantissa(state[r, c], &e)
                total += m << (k - 53 + e)
        rows.append(total)
    return rows, k


def exact_dot(const double[::1] a, const double[::1] b):
    """(n, k): sum(a[i] * b[i]) of finite values, exactly, as n / 2**k with
    integer n and k >= 0."""
    cdef Py_ssize_t i, n = a.shape[0]
    cdef int ea, eb, k = 0
    for i in range(n):
        if a[i] != 0.0 and b[i] != 0.0:
            frexp(a[i], &ea)
            frexp(b[i], &eb)
            k = max(k, 106 - ea - eb)
    total = 0
    for i in range(n):
        if a[i] != 0.0 and b[i] != 0.0:
            ma = _mantissa(a[i], &ea)
            mb = _mantissa(b[i], &eb)
            total += (ma * mb) << (k - 106 + ea + eb)
    return total, k
