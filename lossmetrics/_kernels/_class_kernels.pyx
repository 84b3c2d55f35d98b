"""Kernels for losses over class scores: log_loss, cross_entropy, nll_loss, kl_divergence.

Each kernel reads its inputs in place (strided ``const`` memoryviews, float32
or float64), computes per-element losses in float64 and reduces them inside
the kernel into a state array of shape (2, 2):

    state[0] = (hi, lo) of sum(w * loss)
    state[1] = (hi, lo) of the denominator sum (sample weights, times class
               weights for index targets)

so that ``mean = (state[0, 0] + state[0, 1]) / (state[1, 0] + state[1, 1])``.
Nothing N-sized is allocated unless per-sample values are requested.
"""
import numpy as np
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport INFINITY, floor
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

from lossmetrics._kernels._rangescan cimport _block_range, _contiguous
from lossmetrics._kernels._blocksum cimport (
    Acc, Acc4, acc4_add_array, acc4_total, acc4_zero, acc_add, acc_store, acc_store_at, acc_value,
    acc_zero, block_stop, small_state, SMALL_BLOCKS,
    block_rows, by_group, chunk_of, combine_blocks, group_add, group_settle, n_blocks, padded,
    row_add, rows_per_block, super_blocks,
)

cdef extern from "_fastmath.h" nogil:
    void lm_log_array(double *x, Py_ssize_t n)
    void lm_exp_array(double *x, Py_ssize_t n)
    double lm_select(int c, double a, double b)
    double lm_log1(double x)
    double lm_exp1(double x)

cdef extern from "_terms.h" nogil:
    double lm_ce_term(double weight, double zmax, double z, double lse)
    double lm_nll_term(double weight, double lp)
    double lm_kl_term(double p, double lp, double lq)
    double lm_kl_log_target_term(double p, double lp, double lq)
    double lm_js_term(double p, double q)
    double lm_clip_proba_d(double p)
    float lm_clip_proba_f(float p)

cdef extern from "_rowkernels.h" nogil:
    int lm_sum_is_off(double s, double tol)
    double lm_row_sum(const void *row, Py_ssize_t col_step, Py_ssize_t n_cols)
    double lm_row_sum_f(const void *row, Py_ssize_t col_step, Py_ssize_t n_cols)
    int64_t lm_label_column(int64_t y, int64_t offset, const int64_t *lut, int64_t n_codes,
                            int identity)
    int lm_in_unit_interval(const double *x, Py_ssize_t n)
    int lm_in_unit_interval_f(const float *x, Py_ssize_t n)
    int lm_below_inf(const double *x, Py_ssize_t n)
    int lm_below_inf_f(const float *x, Py_ssize_t n)
    int lm_nll_scanned_rows(const double *z, Py_ssize_t n_rows, Py_ssize_t n_cols,
                            const int64_t *y, double *acc, int64_t *first_bad)
    int lm_nll_scanned_rows_f(const float *z, Py_ssize_t n_rows, Py_ssize_t n_cols,
                              const int64_t *y, double *acc, int64_t *first_bad)
    Py_ssize_t lm_brier_binary_rows(const double *x, Py_ssize_t step, Py_ssize_t n_rows,
                                    const int64_t *y, Py_ssize_t y_step, int64_t offset,
                                    const int64_t *lut, int64_t n_codes, double *buf)
    Py_ssize_t lm_brier_binary_rows_f(const float *x, Py_ssize_t step, Py_ssize_t n_rows,
                                      const int64_t *y, Py_ssize_t y_step, int64_t offset,
                                      const int64_t *lut, int64_t n_codes, double *buf)
    void lm_nll_rows(const double *z, Py_ssize_t row_step, Py_ssize_t n_rows,
                     Py_ssize_t n_cols, const int64_t *y, Py_ssize_t y_step,
                     const double *cw, const double *sw, int64_t ignore_index,
                     int has_ignore, int unit_den, double *acc, double *out,
                     int64_t *first_bad)
    void lm_nll_rows_f(const float *z, Py_ssize_t row_step, Py_ssize_t n_rows,
                       Py_ssize_t n_cols, const int64_t *y, Py_ssize_t y_step,
                       const double *cw, const double *sw, int64_t ignore_index,
                       int has_ignore, int unit_den, double *acc, double *out,
                       int64_t *first_bad)
    double lm_lse_rows(const double *z, Py_ssize_t row_step, Py_ssize_t n_rows,
                       Py_ssize_t n_cols, double *mrow, double *lse, double *buf,
                       double *shift)
    double lm_lse_rows_f(const float *z, Py_ssize_t row_step, Py_ssize_t n_rows,
                         Py_ssize_t n_cols, double *mrow, double *lse, double *buf,
                         double *shift)
    void lm_ce_rows(const double *z, Py_ssize_t row_step, Py_ssize_t n_rows,
                    Py_ssize_t n_cols, const int64_t *y, Py_ssize_t y_step,
                    const double *cw, const double *sw, int64_t ignore_index,
                    int has_ignore, const double *mrow, const double *lse,
                    double *num, double *den, int64_t *first_bad)
    void lm_ce_rows_f(const float *z, Py_ssize_t row_step, Py_ssize_t n_rows,
                      Py_ssize_t n_cols, const int64_t *y, Py_ssize_t y_step,
                      const double *cw, const double *sw, int64_t ignore_index,
                      int has_ignore, const double *mrow, const double *lse,
                      double *num, double *den, int64_t *first_bad)
    int lm_kl_rows_dd(const double *p, Py_ssize_t p_step, const double *q, Py_ssize_t q_step,
                      Py_ssize_t n_rows, Py_ssize_t n_cols, double *rows, double *bp,
                      double *bq)
    int lm_kl_rows_df(const double *p, Py_ssize_t p_step, const float *q, Py_ssize_t q_step,
                      Py_ssize_t n_rows, Py_ssize_t n_cols, double *rows, double *bp,
                      double *bq)
    int lm_kl_rows_fd(const float *p, Py_ssize_t p_step, const double *q, Py_ssize_t q_step,
                      Py_ssize_t n_rows, Py_ssize_t n_cols, double *rows, double *bp,
                      double *bq)
    int lm_kl_rows_ff(const float *p, Py_ssize_t p_step, const float *q, Py_ssize_t q_step,
                      Py_ssize_t n_rows, Py_ssize_t n_cols, double *rows, double *bp,
                      double *bq)
    void lm_prefetch_span(const void *p, Py_ssize_t nbytes)
    void lm_neg_log_prefetch(double *x, Py_ssize_t n, const void *pf, Py_ssize_t nbytes)
    int lm_check_rows(const double *x, Py_ssize_t n_rows, Py_ssize_t n_cols, double tol,
                      int64_t *n_sum_bad, const void *pf, Py_ssize_t nbytes)
    int lm_check_rows_f(const float *x, Py_ssize_t n_rows, Py_ssize_t n_cols, double tol,
                        int64_t *n_sum_bad, const void *pf, Py_ssize_t nbytes)
    Py_ssize_t lm_pick_rows(const double *x, Py_ssize_t n_rows, Py_ssize_t n_cols,
                            const int64_t *y, int64_t offset, const int64_t *lut,
                            int64_t n_codes, double *buf, int binary)

# Rows checked together by lm_check_rows and whose logarithms are taken
# together by one call of lm_neg_log_prefetch.
cdef enum:
    LOG_CHUNK = 256
# Classes whose exponentials are taken together by one call of lm_exp_array.
cdef enum:
    EXP_CHUNK = 512

ctypedef fused floating:
    float
    double

ctypedef fused floating_b:
    float
    double


cdef inline double _row_max(const floating[:, :, :] z, Py_ssize_t i,
                            Py_ssize_t j) noexcept nogil:
    cdef Py_ssize_t c
    cdef double m = z[i, 0, j]
    for c in range(1, z.shape[1]):
        if z[i, c, j] > m:
            m = z[i, c, j]
    return m


cdef inline double _lse_many_classes(const floating[:, :, :] z, Py_ssize_t i,
                                     Py_ssize_t j, double m) noexcept nogil:
    """log(sum_c exp(z[i, c, j] - m)) for rows of many classes: the exponentials of
    EXP_CHUNK classes at a time go through one vectorised lm_exp_array."""
    cdef double buf[EXP_CHUNK]
    cdef Py_ssize_t c, c0 = 0, nc, n_classes = z.shape[1]
    cdef double se = 0.0
    while c0 < n_classes:
        nc = n_classes - c0 if n_classes - c0 < EXP_CHUNK else EXP_CHUNK
        for c in range(nc):
            buf[c] = z[i, c0 + c, j] - m
        lm_exp_array(buf, nc)
        for c in range(nc):
            se = se + buf[c]
        c0 = c0 + nc
    return lm_log1(se)


cdef inline Py_ssize_t _lse_chunk_rows(Py_ssize_t n_classes, Py_ssize_t n_pos) noexcept nogil:
    """Rows whose log-sum-exps _lse_rows vectorises together (one row when a
    row has more than EXP_CHUNK scores; its classes are then chunked instead)."""
    if n_classes * n_pos > EXP_CHUNK:
        return 1
    return EXP_CHUNK // (n_classes * n_pos)


cdef inline bint _lse_flat(const floating[:, :, :] z) noexcept nogil:
    """Whether _lse_rows takes the contiguous path: (N, C) scores whose rows
    hold their C scores side by side, at most EXP_CHUNK of them."""
    return (z.shape[2] == 1 and z.shape[1] <= EXP_CHUNK
            and z.strides[1] == sizeof(floating) and z.strides[0] % <Py_ssize_t>sizeof(floating) == 0)


