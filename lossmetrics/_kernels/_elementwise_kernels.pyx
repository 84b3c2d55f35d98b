"""Kernels for element-wise losses: squared and absolute error, Huber, smooth L1,
soft margin, hinge embedding, binary cross-entropy.

Inputs are (N, L) views (L = 1 for 1-D data), read in place as float32 or
float64; per-element losses are computed in float64 and reduced inside the
kernel.  The state has shape (K + 1, 2): K = L loss columns when
``per_column`` (for ``multioutput='raw_values'``) else K = 1, then one row for
the denominator (sum of sample weights over elements); each row is (hi, lo).
"""
import numpy as np
from cython.parallel cimport prange
from libc.math cimport INFINITY, fabs, fmax, fmin, frexp, ldexp, pow, sqrt
from libc.stdint cimport int64_t

cdef extern from "_terms.h" nogil:
    ctypedef struct lm_params:
        double p0
        double p1
    double lm_squared_error(double y, double x)
    double lm_absolute_error(double y, double x)
    double lm_huber(double y, double x, lm_params p)
    double lm_smooth_l1(double y, double x, lm_params p)
    double lm_soft_margin(double y, double x, lm_params p)
    double lm_hinge_embedding(double y, double x, lm_params p)
    double lm_poisson_log(double y, double x, lm_params p)
    double lm_poisson(double y, double x, lm_params p)
    double lm_sigmoid_focal(double y, double x, lm_params p)
    double lm_squared_log_error(double y, double x, lm_params p)
    double lm_absolute_percentage_error(double y, double x, lm_params p)
    double lm_pinball(double y, double x, lm_params p)
    double lm_tweedie(double y, double x, lm_params p)
    double lm_gaussian_nll(double y, double x, double v, lm_params p)
    double lm_margin_ranking(double y, double x1, double x2, lm_params p)

cdef extern from "_rowkernels.h" nogil:
    int lm_in_unit_interval(const double *x, Py_ssize_t n)
    int lm_in_unit_interval_f(const float *x, Py_ssize_t n)
    int lm_all_binary(const double *x, Py_ssize_t n)
    int lm_all_binary_f(const float *x, Py_ssize_t n)
    int lm_bce_logits_dd(const double *y, const double *x, Py_ssize_t n, double pw,
                         const double *sw, double *loss, double *buf,
                         Py_ssize_t ahead)
    void lm_bce_proba_dd(const double *y, const double *x, Py_ssize_t n, int hard,
                         const double *sw, double *loss, double *buf)
    int lm_bce_logits_df(const double *y, const float *x, Py_ssize_t n, double pw,
                         const double *sw, double *loss, double *buf,
                         Py_ssize_t ahead)
    void lm_bce_proba_df(const double *y, const float *x, Py_ssize_t n, int hard,
                         const double *sw, double *loss, double *buf)
    int lm_bce_logits_fd(const float *y, const double *x, Py_ssize_t n, double pw,
                         const double *sw, double *loss, double *buf,
                         Py_ssize_t ahead)
    void lm_bce_proba_fd(const float *y, const double *x, Py_ssize_t n, int hard,
                         const double *sw, double *loss, double *buf)
    int lm_bce_logits_ff(const float *y, const float *x, Py_ssize_t n, double pw,
                         const double *sw, double *loss, double *buf,
                         Py_ssize_t ahead)
    void lm_bce_proba_ff(const float *y, const float *x, Py_ssize_t n, int hard,
                         const double *sw, double *loss, double *buf)
    void lm_squared_error_lanes(const double *y, const double *x, Py_ssize_t n,
                                lm_params param, double *acc)
    void lm_absolute_error_lanes(const double *y, const double *x, Py_ssize_t n,
                                 lm_params param, double *acc)
    void lm_huber_lanes(const double *y, const double *x, Py_ssize_t n, lm_params param,
                        double *acc)
    void lm_smooth_l1_lanes(const double *y, const double *x, Py_ssize_t n, lm_params param,
                            double *acc)
    void lm_soft_margin_lanes(const double *y, const double *x, Py_ssize_t n, lm_params param,
                              double *acc)
    void lm_hinge_embedding_lanes(const double *y, const double *x, Py_ssize_t n,
                                  lm_params param, double *acc)
    void lm_poisson_log_lanes(const double *y, const double *x, Py_ssize_t n,
                              lm_params param, double *acc)
    void lm_poisson_lanes(const double *y, const double *x, Py_ssize_t n,
                          lm_params param, double *acc)
    void lm_sigmoid_focal_lanes(const double *y, const double *x, Py_ssize_t n,
                                lm_params param, double *acc)
    void lm_squared_log_error_lanes(const double *y, const double *x, Py_ssize_t n,
                                    lm_params param, double *acc)
    void lm_absolute_percentage_error_lanes(const double *y, const double *x, Py_ssize_t n,
                                            lm_params param, double *acc)
    void lm_pinball_lanes(const double *y, const double *x, Py_ssize_t n, lm_params param,
                          double *acc)
    void lm_tweedie_lanes(const double *y, const double *x, Py_ssize_t n, lm_params param,
                          double *acc)
    void lm_gaussian_nll_lanes(const double *y, const double *a, const double *b,
                               Py_ssize_t b_step, Py_ssize_t n, lm_params param,
                               double *acc)
    void lm_margin_ranking_lanes(const double *y, const double *a, const double *b,
                                 Py_ssize_t b_step, Py_ssize_t n, lm_params param,
                                 double *acc)

# Rows of one column whose logarithms / exponentials are vectorised together.
cdef enum:
    MATH_CHUNK = 256

from lossmetrics._kernels._blocksum cimport (
    Acc4, acc4_add_array, acc4_total, acc4_zero, Acc, acc_add, acc_merge, acc_scale, acc_store,
    acc_store_at, acc_zero, block_stop, rows_per_block, n_blocks, small_state, SMALL_BLOCKS,
    block_rows, by_group, chunk_of, combine_blocks, group_add, group_settle, row_add, scale_row,
    super_blocks,
)

ctypedef fused floating_a:
    float
    double

ctypedef fused floating_b:
    float
    double

ctypedef fused floating_c:
    float
    double

