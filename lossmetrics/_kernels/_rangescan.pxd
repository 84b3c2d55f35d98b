# Branch-free range scans (min, max and a NaN/infinity flag) shared by the
# validation scan (_scan.pyx) and the kernels that check their inputs while
# they read them (_class_kernels.pyx).

ctypedef fused floating:
    float
    double


cdef inline bint _contiguous(const floating[:, :] x) noexcept nogil:
    """Whether the rows of x lie back to back in memory (a flat scan reads it)."""
    cdef Py_ssize_t item = sizeof(floating)
    if x.shape[1] == 1:
        return x.strides[0] == item
    return x.strides[1] == item and x.strides[0] == x.shape[1] * item


cdef inline void _see(double v, double* lo, double* hi, double* z) noexcept nogil:
    """One value into a (min, max, NaN flag) lane: v - v is NaN exactly when v
    is NaN or infinite; NaN never enters min or max."""
    lo[0] = v if v < lo[0] else lo[0]
    hi[0] = v if v > hi[0] else hi[0]
    z[0] = z[0] + (v - v)


cdef inline void _block_range(const floating[:, :] x, Py_ssize_t start, Py_ssize_t stop,
                              bint flat, double* lo, double* hi, double* z) noexcept nogil:
    """Fast pass over rows [start, stop): min, max (NaN ignored) and z, which is
    NaN exactly when the rows hold a NaN or an infinity."""
    cdef Py_ssize_t i, j, k, total
    cdef const floating* p
    # Four independent lanes (min, max and the flag are exact in any order):
    # no loop-carried add chain.
    cdef double a[4]
    cdef double b[4]
    cdef double c[4]
    for k in range(4):
        a[k] = lo[0]
        b[k] = hi[0]
        c[k] = 0.0
    if flat:
        p = &x[start, 0]
        total = (stop - start) * x.shape[1]
        i = 0
        while i + 4 <= total:
            for k in range(4):
                _see(p[i + k], &a[k], &b[k], &c[k])
            i = i + 4
        while i < total:
            _see(p[i], &a[0], &b[0], &c[0])
            i = i + 1
    else:
        for i in range(start, stop):
            for j in range(x.shape[1]):
                _see(x[i, j], &a[0], &b[0], &c[0])
    for k in range(1, 4):
        a[0] = a[k] if a[k] < a[0] else a[0]
        b[0] = b[k] if b[k] > b[0] else b[0]
        c[0] = c[0] + c[k]
    lo[0] = a[0]
    hi[0] = b[0]
    z[0] = c[0]