cdef inline Py_ssize_t _gather(const floating[:, :, :] z, Py_ssize_t i0, Py_ssize_t i1,
                               double* g) noexcept nogil:
    """The scores of rows [i0, i1) as doubles, element e = (i - i0) * S + j
    with its C classes side by side in g[e * C:(e + 1) * C].  Returns the
    number of elements."""
    cdef Py_ssize_t i, j, c, k = 0, n_classes = z.shape[1], n_pos = z.shape[2]
    for i in range(i0, i1):
        for j in range(n_pos):
            for c in range(n_classes):
                g[k] = z[i, c, j]
                k = k + 1
    return (i1 - i0) * n_pos


cdef inline double _lse_rows(const floating[:, :, :] z, Py_ssize_t i0, Py_ssize_t i1,
                             bint many_classes, bint flat, double* mrow,
                             double* lse) noexcept nogil:
    """Row maxima and shifted log-sum-exps of the elements of rows [i0, i1)
    (element e = (i - i0) * S + j).

    With few classes (at most EXP_CHUNK scores in the rows), one call of
    lm_lse_rows does it all, on the scores in place (``flat``, see _lse_flat)
    or on a contiguous copy: the same operations on the same values whatever
    the layout.  Its return value is not finite when a score is NaN or
    infinite (see lm_lse_rows).  With many classes (rows one at a time, their
    classes chunked), it returns 0 and says nothing about the scores."""
    cdef double g[EXP_CHUNK]
    cdef double buf[EXP_CHUNK]
    cdef double shift[EXP_CHUNK]
    cdef Py_ssize_t j, e, n_classes = z.shape[1]
    if many_classes:
        for j in range(z.shape[2]):
            mrow[j] = _row_max(z, i0, j)
            lse[j] = _lse_many_classes(z, i0, j, mrow[j])
        return 0.0
    if flat:
        if floating is float:
            return lm_lse_rows_f(&z[i0, 0, 0], z.strides[0] // <Py_ssize_t>sizeof(float), i1 - i0,
                                 n_classes, mrow, lse, buf, shift)
        else:
            return lm_lse_rows(&z[i0, 0, 0], z.strides[0] // <Py_ssize_t>sizeof(double), i1 - i0,
                               n_classes, mrow, lse, buf, shift)
    e = _gather(z, i0, i1, g)
    return lm_lse_rows(g, n_classes, e, n_classes, mrow, lse, buf, shift)


cdef inline int64_t _first_bad(int64_t[::1] bad) noexcept:
    cdef Py_ssize_t b
    for b in range(bad.shape[0]):
        if bad[b] >= 0:
            return bad[b]
    return -1


cdef inline int64_t _total(const int64_t[::1] counts) noexcept:
    cdef Py_ssize_t b
    cdef int64_t t = 0
    for b in range(counts.shape[0]):
        t = t + counts[b]
    return t


cdef inline bint _all_set(const int[::1] flags) noexcept:
    cdef Py_ssize_t b
    for b in range(flags.shape[0]):
        if not flags[b]:
            return False
    return True


cdef inline bint _all_ones(const double[::1] values) noexcept nogil:
    """Whether every value is 1 (class weights that weigh nothing)."""
    cdef Py_ssize_t c
    for c in range(values.shape[0]):
        if values[c] != 1.0:
            return False
    return True


cdef inline bint _all_finite(const double[::1] values) noexcept:
    """Whether every value is finite (a C loop: NumPy's isfinite and all cost
    microseconds a small call)."""
    cdef Py_ssize_t b
    for b in range(values.shape[0]):
        if not values[b] - values[b] == 0.0:
            return False
    return True


cdef inline floating _clip(floating p) noexcept nogil:
    """p clipped to [eps, 1 - eps] in its own type (_terms.h)."""
    if floating is float:
        return lm_clip_proba_f(p)
    else:
        return lm_clip_proba_d(p)


cdef inline double _sq(double x) noexcept nogil:
    return x * x


cdef inline int64_t _column(const int64_t[:] y, Py_ssize_t i, int64_t offset,
                            const int64_t[::1] lut, int64_t* first_bad) noexcept nogil:
    """The probability column of sample i, or -1 for an undeclared label (the
    first such sample is recorded in first_bad; the caller raises)."""
    cdef int64_t k = -1
    if lut.shape[0] > 0:
        k = lm_label_column(y[i], offset, &lut[0], lut.shape[0], 0)
    if k < 0 and first_bad[0] < 0:
        first_bad[0] = i
    return k


cdef inline bint _is_identity(const int64_t[::1] lut, Py_ssize_t n_cols) noexcept nogil:
    """Whether lut maps every code c to column c (labels 0, 1, ..., at most
    n_cols of them, 2 for a binary column: the common case, with no look-up
    to make)."""
    cdef Py_ssize_t c
    if lut.shape[0] > n_cols:
        return False
    for c in range(lut.shape[0]):
        if lut[c] != c:
            return False
    return True


cdef inline void _prefetch_next_chunk(const floating[:, :] proba, const int64_t[:] y,
                                      Py_ssize_t i) noexcept nogil:
    """Asks the caches for row i + LOG_CHUNK of C-contiguous ``proba`` (and its
    label, when y is contiguous): rows of the next chunk are read from memory
    while this one is computed (see lm_prefetch_span)."""
    cdef Py_ssize_t ip = i + LOG_CHUNK
    if ip < proba.shape[0]:
        lm_prefetch_span(&proba[ip, 0], proba.shape[1] * sizeof(floating))
        if y.strides[0] == sizeof(int64_t):
            lm_prefetch_span(&y[ip], sizeof(int64_t))


cdef inline void _log_loss_rows(
        const floating[:, :] proba, const int64_t[:] y, int64_t offset,
        const int64_t[::1] lut, bint binary_1d, const double[::1] sw, double rowsum_tol,
        bint want_none, double[::1] out, Py_ssize_t i0, Py_ssize_t i1, bint flat,
        bint lut_identity, Acc4* lanes, Acc* lw, int64_t* first_bad, int64_t* n_sum_bad,
        int* in_range, const int64_t* groups, double* table) noexcept nogil:
    """Log loss of rows [i0, i1) (at most LOG_CHUNK), added to lanes[(i - i0) % 4]
    (or, with ``table``, to row i's group ``groups[i]``: see group_add).
    ``lut_identity``: lut maps every code to itself (see _is_identity).

    The rows' probabilities are also checked against [0, 1] (``flat``: the
    array is C-contiguous): ``in_range`` drops to 0 at a NaN, an infinity or
    a value outside (the caller then runs the deferred scan of y_proba, which
    raises scikit-learn's error)."""
    cdef double buf[LOG_CHUNK]
    cdef Py_ssize_t i, c, n_cols = proba.shape[1]
    cdef Py_ssize_t col_step = proba.strides[1]
    cdef const floating* row
    cdef int64_t k
    cdef floating p, one = 1
    cdef double row_sum, w, loss
    cdef bint has_sw = sw.shape[0] > 0
    cdef double lo = 0.0, hi = 1.0, z = 0.0
    cdef int ok
    cdef bint pick_in_c
    cdef Py_ssize_t n_next, pf_a = 0
    if flat:
        # One vectorised pass: the range check, and the row sums (for the
        # warning) of several columns.
        if binary_1d:
            if floating is float:
                ok = lm_in_unit_interval_f(&proba[i0, 0], i1 - i0)
            else:
                ok = lm_in_unit_interval(&proba[i0, 0], i1 - i0)
        else:
            if floating is float:
                ok = lm_check_rows_f(&proba[i0, 0], i1 - i0, n_cols, rowsum_tol, n_sum_bad,
                                     NULL, 0)
            else:
                # The first half of the next chunk is prefetched here, the
                # second half during the logarithms (see lm_prefetch_span).
                if y.strides[0] == sizeof(int64_t) and lut.shape[0] > 0:
                    pf_a = min(i1 - i0, proba.shape[0] - i1) * n_cols * sizeof(double) // 2
                ok = lm_check_rows(&proba[i0, 0], i1 - i0, n_cols, rowsum_tol, n_sum_bad,
                                   <const void*>&proba[i1, 0] if pf_a > 0 else NULL, pf_a)
        if not ok:
            in_range[0] = 0
    else:
        _block_range(proba, i0, i1, False, &lo, &hi, &z)
        if not (lo >= 0.0 and hi <= 1.0 and z == 0.0):
            in_range[0] = 0
    pick_in_c = False
    if (floating is double and flat and y.strides[0] == sizeof(int64_t)
            and lut.shape[0] > 0):
        pick_in_c = True
        # Vectorised in C.
        k = lm_pick_rows(&proba[i0, 0], i1 - i0, n_cols, &y[i0], offset,
                         NULL if lut_identity else &lut[0],
                         lut.shape[0], buf, binary_1d)
        if k >= 0 and first_bad[0] < 0:
            first_bad[0] = i0 + k
    elif binary_1d:
        # One column: the probability of the greater label, or 1 - it.
        for i in range(i0, i1):
            if flat:
                _prefetch_next_chunk(proba, y, i)
            k = _column(y, i, offset, lut, first_bad)
            if k < 0:
                buf[i - i0] = 1.0   # the row counts nothing
                continue
            p = proba[i, 0]
            # A select, not a branch (labels are random: a branch mispredicts).
            p = <floating>lm_select(k == 0, <double><floating>(one - p), <double>p)
            buf[i - i0] = <double>_clip(p)
    else:
        for i in range(i0, i1):
            if flat:
                _prefetch_next_chunk(proba, y, i)
            k = _column(y, i, offset, lut, first_bad)
            if k < 0:
                buf[i - i0] = 1.0   # the row counts nothing
                continue
            row = &proba[i, 0]
            if flat:
                p = row[k]   # the row sums were checked by lm_check_rows
            else:
                # The row sum of lm_check_rows, in any layout.
                if floating is float:
                    row_sum = lm_row_sum_f(row, col_step, n_cols)
                else:
                    row_sum = lm_row_sum(row, col_step, n_cols)
                if lm_sum_is_off(row_sum, rowsum_tol):
                    n_sum_bad[0] = n_sum_bad[0] + 1
                p = (<const floating*>((<const char*>row) + k * col_step))[0]
            buf[i - i0] = <double>_clip(p)
    # -log p, with the rest of the next chunk's rows prefetched meanwhile
    # (C-contiguous float64 rows with contiguous labels; the Cython loops
    # above prefetch their own): the arithmetic overlaps the next reads from
    # memory.
    n_next = min(i1 - i0, proba.shape[0] - i1) if pick_in_c else 0
    lm_neg_log_prefetch(buf, i1 - i0,
                        (<const char*>&proba[i1, 0]) + pf_a if n_next > 0 else NULL,
                        n_next * n_cols * sizeof(floating) - pf_a)
    _add_rows(buf, i0, i1, sw, want_none, out, lanes, lw, groups, table)


