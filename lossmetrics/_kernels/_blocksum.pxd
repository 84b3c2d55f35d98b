# Deterministic compensated reductions shared by every kernel.
#
# Kernels split the samples into fixed-size blocks (the size depends only on
# the row length, never on the thread count) and sum each block serially with
# compensated addition (Knuth's branch-free TwoSum; the hot kernels keep four
# independent running sums, element i of a block in lane i % 4, folded in a
# fixed order) into its own slot of a ``partials`` array of shape
# (n_blocks, n_columns, 2); ``combine_blocks`` then folds the blocks in block
# order with Neumaier's addition.  Every step depends on the block alone, so
# the result is the same bits for any ``n_threads``.
from libc.math cimport fabs, fma
from libc.stdint cimport int64_t

cdef extern from "_rowkernels.h" nogil:
    void lm_sum4(double* acc, const double* x, Py_ssize_t n)

# Target number of scalars read per block.
cdef enum:
    BLOCK_SCALARS = 8192
# The lean paths' kernels keep their blocks' partial sums on the stack, up
# to this many blocks (their callers pass fewer than 2^16 values read: at
# most 15 blocks); they return None for more (the generic path runs).
cdef enum:
    SMALL_BLOCKS = 16


cdef inline Py_ssize_t rows_per_block(Py_ssize_t row_len) noexcept nogil:
    if row_len <= 0:
        return BLOCK_SCALARS
    if row_len >= BLOCK_SCALARS:
        return 1
    return BLOCK_SCALARS // row_len


cdef inline int chunk_of(Py_ssize_t nb, int n_threads) noexcept nogil:
    """The blocks a thread takes at a time from a dynamic schedule of nb
    blocks: four (fewer trips to the shared counter) where there are plenty,
    one where there are few (four at a time, six blocks on two threads run
    as four and two).  Any chunk gives the same bits: each block's sums are
    its own, combined in block order."""
    return 4 if nb >= 32 * n_threads else 1


cdef inline Py_ssize_t n_blocks(Py_ssize_t n_rows, Py_ssize_t rpb) noexcept nogil:
    return (n_rows + rpb - 1) // rpb


cdef inline Py_ssize_t padded(Py_ssize_t n_doubles) noexcept nogil:
    """Room for n_doubles in a per-thread scratch row, with at least one cache
    line (8 doubles) to spare after them: the threads' rows never share a
    line, so their writes do not bounce it between cores (false sharing)."""
    return (n_doubles + 7) // 8 * 8 + 8


cdef inline Py_ssize_t block_stop(Py_ssize_t start, Py_ssize_t rpb,
                                  Py_ssize_t n) noexcept nogil:
    """End of the block starting at ``start`` (the last block may be short)."""
    return start + rpb if start + rpb < n else n


cdef inline void neumaier_add(double* acc, double x) noexcept nogil:
    """acc[0] += x, with the rounding error collected in acc[1]."""
    cdef double s = acc[0]
    cdef double t = s + x
    if t - t != 0.0:
        # inf or nan: no rounding error to track (inf - inf would poison it).
        acc[0] = t
        return
    if fabs(s) >= fabs(x):
        acc[1] += (s - t) + x
    else:
        acc[1] += (x - t) + s
    acc[0] = t


cdef struct Acc:
    double s   # running sum
    double c   # accumulated rounding errors


cdef inline Acc acc_zero() noexcept nogil:
    cdef Acc a
    a.s = 0.0
    a.c = 0.0
    return a


cdef inline Acc acc_add(Acc a, double x) noexcept nogil:
    """a + x with its rounding error collected in a.c (Knuth's TwoSum: exact,
    branch-free).  Once the sum is inf or NaN, a.c is meaningless: acc_store
    drops it."""
    cdef double t = a.s + x
    cdef double bp = t - a.s
    a.c = a.c + ((a.s - (t - bp)) + (x - bp))
    a.s = t
    return a


cdef inline double acc_value(Acc a) noexcept nogil:
    """The sum, rounded once (the sum itself once it is inf or NaN)."""
    return a.s + a.c if a.s - a.s == 0.0 else a.s


