"""Python access to the vectorised log / log1p / exp / softplus of ``_fastmath.h``,
for the tests of their accuracy (the kernels call the C functions directly)."""
import numpy as np

cdef extern from "_fastmath.h" nogil:
    void lm_log_array(double *x, Py_ssize_t n)
    void lm_log1p_array(double *x, Py_ssize_t n)
    void lm_exp_array(double *x, Py_ssize_t n)
    void lm_exp_neg_array(double *x, Py_ssize_t n)
    void lm_softplus_neg_array(double *x, Py_ssize_t n)

cdef extern from "_rowkernels.h" nogil:
    void lm_neg_log_prefetch(double *x, Py_ssize_t n, const void *pf, Py_ssize_t nbytes)


def _apply(x, int which):
    cdef double[::1] out = np.array(x, dtype=np.float64, copy=True).reshape(-1)
    cdef Py_ssize_t n = out.shape[0]
    if n:
        with nogil:
            if which == 0:
                lm_log_array(&out[0], n)
            elif which == 1:
                lm_exp_array(&out[0], n)
            elif which == 2:
                lm_log1p_array(&out[0], n)
            elif which == 3:
                lm_exp_neg_array(&out[0], n)
            else:
                lm_softplus_neg_array(&out[0], n)
    return np.asarray(out).reshape(np.shape(x))


def log(x):
    """The kernels' log, element-wise (a float64 copy of x)."""
    return _apply(x, 0)


def log1p(x):
    """The kernels' log1p (mean_squared_log_error's), element-wise."""
    return _apply(x, 2)


def exp(x):
    """The kernels' exp, element-wise."""
    return _apply(x, 1)


def exp_neg(x):
    """The kernels' exp of non-positive arguments (the log-sum-exps)."""
    return _apply(x, 3)


def softplus_neg(x):
    """The kernels' log1p(exp(-a)) of non-negative arguments a (the softplus
    of binary_cross_entropy_with_logits)."""
    return _apply(x, 4)


def neg_log_normal(x, prefetch=None):
    """log_loss's -log of clipped (normal, positive) probabilities, element-wise,
    prefetching the bytes of the C-contiguous array ``prefetch`` meanwhile."""
    cdef double[::1] out = np.array(x, dtype=np.float64, copy=True).reshape(-1)
    cdef const unsigned char[::1] pf = (np.zeros(0, np.uint8) if prefetch is None else
                                        np.ascontiguousarray(prefetch).reshape(-1).view(np.uint8))
    cdef Py_ssize_t n = out.shape[0], nbytes = pf.shape[0]
    if n:
        with nogil:
            lm_neg_log_prefetch(&out[0], n, &pf[0] if nbytes else NULL, nbytes)
    return np.asarray(out).reshape(np.shape(x))