cdef inline void _add_rows(double* buf, Py_ssize_t i0, Py_ssize_t i1, const double[::1] sw,
                           bint want_none, double[::1] out, Acc4* lanes, Acc* lw,
                           const int64_t* groups, double* table) noexcept nogil:
    """The terms buf[0..i1 - i0) of rows [i0, i1) (at most LOG_CHUNK):
    stored for reduction='none', weighted, added to lanes[(i - i0) % 4] and
    their weights to lw (or, with ``table``, each to its row's group)."""
    cdef Py_ssize_t i
    cdef double w
    cdef bint has_sw = sw.shape[0] > 0
    if want_none:
        for i in range(i0, i1):
            out[i] = buf[i - i0]
    if table != NULL:
        for i in range(i0, i1):
            w = sw[i] if has_sw else 1.0
            group_add(table, 2, groups[i], 0, w * buf[i - i0])
            group_add(table, 2, groups[i], 1, w)
        return
    if has_sw:
        for i in range(i0, i1):
            buf[i - i0] = sw[i] * buf[i - i0]
            lw[0] = acc_add(lw[0], sw[i])
    else:
        lw[0] = acc_add(lw[0], <double>(i1 - i0))
    acc4_add_array(lanes, buf, i1 - i0)


cdef inline void _brier_rows(
        const floating[:, :] proba, const int64_t[:] y, int64_t offset,
        const int64_t[::1] lut, bint binary_1d, const double[::1] sw, double rowsum_tol,
        bint want_none, double[::1] out, Py_ssize_t i0, Py_ssize_t i1, Acc4* lanes,
        Acc* lw, int64_t* first_bad, int64_t* n_sum_bad, const int64_t* groups,
        double* table) noexcept nogil:
    """Brier score of rows [i0, i1) (at most LOG_CHUNK), added as the log
    loss's (_add_rows): the row terms into a buffer, then four lanes."""
    cdef double buf[LOG_CHUNK]
    cdef floating chunk[LOG_CHUNK]
    cdef int64_t chunk_y[LOG_CHUNK]
    cdef const floating* px
    cdef const int64_t* py
    cdef Acc row_acc
    cdef Py_ssize_t i, c, n_cols = proba.shape[1], step, y_step
    cdef int64_t k
    cdef double row_sum
    if binary_1d:
        # One column, the probability of the greater label: the terms in C.
        if lut.shape[0] == 0:   # no declared label: every row counts nothing
            for i in range(i0, i1):
                buf[i - i0] = 0.0
            if first_bad[0] < 0:
                first_bad[0] = i0
        else:
            if proba.strides[0] % sizeof(floating) == 0 and y.strides[0] % 8 == 0:
                px, step = &proba[i0, 0], proba.strides[0] // <Py_ssize_t>sizeof(floating)
                py, y_step = &y[i0], y.strides[0] // 8
            else:   # strides of no whole element: a contiguous copy
                for i in range(i0, i1):
                    chunk[i - i0] = proba[i, 0]
                    chunk_y[i - i0] = y[i]
                px, step, py, y_step = chunk, 1, chunk_y, 1
            if floating is float:
                k = lm_brier_binary_rows_f(px, step, i1 - i0, py, y_step, offset,
                                           NULL if _is_identity(lut, 2) else &lut[0],
                                           lut.shape[0], buf)
            else:
                k = lm_brier_binary_rows(px, step, i1 - i0, py, y_step, offset,
                                         NULL if _is_identity(lut, 2) else &lut[0],
                                         lut.shape[0], buf)
            if k >= 0 and first_bad[0] < 0:
                first_bad[0] = i0 + k
        _add_rows(buf, i0, i1, sw, want_none, out, lanes, lw, groups, table)
        return
    for i in range(i0, i1):
        k = _column(y, i, offset, lut, first_bad)
        if k < 0:
            buf[i - i0] = 0.0   # the row counts nothing
            continue
        # The row's squares in a compensated sum: a plain one drifts by tens
        # of ulp over 1e5 classes.
        row_acc = acc_zero()
        row_sum = 0.0
        for c in range(n_cols):
            row_sum = row_sum + proba[i, c]
            row_acc = acc_add(row_acc, _sq(<double>(c == k) - <double>proba[i, c]))
        buf[i - i0] = acc_value(row_acc)
        if lm_sum_is_off(row_sum, rowsum_tol):
            n_sum_bad[0] = n_sum_bad[0] + 1
    _add_rows(buf, i0, i1, sw, want_none, out, lanes, lw, groups, table)


# The look-up table of labels -1 and 1 from -1 (the positive class 1).
cdef int64_t MINUS_ONE_LUT[3]
MINUS_ONE_LUT[:] = [0, -1, 1]


def small_brier_binary_state(const int64_t[::1] y, const double[::1] p):
    """The state label_proba_kernel(1, p[:, None], y, ...) returns for a
    binary Brier score of int64 labels in {0, 1} or {-1, 1} (1 the positive
    class; both of the latter present) and probabilities of the positive
    class in [0, 1], or None for any other input (the generic path decides
    or raises).  The lean path of small calls (lossmetrics/_losses/brier.py):
    one serial call for the label and range checks and the terms, which are
    the generic kernel's (lm_brier_binary_rows, LOG_CHUNK rows at a time
    into the same lanes and blocks): the same bits."""
    cdef Py_ssize_t n = y.shape[0], rpb = rows_per_block(1), nb, b, i, i0, i1, start, stop
    if n == 0 or p.shape[0] != n:
        return None
    cdef int64_t lo = y[0], hi = y[0], offset = 0, v
    cdef bint zero = False, in_range = True
    cdef const int64_t* lut = NULL
    cdef double buf[LOG_CHUNK]
    cdef double partials[4 * SMALL_BLOCKS]
    cdef Acc lw
    cdef Acc4 lanes
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    nb = n_blocks(n, rpb)
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    with nogil:
        for i in range(n):
            v = y[i]
            lo = v if v < lo else lo
            hi = v if v > hi else hi
            zero = zero | (v == 0)
            in_range = in_range & (p[i] >= 0.0) & (p[i] <= 1.0)   # (NaN: neither)
    if hi != 1 or not in_range:
        return None
    if lo == -1 and not zero:
        offset = -1
        lut = MINUS_ONE_LUT
    elif lo != 0 and lo != 1:
        return None
    with nogil:
        for b in range(nb):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            lanes = acc4_zero()
            lw = acc_zero()
            i0 = start
            while i0 < stop:
                i1 = block_stop(i0, LOG_CHUNK, stop)
                lm_brier_binary_rows(&p[i0], 1, i1 - i0, &y[i0], 1, offset, lut,
                                     2 if lut == NULL else 3, buf)
                lw = acc_add(lw, <double>(i1 - i0))
                acc4_add_array(&lanes, buf, i1 - i0)
                i0 = i1
            acc_store_at(&partials[4 * b], acc4_total(lanes))
            acc_store_at(&partials[4 * b + 2], lw)
    return state_arr if small_state(partials, nb, &state[0, 0]) else None