cdef inline Acc acc_merge(Acc a, Acc b) noexcept nogil:
    """The compensated sum of two running sums."""
    a = acc_add(a, b.s)
    a.c = a.c + b.c
    return a


cdef struct Acc4:
    Acc lane[4]   # four independent running sums (element i goes to lane i % 4)


cdef inline Acc4 acc4_zero() noexcept nogil:
    cdef Acc4 a
    a.lane[0] = acc_zero()
    a.lane[1] = acc_zero()
    a.lane[2] = acc_zero()
    a.lane[3] = acc_zero()
    return a


cdef inline void acc4_add_array(Acc4* a, const double* x, Py_ssize_t n) noexcept nogil:
    """Add x[0..n) to the lanes: x[i] to lane i % 4 (with n a multiple of 4 but
    for the last call of a block, the lanes stay aligned with the rows).
    Each lane is acc_add's TwoSum; the four run as one vector (lm_sum4)."""
    lm_sum4(<double*>a, x, n)


cdef inline Acc acc4_total(Acc4 a) noexcept nogil:
    """The lanes folded in a fixed order."""
    return acc_merge(acc_merge(a.lane[0], a.lane[1]), acc_merge(a.lane[2], a.lane[3]))


cdef inline void acc_store_at(double* p, Acc a) noexcept nogil:
    """(sum, compensation) of ``a`` into p[0], p[1]."""
    p[0] = a.s
    p[1] = a.c if a.s - a.s == 0.0 else 0.0


cdef inline void acc_store(double[:, :, ::1] partials, Py_ssize_t b, Py_ssize_t k,
                           Acc a) noexcept nogil:
    acc_store_at(&partials[b, k, 0], a)


cdef inline void combine_block_array(const double* partials, Py_ssize_t nb, Py_ssize_t nk,
                                     Py_ssize_t b_step, Py_ssize_t k_step, double* state,
                                     Py_ssize_t s_step) noexcept nogil:
    """combine_blocks of (nb, nk, 2) partials, block b's pair k at
    partials + b * b_step + k * k_step, into the pairs state + k * s_step."""
    cdef Py_ssize_t b, k
    cdef double acc[2]
    cdef double comp, hi
    for k in range(nk):
        acc[0] = 0.0
        acc[1] = 0.0
        comp = 0.0
        for b in range(nb):
            neumaier_add(acc, partials[b * b_step + k * k_step])
            comp = comp + partials[b * b_step + k * k_step + 1]
        comp = comp + acc[1]
        # Renormalise so that hi is the correctly rounded total and lo the rest.
        hi = acc[0] + comp
        state[k * s_step] = hi
        state[k * s_step + 1] = comp - (hi - acc[0]) if hi - hi == 0.0 else 0.0


cdef inline bint small_state(const double* partials, Py_ssize_t nb,
                             double* state) noexcept nogil:
    """The lean kernels' fold: nb blocks' (2, 2) partial sums, side by side
    (SMALL_BLOCKS at most, on the stack), into a (2, 2) state; whether all
    of it is finite (where not, the lean kernel returns None and the generic
    path raises or decides)."""
    combine_block_array(partials, nb, 2, 4, 2, state, 2)
    return ((state[0] - state[0]) + (state[1] - state[1])
            + (state[2] - state[2]) + (state[3] - state[3])) == 0.0