# The per-element terms; the declarations (lossmetrics/_losses) name them.
cpdef enum Kind:
    SQUARED_ERROR = 0
    ABSOLUTE_ERROR = 1
    BINARY_CROSS_ENTROPY = 2
    BINARY_CROSS_ENTROPY_LOGITS = 3
    HUBER = 4
    SMOOTH_L1 = 5
    SOFT_MARGIN = 6
    HINGE_EMBEDDING = 7
    POISSON_LOG = 8
    POISSON = 9
    SIGMOID_FOCAL = 10
    SQUARED_LOG_ERROR = 11
    ABSOLUTE_PERCENTAGE_ERROR = 12
    PINBALL = 13
    TWEEDIE = 14
    # Terms of three operands (elementwise3_kernel).
    GAUSSIAN_NLL = 100
    MARGIN_RANKING = 101


# The error terms as types: a kernel specialised for one (ctypedef fused
# term_t) is compiled with its term inlined, chosen once per call, never by a
# branch per element.
cdef struct SquaredError:
    char unused
cdef struct AbsoluteError:
    char unused
cdef struct Huber:
    char unused
cdef struct SmoothL1:
    char unused
cdef struct SoftMargin:
    char unused
cdef struct HingeEmbedding:
    char unused
cdef struct PoissonLog:
    char unused
cdef struct Poisson:
    char unused
cdef struct SigmoidFocal:
    char unused
cdef struct SquaredLogError:
    char unused
cdef struct AbsolutePercentageError:
    char unused
cdef struct Pinball:
    char unused
cdef struct Tweedie:
    char unused

ctypedef fused term_t:
    SquaredError
    AbsoluteError
    Huber
    SmoothL1
    SoftMargin
    HingeEmbedding
    PoissonLog
    Poisson
    SigmoidFocal
    SquaredLogError
    AbsolutePercentageError
    Pinball
    Tweedie


cdef inline double _loss(term_t* term, double yv, double xv, lm_params param) noexcept nogil:
    """The term of one element (_terms.h), fixed at compile time by term_t."""
    if term_t is SquaredError:
        return lm_squared_error(yv, xv)
    elif term_t is AbsoluteError:
        return lm_absolute_error(yv, xv)
    elif term_t is Huber:
        return lm_huber(yv, xv, param)
    elif term_t is SmoothL1:
        return lm_smooth_l1(yv, xv, param)
    elif term_t is SoftMargin:
        return lm_soft_margin(yv, xv, param)
    elif term_t is HingeEmbedding:
        return lm_hinge_embedding(yv, xv, param)
    elif term_t is PoissonLog:
        return lm_poisson_log(yv, xv, param)
    elif term_t is Poisson:
        return lm_poisson(yv, xv, param)
    elif term_t is SigmoidFocal:
        return lm_sigmoid_focal(yv, xv, param)
    elif term_t is SquaredLogError:
        return lm_squared_log_error(yv, xv, param)
    elif term_t is AbsolutePercentageError:
        return lm_absolute_percentage_error(yv, xv, param)
    elif term_t is Pinball:
        return lm_pinball(yv, xv, param)
    else:
        return lm_tweedie(yv, xv, param)


cdef inline void _lanes(term_t* term, const double* y, const double* x, Py_ssize_t n,
                        lm_params param, Acc4* lanes) noexcept nogil:
    """The four lanes of n contiguous float64 terms by the term's vectorised C
    loop (_rowkernels.h)."""
    if term_t is SquaredError:
        lm_squared_error_lanes(y, x, n, param, <double*>lanes)
    elif term_t is AbsoluteError:
        lm_absolute_error_lanes(y, x, n, param, <double*>lanes)
    elif term_t is Huber:
        lm_huber_lanes(y, x, n, param, <double*>lanes)
    elif term_t is SmoothL1:
        lm_smooth_l1_lanes(y, x, n, param, <double*>lanes)
    elif term_t is SoftMargin:
        lm_soft_margin_lanes(y, x, n, param, <double*>lanes)
    elif term_t is HingeEmbedding:
        lm_hinge_embedding_lanes(y, x, n, param, <double*>lanes)
    elif term_t is PoissonLog:
        lm_poisson_log_lanes(y, x, n, param, <double*>lanes)
    elif term_t is Poisson:
        lm_poisson_lanes(y, x, n, param, <double*>lanes)
    elif term_t is SigmoidFocal:
        lm_sigmoid_focal_lanes(y, x, n, param, <double*>lanes)
    elif term_t is SquaredLogError:
        lm_squared_log_error_lanes(y, x, n, param, <double*>lanes)
    elif term_t is AbsolutePercentageError:
        lm_absolute_percentage_error_lanes(y, x, n, param, <double*>lanes)
    elif term_t is Pinball:
        lm_pinball_lanes(y, x, n, param, <double*>lanes)
    else:
        lm_tweedie_lanes(y, x, n, param, <double*>lanes)


cdef inline bint _all_set(const unsigned char[::1] flags) noexcept:
    cdef Py_ssize_t i
    for i in range(flags.shape[0]):
        if not flags[i]:
            return False
    return True


cdef inline bint _unit(const floating_a* x, Py_ssize_t n) noexcept nogil:
    if floating_a is float:
        return lm_in_unit_interval_f(x, n)
    else:
        return lm_in_unit_interval(x, n)


cdef inline bint _binary(const floating_a* x, Py_ssize_t n) noexcept nogil:
    if floating_a is float:
        return lm_all_binary_f(x, n)
    else:
        return lm_all_binary(x, n)


cdef inline bint _bce_chunk(int kind, const floating_a* y, const floating_b* x,
                            Py_ssize_t n, double pw, bint hard, const double* sw,
                            double* loss, double* buf, Py_ssize_t ahead) noexcept nogil:
    """The weighted losses of n contiguous pairs, by the C loops of _rowkernels.h.
    With logits, returns whether every target is in [0, 1] and every logit
    finite (checked in the same loop), and prefetches the n pairs ``ahead``
    pairs further if ``ahead`` > 0; True otherwise."""
    if kind == BINARY_CROSS_ENTROPY_LOGITS:
        if floating_a is double:
            if floating_b is double:
                return lm_bce_logits_dd(y, x, n, pw, sw, loss, buf, ahead)
            else:
                return lm_bce_logits_df(y, x, n, pw, sw, loss, buf, ahead)
        else:
            if floating_b is double:
                return lm_bce_logits_fd(y, x, n, pw, sw, loss, buf, ahead)
            else:
                return lm_bce_logits_ff(y, x, n, pw, sw, loss, buf, ahead)
    else:
        if floating_a is double:
            if floating_b is double:
                lm_bce_proba_dd(y, x, n, hard, sw, loss, buf)
            else:
                lm_bce_proba_df(y, x, n, hard, sw, loss, buf)
        else:
            if floating_b is double:
                lm_bce_proba_fd(y, x, n, hard, sw, loss, buf)
            else:
                lm_bce_proba_ff(y, x, n, hard, sw, loss, buf)
    return True