def label_proba_kernel(int mode, const floating[:, :] proba, const int64_t[:] y,
                       int64_t offset, const int64_t[::1] lut, bint binary_1d,
                       const double[::1] sw, double rowsum_tol,
                       bint want_none, int n_threads, const int64_t[::1] groups=None,
                       Py_ssize_t n_groups=0):
    """scikit-learn's log_loss (mode 0) or brier_score_loss (mode 1), no one-hot matrix.

    Brier: ``sum_c (onehot_c - p_c)^2`` per row, unclipped.

    ``y[i] - offset`` indexes ``lut``, which maps a label code to its column
    (-1: not a declared label).  With ``binary_1d`` the single column holds
    the probability of the greater label and ``1 - p`` is formed in the input
    dtype, as scikit-learn does.  Probabilities are clipped to
    ``[eps, 1 - eps]`` in the input dtype.

    With ``groups`` (each row's group number, below ``n_groups``) the state
    is one per group, of shape (n_groups, 2, 2), summed by super-blocks.

    Returns (state, per_sample or None, first bad sample or -1,
    number of rows whose sum is not within rowsum_tol of 1, whether every
    probability read lies in [0, 1] (log loss only; always True for Brier)).
    """
    cdef Py_ssize_t n = proba.shape[0], n_cols = proba.shape[1]
    cdef Py_ssize_t n_codes = lut.shape[0]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = (n_blocks(n, super_blocks(n, n_groups)) if grouped
                           else rows_per_block(n_cols))
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and n > 0 else NULL
    # Per-block results: every block writes its own entries (np.empty, not
    # the slower np.full / np.ones: small calls feel each allocation).
    cdef double[:, :, ::1] partials = np.empty((nb, 2, 2), dtype=np.float64)
    cdef int64_t[::1] bad = np.empty(nb, dtype=np.int64)
    cdef int64_t[::1] n_bad_sum = np.empty(nb, dtype=np.int64)
    cdef int[::1] block_in_range = np.empty(nb, dtype=np.intc)
    cdef int in_range
    cdef bint flat = _contiguous(proba)
    cdef bint lut_identity = _is_identity(lut, 2 if binary_1d else n_cols)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[::1] out
    cdef Py_ssize_t b, i, start, stop
    cdef int64_t first_bad_in_block, n_sum_bad
    cdef Acc la, lw
    cdef Acc4 lanes

    out_arr = np.zeros(n if want_none else 0, dtype=np.float64)
    out = out_arr

    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            lw = acc_zero()
            first_bad_in_block = -1
            n_sum_bad = 0
            in_range = 1
            table = &tables[b, 0, 0] if grouped else NULL
            # The terms of LOG_CHUNK rows at a time, in four running sums
            # (rows i mod 4); log loss's go through one vectorised log.
            lanes = acc4_zero()
            i = start
            while i < stop:
                if mode == 1:
                    _brier_rows(proba, y, offset, lut, binary_1d, sw, rowsum_tol, want_none,
                                out, i, block_stop(i, LOG_CHUNK, stop), &lanes, &lw,
                                &first_bad_in_block, &n_sum_bad, gp, table)
                else:
                    _log_loss_rows(proba, y, offset, lut, binary_1d, sw, rowsum_tol,
                                   want_none, out, i, block_stop(i, LOG_CHUNK, stop), flat,
                                   lut_identity, &lanes, &lw, &first_bad_in_block,
                                   &n_sum_bad, &in_range, gp, table)
                i = block_stop(i, LOG_CHUNK, stop)
            la = acc4_total(lanes)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
            if grouped:
                group_settle(table, 2 * n_groups)
            bad[b] = first_bad_in_block
            n_bad_sum[b] = n_sum_bad
            block_in_range[b] = in_range
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state),
            out_arr if want_none else None,
            _first_bad(bad), _total(n_bad_sum), _all_set(block_in_range))