cdef inline void combine_blocks(double[:, :, ::1] partials,
                                double[:, ::1] state) noexcept nogil:
    """Fold per-block (sum, compensation) pairs in block order into state[k] = (hi, lo)."""
    if partials.shape[1] > 0:
        combine_block_array(&partials[0, 0, 0] if partials.shape[0] > 0 else NULL,
                            partials.shape[0], partials.shape[1],
                            partials.strides[0] // sizeof(double),
                            partials.strides[1] // sizeof(double),
                            &state[0, 0], state.strides[0] // sizeof(double))


# Grouped reductions (lossmetrics.grouped): a kernel given each row's group
# number sums its terms into one (sum, compensation) pair per group and state
# row.  The rows are split into super-blocks, contiguous ranges each summed
# serially into its own table of shape (n_groups, n_state, 2); the tables are
# then folded in order by combine_blocks (viewed as (n_super, n_groups *
# n_state, 2) partials).  The split depends on the shape alone, so the bits
# do not depend on the thread count.

cdef inline Py_ssize_t super_blocks(Py_ssize_t n_rows, Py_ssize_t n_groups) noexcept nogil:
    """How many super-blocks: at most 64 (the tables stay O(groups)) and at
    most one per 16 rows per group (the tables never outweigh the rows)."""
    cdef Py_ssize_t s = n_rows // (16 * (n_groups if n_groups > 0 else 1))
    if s < 1:
        return 1
    return 64 if s > 64 else s


cdef inline void group_add(double* table, Py_ssize_t n_state, int64_t g, Py_ssize_t k,
                           double x) noexcept nogil:
    """table[g, k] += x with its rounding error collected (acc_add's TwoSum)."""
    cdef double* a = table + 2 * (g * n_state + k)
    cdef double t = a[0] + x
    cdef double bp = t - a[0]
    a[1] = a[1] + ((a[0] - (t - bp)) + (x - bp))
    a[0] = t


cdef inline void group_settle(double* table, Py_ssize_t n_pairs) noexcept nogil:
    """Drop the compensation of the sums that are inf or NaN (acc_store's rule)."""
    cdef Py_ssize_t j
    for j in range(n_pairs):
        if table[2 * j] - table[2 * j] != 0.0:
            table[2 * j + 1] = 0.0


cdef inline object by_group(double[:, :, ::1] tables, Py_ssize_t n_groups,
                            Py_ssize_t n_state):
    """The super-blocks' tables folded in order: the state of every group, of
    shape (n_groups, n_state, 2)."""
    import numpy as np
    out = np.zeros((n_groups * n_state, 2), dtype=np.float64)
    combine_blocks(tables, out)
    return out.reshape(n_groups, n_state, 2)


cdef inline Py_ssize_t block_rows(Py_ssize_t n_rows, Py_ssize_t row_len, bint grouped,
                                  Py_ssize_t n_groups) noexcept nogil:
    """Rows per block of a kernel: rows_per_block(row_len), or those of a
    super-block when grouped."""
    if grouped:
        return n_blocks(n_rows, super_blocks(n_rows, n_groups))
    return rows_per_block(row_len)


cdef inline void row_add(Acc* la, Acc* lw, double* table, const int64_t* groups,
                         Py_ssize_t row, double x, double w) noexcept nogil:
    """A row's term ``x`` and weight ``w``: added to the block's two running
    sums, or with a table, to the row's group's (state rows 0 and 1)."""
    if table != NULL:
        group_add(table, 2, groups[row], 0, x)
        group_add(table, 2, groups[row], 1, w)
    else:
        la[0] = acc_add(la[0], x)
        lw[0] = acc_add(lw[0], w)


cdef inline Acc acc_scale(Acc a, double n) noexcept nogil:
    """a times n (an integer: a weight total counted once per column), the
    product's rounding error kept in the compensation (TwoProduct by fma)."""
    cdef double p = a.s * n
    if p - p == 0.0:
        a.c = a.c * n + fma(a.s, n, -p)
    a.s = p
    return a


cdef inline void scale_row(double[:, :, ::1] states, Py_ssize_t k, double n) noexcept nogil:
    """State row k of every group times n (acc_scale), renormalised as
    combine_blocks leaves a pair."""
    cdef Py_ssize_t g
    cdef Acc a
    cdef double hi
    for g in range(states.shape[0]):
        a.s = states[g, k, 0]
        a.c = states[g, k, 1]
        a = acc_scale(a, n)
        hi = a.s + a.c
        states[g, k, 0] = hi
        states[g, k, 1] = a.c - (hi - a.s) if hi - hi == 0.0 else 0.0