cdef inline Acc _bce_rows(int kind, const floating_a[:, :] y, const floating_b[:, :] x,
                          const double[::1] sw, bint has_sw, const double[:, :] wt,
                          bint has_wt, Py_ssize_t j, Py_ssize_t start,
                          Py_ssize_t stop, double pw, bint want_none,
                          double[:, ::1] out, bint* checked, const int64_t* groups,
                          double* table, Py_ssize_t n_state,
                          Py_ssize_t slot) noexcept nogil:
    """Sum of the weighted binary cross-entropies of rows [start, stop) of column
    j, MATH_CHUNK rows at a time by the C loops of _rowkernels.h (_bce_chunk);
    row i adds to lane i % 4.  A column that is not contiguous (a multilabel
    column) is copied chunk by chunk, in its own dtype: the same operations
    on the same values in every layout.

    The inputs are checked as they are read (targets in [0, 1]; probabilities
    in [0, 1], or finite logits): ``checked`` drops to False at a failure (the
    caller then runs the deferred scans, which raise the errors).  A chunk of
    hard 0/1 targets takes one logarithm per row (of p or of 1 - p), the same
    bits as the two-log form.

    With ``has_wt``, element (i, j) is also multiplied by ``wt[i, j]`` (PyTorch's
    ``weight``, broadcast to the input: a stride-0 view when it does not vary
    over the rows): the chunk's weights are formed as sw[i] wt[i, j] and given
    to the C loops in place of sw.

    With ``table``, row i's loss goes to its group ``groups[i]``, state row
    ``slot`` (group_add), and the sum returned is zero."""
    cdef double b1[MATH_CHUNK]
    cdef double b2[MATH_CHUNK]
    cdef double wbuf[MATH_CHUNK]
    cdef const double* wp
    cdef floating_a yg[MATH_CHUNK]
    cdef floating_b xg[MATH_CHUNK]
    cdef const floating_a* yc
    cdef const floating_b* xc
    cdef Acc4 lanes = acc4_zero()
    cdef Py_ssize_t i, i0 = start, i1, nr, ahead
    cdef bint contiguous = (y.strides[0] == sizeof(floating_a)
                            and x.strides[0] == sizeof(floating_b))
    cdef bint hard
    while i0 < stop:
        i1 = block_stop(i0, MATH_CHUNK, stop)
        nr = i1 - i0
        if contiguous:
            yc = &y[i0, j]
            xc = &x[i0, j]
        else:
            for i in range(i0, i1):
                yg[i - i0] = y[i, j]
                xg[i - i0] = x[i, j]
            yc = yg
            xc = xg
        hard = False
        if kind != BINARY_CROSS_ENTROPY_LOGITS:
            if not (_unit(yc, nr) and _unit(xc, nr)):
                checked[0] = False
            hard = _binary(yc, nr)
        # The chunk after next is asked for while this one is computed, when
        # it lies in the column (the next block's first rows too: blocks are
        # taken four at a time, so they are usually this thread's next).
        ahead = 2 * MATH_CHUNK if contiguous and i0 + 3 * MATH_CHUNK <= x.shape[0] else 0
        wp = &sw[i0] if has_sw else NULL
        if has_wt:
            for i in range(i0, i1):
                wbuf[i - i0] = (sw[i] * wt[i, j]) if has_sw else wt[i, j]
            wp = wbuf
        if not _bce_chunk(kind, yc, xc, nr, pw, hard, wp, b1, b2, ahead):
            checked[0] = False
        if want_none:
            for i in range(i0, i1):
                out[i, j] = b1[i - i0]
        if table != NULL:
            for i in range(i0, i1):
                group_add(table, n_state, groups[i], slot, b1[i - i0])
        else:
            acc4_add_array(&lanes, b1, nr)
        i0 = i1
    return acc4_total(lanes)


cdef inline double _term(term_t* term, const floating_a[:, :] y, const floating_b[:, :] x,
                         const double[::1] sw, bint has_sw, Py_ssize_t i, Py_ssize_t j,
                         lm_params param) noexcept nogil:
    """The weighted loss of element (i, j).  A row of weight 0 adds 0 (not
    0 times an overflowing loss, which is NaN) when its inputs are finite, and
    NaN when not, so that a non-finite input always shows in the sums (the
    finiteness scans of some losses run only then: see Deferred)."""
    if has_sw:
        if sw[i] == 0.0:
            return (<double>y[i, j] - <double>y[i, j]) + (<double>x[i, j] - <double>x[i, j])
        return sw[i] * _loss(term, <double>y[i, j], <double>x[i, j], param)
    return _loss(term, <double>y[i, j], <double>x[i, j], param)


cdef inline Acc _err_rows(term_t* term, const floating_a[:, :] y, const floating_b[:, :] x,
                          const double[::1] sw, bint has_sw, Py_ssize_t j, Py_ssize_t start,
                          Py_ssize_t stop, lm_params param, bint want_none,
                          double[:, ::1] out, const int64_t* groups, double* table,
                          Py_ssize_t n_state, Py_ssize_t slot) noexcept nogil:
    """Sum of the (weighted) terms of rows [start, stop) of column j (with
    ``table``: each added to its row's group, state row ``slot``, and zero
    returned).

    Four independent running sums (rows i mod 4), folded in a fixed order:
    the bits depend on the block alone.  A contiguous, unweighted float64
    column takes the term's vectorised C lanes (_lanes): the same lanes and
    operations, so the same bits."""
    cdef Acc l0 = acc_zero(), l1 = acc_zero(), l2 = acc_zero(), l3 = acc_zero()
    cdef Acc4 lanes
    cdef Py_ssize_t i = start
    if table != NULL:
        for i in range(start, stop):
            group_add(table, n_state, groups[i], slot,
                      _term(term, y, x, sw, has_sw, i, j, param))
        i = stop
    if floating_a is double and floating_b is double:
        if (not has_sw and y.strides[0] == sizeof(double) and x.strides[0] == sizeof(double)
                and stop > start and table == NULL):
            _lanes(term, &y[start, j], &x[start, j], stop - start, param, &lanes)
            l0 = lanes.lane[0]
            l1 = lanes.lane[1]
            l2 = lanes.lane[2]
            l3 = lanes.lane[3]
            i = stop
    while i + 4 <= stop:
        l0 = acc_add(l0, _term(term, y, x, sw, has_sw, i, j, param))
        l1 = acc_add(l1, _term(term, y, x, sw, has_sw, i + 1, j, param))
        l2 = acc_add(l2, _term(term, y, x, sw, has_sw, i + 2, j, param))
        l3 = acc_add(l3, _term(term, y, x, sw, has_sw, i + 3, j, param))
        i = i + 4
    while i < stop:
        l0 = acc_add(l0, _term(term, y, x, sw, has_sw, i, j, param))
        i = i + 1
    if want_none:
        for i in range(start, stop):
            out[i, j] = _term(term, y, x, sw, has_sw, i, j, param)
    return acc_merge(acc_merge(l0, l1), acc_merge(l2, l3))