cdef inline void _ce_block(const floating[:, :, :] z, const int64_t[:, :] y,
                           const double[::1] cw, const double[::1] sw, bint has_sw,
                           int64_t ignore_index, bint has_ignore, Py_ssize_t start,
                           Py_ssize_t stop, Py_ssize_t chunk_rows, bint flat,
                           bint want_none, double[:, ::1] out, double* mrow, double* lse,
                           Acc* la, Acc* lw, int64_t* first_bad,
                           double* nonfinite, const int64_t* groups,
                           double* table) noexcept nogil:
    """cross_entropy of rows [start, stop) with index targets and no label
    smoothing, at most EXP_CHUNK scores (chunk_rows rows) at a time:
    log-sum-exps by lm_lse_rows, terms by lm_ce_rows, sums by four-lane TwoSum.
    The scores are read in place when ``flat`` (see _lse_flat), else from a
    contiguous copy: the same operations on the same values in every layout.
    With ``table``, each element's terms go to its row's group (group_add)."""
    cdef double num[EXP_CHUNK]
    cdef double den[EXP_CHUNK]
    cdef double g[EXP_CHUNK]
    cdef int64_t yg[EXP_CHUNK]
    cdef double swg[EXP_CHUNK]
    cdef Acc4 lanes_num = acc4_zero(), lanes_den = acc4_zero()
    cdef Py_ssize_t i = start, i1, j, e, ne, n_classes = z.shape[1], n_pos = z.shape[2]
    cdef Py_ssize_t z_step = z.strides[0] // <Py_ssize_t>sizeof(floating)
    cdef int64_t bad
    cdef double m
    while i < stop:
        i1 = block_stop(i, chunk_rows, stop)
        ne = (i1 - i) * n_pos
        nonfinite[0] = nonfinite[0] + _lse_rows(z, i, i1, False, flat, mrow, lse)
        if flat and y.strides[0] % 8 == 0:
            if floating is float:
                lm_ce_rows_f(&z[i, 0, 0], z_step, ne, n_classes, &y[i, 0], y.strides[0] // 8,
                             &cw[0], &sw[i] if has_sw else NULL, ignore_index, has_ignore,
                             mrow, lse, num, den, &bad)
            else:
                lm_ce_rows(&z[i, 0, 0], z_step, ne, n_classes, &y[i, 0], y.strides[0] // 8,
                           &cw[0], &sw[i] if has_sw else NULL, ignore_index, has_ignore,
                           mrow, lse, num, den, &bad)
        else:
            _gather(z, i, i1, g)
            for e in range(ne):
                yg[e] = y[i + e // n_pos, e % n_pos]
                if has_sw:
                    swg[e] = sw[i + e // n_pos]
            lm_ce_rows(g, n_classes, ne, n_classes, yg, 1, &cw[0],
                       swg if has_sw else NULL, ignore_index, has_ignore,
                       mrow, lse, num, den, &bad)
        if bad >= 0 and first_bad[0] < 0:
            first_bad[0] = i * n_pos + bad
        if want_none:
            for e in range(ne):
                out[i + e // n_pos, e % n_pos] = num[e]
        if table != NULL:
            for e in range(ne):
                group_add(table, 2, groups[i + e // n_pos], 0, num[e])
                group_add(table, 2, groups[i + e // n_pos], 1, den[e])
        else:
            acc4_add_array(&lanes_num, num, ne)
            acc4_add_array(&lanes_den, den, ne)
        i = i1
    la[0] = acc4_total(lanes_num)
    lw[0] = acc4_total(lanes_den)


cdef inline bint _below_inf(const floating[:, :, :] z, Py_ssize_t start,
                            Py_ssize_t stop) noexcept nogil:
    """Whether the scores of rows [start, stop) are all below +infinity (no
    NaN, no +inf): nll_loss's check of its log-probabilities, made by the
    kernel as it reads them (a vectorised scan when the rows are contiguous)."""
    cdef Py_ssize_t i, j, c, n_classes = z.shape[1], n_pos = z.shape[2]
    if (z.strides[2] == sizeof(floating) or n_pos == 1) and (
            z.strides[1] == n_pos * <Py_ssize_t>sizeof(floating) or n_classes == 1) and (
            z.strides[0] == n_classes * n_pos * <Py_ssize_t>sizeof(floating)):
        if floating is float:
            return lm_below_inf_f(&z[start, 0, 0], (stop - start) * n_classes * n_pos) != 0
        else:
            return lm_below_inf(&z[start, 0, 0], (stop - start) * n_classes * n_pos) != 0
    for i in range(start, stop):
        for c in range(n_classes):
            for j in range(n_pos):
                if not z[i, c, j] < INFINITY:
                    return False
    return True


cdef inline void _nll_rows(const floating[:, :, :] z, const int64_t[:, :] y,
                           const double[::1] cw, const double[::1] sw, bint has_sw,
                           int64_t ignore_index, bint has_ignore, Py_ssize_t start,
                           Py_ssize_t stop, bint want_none, double[:, ::1] out,
                           bint unit_den, Acc* la, Acc* lw, int64_t* first_bad) noexcept nogil:
    """nll_loss of rows [start, stop) of (N, C) log-probabilities whose rows
    hold their C values side by side (``nll_flat``): _index_rows's terms and
    sums, in its order, by lm_nll_rows."""
    cdef double acc[4]
    cdef int64_t bad
    acc[0] = la.s
    acc[1] = la.c
    acc[2] = lw.s
    acc[3] = lw.c
    if floating is float:
        lm_nll_rows_f(&z[start, 0, 0], z.strides[0] // <Py_ssize_t>sizeof(float), stop - start,
                      z.shape[1], &y[start, 0], y.strides[0] // 8, &cw[0],
                      &sw[start] if has_sw else NULL, ignore_index, has_ignore, unit_den, acc,
                      &out[start, 0] if want_none else NULL, &bad)
    else:
        lm_nll_rows(&z[start, 0, 0], z.strides[0] // <Py_ssize_t>sizeof(double), stop - start,
                    z.shape[1], &y[start, 0], y.strides[0] // 8, &cw[0],
                    &sw[start] if has_sw else NULL, ignore_index, has_ignore, unit_den, acc,
                    &out[start, 0] if want_none else NULL, &bad)
    la.s = acc[0]
    la.c = acc[1]
    lw.s = acc[2]
    lw.c = acc[3]
    if bad >= 0 and first_bad[0] < 0:
        first_bad[0] = start + bad


cdef inline void _index_rows(const floating[:, :, :] z, const int64_t[:, :] y,
                             const double[::1] cw, const double[::1] sw, bint has_sw,
                             int64_t ignore_index, bint has_ignore, double smoothing,
                             bint log_input, bint many_classes, bint flat,
                             Py_ssize_t chunk_rows, Py_ssize_t start, Py_ssize_t stop,
                             bint want_none, double[:, ::1] out, double* mrow, double* lse,
                             Acc* la, Acc* lw, int64_t* first_bad, double* nonfinite,
                             const int64_t* groups, double* table) noexcept nogil:
    """Rows [start, stop) of index_target_kernel off cross_entropy's lean path:
    nll_loss, or cross_entropy with label smoothing or many classes.  The
    running sums are this function's locals (registers, not the parallel
    region's memory) until the block ends."""
    cdef Py_ssize_t i, j, c, n_classes = z.shape[1], n_pos = z.shape[2]
    cdef int64_t t
    cdef double w, loss, m, lse_off, smooth, zc
    cdef double keep = 1.0 - smoothing, spread = smoothing / n_classes
    cdef Acc a = la[0], d = lw[0]
    for i in range(start, stop):
        if not log_input and (i - start) % chunk_rows == 0:
            # The next rows' log-sum-exps, vectorised.
            nonfinite[0] = nonfinite[0] + _lse_rows(
                z, i, block_stop(i, chunk_rows, stop), many_classes, flat, mrow, lse)
        w = sw[i] if has_sw else 1.0
        for j in range(n_pos):
            t = y[i, j]
            if has_ignore and t == ignore_index:
                continue
            if t < 0 or t >= n_classes:
                if first_bad[0] < 0:
                    first_bad[0] = i * n_pos + j
                continue
            if w == 0.0 or (cw[t] == 0.0 and smoothing == 0.0):
                # Left out, so that 0 * inf (a -inf log-probability)
                # cannot turn into NaN.
                continue
            if log_input:
                loss = lm_nll_term(cw[t], <double>z[i, t, j])
            else:
                # log-sum-exp shifted by the row maximum: exact and
                # finite for any finite logits.
                m = mrow[((i - start) % chunk_rows) * n_pos + j]
                lse_off = lse[((i - start) % chunk_rows) * n_pos + j]
                loss = (lm_ce_term(cw[t], m, <double>z[i, t, j], lse_off)
                        if cw[t] != 0.0 else 0.0)
                if smoothing != 0.0:
                    smooth = 0.0
                    for c in range(n_classes):
                        if cw[c] != 0.0:  # 0 * inf (huge logit gaps) is no NaN
                            zc = z[i, c, j]
                            smooth = smooth + lm_ce_term(cw[c], m, zc, lse_off)
                    loss = (keep * loss if keep != 0.0 else 0.0) + spread * smooth
            if want_none:
                out[i, j] = w * loss
            row_add(&a, &d, table, groups, i, w * loss, w * cw[t])
    la[0] = a
    lw[0] = d


def small_nll_state(const int64_t[::1] y, const floating[:, ::1] z):
    """The state index_target_kernel(z[:, :, None], y[:, None], ones, no
    weights, log_input=True, ...) returns for nll_loss of C-contiguous
    (N, C) log-probabilities without NaN or +inf and class indices in
    [0, C), without options, or None for any other input (the generic path
    raises).  The lean path of small calls (lossmetrics/_losses/
    class_scores.py): its blocks, scans and picks (lm_nll_rows's plain
    instance; lm_nll_scanned_rows checks a block's labels first, then picks
    without selects), serially: the same bits."""
    cdef Py_ssize_t n = z.shape[0], n_classes = z.shape[1]
    cdef Py_ssize_t rpb = rows_per_block(n_classes), nb = n_blocks(n, rpb)
    cdef Py_ssize_t b, start, stop
    cdef int64_t bad = -1
    cdef bint valid = True
    cdef double acc[4]
    cdef Acc la, lw
    cdef double partials[4 * SMALL_BLOCKS]
    if n == 0 or n_classes == 0 or y.shape[0] != n:
        return None
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    with nogil:
        for b in range(nb):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            acc[0] = 0.0
            acc[1] = 0.0
            acc[2] = 0.0
            acc[3] = 0.0
            if floating is float:
                valid = lm_nll_scanned_rows_f(&z[start, 0], stop - start, n_classes,
                                              &y[start], acc, &bad) != 0
            else:
                valid = lm_nll_scanned_rows(&z[start, 0], stop - start, n_classes,
                                            &y[start], acc, &bad) != 0
            if not valid or bad >= 0:
                break
            la.s = acc[0]
            la.c = acc[1]
            lw.s = acc[2]
            lw.c = acc[3]
            acc_store_at(&partials[4 * b], la)
            acc_store_at(&partials[4 * b + 2], lw)
    if not valid or bad >= 0:
        return None
    return state_arr if small_state(partials, nb, &state[0, 0]) else None


def index_target_kernel(const floating[:, :, :] z, const int64_t[:, :] y,
                        const double[::1] cw, const double[::1] sw,
                        int64_t ignore_index, bint has_ignore,
                        double smoothing, bint log_input,
                        bint want_none, int n_threads, const int64_t[::1] groups=None,
                        Py_ssize_t n_groups=0):
    """PyTorch cross_entropy (``log_input=False``) or nll_loss (True), index targets.

    ``z`` is (N, C, S) logits or log-probabilities, ``y`` (N, S) class indices,
    ``cw`` (C,) class weights, ``sw`` (N,) sample weights or empty.  Per element:

        loss  = (1 - s) * cw[t] * (-log p_t) + s / C * sum_c cw[c] * (-log p_c)
        denom = cw[t]

    both times the sample weight; ignored elements contribute nothing.  With
    ``groups`` (each row's group number, below ``n_groups``) the state is one
    per group, of shape (n_groups, 2, 2) (super-blocks: _blocksum.pxd).
    Returns (state, per-element (N, S) or None, first bad flat index or -1,
    whether the scores were all seen valid: on the lean path of cross_entropy
    (no label smoothing, at most EXP_CHUNK scores a row) the log-sum-exps flag
    any NaN or infinity; nll_loss's blocks scan their log-probabilities for a
    NaN or +inf (-inf is a valid log-probability) before they pick from them;
    False otherwise, and the caller scans the scores).
    """
    cdef Py_ssize_t n = z.shape[0], n_classes = z.shape[1], n_pos = z.shape[2]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = (n_blocks(n, super_blocks(n, n_groups)) if grouped
                           else rows_per_block(n_classes * n_pos))
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and n > 0 else NULL
    cdef double[:, :, ::1] partials = np.empty((nb, 2, 2), dtype=np.float64)
    cdef int64_t[::1] bad = np.empty(nb, dtype=np.int64)   # every block writes its own
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[:, ::1] out
    cdef Py_ssize_t b, start, stop
    cdef int64_t first_bad_in_block
    cdef Acc la, lw
    cdef bint many_classes = n_classes * n_pos > EXP_CHUNK
    cdef Py_ssize_t chunk_rows = _lse_chunk_rows(n_classes, n_pos)
    cdef double* mrow
    cdef double* lse
    cdef bint flat = _lse_flat(z)
    # cross_entropy without label smoothing, the common case, on a lean path
    # (rows of at most EXP_CHUNK scores).
    cdef bint fast = not log_input and smoothing == 0.0 and not many_classes
    # nll_loss of (N, C) rows whose values lie side by side, the common case.
    cdef bint unit_den = not has_sw and _all_ones(cw)
    cdef bint nll_flat = (log_input and not grouped and n_pos == 1
                          and z.strides[1] == sizeof(floating)
                          and z.strides[0] % <Py_ssize_t>sizeof(floating) == 0
                          and y.strides[0] % 8 == 0)
    cdef double nonfinite
    cdef double[::1] block_nonfinite = np.zeros(nb, dtype=np.float64)
    # Per-thread scratch: row maxima and log-sum-exps of one chunk of rows.
    cdef double[:, :, ::1] scratch = np.empty((max(n_threads, 1), 2, padded(chunk_rows * n_pos)))

    out_arr = np.zeros((n if want_none else 0, n_pos if want_none else 0), dtype=np.float64)
    out = out_arr
    with nogil, parallel(num_threads=n_threads):
        mrow = &scratch[threadid(), 0, 0]
        lse = &scratch[threadid(), 1, 0]
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads)):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            la = acc_zero()
            lw = acc_zero()
            first_bad_in_block = -1
            nonfinite = 0.0
            table = &tables[b, 0, 0] if grouped else NULL
            if log_input and not _below_inf(z, start, stop):
                nonfinite = INFINITY - INFINITY   # (NaN: not seen valid)
            if fast:
                _ce_block(z, y, cw, sw, has_sw, ignore_index, has_ignore, start, stop,
                          chunk_rows, flat, want_none, out, mrow, lse, &la, &lw,
                          &first_bad_in_block, &nonfinite, gp, table)
            elif nll_flat:
                _nll_rows(z, y, cw, sw, has_sw, ignore_index, has_ignore, start, stop,
                          want_none, out, unit_den, &la, &lw, &first_bad_in_block)
            else:
                _index_rows(z, y, cw, sw, has_sw, ignore_index, has_ignore, smoothing,
                            log_input, many_classes, flat, chunk_rows, start, stop,
                            want_none, out, mrow, lse, &la, &lw, &first_bad_in_block,
                            &nonfinite, gp, table)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
            if grouped:
                group_settle(table, 2 * n_groups)
            bad[b] = first_bad_in_block
            block_nonfinite[b] = nonfinite
    combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state),
            out_arr if want_none else None, _first_bad(bad),
            bool((fast or log_input) and _all_finite(block_nonfinite)))


def prob_target_kernel(const floating[:, :, :] z, const floating_b[:, :, :] target,
                       const double[::1] cw, const double[::1] sw,
                       double smoothing, bint want_none, int n_threads,
                       const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """PyTorch cross_entropy with class-probability targets.

    Per element: ``loss = sum_c cw[c] * t'_c * (-log p_c)`` with
    ``t' = (1 - s) t + s / C``; the denominator counts each element once
    (times its sample weight).  Returns (state, per-element (N, S) or None);
    with ``groups``, one state per group (as index_target_kernel).
    """
    cdef Py_ssize_t n = z.shape[0], n_classes = z.shape[1], n_pos = z.shape[2]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = (n_blocks(n, super_blocks(n, n_groups)) if grouped
                           else rows_per_block(n_classes * n_pos))
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and n > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[:, ::1] out
    cdef Py_ssize_t b, i, j, c, start, stop
    cdef double w, loss, m, lse_off, tc
    cdef double keep = 1.0 - smoothing, spread = smoothing / n_classes
    cdef Acc la, lw
    cdef bint many_classes = n_classes * n_pos > EXP_CHUNK
    cdef Py_ssize_t chunk_rows = _lse_chunk_rows(n_classes, n_pos), k
    cdef double* mrow
    cdef double* lse
    cdef bint flat = _lse_flat(z)
    # Per-thread scratch: row maxima and log-sum-exps of one chunk of rows.
    cdef double[:, :, ::1] scratch = np.empty((max(n_threads, 1), 2, padded(chunk_rows * n_pos)))

    out_arr = np.zeros((n if want_none else 0, n_pos if want_none else 0), dtype=np.float64)
    out = out_arr
    with nogil, parallel(num_threads=n_threads):
        mrow = &scratch[threadid(), 0, 0]
        lse = &scratch[threadid(), 1, 0]
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads)):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for i in range(start, stop):
                if (i - start) % chunk_rows == 0:
                    # (the scores were scanned before: the flag is not needed)
                    _lse_rows(z, i, block_stop(i, chunk_rows, stop), many_classes, flat,
                              mrow, lse)
                w = sw[i] if has_sw else 1.0
                for j in range(n_pos):
                    k = ((i - start) % chunk_rows) * n_pos + j
                    m = mrow[k]
                    lse_off = lse[k]
                    loss = 0.0
                    for c in range(n_classes):
                        tc = keep * target[i, c, j] + spread
                        if tc != 0.0 and cw[c] != 0.0 and w != 0.0:
                            loss = loss + lm_ce_term(cw[c] * tc, m, <double>z[i, c, j],
                                                     lse_off)
                    if want_none:
                        out[i, j] = w * loss
                    row_add(&la, &lw, table, gp, i, w * loss, w)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
            if grouped:
                group_settle(table, 2 * n_groups)
    combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state),
            out_arr if want_none else None)


cdef inline bint _kl_flat(const floating[:, :] p, const floating_b[:, :] q,
                          Py_ssize_t chunk_rows) noexcept nogil:
    """Whether the lean path of _kl_rows applies: rows of contiguous columns,
    element strides, a chunk of rows within EXP_CHUNK values."""
    return (p.strides[1] == sizeof(floating) and q.strides[1] == sizeof(floating_b)
            and p.strides[0] % <Py_ssize_t>sizeof(floating) == 0
            and q.strides[0] % <Py_ssize_t>sizeof(floating_b) == 0
            and chunk_rows * p.shape[1] <= EXP_CHUNK)


cdef inline void _kl_rows_flat(const floating[:, :] p, const floating_b[:, :] q,
                               Py_ssize_t r0, Py_ssize_t r1, double* rows,
                               bint* in_range) noexcept nogil:
    """_kl_rows for probabilities (no log inputs) on the lean path (_kl_flat),
    by lm_kl_rows: the same terms, summed in the same order.  ``in_range``
    drops to False when a value is not in [0, 1] (NaN, infinities)."""
    cdef double bp[EXP_CHUNK]
    cdef double bq[EXP_CHUNK]
    cdef Py_ssize_t n_cols = p.shape[1]
    cdef Py_ssize_t ps = p.strides[0] // <Py_ssize_t>sizeof(floating)
    cdef Py_ssize_t qs = q.strides[0] // <Py_ssize_t>sizeof(floating_b)
    cdef int ok
    if floating is double:
        if floating_b is double:
            ok = lm_kl_rows_dd(&p[r0, 0], ps, &q[r0, 0], qs, r1 - r0, n_cols, rows, bp, bq)
        else:
            ok = lm_kl_rows_df(&p[r0, 0], ps, &q[r0, 0], qs, r1 - r0, n_cols, rows, bp, bq)
    else:
        if floating_b is double:
            ok = lm_kl_rows_fd(&p[r0, 0], ps, &q[r0, 0], qs, r1 - r0, n_cols, rows, bp, bq)
        else:
            ok = lm_kl_rows_ff(&p[r0, 0], ps, &q[r0, 0], qs, r1 - r0, n_cols, rows, bp, bq)
    if not ok:
        in_range[0] = False


cdef inline void _kl_rows(const floating[:, :] p, const floating_b[:, :] q, bint log_true,
                          bint log_pred, Py_ssize_t r0, Py_ssize_t r1,
                          double* rows) noexcept nogil:
    """KL sums of rows [r0, r1) into rows[r - r0], terms added in column order.

    EXP_CHUNK entries at a time, across rows: their logarithms (and
    exponentials, for log_true) by the vectorised functions of _fastmath.h,
    then their terms (lm_kl_term, lm_kl_log_target_term of _terms.h), then
    the rows' sums.
    """
    cdef double bx[EXP_CHUNK]    # p as given (log p for log_true)
    cdef double bp[EXP_CHUNK]    # log p (p for log_true), then the terms
    cdef double bq[EXP_CHUNK]    # log q
    cdef Py_ssize_t n_cols = p.shape[1], r = r0, c = 0, rs, cs, k, e
    # A row longer than a chunk is alone in [r0, r1) (_kl_chunk_rows), never
    # on the lean path: its terms go into a compensated sum (a plain one
    # drifts by tens of ulp over 1e5 classes).
    cdef bint long_row = n_cols > EXP_CHUNK
    cdef Acc row_acc = acc_zero()
    for k in range(r1 - r0):
        rows[k] = 0.0
    while r < r1:
        rs = r
        cs = c
        k = 0
        while r < r1 and k < EXP_CHUNK:
            bx[k] = p[r, c]
            bq[k] = q[r, c]
            bp[k] = bx[k]
            k = k + 1
            c = c + 1
            if c == n_cols:
                c = 0
                r = r + 1
        r = rs
        c = cs
        if log_true:
            lm_exp_array(bp, k)
        else:
            lm_log_array(bp, k)      # log 0 = -inf
        if not log_pred:
            lm_log_array(bq, k)
        if log_true:
            for e in range(k):
                bp[e] = lm_kl_log_target_term(bp[e], bx[e], bq[e])
        else:
            for e in range(k):
                bp[e] = lm_kl_term(bx[e], bp[e], bq[e])
        if long_row:
            for e in range(k):
                row_acc = acc_add(row_acc, bp[e])
            c = c + k
            if c == n_cols:
                c = 0
                r = r + 1
            continue
        for e in range(k):
            rows[r - r0] = rows[r - r0] + bp[e]
            c = c + 1
            if c == n_cols:
                c = 0
                r = r + 1
    if long_row:
        rows[0] = acc_value(row_acc)


cdef inline Py_ssize_t _kl_chunk_rows(Py_ssize_t n_cols) noexcept nogil:
    """Rows of KL terms computed together: EXP_CHUNK values (at least one row)."""
    return max(1, EXP_CHUNK // max(n_cols, 1))


def kl_kernel_checks(const floating[:, :] p, const floating_b[:, :] q):
    """Whether kl_kernel, given probabilities (no log inputs), checks p and q
    in [0, 1] as it reads them (its lean path, _kl_flat); when not, the caller
    scans them first."""
    return _kl_flat(p, q, _kl_chunk_rows(p.shape[1]))


def small_kl_state(const double[:, :] p, const double[:, :] q):
    """The state kl_kernel(p, q, False, False, no weights, 1, False, 1)
    returns for float64 probabilities on its lean path (_kl_flat), or None
    where that path does not apply, a value is not in [0, 1] or the state
    is not finite (the generic path raises or returns it).  The lean path
    of small calls (lossmetrics/_losses/distributions.py): the generic
    kernel's blocks, chunks and rows (_kl_rows_flat), serially, without its
    arrays and parallel region: the same bits."""
    cdef Py_ssize_t n_rows = p.shape[0], n_cols = p.shape[1], b, r, r0, r1, start, stop
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, False, 0), nb = n_blocks(n_rows, rpb)
    cdef Py_ssize_t chunk_rows = _kl_chunk_rows(n_cols)
    cdef double rows[EXP_CHUNK]
    cdef bint in_range = True
    cdef Acc la, lw
    cdef double partials[4 * SMALL_BLOCKS]
    if (n_rows == 0 or n_cols == 0 or q.shape[0] != n_rows or q.shape[1] != n_cols
            or not _kl_flat(p, q, chunk_rows)):
        return None
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    with nogil:
        for b in range(nb):
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            r0 = start
            while r0 < stop:
                r1 = block_stop(r0, chunk_rows, stop)
                _kl_rows_flat(p, q, r0, r1, rows, &in_range)
                for r in range(r0, r1):
                    row_add(&la, &lw, NULL, NULL, r, rows[r - r0], 1.0)
                r0 = r1
            acc_store_at(&partials[4 * b], la)
            acc_store_at(&partials[4 * b + 2], lw)
    if not in_range:
        return None
    return state_arr if small_state(partials, nb, &state[0, 0]) else None