def elementwise_kernel(int kind, const floating_a[:, :] y, const floating_b[:, :] x,
                       const double[::1] pos_weight, const double[::1] sw,
                       bint per_column, bint want_none, int n_threads, double param=0.0,
                       double param2=0.0, const double[:, :] weight=None,
                       const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """Reduce an element-wise loss of (N, L) arrays; see the module docstring.

    ``param`` (and ``param2``) are the term's options: Huber's delta, smooth
    L1's beta, the hinge embedding's margin...  ``weight`` (binary
    cross-entropies only) is an (N, L) view of PyTorch's ``weight`` broadcast
    to the input.

    Returns (state, per-element (N, L) float64 array or None, whether the
    kernel checked every input value as it read them: binary cross-entropy
    kinds on contiguous columns only, see _bce_rows).  Per-element
    values are multiplied by the sample weight of their row.  Sums are kept
    in registers per block (column by column for ``per_column``) and stored
    once per block.  With ``groups`` (each row's group number, below
    ``n_groups``) the state is one per group, of shape (n_groups, rows, 2),
    summed by super-blocks (_blocksum.pxd).
    """
    if not SQUARED_ERROR <= kind <= TWEEDIE:
        raise ValueError(f"kind must be one of the Kind terms; got {kind}.")
    cdef Py_ssize_t n = y.shape[0], n_cols = y.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint has_pw = pos_weight.shape[0] > 0
    cdef Py_ssize_t n_out = n_cols if per_column else 1
    cdef Py_ssize_t rpb = rows_per_block(n_cols)
    cdef Py_ssize_t nb
    cdef double[:, :, ::1] partials
    cdef double[:, ::1] state = np.zeros((n_out + 1, 2), dtype=np.float64)
    cdef double[:, ::1] out
    cdef Py_ssize_t b, i, j, start, stop
    cdef double w, loss, pw
    # Per-column sums keep n_blocks x n_out partials: bound them (about 4 MB)
    # with bigger blocks.  The block size still depends on the shape alone.
    if per_column and n_blocks(n, rpb) * (n_out + 1) > (1 << 18):
        rpb = n_blocks(n, max(1, (1 << 18) // (n_out + 1)))
    cdef bint grouped = groups is not None
    cdef Py_ssize_t n_state = n_out + 1, slot
    cdef const int64_t* gp = &groups[0] if grouped and n > 0 else NULL
    cdef double* table = NULL
    if grouped:
        rpb = n_blocks(n, super_blocks(n, n_groups))
    nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, n_groups * n_state, 2), dtype=np.float64)
                                     if grouped else None)
    partials = np.zeros((nb, n_out + 1, 2), dtype=np.float64)
    cdef Acc la, lw, lc
    cdef bint is_bce = kind == BINARY_CROSS_ENTROPY or kind == BINARY_CROSS_ENTROPY_LOGITS
    cdef lm_params prm
    prm.p0 = param
    prm.p1 = param2
    cdef bint has_wt = weight is not None
    cdef const double[:, :] wt = weight if has_wt else np.zeros((1, 1))
    cdef bint block_checked
    cdef unsigned char[::1] checks = np.zeros(nb if is_bce else 1, dtype=np.uint8)

    out_arr = np.zeros((n if want_none else 0, n_cols if want_none else 0), dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            la = acc_zero()
            block_checked = True
            table = &tables[b, 0, 0] if grouped else NULL
            for j in range(n_cols):
                pw = pos_weight[j] if has_pw else 1.0
                slot = j if per_column else 0
                if kind == BINARY_CROSS_ENTROPY or kind == BINARY_CROSS_ENTROPY_LOGITS:
                    la = acc_merge(la, _bce_rows(kind, y, x, sw, has_sw, wt, has_wt, j,
                                                 start, stop, pw, want_none, out,
                                                 &block_checked, gp, table, n_state, slot))
                    if per_column:
                        acc_store(partials, b, j, la)
                        la = acc_zero()
                    continue
                # The term is chosen per block and column, never per element.
                if kind == SQUARED_ERROR:
                    lc = _err_rows(<SquaredError*>NULL, y, x, sw, has_sw, j, start, stop,
                                   prm, want_none, out, gp, table, n_state, slot)
                elif kind == ABSOLUTE_ERROR:
                    lc = _err_rows(<AbsoluteError*>NULL, y, x, sw, has_sw, j, start, stop,
                                   prm, want_none, out, gp, table, n_state, slot)
                elif kind == HUBER:
                    lc = _err_rows(<Huber*>NULL, y, x, sw, has_sw, j, start, stop,
                                   prm, want_none, out, gp, table, n_state, slot)
                elif kind == SMOOTH_L1:
                    lc = _err_rows(<SmoothL1*>NULL, y, x, sw, has_sw, j, start, stop,
                                   prm, want_none, out, gp, table, n_state, slot)
                elif kind == SOFT_MARGIN:
                    lc = _err_rows(<SoftMargin*>NULL, y, x, sw, has_sw, j, start, stop,
                                   prm, want_none, out, gp, table, n_state, slot)
                elif kind == HINGE_EMBEDDING:
                    lc = _err_rows(<HingeEmbedding*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                elif kind == POISSON_LOG:
                    lc = _err_rows(<PoissonLog*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                elif kind == POISSON:
                    lc = _err_rows(<Poisson*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                elif kind == SIGMOID_FOCAL:
                    lc = _err_rows(<SigmoidFocal*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                elif kind == SQUARED_LOG_ERROR:
                    lc = _err_rows(<SquaredLogError*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                elif kind == ABSOLUTE_PERCENTAGE_ERROR:
                    lc = _err_rows(<AbsolutePercentageError*>NULL, y, x, sw, has_sw, j,
                                   start, stop, prm, want_none, out, gp, table, n_state, slot)
                elif kind == PINBALL:
                    lc = _err_rows(<Pinball*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                else:
                    lc = _err_rows(<Tweedie*>NULL, y, x, sw, has_sw, j, start,
                                   stop, prm, want_none, out, gp, table, n_state, slot)
                la = acc_merge(la, lc)
                if per_column:
                    acc_store(partials, b, j, la)
                    la = acc_zero()
            if not per_column:
                acc_store(partials, b, 0, la)
            if grouped:
                # The weights of each group (times the columns, as below).
                for i in range(start, stop):
                    group_add(table, n_state, gp[i], n_out, sw[i] if has_sw else 1.0)
                group_settle(table, n_groups * n_state)
                lw = acc_zero()
            elif has_sw:
                lw = acc_zero()
                for i in range(start, stop):
                    lw = acc_add(lw, sw[i])
            else:
                lw.s = stop - start
                lw.c = 0.0
            if not per_column:
                lw = acc_scale(lw, n_cols)
            acc_store(partials, b, n_out, lw)
            if is_bce:
                checks[b] = block_checked
        combine_blocks(partials, state)
    if not grouped:
        return np.asarray(state), out_arr if want_none else None, bool(is_bce and _all_set(checks))
    states = by_group(tables, n_groups, n_state)
    if not per_column:
        scale_row(states, n_out, n_cols)   # (the weights, once per column)
    return states, None, bool(is_bce and _all_set(checks))


cdef inline void _small_blocks(term_t* term, const double[::1] y, const double[::1] x,
                               lm_params prm, double* partials) noexcept nogil:
    cdef Py_ssize_t n = y.shape[0], rpb = rows_per_block(1), nb = n_blocks(n, rpb)
    cdef Py_ssize_t b, start, stop
    cdef Acc la, lw
    cdef Acc4 lanes
    for b in range(nb):
        start = b * rpb
        stop = block_stop(start, rpb, n)
        _lanes(term, &y[start], &x[start], stop - start, prm, &lanes)
        la = acc_merge(acc_zero(), acc4_total(lanes))
        acc_store_at(&partials[4 * b], la)
        lw.s = stop - start
        lw.c = 0.0
        acc_store_at(&partials[4 * b + 2], lw)


def small_pair_state(int kind, const double[::1] y, const double[::1] x, double param=0.0):
    """The state elementwise_kernel(kind, y[:, None], x[:, None], ...) returns
    for contiguous 1-D float64 inputs, unweighted: the same blocks, lanes and
    folds, run serially without the generic machinery (the lean path of small
    calls, lossmetrics/_losses/lean.py), or None where it is not finite (an
    input NaN or infinity: the generic path raises).  The terms of squared,
    absolute, Huber, smooth L1, soft margin, Poisson (log input), squared
    logarithmic, absolute percentage and pinball errors, and the Tweedie
    deviances."""
    cdef Py_ssize_t nb = n_blocks(y.shape[0], rows_per_block(1))
    cdef lm_params prm
    prm.p0 = param
    prm.p1 = 0.0
    if not (kind == SQUARED_ERROR or kind == ABSOLUTE_ERROR or kind == HUBER
            or kind == SMOOTH_L1 or kind == SOFT_MARGIN or kind == POISSON_LOG
            or kind == SQUARED_LOG_ERROR or kind == ABSOLUTE_PERCENTAGE_ERROR
            or kind == PINBALL or kind == TWEEDIE):
        raise ValueError(f"kind must be a term of small_pair_state; got {kind}.")
    cdef double partials[4 * SMALL_BLOCKS]
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    with nogil:
        if kind == SQUARED_ERROR:
            _small_blocks(<SquaredError*>NULL, y, x, prm, partials)
        elif kind == ABSOLUTE_ERROR:
            _small_blocks(<AbsoluteError*>NULL, y, x, prm, partials)
        elif kind == HUBER:
            _small_blocks(<Huber*>NULL, y, x, prm, partials)
        elif kind == SMOOTH_L1:
            _small_blocks(<SmoothL1*>NULL, y, x, prm, partials)
        elif kind == SOFT_MARGIN:
            _small_blocks(<SoftMargin*>NULL, y, x, prm, partials)
        elif kind == POISSON_LOG:
            _small_blocks(<PoissonLog*>NULL, y, x, prm, partials)
        elif kind == SQUARED_LOG_ERROR:
            _small_blocks(<SquaredLogError*>NULL, y, x, prm, partials)
        elif kind == ABSOLUTE_PERCENTAGE_ERROR:
            _small_blocks(<AbsolutePercentageError*>NULL, y, x, prm, partials)
        elif kind == PINBALL:
            _small_blocks(<Pinball*>NULL, y, x, prm, partials)
        else:
            _small_blocks(<Tweedie*>NULL, y, x, prm, partials)
    return state_arr if small_state(partials, nb, &state[0, 0]) else None


cdef struct GaussianNLL:
    char unused
cdef struct MarginRanking:
    char unused

ctypedef fused term3_t:
    GaussianNLL
    MarginRanking


cdef inline double _term3(term3_t* term, const floating_a[:, :] y,
                          const floating_b[:, :] a, const floating_c[:, :] c,
                          const double[::1] sw, bint has_sw, Py_ssize_t i, Py_ssize_t j,
                          lm_params param) noexcept nogil:
    """The weighted term of element (i, j) of three operands (see _term)."""
    cdef double yv = y[i, j], av = a[i, j], cv = c[i, j], t
    if has_sw and sw[i] == 0.0:
        return ((yv - yv) + (av - av)) + (cv - cv)    # 0, or NaN for a non-finite input
    if term3_t is GaussianNLL:
        t = lm_gaussian_nll(yv, av, cv, param)
    else:
        t = lm_margin_ranking(yv, av, cv, param)
    return sw[i] * t if has_sw else t


cdef inline Acc _err3_rows(term3_t* term, const floating_a[:, :] y,
                           const floating_b[:, :] a, const floating_c[:, :] c,
                           const double[::1] sw, bint has_sw, Py_ssize_t j,
                           Py_ssize_t start, Py_ssize_t stop, lm_params param,
                           bint want_none, double[:, ::1] out, const int64_t* groups,
                           double* table) noexcept nogil:
    """Sum of the (weighted) terms of rows [start, stop) of column j: four
    running sums (rows i mod 4) folded in a fixed order, as _err_rows.  A
    contiguous, unweighted float64 column (``c`` contiguous or broadcast)
    takes the term's vectorised C lanes: the same lanes and operations.
    With ``table``, each term goes to its row's group (and zero is returned)."""
    cdef Acc l0 = acc_zero(), l1 = acc_zero(), l2 = acc_zero(), l3 = acc_zero()
    cdef Acc4 lanes
    cdef Py_ssize_t i = start
    cdef Py_ssize_t c_step
    if table != NULL:
        for i in range(start, stop):
            group_add(table, 2, groups[i], 0, _term3(term, y, a, c, sw, has_sw, i, j, param))
        i = stop
    if floating_a is double and floating_b is double and floating_c is double:
        if (not has_sw and y.strides[0] == sizeof(double) and a.strides[0] == sizeof(double)
                and (c.strides[0] == sizeof(double) or c.strides[0] == 0)
                and stop > start and table == NULL):
            c_step = c.strides[0] // sizeof(double)
            if term3_t is GaussianNLL:
                lm_gaussian_nll_lanes(&y[start, j], &a[start, j], &c[start, j], c_step,
                                      stop - start, param, <double*>&lanes)
            else:
                lm_margin_ranking_lanes(&y[start, j], &a[start, j], &c[start, j], c_step,
                                        stop - start, param, <double*>&lanes)
            l0 = lanes.lane[0]
            l1 = lanes.lane[1]
            l2 = lanes.lane[2]
            l3 = lanes.lane[3]
            i = stop
    while i + 4 <= stop:
        l0 = acc_add(l0, _term3(term, y, a, c, sw, has_sw, i, j, param))
        l1 = acc_add(l1, _term3(term, y, a, c, sw, has_sw, i + 1, j, param))
        l2 = acc_add(l2, _term3(term, y, a, c, sw, has_sw, i + 2, j, param))
        l3 = acc_add(l3, _term3(term, y, a, c, sw, has_sw, i + 3, j, param))
        i = i + 4
    while i < stop:
        l0 = acc_add(l0, _term3(term, y, a, c, sw, has_sw, i, j, param))
        i = i + 1
    if want_none:
        for i in range(start, stop):
            out[i, j] = _term3(term, y, a, c, sw, has_sw, i, j, param)
    return acc_merge(acc_merge(l0, l1), acc_merge(l2, l3))


def elementwise3_kernel(int kind, const floating_a[:, :] y, const floating_b[:, :] a,
                        const floating_c[:, :] c, const double[::1] sw, bint want_none,
                        int n_threads, double param=0.0, double param2=0.0,
                        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """Reduce an element-wise loss of three (N, L) operands: the target y and
    two more (GAUSSIAN_NLL: the mean and the variance, which may be a
    stride-0 view; MARGIN_RANKING: the two scores).  The state is (2, 2): the
    weighted sum, then the denominator (sample weights over elements).
    Returns (state, per-element (N, L) float64 array or None); with
    ``groups``, one state per group (as elementwise_kernel)."""
    if kind != GAUSSIAN_NLL and kind != MARGIN_RANKING:
        raise ValueError(f"kind must be GAUSSIAN_NLL or MARGIN_RANKING; got {kind}.")
    cdef Py_ssize_t n = y.shape[0], n_cols = y.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n, 3 * n_cols, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and n > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[:, ::1] out
    cdef Py_ssize_t b, i, j, start, stop
    cdef Acc la, lw
    cdef lm_params prm
    prm.p0 = param
    prm.p1 = param2

    out_arr = np.zeros((n if want_none else 0, n_cols if want_none else 0), dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            la = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for j in range(n_cols):
                if kind == GAUSSIAN_NLL:
                    la = acc_merge(la, _err3_rows(<GaussianNLL*>NULL, y, a, c, sw, has_sw,
                                                  j, start, stop, prm, want_none, out, gp, table))
                else:
                    la = acc_merge(la, _err3_rows(<MarginRanking*>NULL, y, a, c, sw,
                                                  has_sw, j, start, stop, prm, want_none,
                                                  out, gp, table))
            acc_store(partials, b, 0, la)
            if grouped:
                for i in range(start, stop):
                    group_add(table, 2, gp[i], 1, sw[i] if has_sw else 1.0)
                group_settle(table, 2 * n_groups)
                lw = acc_zero()
            elif has_sw:
                lw = acc_zero()
                for i in range(start, stop):
                    lw = acc_add(lw, sw[i])
            else:
                lw.s = stop - start
                lw.c = 0.0
            lw = acc_scale(lw, n_cols)
            acc_store(partials, b, 1, lw)
        combine_blocks(partials, state)
    if not grouped:
        return np.asarray(state), out_arr if want_none else None
    states = by_group(tables, n_groups, 2)
    scale_row(states, 1, n_cols)   # (the weights, once per column)
    return states, None


def small_triple_state(int kind, const double[::1] y, const double[::1] a,
                       const double[::1] c, double param=0.0, double param2=0.0):
    """The state elementwise3_kernel(kind, y[:, None], a[:, None], c[:, None],
    ...) returns for contiguous 1-D float64 inputs, unweighted: the same
    blocks, lanes and folds, run serially (the lean path of small calls, as
    small_pair_state, None where it is not finite).  The margin ranking and
    Gaussian NLL terms; for the latter, None too if a variance ``c`` is
    negative (the term would clamp it: the generic path raises)."""
    if kind != MARGIN_RANKING and kind != GAUSSIAN_NLL:
        raise ValueError(f"kind must be MARGIN_RANKING or GAUSSIAN_NLL; got {kind}.")
    cdef Py_ssize_t n = y.shape[0], rpb = rows_per_block(3), nb = n_blocks(n, rpb)
    cdef Py_ssize_t b, i, start, stop
    cdef bint negative = False
    cdef double partials[4 * SMALL_BLOCKS]
    if nb > SMALL_BLOCKS:    # (more than a lean call has: the generic path)
        return None
    state_arr = np.empty((2, 2), dtype=np.float64)
    cdef double[:, ::1] state = state_arr
    cdef Acc lw
    cdef Acc4 lanes
    cdef lm_params prm
    prm.p0 = param
    prm.p1 = param2
    if kind == GAUSSIAN_NLL:
        for i in range(n):
            negative = negative | (c[i] < 0.0)
        if negative:
            return None
    with nogil:
        for b in range(nb):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            if kind == GAUSSIAN_NLL:
                lm_gaussian_nll_lanes(&y[start], &a[start], &c[start], 1, stop - start, prm,
                                      <double*>&lanes)
            else:
                lm_margin_ranking_lanes(&y[start], &a[start], &c[start], 1, stop - start,
                                        prm, <double*>&lanes)
            acc_store_at(&partials[4 * b], acc_merge(acc_zero(), acc4_total(lanes)))
            lw.s = stop - start
            lw.c = 0.0
            acc_store_at(&partials[4 * b + 2], lw)
    return state_arr if small_state(partials, nb, &state[0, 0]) else None


# PyTorch's EPSILON of cosine_embedding_loss, 1e-12 stored as a float32.
cdef double COS_EPS = <double><float>1e-12

ctypedef fused target_t:
    int64_t
    double


def first_not_pm1(const target_t[:] y):
    """Index of the first entry of y that is neither 1 nor -1, or -1 (no copy of y)."""
    cdef Py_ssize_t i, found = -1
    with nogil:
        for i in range(y.shape[0]):
            if y[i] != 1 and y[i] != -1:
                found = i
                break
    return found


cdef inline double _cosine(const floating_a[:, :] x1, const floating_b[:, :] x2,
                           Py_ssize_t i) noexcept nogil:
    """PyTorch's cos = x1.x2 / sqrt((|x1|^2 + eps)(|x2|^2 + eps)) for row i.

    Where a squared norm or the product overflows, each vector is scaled by
    a power of two near its largest magnitude first (the eps scaled alike),
    which leaves the cosine unchanged, so it stays right where PyTorch's
    turns into 0 or NaN.
    """
    cdef Py_ssize_t j, dim = x1.shape[1]
    cdef double dot = 0.0, n1 = 0.0, n2 = 0.0, a, c, prod, s1 = 0.0, s2 = 0.0
    cdef int e1, e2
    for j in range(dim):
        a = x1[i, j]
        c = x2[i, j]
        dot = dot + a * c
        n1 = n1 + a * a
        n2 = n2 + c * c
    prod = (n1 + COS_EPS) * (n2 + COS_EPS)
    if prod - prod == 0.0 and dot - dot == 0.0:
        return dot / sqrt(prod)
    # Scale each vector by a power of two near its largest magnitude (exact),
    # and eps alike: cos = (a.b) / sqrt((|a|^2 + eps/s1^2)(|b|^2 + eps/s2^2)).
    for j in range(dim):
        s1 = fmax(s1, fabs(<double>x1[i, j]))
        s2 = fmax(s2, fabs(<double>x2[i, j]))
    frexp(s1, &e1)
    frexp(s2, &e2)
    dot = 0.0
    n1 = 0.0
    n2 = 0.0
    for j in range(dim):
        a = ldexp(<double>x1[i, j], -e1)
        c = ldexp(<double>x2[i, j], -e2)
        dot = dot + a * c
        n1 = n1 + a * a
        n2 = n2 + c * c
    return dot / (sqrt(n1 + ldexp(COS_EPS, -2 * e1)) * sqrt(n2 + ldexp(COS_EPS, -2 * e2)))


def cosine_embedding_kernel(const target_t[:] y, const floating_a[:, :] x1,
                            const floating_b[:, :] x2, double margin,
                            const double[::1] sw, bint want_none, int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """PyTorch's CosineEmbeddingLoss per row of (N, D) inputs.

    The loss is ``1 - cos`` for y = 1 and ``max(0, cos - margin)`` for
    y = -1 (see ``_cosine``).  ``y`` is read in place (int64 or float64).
    Returns (state (2, 2), per-row (N,) or None).
    """
    cdef Py_ssize_t n = x1.shape[0], dim = x1.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n, 2 * dim, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[::1] out
    cdef Py_ssize_t b, i, start, stop
    cdef double w, loss, cos
    cdef Acc la, lw, l0, l1, l2, l3

    out_arr = np.zeros(n if want_none else 0, dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            la = acc_zero()
            lw = acc_zero()
            table = &tables[b, 0, 0] if grouped else NULL
            for i in range(start, stop):
                w = sw[i] if has_sw else 1.0
                cos = _cosine(x1, x2, i)
                if y[i] == 1:
                    loss = 1.0 - cos
                else:
                    loss = fmax(cos - margin, 0.0)
                loss = w * loss
                row_add(&la, &lw, table, gp, i, loss, w)
                if want_none:
                    out[i] = loss
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
        combine_blocks(partials, state)
    return (by_group(tables, n_groups, 2) if grouped else np.asarray(state)), out_arr if want_none else None


cdef inline void _distances(const floating_a[:, :] u, const floating_b[:, :] v,
                            const Py_ssize_t* rows, double p, double eps,
                            double* out) noexcept nogil:
    """_p_distances, the Euclidean norm (p = 2, PyTorch's default) in an
    instance of its own where p is a constant: its loop then squares and
    takes a root without testing p at every value (the same operations)."""
    if p == 2.0:
        _p_distances(u, v, rows, 2.0, eps, out)
    else:
        _p_distances(u, v, rows, p, eps, out)


cdef inline void _p_distances(const floating_a[:, :] u, const floating_b[:, :] v,
                              const Py_ssize_t* rows, double p, double eps,
                              double* out) noexcept nogil:
    """PyTorch's pairwise_distance of the four rows ``rows`` (repeats allowed):
    the p-norm of u - v + eps (p > 0, or inf for the largest magnitude).  Each
    row's sum runs in column order, as for the row alone; the four rows'
    sums are independent chains, so that no single chain of dependent adds
    sets the pace.  Where the p-th powers overflow or underflow, the
    differences are divided by their largest magnitude first (_rescaled_norm),
    so the norm stays right where PyTorch's turns into inf or 0."""
    cdef Py_ssize_t j, k, dim = u.shape[1]
    cdef double d
    cdef double s[4]
    for k in range(4):
        s[k] = 0.0
    if p == INFINITY:
        for j in range(dim):
            for k in range(4):
                s[k] = fmax(s[k], fabs((<double>u[rows[k], j] - <double>v[rows[k], j]) + eps))
        for k in range(4):
            out[k] = s[k]
        return
    for j in range(dim):
        for k in range(4):
            d = fabs((<double>u[rows[k], j] - <double>v[rows[k], j]) + eps)
            s[k] = s[k] + (d if p == 1.0 else (d * d if p == 2.0 else pow(d, p)))
    for k in range(4):
        if p == 1.0:
            out[k] = s[k]
        elif s[k] < 1e300 and (s[k] > 1e-290 or s[k] == 0.0):
            out[k] = sqrt(s[k]) if p == 2.0 else pow(s[k], 1.0 / p)
        else:
            out[k] = _rescaled_norm(u, v, rows[k], p, eps)


cdef inline double _rescaled_norm(const floating_a[:, :] u, const floating_b[:, :] v,
                                  Py_ssize_t i, double p, double eps) noexcept nogil:
    """The p-norm of row i of u - v + eps with the differences divided by
    their largest magnitude m first, times m (_distances's rare case)."""
    cdef Py_ssize_t j, dim = u.shape[1]
    cdef double d, s = 0.0, m = 0.0
    for j in range(dim):
        m = fmax(m, fabs((<double>u[i, j] - <double>v[i, j]) + eps))
    for j in range(dim):
        d = fabs((<double>u[i, j] - <double>v[i, j]) + eps) / m
        s = s + (d * d if p == 2.0 else pow(d, p))
    return m * (sqrt(s) if p == 2.0 else pow(s, 1.0 / p))


cdef inline void _triplet_rows(const floating_a[:, :] anchor, const floating_b[:, :] positive,
                               const floating_c[:, :] negative, double margin, double p,
                               double eps, bint swap, const double[::1] sw, bint has_sw,
                               bint want_none, double[::1] out, Py_ssize_t start,
                               Py_ssize_t stop, Acc* la, Acc* lw, const int64_t* groups,
                               double* table, double* nonfinite) noexcept nogil:
    """Rows [start, stop) of triplet_margin_kernel, four at a time (_distances;
    the last group repeats its last row, whose copies are not added), each
    row's loss added in row order.  ``nonfinite`` gets the sum of (d - d)
    over the distances d(a, p) and d(a, n), which read every value: NaN
    exactly where a value is NaN or infinite (or a finite difference
    overflows), for p < inf (a maximum would drop a NaN)."""
    cdef Py_ssize_t i, k, n_k
    cdef Py_ssize_t rows[4]
    cdef double d_pos[4]
    cdef double d_neg[4]
    cdef double d_swap[4]
    cdef double w, loss
    cdef Acc a = la[0], b = lw[0]
    i = start
    while i < stop:
        n_k = stop - i if stop - i < 4 else 4
        for k in range(4):
            rows[k] = i + k if k < n_k else i + n_k - 1
        _distances(anchor, positive, rows, p, eps, d_pos)
        _distances(anchor, negative, rows, p, eps, d_neg)
        if swap:
            _distances(positive, negative, rows, p, eps, d_swap)
        for k in range(n_k):
            nonfinite[0] = nonfinite[0] + ((d_pos[k] - d_pos[k]) + (d_neg[k] - d_neg[k]))
            if swap:
                d_neg[k] = fmin(d_neg[k], d_swap[k])
            w = sw[i + k] if has_sw else 1.0
            loss = w * fmax(margin + d_pos[k] - d_neg[k], 0.0)
            row_add(&a, &b, table, groups, i + k, loss, w)
            if want_none:
                out[i + k] = loss
        i = i + n_k
    la[0] = a
    lw[0] = b


def triplet_margin_kernel(const floating_a[:, :] anchor, const floating_b[:, :] positive,
                          const floating_c[:, :] negative, double margin, double p,
                          double eps, bint swap, const double[::1] sw, bint want_none,
                          int n_threads,
        const int64_t[::1] groups=None, Py_ssize_t n_groups=0):
    """PyTorch's TripletMarginLoss per row of (N, D) inputs:
    ``max(margin + d(a, p) - d(a, n), 0)`` with d the p-norm distance of
    ``_distances``; with ``swap``, d(a, n) is replaced by d(p, n) where that
    is smaller.  Returns (state (2, 2), per-row (N,) or None, whether every
    value was seen finite: the distances' sums read every value (for p < inf;
    False for p = inf, whose maximum would drop a NaN), so the caller scans
    the inputs only when this is False)."""
    cdef Py_ssize_t n = anchor.shape[0], dim = anchor.shape[1]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint grouped = groups is not None
    cdef Py_ssize_t rpb = block_rows(n, 3 * dim, grouped, n_groups)
    cdef Py_ssize_t nb = n_blocks(n, rpb)
    # (no table for a plain call: small calls feel each allocation)
    cdef double[:, :, ::1] tables = (np.zeros((nb, 2 * n_groups, 2), dtype=np.float64)
                                     if grouped else None)
    cdef double* table = NULL
    cdef const int64_t* gp = &groups[0] if grouped and nb > 0 else NULL
    cdef double[:, :, ::1] partials = np.zeros((nb, 2, 2), dtype=np.float64)
    cdef double[:, ::1] state = np.zeros((2, 2), dtype=np.float64)
    cdef double[::1] out
    cdef Py_ssize_t b, start, stop
    cdef Acc la, lw
    cdef double nonfinite
    cdef double[::1] block_nonfinite = np.zeros(nb, dtype=np.float64)
    cdef bint seen_finite = p != INFINITY

    out_arr = np.zeros(n if want_none else 0, dtype=np.float64)
    out = out_arr
    with nogil:
        for b in prange(nb, schedule='dynamic', chunksize=chunk_of(nb, n_threads), num_threads=n_threads):
            start = b * rpb
            stop = block_stop(start, rpb, n)
            la = acc_zero()
            lw = acc_zero()
            nonfinite = 0.0
            table = &tables[b, 0, 0] if grouped else NULL
            _triplet_rows(anchor, positive, negative, margin, p, eps, swap, sw, has_sw,
                          want_none, out, start, stop, &la, &lw, gp, table, &nonfinite)
            if grouped:
                group_settle(table, 2 * n_groups)
            acc_store(partials, b, 0, la)
            acc_store(partials, b, 1, lw)
            block_nonfinite[b] = nonfinite
        combine_blocks(partials, state)
    for b in range(nb):
        seen_finite = seen_finite and block_nonfinite[b] == 0.0
    return ((by_group(tables, n_groups, 2) if grouped else np.asarray(state)),
            out_arr if want_none else None, seen_finite)