def kl_kernel(const floating[:, :] p, const floating_b[:, :] q,
              bint log_true, bint log_pred, const double[::1] sw,
              Py_ssize_t rows_per_sample, bint want_none, int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """KL(P || Q) along the rows of (M, C) arrays, PyTorch ``kl_div`` terms.

    Terms: ``xlogy(p, p) - p * log q`` (``0 log 0 = 0``; ``p > 0`` where
    ``q = 0`` gives inf), or ``exp(lp) * (lp - lq)`` for log inputs.  Row r
    belongs to sample ``r // rows_per_sample`` for its sample weight.
    Returns (state, per-row (M,) or None, whether every value was seen in
    [0, 1]: True only on the lean path of probabilities (see _kl_flat); the
    caller scans the inputs otherwise).
    """
    cdef Py_ssize_t n_rows = p.shape[0], n_cols = p.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[::1] out
    cdef Py_ssize_t b, r, r0, r1, start, stop
    cdef double w, row
    cdef Acc la, lw
    # Rows whose KL terms are computed together (one per call when a row has
    # more than EXP_CHUNK entries), and per-thread room for their sums.
    cdef Py_ssize_t chunk_rows = _kl_chunk_rows(n_cols)
    cdef double[:, ::1] scratch = np.empty((max(n_threads, 1), padded(chunk_rows)))
    cdef double* rows
    cdef bint lean = not log_true and not log_pred and _kl_flat(p, q, chunk_rows)
    cdef bint in_range
    cdef unsigned char[::1] block_in_range = np.zeros(nb, dtype=np.uint8)

    out_arr = np.zeros(n_rows if want_none else 0, dtype=np.float64)
    out = out_arr
    with nogil, parallel(num_threads=n_threads):
        rows = &scratch[threadid(), 0]
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads)):
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            in_range = True
            r0 = start
            while r0 < stop:
                r1 = block_stop(r0, chunk_rows, stop)
                if lean:
                    _kl_rows_flat(p, q, r0, r1, rows, &in_range)
                else:
                    _kl_rows(p, q, log_true, log_pred, r0, r1, rows)
                for r in range(r0, r1):
                    w = sw[r // rows_per_sample] if has_sw else 1.0
                    if w == 0.0:
                        # Left out: an infinite KL row must not become 0 * inf.
                        continue
                    row = rows[r - r0]
                    row_add(&la, &lw, table, gp, r // rows_per_sample, w * row, w)
                    if want_none:
                        out[r] = w * row
                r0 = r1
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
            block_in_range[b] = in_range
    combine_blocks(partials, state)
    return ((by_group(tables, n_groups, 2) if grouped else np.asarray(state)), out_arr if want_none else None,
            bool(lean and np.asarray(block_in_range).all()))


def js_kernel(const floating[:, :] p, const floating_b[:, :] q, bint log_true,
              bint log_pred, const double[::1] sw, bint want_none, int n_threads,
              double scale,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """Jensen-Shannon divergence along the rows of (M, C) arrays (lm_js_term of
    each pair, log inputs exponentiated first), each row's terms in a
    compensated sum, times ``scale`` (1 / log(base)).  Returns (state, per-row
    (M,) or None)."""
    cdef Py_ssize_t n_rows = p.shape[0], n_cols = p.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[::1] out
    cdef Py_ssize_t b, r, c, start, stop
    cdef double w, row, pv, qv
    cdef Acc la, lw, row_acc

    out_arr = np.zeros(n_rows if want_none else 0, dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for r in range(start, stop):
                w = sw[r] if has_sw else 1.0
                row_acc = acc_zero()
                for c in range(n_cols):
                    pv = lm_exp1(p[r, c]) if log_true else <double>p[r, c]
                    qv = lm_exp1(q[r, c]) if log_pred else <double>q[r, c]
                    row_acc = acc_add(row_acc, lm_js_term(pv, qv))
                row = acc_value(row_acc) * scale
                if w == 0.0:
                    row = row - row      # 0, or NaN for a NaN input
                else:
                    row = w * row
                row_add(&la, &lw, table, gp, r, row, w)
                if want_none:
                    out[r] = row
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state)), out_arr if want_none else None


cdef inline double _multi_margin_row(const floating* row, Py_ssize_t col_bytes,
                                     Py_ssize_t n_cols, int64_t k, int power,
                                     double margin) noexcept nogil:
    """The sum over the classes i != k of max(0, margin - x[k] + x[i])**power,
    compensated (a NaN stays: the maximum keeps it), of the row of n_cols
    scores at ``row``, col_bytes apart (pointers, not memoryviews: passing a
    memoryview to a function counts a reference, atomically, on every call)."""
    cdef double xk = (<const floating*>((<const char*>row) + k * col_bytes))[0], t
    cdef Acc row_acc = acc_zero()
    cdef Py_ssize_t i
    for i in range(n_cols):
        if i == k:
            continue
        t = margin - xk + <double>(<const floating*>((<const char*>row) + i * col_bytes))[0]
        t = t if not (t <= 0.0) else 0.0
        row_acc = acc_add(row_acc, t * t if power == 2 else t)
    return acc_value(row_acc)


def small_multi_margin_state(const int64_t[::1] y, const double[:, :] x):
    """The state multi_margin_kernel(x, y[:, None], 1, 1.0, no class or
    sample weights, ...) returns for C-contiguous (N, C) finite scores and
    class indices in [0, C) (PyTorch's defaults: p = 1, margin 1), or None
    for any other input (the generic path raises).  The lean path of small
    calls (lossmetrics/_losses/margins.py): its blocks and rows
    (_multi_margin_row), serially: the same bits."""
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1], i, r, b, start, stop
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, False, 0), nb = n_blocks(n_rows, rpb)
    cdef bint ok = True
    cdef const double* p
    cdef double row
    cdef Acc la, lw
    cdef double partials[4 * SMALL_BLOCKS]
    if (n_rows == 0 or n_cols == 0 or y.shape[0] != n_rows
            or x.strides[1] != sizeof(double) or x.strides[0] != n_cols * sizeof(double)):
        return None
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    with nogil:
        p = &x[0, 0]
        for i in range(n_rows * n_cols):
            ok = ok & (p[i] - p[i] == 0.0)                  # finite
        for r in range(n_rows):
            ok = ok & (<uint64_t>y[r] < <uint64_t>n_cols)   # in [0, C)
        if ok:
            for b in range(nb):
                start = b * rpb
                stop = block_stop(start, rpb, n_rows)
                la = acc_zero()
                lw = acc_zero()
                for r in range(start, stop):
                    row = _multi_margin_row(&x[r, 0], sizeof(double), n_cols, y[r], 1,
                                            1.0) / n_cols
                    row_add(&la, &lw, NULL, NULL, r, row, 1.0)
                acc_store_at(&partials[4 * b], la)
                acc_store_at(&partials[4 * b + 2], lw)
    return state_arr if ok and small_state(partials, nb, &state[0, 0]) else None


def multi_margin_kernel(const floating[:, :] x, const int64_t[:, :] y, int power,
                        double margin, const double[::1] cw, const double[::1] sw,
                        bint want_none, int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """PyTorch's MultiMarginLoss along the rows of (N, C) scores: for the target
    class k of row r, the sum over the other classes i of
    ``max(0, margin - x[r, k] + x[r, i])**power`` (power 1 or 2), times
    ``cw[k]`` (if given), over C; each row's terms in a compensated sum.  The
    class indices are in [0, C) (checked by the caller).  A NaN score stays
    NaN (the maximum keeps it).  Returns (state, per-row (N,) or None)."""
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint has_cw = cw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[::1] out
    cdef Py_ssize_t b, r, start, stop
    cdef int64_t k
    cdef double w, row
    cdef Acc la, lw

    out_arr = np.zeros(n_rows if want_none else 0, dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for r in range(start, stop):
                w = sw[r] if has_sw else 1.0
                k = y[r, 0]
                row = _multi_margin_row(&x[r, 0], x.strides[1], n_cols, k, power, margin)
                if has_cw:
                    row = row * cw[k]
                row = row / n_cols
                if w == 0.0:
                    row = row - row      # 0, or NaN for a NaN score
                else:
                    row = w * row
                row_add(&la, &lw, table, gp, r, row, w)
                if want_none:
                    out[r] = row
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state)), out_arr if want_none else None


cdef inline double _multilabel_margin_row(const floating* row, Py_ssize_t col_bytes,
                                          const int64_t* targets, Py_ssize_t y_bytes,
                                          Py_ssize_t n_cols,
                                          unsigned char* is_target) noexcept nogil:
    """The sum, over the row's targets j (targets[0], ... up to the first -1,
    y_bytes apart) and the classes i that are not targets, of
    max(0, 1 - (x[j] - x[i])), compensated, of the row of n_cols scores at
    ``row``, col_bytes apart (pointers: see _multi_margin_row); is_target:
    room for n_cols flags."""
    cdef Py_ssize_t i, j
    cdef int64_t k
    cdef double t, xk
    cdef Acc row_acc = acc_zero()
    for i in range(n_cols):
        is_target[i] = 0
    for j in range(n_cols):
        k = (<const int64_t*>((<const char*>targets) + j * y_bytes))[0]
        if k < 0:
            break
        is_target[k] = 1
    for j in range(n_cols):
        k = (<const int64_t*>((<const char*>targets) + j * y_bytes))[0]
        if k < 0:
            break
        xk = (<const floating*>((<const char*>row) + k * col_bytes))[0]
        for i in range(n_cols):
            if is_target[i]:
                continue
            t = 1.0 - (xk - <double>(<const floating*>((<const char*>row) + i * col_bytes))[0])
            t = t if not (t <= 0.0) else 0.0
            row_acc = acc_add(row_acc, t)
    return acc_value(row_acc)


def small_multilabel_margin_state(const int64_t[:, :] y, const double[:, :] x):
    """The state multilabel_margin_kernel(x, y, no weights, ...) returns for
    C-contiguous (N, C) finite scores and int64 target lists of the same
    shape holding values in [-1, C), or None for any other input (the
    generic path raises).  The lean path of small calls (lossmetrics/
    _losses/multilabel.py): its blocks and rows (_multilabel_margin_row),
    serially: the same bits."""
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1], i, r, b, start, stop
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, False, 0), nb = n_blocks(n_rows, rpb)
    cdef bint ok = True
    cdef const double* p
    cdef const int64_t* q
    cdef double row
    cdef Acc la, lw
    cdef double partials[4 * SMALL_BLOCKS]
    cdef unsigned char[::1] flags
    if (n_rows == 0 or n_cols == 0 or y.shape[0] != n_rows or y.shape[1] != n_cols
            or x.strides[1] != sizeof(double) or x.strides[0] != n_cols * sizeof(double)
            or y.strides[1] != sizeof(int64_t) or y.strides[0] != n_cols * sizeof(int64_t)):
        return None
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    flags = np.empty(n_cols, dtype=np.uint8)
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    with nogil:
        p = &x[0, 0]
        q = &y[0, 0]
        for i in range(n_rows * n_cols):
            ok = ok & (p[i] - p[i] == 0.0)                            # finite
            ok = ok & (<uint64_t>(q[i] + 1) < <uint64_t>(n_cols + 1))  # in [-1, C)
        if ok:
            for b in range(nb):
                start = b * rpb
                stop = block_stop(start, rpb, n_rows)
                la = acc_zero()
                lw = acc_zero()
                for r in range(start, stop):
                    row = _multilabel_margin_row(&x[r, 0], sizeof(double), &y[r, 0],
                                                 sizeof(int64_t), n_cols, &flags[0]) / n_cols
                    row_add(&la, &lw, NULL, NULL, r, row, 1.0)
                acc_store_at(&partials[4 * b], la)
                acc_store_at(&partials[4 * b + 2], lw)
    return state_arr if ok and small_state(partials, nb, &state[0, 0]) else None


def multilabel_margin_kernel(const floating[:, :] x, const int64_t[:, :] y,
                             const double[::1] sw, bint want_none, int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """PyTorch's MultiLabelMarginLoss along the rows of (N, C) scores: the
    targets of row r are y[r, 0], y[r, 1], ... up to the first -1 (all in
    [0, C), checked by the caller); the row's loss is the sum, over each
    target j and each class i that is not a target, of
    ``max(0, 1 - (x[r, j] - x[r, i]))``, over C, in a compensated sum.
    Returns (state, per-row (N,) or None)."""
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    # (each thread's flags a cache line apart from the next's: padded)
    cdef unsigned char[:, ::1] is_target = np.zeros((n_threads, 8 * padded((n_cols + 7) // 8)),
                                                    dtype=np.uint8)
    cdef double[::1] out
    cdef Py_ssize_t b, r, start, stop, tid
    cdef double w, row
    cdef Acc la, lw

    out_arr = np.zeros(n_rows if want_none else 0, dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            tid = threadid()
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for r in range(start, stop):
                w = sw[r] if has_sw else 1.0
                row = _multilabel_margin_row(&x[r, 0], x.strides[1], &y[r, 0], y.strides[1],
                                             n_cols, &is_target[tid, 0]) / n_cols
                if w == 0.0:
                    row = row - row      # 0, or NaN for a NaN score
                else:
                    row = w * row
                row_add(&la, &lw, table, gp, r, row, w)
                if want_none:
                    out[r] = row
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state)), out_arr if want_none else None



def hinge_kernel(const floating[:, :] x, const int64_t[:] codes, int64_t offset,
                 const int64_t[::1] lut, const double[::1] sw, bint binary, int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """scikit-learn's hinge loss along the rows of decision values; the column
    of row r's label is ``lut[codes[r] - offset]`` (all valid, checked by the
    caller).  Binary (x of shape (N, 1)): ``max(0, 1 - s x)`` with s = +1 for
    column 1, -1 for column 0.  Multiclass (Crammer-Singer, x of shape
    (N, C)): ``max(0, 1 - x[r, k] + max over the other columns)``.
    Returns the state ((Σ w loss), (Σ w)), each a (hi, lo) row."""
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n_rows, n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef Py_ssize_t b, r, i, start, stop
    cdef int64_t k
    cdef double w, margin, other, t
    cdef Acc la, lw
    with nogil:
        for b in prange(nb, schedule='static', num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for r in range(start, stop):
                w = sw[r] if has_sw else 1.0
                k = lut[codes[r] - offset]
                if binary:
                    margin = x[r, 0] if k == 1 else -<double>x[r, 0]
                else:
                    other = -INFINITY
                    for i in range(n_cols):
                        if i != k and x[r, i] > other:
                            other = x[r, i]
                    margin = <double>x[r, k] - other
                t = 1.0 - margin
                t = t if t > 0.0 else 0.0
                row_add(&la, &lw, table, gp, r, w * t if w != 0.0 else 0.0, w)
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state))


def class_weight_kernel(const int64_t[:] codes, int64_t offset, const int64_t[::1] lut,
                        const double[::1] sw, Py_ssize_t n_classes, int n_threads,
                        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """The (weighted) count of each class, column ``lut[codes[r] - offset]``
    (all valid, checked by the caller): an (n_classes, 2) state of
    compensated (hi, lo) sums.  With ``groups`` (each row's group number,
    below ``n_groups``), those of every group: (n_groups, n_classes, 2)."""
    cdef Py_ssize_t n_rows = codes.shape[0]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t n_slots = n_classes * (n_groups if grouped else 1)
    cdef Py_ssize_t rpb = block_rows(n_rows, 1, grouped, n_groups)
    if not grouped and n_blocks(n_rows, rpb) * n_classes > (1 << 18):
        rpb = n_blocks(n_rows, max(1, (1 << 18) // n_classes))   # bound the partials (4 MB)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    cdef double[:, :, ::1] partials = np.zeros((nb, n_slots, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((n_slots, 2), dtype=np.float64)
    cdef Py_ssize_t b, r, start, stop
    with nogil:
        for b in prange(nb, schedule='static', num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n_rows)
            for r in range(start, stop):
                # partials[b, (group,) class] += w, with TwoSum's error kept.
                group_add(&partials[b, 0, 0], n_classes, groups[r] if grouped else 0,
                          lut[codes[r] - offset], sw[r] if has_sw else 1.0)
        combine_blocks(partials, state)
    arr = np.asarray(state)
    return arr.reshape(n_groups, n_classes, 2) if grouped else arr


ctypedef fused label_t:
    int64_t
    int32_t
    uint8_t
    double
    float


cdef inline Py_ssize_t _count_unequal(const label_t* a, const label_t* b,
                                      Py_ssize_t n) noexcept nogil:
    """How many a[r] != b[r] (NaN is unequal to everything) among n contiguous
    pairs: a loop the compiler vectorises (strided views cannot be)."""
    cdef Py_ssize_t r, count = 0
    for r in range(n):
        count = count + (a[r] != b[r])
    return count


def mismatch_kernel(const label_t[:] a, const label_t[:] b, const double[::1] sw,
                    int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """The weight of the rows where ``a != b`` and the total weight: a (2, 2)
    state of compensated (hi, lo) sums (zero_one_loss of numeric labels).
    Unweighted, a block counts its mismatches in an integer: the sum of its
    ones and zeros, exactly as the compensated sums have it (below 2**53),
    in a loop the compiler vectorises."""
    cdef Py_ssize_t n_rows = a.shape[0]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n_rows, 1, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n_rows, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef Py_ssize_t blk, r, start, stop, count
    cdef double w
    cdef Acc la, lw
    with nogil:
        for blk in prange(nb, schedule='static', num_threads=n_threads):
            start = blk * rpb
            stop = block_stop(start, rpb, n_rows)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[blk, 0, 0] if grouped else NULL
            if not has_sw and not grouped:
                if a.strides[0] == sizeof(label_t) and b.strides[0] == sizeof(label_t):
                    count = _count_unequal(&a[start], &b[start], stop - start)
                else:
                    count = 0
                    for r in range(start, stop):
                        count = count + (a[r] != b[r])
                la.s = <double>count
                lw.s = <double>(stop - start)
            else:
                for r in range(start, stop):
                    w = sw[r] if has_sw else 1.0
                    row_add(&la, &lw, table, gp, r, w if a[r] != b[r] else 0.0, w)
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, blk, 0, la)
            acc_store(partials, blk, 1, lw)
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state))


def label_summary(const label_t[:] y):
    """(the number of distinct values, at most 3; whether every value is an
    integer; whether one is NaN or infinite): scikit-learn's type_of_target of numeric
    labels (binary, multiclass, continuous) in one pass, without a sort."""
    cdef Py_ssize_t n = y.shape[0], i
    cdef double first = 0.0, second = 0.0, v
    cdef int n_distinct = 0
    cdef bint integral = True, nan = False
    with nogil:
        for i in range(n):
            v = <double>y[i]
            if label_t is float or label_t is double:
                if v - v != 0.0:     # NaN or infinity
                    nan = True
                    continue
                if v != floor(v):
                    integral = False
            if n_distinct == 0:
                first = v
                n_distinct = 1
            elif n_distinct == 1 and v != first:
                second = v
                n_distinct = 2
            elif n_distinct == 2 and v != first and v != second:
                n_distinct = 3
                if not (label_t is float or label_t is double):
                    break    # integers: nothing more to learn (multiclass)
    return n_distinct, bool(integral), bool(nan)
