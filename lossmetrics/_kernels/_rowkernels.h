/* Row and block helpers of the kernels, in C so that they are vectorised
 * (for the instruction set of the including module's build, see
 * _fastmath.h): compensated
 * four-lane sums, row sums, log-sum-exps of rows, and the checks the kernels
 * make while they read their inputs.  Each performs the same IEEE operations
 * in the same order in every build, so results are the same bits on every CPU.
 */
#ifndef LOSSMETRICS_ROWKERNELS_H
#define LOSSMETRICS_ROWKERNELS_H

#include <float.h>
#include <string.h>

#include "_fastmath.h"
#include "_terms.h"

/* All ones when v lies in [0, 1], 0 otherwise (NaN included): and-ed over a
 * loop, a branch-free, vectorisable check of probabilities. */
LM_ALWAYS_INLINE int64_t lm_unit_mask(double v)
{
    return -(int64_t)((v >= 0.0) & (v <= 1.0));
}

/* Whether every x[i] lies in [0, 1] (the loop of lm_in_unit_interval, for
 * the kernels that check in their own pass). */
#define LM_UNIT_BODY(NAME, T, I)                                                \
LM_ALWAYS_INLINE int NAME(const T *x, ptrdiff_t n)                              \
{                                                                               \
    I ok = -1;                                                                  \
    for (ptrdiff_t i = 0; i < n; i++)                                           \
        ok &= -(I)((x[i] >= 0) & (x[i] <= 1));                                  \
    return ok != 0;                                                             \
}
LM_UNIT_BODY(lm_unit_body, double, int64_t)
LM_UNIT_BODY(lm_unit_body_f, float, int32_t)

/* The same answer as lm_unit_body from an or-reduction of bits, which
 * vectorises without a chain of mask operations: for v in [0, 1],
 * w = (v - v * v) + 0 lies in [+0, 1/4] (v * v rounds to at most v; the + 0
 * turns -0 into +0); v < 0 or v > 1 gives w < 0 (sign bit), NaN or an
 * infinity gives NaN or -inf (exponent's top bit). */
#define LM_UNIT_BITS_BODY(NAME, T)                                              \
LM_ALWAYS_INLINE int NAME(const T *x, ptrdiff_t n)                              \
{                                                                               \
    uint64_t bits = 0;                                                          \
    for (ptrdiff_t i = 0; i < n; i++) {                                         \
        double v = (double)x[i];                                                \
        bits |= lm_to_bits((v - v * v) + 0.0);                                  \
    }                                                                           \
    return (bits >> 62) == 0;                                                   \
}
LM_UNIT_BITS_BODY(lm_unit_bits_body, double)
LM_UNIT_BITS_BODY(lm_unit_bits_body_f, float)

/* Asks the caches for the memory lines that begin within the nbytes at p
 * (no fault, no effect on results); consecutive spans request each line
 * once.  The log_loss kernel reads a chunk of rows in a pass of range
 * checks and row sums, picks each row's probability, then takes the
 * logarithms: it requests the next chunk's rows a few at a time during the
 * row sums (the first half) and the logarithms (the second half), so that
 * their memory reads overlap that arithmetic; requests in a burst, or
 * during the light label pick, stalled on the few line-fill buffers
 * instead.  The lines go to L2 (locality 1): a chunk and the next one
 * together would about fill L1. */
LM_ALWAYS_INLINE void lm_prefetch_span(const void *p, ptrdiff_t nbytes)
{
#if defined(__GNUC__)
    uintptr_t a = (uintptr_t)p, end = a + (uintptr_t)nbytes;
    for (uintptr_t u = (a + 63) & ~(uintptr_t)63; u < end; u += 64)
        __builtin_prefetch((const void *)u, 0, 1);
#else
    (void)p;
    (void)nbytes;
#endif
}

/* S += V with its rounding error added to C (Knuth's TwoSum, as acc_add in
 * _blocksum.pxd). */
#define LM_TWOSUM_ADD(S, C, V)                                                  \
    do {                                                                        \
        double t_ = (S) + (V), bp_ = t_ - (S);                                  \
        (C) = (C) + (((S) - (t_ - bp_)) + ((V) - bp_));                         \
        (S) = t_;                                                               \
    } while (0)

/* Four-lane compensated sum (TwoSum, as acc_add in _blocksum.pxd): x[i] goes
 * to lane i % 4.  acc holds the lanes as (s0, c0, s1, c1, s2, c2, s3, c3)
 * (the layout of Acc4).  Each lane performs the same IEEE operations in the
 * same order in every build, so the bits do not depend on the vector width. */
static void lm_sum4(double *acc, const double *x, ptrdiff_t n)
{
    double s[4], c[4];
    for (int k = 0; k < 4; k++) {
        s[k] = acc[2 * k];
        c[k] = acc[2 * k + 1];
    }
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++)
            LM_TWOSUM_ADD(s[k], c[k], x[i + k]);
    }
    for (int k = 0; i + k < n; k++)
        LM_TWOSUM_ADD(s[k], c[k], x[i + k]);
    for (int k = 0; k < 4; k++) {
        acc[2 * k] = s[k];
        acc[2 * k + 1] = c[k];
    }
}

/* Four running compensated sums of an element-wise term (_terms.h) of n
 * contiguous pairs: pair i to lane i % 4, the pairs after the last multiple
 * of 4 to lane 0, each lane by acc_add's TwoSum (the lanes and operations of
 * elementwise_kernel's Cython loop, vectorised).  acc gets
 * (s0, c0, s1, c1, s2, c2, s3, c3), the layout of Acc4.  One function per
 * term, generated below from the term's function: TERM(y, x, param); not
 * inlined (a block per call): inlined into the OpenMP loop of the kernel,
 * GCC 12 vectorised Huber's and smooth L1's selects no more (1e7: 7.5 ->
 * 12-15 ms). */
/* One line 2 KB ahead of p, in L2 (see lm_prefetch_span): the lanes' long
 * chains of dependent adds leave few loads in flight, and on some CPUs the
 * hardware prefetchers alone fetch their two streams at a third of the read
 * bandwidth.  A hint: it never faults, and changes no result. */
#if defined(__GNUC__)
#define LM_PREFETCH_AHEAD(p) __builtin_prefetch((const void *)((p) + 256), 0, 1)
#else
#define LM_PREFETCH_AHEAD(p) ((void)(p))
#endif
/* The main loop of the lanes, eight values a trip while i + 8 <= N, the
 * lanes' sums s and c carried in and out: its body (the macro's other
 * arguments) loads the trip's operands and sets lo and hi, the terms of
 * values i..i+3 and i+4..i+7, which go to the four lanes, lo first.  With
 * GCC or clang the lanes are one vector of four (the same IEEE operations
 * on each lane, so the same bits) and the operands are loaded as vectors: a
 * scalar loop of lanes compiled to a tangle of scalar loads, adds and
 * shuffles (GCC 12's SLP vectoriser), 1.8 cycles a value where the chains
 * of dependent adds allow one. */
#if defined(__GNUC__) && !defined(LM_NO_VECTOR_EXT)
typedef double lm_v4d __attribute__((vector_size(32)));
#define LM_TWOSUM_ADD_V(S, C, V)                                                \
    do {                                                                        \
        lm_v4d t_ = (S) + (V), bp_ = t_ - (S);                                  \
        (C) = (C) + (((S) - (t_ - bp_)) + ((V) - bp_));                         \
        (S) = t_;                                                               \
    } while (0)
#define LM_LANES_MAIN(N, ...)                                                   \
    lm_v4d sv = {s[0], s[1], s[2], s[3]}, cv = {c[0], c[1], c[2], c[3]};        \
    for (; i + 8 <= (N); i += 8) {                                              \
        lm_v4d lo, hi;                                                          \
        __VA_ARGS__                                                             \
        LM_TWOSUM_ADD_V(sv, cv, lo);                                            \
        LM_TWOSUM_ADD_V(sv, cv, hi);                                            \
    }                                                                           \
    for (int k = 0; k < 4; k++) {                                               \
        s[k] = sv[k];                                                           \
        c[k] = cv[k];                                                           \
    }
#define LM_V4_BROADCAST(V, X) ((V) = (lm_v4d){(X), (X), (X), (X)})
#else
typedef double lm_v4d[4];
#define LM_LANES_MAIN(N, ...)                                                   \
    for (; i + 8 <= (N); i += 8) {                                              \
        lm_v4d lo, hi;                                                          \
        __VA_ARGS__                                                             \
        for (int k = 0; k < 4; k++)                                             \
            LM_TWOSUM_ADD(s[k], c[k], lo[k]);                                   \
        for (int k = 0; k < 4; k++)                                             \
            LM_TWOSUM_ADD(s[k], c[k], hi[k]);                                   \
    }
#define LM_V4_BROADCAST(V, X)                                                   \
    do {                                                                        \
        for (int k_ = 0; k_ < 4; k_++)                                          \
            (V)[k_] = (X);                                                      \
    } while (0)
#endif
/* L, H = P[0..3], P[4..7]. */
#define LM_V4_LOAD(L, H, P)                                                     \
    do {                                                                        \
        memcpy(&(L), (P), sizeof(L));                                           \
        memcpy(&(H), (P) + 4, sizeof(H));                                       \
    } while (0)
/* The lanes' loops over pairs i..n - 1 of y and x (s, c, i and param in
 * scope): eight a trip, then four, then the rest to lane 0. */
#define LM_ERR_LANES_LOOPS(TERM, y, x, n)                                       \
    LM_LANES_MAIN((n),                                                          \
        lm_v4d yl, yh, xl, xh;                                                  \
        LM_PREFETCH_AHEAD((y) + i);                                             \
        LM_PREFETCH_AHEAD((x) + i);                                             \
        LM_V4_LOAD(yl, yh, (y) + i);                                            \
        LM_V4_LOAD(xl, xh, (x) + i);                                            \
        for (int k = 0; k < 4; k++) {                                           \
            lo[k] = TERM(yl[k], xl[k], param);                                  \
            hi[k] = TERM(yh[k], xh[k], param);                                  \
        })                                                                      \
    for (; i + 4 <= (n); i += 4)                                                \
        for (int k = 0; k < 4; k++) {                                           \
            double v = TERM((y)[i + k], (x)[i + k], param);                     \
            LM_TWOSUM_ADD(s[k], c[k], v);                                       \
        }                                                                       \
    for (; i < (n); i++) {                                                      \
        double v = TERM((y)[i], (x)[i], param);                                 \
        LM_TWOSUM_ADD(s[0], c[0], v);                                           \
    }
#define LM_LANES_STORE(acc)                                                     \
    for (int k = 0; k < 4; k++) {                                               \
        (acc)[2 * k] = s[k];                                                    \
        (acc)[2 * k + 1] = c[k];                                                \
    }
#define LM_ERR_LANES(NAME, TERM)                                                \
LM_NOINLINE void NAME(const double *y, const double *x, ptrdiff_t n, lm_params param, \
                 double *acc)                                                   \
{                                                                               \
    double s[4] = {0.0, 0.0, 0.0, 0.0}, c[4] = {0.0, 0.0, 0.0, 0.0};            \
    ptrdiff_t i = 0;                                                            \
    LM_ERR_LANES_LOOPS(TERM, y, x, n)                                           \
    LM_LANES_STORE(acc)                                                         \
}
/* The lanes of a term that the compiler vectorises only in a loop of its
 * own (mean_squared_log_error's two lm_log1p, the focal term's three
 * divisions: inside the lanes' loop GCC 12 left them scalar, 5.8 ns a
 * log1p against 2.2 in a loop of their own; soft margin's term, which does
 * vectorise in the lanes, ran slower buffered: 1e7 13 -> 20 ms): LM_BUF_BLOCK
 * terms at a time into a buffer, then the lanes over the buffer, their sums
 * carried from block to block (a block is a multiple of 8 pairs: term i
 * still goes to lane i % 4, those after the last multiple of 4 to lane 0;
 * the same sums in the same order as LM_ERR_LANES). */
#define LM_BUF_BLOCK 256
#define LM_BUFFERED_TERM(T, UNUSED, P) (T)
#define LM_BUFFERED_ERR_LANES(NAME, TERM)                                       \
LM_NOINLINE void NAME(const double *y, const double *x, ptrdiff_t n, lm_params param, \
                 double *acc)                                                   \
{                                                                               \
    double s[4] = {0.0, 0.0, 0.0, 0.0}, c[4] = {0.0, 0.0, 0.0, 0.0};            \
    double t[LM_BUF_BLOCK];                                                     \
    for (ptrdiff_t i0 = 0; i0 < n; i0 += LM_BUF_BLOCK) {                        \
        ptrdiff_t m = n - i0 < LM_BUF_BLOCK ? n - i0 : LM_BUF_BLOCK, i = 0;     \
        for (ptrdiff_t j = 0; j < m; j++)                                       \
            t[j] = TERM(y[i0 + j], x[i0 + j], param);                           \
        LM_ERR_LANES_LOOPS(LM_BUFFERED_TERM, t, t, m)                           \
    }                                                                           \
    LM_LANES_STORE(acc)                                                         \
}
#define LM_SQUARED_ERROR_TERM(Y, X, P) lm_squared_error((Y), (X))
#define LM_ABSOLUTE_ERROR_TERM(Y, X, P) lm_absolute_error((Y), (X))
LM_ERR_LANES(lm_squared_error_lanes, LM_SQUARED_ERROR_TERM)
LM_ERR_LANES(lm_absolute_error_lanes, LM_ABSOLUTE_ERROR_TERM)
LM_ERR_LANES(lm_huber_lanes, lm_huber)
LM_ERR_LANES(lm_smooth_l1_lanes, lm_smooth_l1)
LM_ERR_LANES(lm_soft_margin_lanes, lm_soft_margin)
LM_ERR_LANES(lm_hinge_embedding_lanes, lm_hinge_embedding)
/* The lanes of a term whose common parameter value (param.p1 == P1) has
 * an instance of its own, COMMON, where it is a constant; OTHER for the
 * rest. */
#define LM_LANES_BY_P1(NAME, P1, COMMON, OTHER)                                 \
static void NAME(const double *y, const double *x, ptrdiff_t n, lm_params param, \
                 double *acc)                                                   \
{                                                                               \
    if (param.p1 == (P1))                                                       \
        COMMON(y, x, n, param, acc);                                            \
    else                                                                        \
        OTHER(y, x, n, param, acc);                                             \
}
/* Poisson NLL's lanes: full=False (p1 = 0) in a loop of its own, where the
 * Stirling term's branch is gone (with it in the loop, GCC 12 left the term
 * scalar). */
#define LM_POISSON_LOG_PLAIN(Y, X, P) lm_poisson_log((Y), (X), (lm_params){(P).p0, 0.0})
LM_ERR_LANES(lm_poisson_log_plain_lanes, LM_POISSON_LOG_PLAIN)
LM_ERR_LANES(lm_poisson_log_full_lanes, lm_poisson_log)
LM_LANES_BY_P1(lm_poisson_log_lanes, 0.0, lm_poisson_log_plain_lanes,
               lm_poisson_log_full_lanes)
LM_ERR_LANES(lm_poisson_lanes, lm_poisson)
/* The focal term's lanes: gamma = 2 (torchvision's default) in a loop of its
 * own, where the power is b * b (the loop of the other exponents calls the C
 * library's pow, and does not vectorise). */
#define LM_SIGMOID_FOCAL_GAMMA2(Y, X, P) lm_sigmoid_focal((Y), (X), (lm_params){(P).p0, 2.0})
LM_BUFFERED_ERR_LANES(lm_sigmoid_focal_gamma2_lanes, LM_SIGMOID_FOCAL_GAMMA2)
LM_BUFFERED_ERR_LANES(lm_sigmoid_focal_any_lanes, lm_sigmoid_focal)
LM_LANES_BY_P1(lm_sigmoid_focal_lanes, 2.0, lm_sigmoid_focal_gamma2_lanes,
               lm_sigmoid_focal_any_lanes)
LM_BUFFERED_ERR_LANES(lm_squared_log_error_lanes, lm_squared_log_error)
LM_ERR_LANES(lm_absolute_percentage_error_lanes, lm_absolute_percentage_error)
LM_ERR_LANES(lm_pinball_lanes, lm_pinball)
LM_ERR_LANES(lm_tweedie_lanes, lm_tweedie)

/* max_error's pass over n contiguous float64 pairs: the largest |y - x| and
 * the sum of (|y - x| - |y - x|) (0, or NaN where a value is not finite),
 * folded into *top and *bad, in sixteen lanes (a vectorised maximum; four
 * independent vectors of each, so that no chain of dependent maxima or adds
 * sets the pace).  A maximum, and a sum of zeros and NaNs, do not depend on
 * the order: the bits of max_abs_kernel's row loop. */
#define LM_MAX_LANES 16
/* d > t ? d : t (a NaN d gives t: maxpd's rule), as a select that GCC 12
 * vectorises for x86-64-v3 and v4 (4096 pairs 0.63 -> 0.19 ns a pair); the
 * baseline build (SSE2), which does not vectorise it, runs the comparison. */
#if defined(__AVX2__)
#define LM_MAX_OF(D, T) lm_select((D) > (T), (D), (T))
#else
#define LM_MAX_OF(D, T) ((D) > (T) ? (D) : (T))
#endif
LM_NOINLINE void lm_max_abs_lanes(const double *y, const double *x, ptrdiff_t n,
                                  double *top, double *bad)
{
    double t[LM_MAX_LANES], b[LM_MAX_LANES];
    for (int k = 0; k < LM_MAX_LANES; k++) {
        t[k] = 0.0;
        b[k] = 0.0;
    }
    ptrdiff_t i = 0;
    for (; i + LM_MAX_LANES <= n; i += LM_MAX_LANES) {
        LM_PREFETCH_AHEAD(y + i);
        LM_PREFETCH_AHEAD(x + i);
        for (int k = 0; k < LM_MAX_LANES; k++) {
            double d = fabs(y[i + k] - x[i + k]);
            b[k] += d - d;
            t[k] = LM_MAX_OF(d, t[k]);
        }
    }
    for (; i < n; i++) {
        double d = fabs(y[i] - x[i]);
        b[0] += d - d;
        t[0] = LM_MAX_OF(d, t[0]);
    }
    for (int k = 0; k < LM_MAX_LANES; k++) {
        *bad += b[k];
        *top = LM_MAX_OF(t[k], *top);
    }
}

/* The same lanes for a term of three operands: y, a contiguous, b with a
 * step of 1 or 0 (a broadcast variance). */
#define LM_ERR3_LANES(NAME, TERM)                                               \
LM_NOINLINE void NAME(const double *y, const double *a, const double *b,        \
                      ptrdiff_t b_step, ptrdiff_t n, lm_params param, double *acc) \
{                                                                               \
    double s[4] = {0.0, 0.0, 0.0, 0.0}, c[4] = {0.0, 0.0, 0.0, 0.0};            \
    ptrdiff_t i = 0;                                                            \
    LM_LANES_MAIN(n,                                                            \
        lm_v4d yl, yh, al, ah, bl, bh;                                          \
        LM_PREFETCH_AHEAD(y + i);                                               \
        LM_PREFETCH_AHEAD(a + i);                                               \
        LM_PREFETCH_AHEAD(b + i * b_step);                                      \
        LM_V4_LOAD(yl, yh, y + i);                                              \
        LM_V4_LOAD(al, ah, a + i);                                              \
        if (b_step) {                                                           \
            LM_V4_LOAD(bl, bh, b + i);                                          \
        } else {                                                                \
            LM_V4_BROADCAST(bl, b[0]);                                          \
            LM_V4_BROADCAST(bh, b[0]);                                          \
        }                                                                       \
        for (int k = 0; k < 4; k++) {                                           \
            lo[k] = TERM(yl[k], al[k], bl[k], param);                           \
            hi[k] = TERM(yh[k], ah[k], bh[k], param);                           \
        })                                                                      \
    for (; i + 4 <= n; i += 4)                                                  \
        for (int k = 0; k < 4; k++) {                                           \
            double v = TERM(y[i + k], a[i + k], b[(i + k) * b_step], param);    \
            LM_TWOSUM_ADD(s[k], c[k], v);                                       \
        }                                                                       \
    for (; i < n; i++) {                                                        \
        double v = TERM(y[i], a[i], b[i * b_step], param);                      \
        LM_TWOSUM_ADD(s[0], c[0], v);                                           \
    }                                                                           \
    for (int k = 0; k < 4; k++) {                                               \
        acc[2 * k] = s[k];                                                      \
        acc[2 * k + 1] = c[k];                                                  \
    }                                                                           \
}
/* The lanes of a term of three operands whose cheaper form FAST gives the
 * term's bits wherever it is finite: LM_BUF_BLOCK terms at a time by FAST
 * into a buffer (a plain, vectorised loop), those that came out infinite or
 * NaN computed again by TERM, then the lanes over the buffer (as
 * LM_BUFFERED_ERR_LANES: the same sums in the same order as LM_ERR3_LANES). */
#define LM_RESCUED_ERR3_LANES(NAME, FAST, TERM)                                 \
LM_NOINLINE void NAME(const double *y, const double *a, const double *b,        \
                      ptrdiff_t b_step, ptrdiff_t n, lm_params param, double *acc) \
{                                                                               \
    double s[4] = {0.0, 0.0, 0.0, 0.0}, c[4] = {0.0, 0.0, 0.0, 0.0};            \
    double t[LM_BUF_BLOCK];                                                     \
    for (ptrdiff_t i0 = 0; i0 < n; i0 += LM_BUF_BLOCK) {                        \
        ptrdiff_t m = n - i0 < LM_BUF_BLOCK ? n - i0 : LM_BUF_BLOCK, i = 0;     \
        const double *yb = y + i0, *ab = a + i0;                                \
        double b0 = b[0];                                                       \
        int finite = 1;                                                         \
        if (b_step)                                                             \
            for (ptrdiff_t j = 0; j < m; j++)                                   \
                t[j] = FAST(yb[j], ab[j], b[i0 + j], param);                    \
        else                                                                    \
            for (ptrdiff_t j = 0; j < m; j++)                                   \
                t[j] = FAST(yb[j], ab[j], b0, param);                           \
        for (ptrdiff_t j = 0; j < m; j++)       /* (an and-reduction: vectorised) */ \
            finite &= t[j] - t[j] == 0.0;                                       \
        if (!finite)                                                            \
            for (ptrdiff_t j = 0; j < m; j++)                                   \
                if (!(t[j] - t[j] == 0.0))                                      \
                    t[j] = TERM(yb[j], ab[j], b[(i0 + j) * b_step], param);     \
        LM_ERR_LANES_LOOPS(LM_BUFFERED_TERM, t, t, m)                           \
    }                                                                           \
    LM_LANES_STORE(acc)                                                         \
}
LM_RESCUED_ERR3_LANES(lm_gaussian_nll_lanes, LM_GAUSSIAN_NLL_UNRESCUED, lm_gaussian_nll)
LM_ERR3_LANES(lm_margin_ranking_lanes, lm_margin_ranking)

/* The distinct values of y[0], y[step], ..., y[(n - 1) step] if all lie in
 * [base, base + 64): bit b of *mask is set when base + b occurs (unsigned,
 * wrapping arithmetic).  Returns 0 if some value lies outside the window
 * (some d has a bit >= 6).  Two or-reductions; for contiguous labels the
 * shifts are written as vector operations (GCC 12 does not vectorise a
 * shift of a constant by a varying count), four labels at a time. */
LM_ALWAYS_INLINE int lm_label_window_body(const int64_t *y, ptrdiff_t n, ptrdiff_t step,
                                          uint64_t base, uint64_t *mask)
{
    uint64_t outside = 0, m = 0;
    ptrdiff_t i = 0;
#if defined(__GNUC__) && !defined(LM_NO_VECTOR_EXT)
    typedef uint64_t lm_v4u __attribute__((vector_size(32)));
    if (step == 1) {
        const lm_v4u one = {1, 1, 1, 1}, low6 = {63, 63, 63, 63};
        lm_v4u vb = {base, base, base, base}, vo = {0, 0, 0, 0}, vm = {0, 0, 0, 0};
        for (; i + 4 <= n; i += 4) {
            lm_v4u d;
            __builtin_memcpy(&d, y + i, sizeof d);
            d -= vb;
            vo |= d;
            vm |= one << (d & low6);
        }
        for (int k = 0; k < 4; k++) {
            outside |= vo[k];
            m |= vm[k];
        }
    }
#endif
    for (; i < n; i++) {
        uint64_t d = (uint64_t)y[i * step] - base;
        outside |= d;
        m |= (uint64_t)1 << (d & 63);
    }
    *mask = m;
    return (outside >> 6) == 0;
}

static int lm_label_window(const int64_t *y, ptrdiff_t n, ptrdiff_t step,
                                     uint64_t base, uint64_t *mask)
{
    if (step == 1)
        return lm_label_window_body(y, n, 1, base, mask);
    return lm_label_window_body(y, n, step, base, mask);
}

/* log_loss's first pass over n_rows contiguous rows of n_cols probabilities
 * (float64, or float32 for the _f version): whether every value lies in
 * [0, 1] (NaN does not; one vectorised pass over the values), and the number
 * of rows whose sum is farther than tol from 1, added to *n_sum_bad (it
 * decides the warning only).  A row's columns go to eight lanes (column c to
 * lane c % 8, in column order, in double precision) folded as
 * ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), as LM_FOLD8 (and the
 * Cython loop of strided rows) does.  With GCC or clang a row's lanes are
 * one vector and eight rows are folded together by a tree of shuffles: the
 * same additions, so every build and layout counts the same rows.  Row
 * lengths up to 16 get their own copy of the loop (unrolled).  A share of
 * the nbytes at pf (none if nbytes <= 0) is prefetched after each eight
 * rows (see lm_prefetch_span). */
#define LM_FOLD8(L) ((((L)[0] + (L)[1]) + ((L)[2] + (L)[3]))                    \
                     + (((L)[4] + (L)[5]) + ((L)[6] + (L)[7])))
LM_ALWAYS_INLINE int lm_sum_is_off(double s, double tol)
{
    return !((s - 1.0 <= tol) & (1.0 - s <= tol));
}
/* The sum of a row of n_cols values col_step bytes apart (any layout), in
 * the lanes and order above: column c in lane c % 8, folded by LM_FOLD8.
 * The scalar form of every row sum (the fallback below, the Cython loop of
 * strided rows). */
#define LM_ROW_SUM(NAME, T)                                                     \
LM_ALWAYS_INLINE double NAME(const void *row, ptrdiff_t col_step, ptrdiff_t n_cols) \
{                                                                               \
    const char *p = (const char *)row;                                          \
    double a[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                     \
    for (ptrdiff_t c = 0; c < n_cols; c++) {                                    \
        double v = (double)*(const T *)(p + c * col_step);                      \
        a[c % 8] = c < 8 ? v : a[c % 8] + v;                                    \
    }                                                                           \
    return LM_FOLD8(a);                                                         \
}
LM_ROW_SUM(lm_row_sum, double)
LM_ROW_SUM(lm_row_sum_f, float)
#if defined(__GNUC__) && !defined(LM_NO_VECTOR_EXT)
typedef double lm_v8d __attribute__((vector_size(64)));
typedef int64_t lm_v8i __attribute__((vector_size(64)));
/* One level of the tree: pairwise sums of two vectors' lanes, interleaved. */
#define LM_FOLD_LEVEL(A, B, M0, M1) (__builtin_shuffle((A), (B), (lm_v8i)M0)     \
                                     + __builtin_shuffle((A), (B), (lm_v8i)M1))
#define LM_ROWS_OFF(NAME, T, SUM)                                               \
/* (*out: not a returned vector, whose ABI GCC warns differs between instruction sets.) */ \
LM_ALWAYS_INLINE void NAME##_lanes(const T *p, ptrdiff_t n_cols, lm_v8d *out)   \
{                                                                               \
    lm_v8d a = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                        \
    ptrdiff_t c = 0;                                                            \
    for (; c + 8 <= n_cols; c += 8) {                                           \
        T w[8];                                                                 \
        lm_v8d v;                                                               \
        __builtin_memcpy(w, p + c, sizeof w);                                   \
        for (int k = 0; k < 8; k++)                                             \
            v[k] = (double)w[k];                                                \
        a = c == 0 ? v : a + v;                                                 \
    }                                                                           \
    if (c < n_cols) {                                                           \
        lm_v8d v = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                    \
        for (int k = 0; c + k < n_cols; k++)                                    \
            v[k] = (double)p[c + k];                                            \
        /* Lanes past the row's end add +0: the same sum. */                    \
        a = c == 0 ? v : a + v;                                                 \
    }                                                                           \
    *out = a;                                                                   \
}                                                                               \
LM_ALWAYS_INLINE int64_t NAME(const T *x, ptrdiff_t n_rows, ptrdiff_t n_cols,   \
                              double tol, const char *pf, ptrdiff_t nbytes)     \
{                                                                               \
    ptrdiff_t share = nbytes > 0 ? (nbytes + n_rows / 8) / (n_rows / 8 + 1) : 0; \
    const lm_v8i e1 = {0, 8, 2, 10, 4, 12, 6, 14}, o1 = {1, 9, 3, 11, 5, 13, 7, 15}; \
    const lm_v8i e2 = {0, 1, 8, 9, 4, 5, 12, 13}, o2 = {2, 3, 10, 11, 6, 7, 14, 15}; \
    const lm_v8i e3 = {0, 1, 2, 3, 8, 9, 10, 11}, o3 = {4, 5, 6, 7, 12, 13, 14, 15}; \
    double sums[64];                                                            \
    int64_t n_off = 0;                                                          \
    for (ptrdiff_t r0 = 0; r0 < n_rows; r0 += 64) {                             \
        ptrdiff_t m = n_rows - r0 < 64 ? n_rows - r0 : 64, r = 0;                \
        for (; r + 8 <= m; r += 8) {                                            \
            const T *p = x + (r0 + r) * n_cols;                                 \
            lm_v8d a[8], b[4];                                                  \
            for (int j = 0; j < 8; j++)                                         \
                NAME##_lanes(p + j * n_cols, n_cols, &a[j]);                    \
            for (int j = 0; j < 4; j++)                                         \
                b[j] = LM_FOLD_LEVEL(a[2 * j], a[2 * j + 1], e1, o1);           \
            lm_v8d sv = LM_FOLD_LEVEL(LM_FOLD_LEVEL(b[0], b[1], e2, o2),        \
                                      LM_FOLD_LEVEL(b[2], b[3], e2, o2), e3, o3); \
            __builtin_memcpy(sums + r, &sv, sizeof sv);                         \
            if (share > 0) {                                                    \
                ptrdiff_t take = share < nbytes ? share : nbytes;               \
                lm_prefetch_span(pf, take);                                     \
                pf += take;                                                     \
                nbytes -= take;                                                 \
            }                                                                   \
        }                                                                       \
        for (; r < m; r++) {                                                    \
            lm_v8d a;                                                           \
            NAME##_lanes(x + (r0 + r) * n_cols, n_cols, &a);                    \
            sums[r] = LM_FOLD8(a);                                              \
        }                                                                       \
        for (r = 0; r < m; r++)                                                 \
            n_off += lm_sum_is_off(sums[r], tol);                               \
    }                                                                           \
    return n_off;                                                               \
}
#else
#define LM_ROWS_OFF(NAME, T, SUM)                                               \
LM_ALWAYS_INLINE int64_t NAME(const T *x, ptrdiff_t n_rows, ptrdiff_t n_cols,   \
                              double tol, const char *pf, ptrdiff_t nbytes)     \
{                                                                               \
    int64_t n_off = 0;                                                          \
    lm_prefetch_span(pf, nbytes);                                               \
    for (ptrdiff_t r = 0; r < n_rows; r++)                                      \
        n_off += lm_sum_is_off(SUM(x + r * n_cols, sizeof(T), n_cols), tol);    \
    return n_off;                                                               \
}
#endif
#define LM_CHECK_ROWS(NAME, T, OFF, UNIT, SUM)                                  \
LM_ROWS_OFF(OFF, T, SUM)                                                             \
static int NAME(const T *x, ptrdiff_t n_rows, ptrdiff_t n_cols,       \
                          double tol, int64_t *n_sum_bad, const void *pf_,      \
                          ptrdiff_t nbytes)                                     \
{                                                                               \
    int64_t n_off;                                                              \
    const char *pf = (const char *)pf_;                                         \
    switch (n_cols) {                                                           \
    case 2: n_off = OFF(x, n_rows, 2, tol, pf, nbytes); break;                              \
    case 3: n_off = OFF(x, n_rows, 3, tol, pf, nbytes); break;                              \
    case 4: n_off = OFF(x, n_rows, 4, tol, pf, nbytes); break;                              \
    case 5: n_off = OFF(x, n_rows, 5, tol, pf, nbytes); break;                              \
    case 6: n_off = OFF(x, n_rows, 6, tol, pf, nbytes); break;                              \
    case 7: n_off = OFF(x, n_rows, 7, tol, pf, nbytes); break;                              \
    case 8: n_off = OFF(x, n_rows, 8, tol, pf, nbytes); break;                              \
    case 9: n_off = OFF(x, n_rows, 9, tol, pf, nbytes); break;                              \
    case 10: n_off = OFF(x, n_rows, 10, tol, pf, nbytes); break;                            \
    case 11: n_off = OFF(x, n_rows, 11, tol, pf, nbytes); break;                            \
    case 12: n_off = OFF(x, n_rows, 12, tol, pf, nbytes); break;                            \
    case 13: n_off = OFF(x, n_rows, 13, tol, pf, nbytes); break;                            \
    case 14: n_off = OFF(x, n_rows, 14, tol, pf, nbytes); break;                            \
    case 15: n_off = OFF(x, n_rows, 15, tol, pf, nbytes); break;                            \
    case 16: n_off = OFF(x, n_rows, 16, tol, pf, nbytes); break;                            \
    default: n_off = OFF(x, n_rows, n_cols, tol, pf, nbytes); break;                        \
    }                                                                           \
    *n_sum_bad += n_off;                                                        \
    return UNIT(x, n_rows * n_cols);                                            \
}
LM_CHECK_ROWS(lm_check_rows, double, lm_rows_off, lm_unit_bits_body, lm_row_sum)
LM_CHECK_ROWS(lm_check_rows_f, float, lm_rows_off_f, lm_unit_bits_body_f, lm_row_sum_f)

/* The probability column of the label y: lut[y - offset], or -1 when
 * y - offset falls outside the n_codes entries of lut (n_codes >= 1) or its
 * entry is -1 (an undeclared label); with identity (lut unused, may be NULL),
 * column y - offset (computed modulo 2^64).  The one label look-up of the kernels (log_loss's row
 * pick in C and in Cython, the scan for an undeclared label).  Branch-free:
 * the index is masked into range, so that loops of it vectorise as gathers.
 * lm_label_lookup gives the raw column and the valid flag apart: the
 * vectorised row pick masks the column itself (a select to -1 there stops
 * GCC 12 from vectorising the binary pick: 1e7 rows 23 -> 58 ms). */
LM_ALWAYS_INLINE int64_t lm_label_lookup(int64_t y, int64_t offset, const int64_t *lut,
                                         int64_t n_codes, int identity, int64_t *valid)
{
    /* Unsigned: y - offset wraps instead of overflowing (undefined for
     * int64_t) for an extreme undeclared y, and one compare tests both ends. */
    uint64_t code = (uint64_t)y - (uint64_t)offset;
    int64_t inside = code < (uint64_t)n_codes;
    int64_t k = identity ? (int64_t)code : lut[code & (uint64_t)-inside];
    *valid = inside & (k >= 0);
    return k;   /* meaningful only where *valid */
}

LM_ALWAYS_INLINE int64_t lm_label_column(int64_t y, int64_t offset, const int64_t *lut,
                                         int64_t n_codes, int identity)
{
    int64_t valid;
    int64_t k = lm_label_lookup(y, offset, lut, n_codes, identity, &valid);
    return valid ? k : -1;
}

/* log_loss's per-row pass over n_rows contiguous rows of n_cols float64
 * probabilities and their labels y (contiguous): the probability of each
 * row's label column, lut[y - offset] (lut holds n_codes columns, -1 for an
 * undeclared label; NULL: the identity, code c in column c, n_codes <=
 * n_cols), clipped to [eps, 1 - eps], goes to buf (1.0 for an undeclared
 * label: the row counts nothing).  With ``binary`` the single column holds
 * the probability p of column 1 (column 0's is 1 - p).  Returns the first
 * row with an undeclared label, or -1.
 * Branch-free (labels are random) and vectorised: the look-ups are gathers,
 * their indices masked into range.  (Float rows do not vectorise: Cython
 * does them.) */
LM_ALWAYS_INLINE ptrdiff_t lm_pick_rows_body(const double *x, ptrdiff_t n_rows,
                                             ptrdiff_t n_cols, const int64_t *y,
                                             int64_t offset, const int64_t *lut,
                                             int64_t n_codes, double *restrict buf,
                                             const int identity, const int binary)
{
    int64_t nvalid = 0;
    for (ptrdiff_t r = 0; r < n_rows; r++) {
        int64_t valid;
        int64_t k = lm_label_lookup(y[r], offset, lut, n_codes, identity, &valid);
        double p;
        if (binary) {
            double v = x[r];
            p = k == 0 ? 1.0 - v : v;
        } else {
            p = x[r * n_cols + (k & -valid)];
        }
        p = lm_clip_proba_d(p);
        buf[r] = valid ? p : 1.0;
        nvalid += valid;
    }
    if (nvalid == n_rows)
        return -1;
    for (ptrdiff_t r = 0;; r++)
        if (lm_label_column(y[r], offset, lut, n_codes, identity) < 0)
            return r;
}

static ptrdiff_t lm_pick_rows(const double *x, ptrdiff_t n_rows, ptrdiff_t n_cols,
                                        const int64_t *y, int64_t offset, const int64_t *lut,
                                        int64_t n_codes, double *restrict buf, int binary)
{
    if (binary && lut == NULL)
        return lm_pick_rows_body(x, n_rows, 1, y, offset, NULL, n_codes, buf, 1, 1);
    if (binary)
        return lm_pick_rows_body(x, n_rows, 1, y, offset, lut, n_codes, buf, 0, 1);
    /* A constant row length makes the gathers' offsets cheap (labels given
     * as the identity: the usual case). */
#define LM_PICK_N(N) lm_pick_rows_body(x, n_rows, N, y, offset, NULL, n_codes, buf, 1, 0)
    if (lut == NULL) {
        switch (n_cols) {
        case 2: return LM_PICK_N(2);
        case 3: return LM_PICK_N(3);
        case 4: return LM_PICK_N(4);
        case 5: return LM_PICK_N(5);
        case 6: return LM_PICK_N(6);
        case 7: return LM_PICK_N(7);
        case 8: return LM_PICK_N(8);
        case 9: return LM_PICK_N(9);
        case 10: return LM_PICK_N(10);
        case 11: return LM_PICK_N(11);
        case 12: return LM_PICK_N(12);
        case 13: return LM_PICK_N(13);
        case 14: return LM_PICK_N(14);
        case 15: return LM_PICK_N(15);
        case 16: return LM_PICK_N(16);
        default: return LM_PICK_N(n_cols);
        }
    }
#undef LM_PICK_N
    return lm_pick_rows_body(x, n_rows, n_cols, y, offset, lut, n_codes, buf, 0, 0);
}

/* brier_score_loss's binary terms of n_rows rows: x (every step-th value)
 * holds the probability p of column 1, y (every y_step-th) the labels,
 * looked up as lm_pick_rows does (lut NULL: the identity); each row's term,
 * (k == 0 - (1 - p))^2 + (k == 1 - p)^2 with 1 - p formed in the input type
 * (scikit-learn's one-hot rows), goes to buf (0 for an undeclared label: the
 * row counts nothing).  Returns the first row with an undeclared label, or
 * -1.  Branch-free (labels are random), vectorised for contiguous rows. */
#define LM_BRIER_BINARY_BODY(NAME, T)                                           \
LM_ALWAYS_INLINE ptrdiff_t NAME(const T *x, ptrdiff_t step, ptrdiff_t n_rows,   \
                                const int64_t *y, ptrdiff_t y_step,             \
                                int64_t offset, const int64_t *lut,             \
                                int64_t n_codes, double *restrict buf,          \
                                const int identity)                             \
{                                                                               \
    int64_t nvalid = 0;                                                         \
    for (ptrdiff_t r = 0; r < n_rows; r++) {                                    \
        int64_t valid;                                                          \
        int64_t k = lm_label_lookup(y[r * y_step], offset, lut, n_codes,        \
                                    identity, &valid);                          \
        T p = x[r * step];                                                      \
        double a = (double)(k == 0) - (double)(T)((T)1 - p);                    \
        double b = (double)(k == 1) - (double)p;                                \
        buf[r] = valid ? a * a + b * b : 0.0;                                   \
        nvalid += valid;                                                        \
    }                                                                           \
    if (nvalid == n_rows)                                                       \
        return -1;                                                              \
    for (ptrdiff_t r = 0;; r++)                                                 \
        if (lm_label_column(y[r * y_step], offset, lut, n_codes, identity) < 0) \
            return r;                                                           \
}
LM_BRIER_BINARY_BODY(lm_brier_binary_body, double)
LM_BRIER_BINARY_BODY(lm_brier_binary_body_f, float)

/* The binary Brier terms (lm_brier_binary_body), with the common layouts
 * (contiguous rows and labels, labels 0 and 1) as constants. */
#define LM_BRIER_BINARY_ROWS(NAME, BODY, T)                                     \
static ptrdiff_t NAME(const T *x, ptrdiff_t step, ptrdiff_t n_rows,             \
                      const int64_t *y, ptrdiff_t y_step, int64_t offset,       \
                      const int64_t *lut, int64_t n_codes, double *restrict buf)\
{                                                                               \
    if (step == 1 && y_step == 1)                                               \
        return lut == NULL ? BODY(x, 1, n_rows, y, 1, offset, NULL, n_codes, buf, 1) \
                           : BODY(x, 1, n_rows, y, 1, offset, lut, n_codes, buf, 0); \
    return lut == NULL ? BODY(x, step, n_rows, y, y_step, offset, NULL, n_codes, buf, 1) \
                       : BODY(x, step, n_rows, y, y_step, offset, lut, n_codes, buf, 0); \
}
LM_BRIER_BINARY_ROWS(lm_brier_binary_rows, lm_brier_binary_body, double)
LM_BRIER_BINARY_ROWS(lm_brier_binary_rows_f, lm_brier_binary_body_f, float)

/* x[i] = -log(x[i]) for n clipped probabilities (normal and positive: the
 * bits of -lm_log1, by lm_log_normal; a NaN, which log_loss reports as an
 * error, gives some number), in segments of 16; after each segment, a share
 * of the nbytes at pf (none if nbytes <= 0) is prefetched (see
 * lm_prefetch_span): log_loss reads its next chunk from memory while it
 * computes the logarithms, its heaviest arithmetic.  (Prefetching during
 * the light passes stalled them on the few line-fill buffers instead.) */
static void lm_neg_log_prefetch(double *x, ptrdiff_t n, const void *pf,
                                          ptrdiff_t nbytes)
{
    const char *q = (const char *)pf;
    ptrdiff_t n_seg = (n + 15) / 16;
    ptrdiff_t share = n_seg > 0 && nbytes > 0 ? (nbytes + n_seg - 1) / n_seg : 0;
    for (ptrdiff_t i0 = 0; i0 < n; i0 += 16) {
        ptrdiff_t m = n - i0 < 16 ? n - i0 : 16;
        for (ptrdiff_t i = i0; i < i0 + m; i++)
            x[i] = -lm_log_normal(x[i]);
        if (share > 0) {
            ptrdiff_t take = share < nbytes ? share : nbytes;
            lm_prefetch_span(q, take);
            q += take;
            nbytes -= take;
        }
    }
}

/* Log-sum-exps of n_rows rows of n_cols contiguous scores (rows row_step
 * elements apart), shifted by the row maxima: mrow[r] = max_c z[r, c] and
 * lse[r] = log(sum_c exp(z[r, c] - mrow[r])).  buf and shift have room for
 * n_rows * n_cols doubles.  The sums of exponentials use four lanes (column
 * c in lane c % 4, the columns after the last multiple of 4 in lane 0),
 * folded in a fixed order.
 *
 * Returns 0.0 when every score is finite (then every log-sum-exp is: the sum
 * of exponentials lies in [1, n_cols]), NaN otherwise (a mask and-reduction
 * taken in the loop of the maxima); the caller scans the scores then.  Row
 * lengths up to 16 get their own copy of the loops (see LM_CHECK_ROWS). */
#define LM_LSE_ROWS(NAME, T)                                                    \
LM_ALWAYS_INLINE double NAME##_body(const T *z, ptrdiff_t row_step,              \
                                 ptrdiff_t n_rows, ptrdiff_t n_cols,            \
                                 double *mrow, double *lse, double *buf,        \
                                 double *shift)                                 \
{                                                                               \
    ptrdiff_t n = n_rows * n_cols, n4 = n_cols - n_cols % 4;                    \
    int64_t ok = -1;                                                            \
    for (ptrdiff_t r = 0; r < n_rows; r++) {                                    \
        const T *row = z + r * row_step;                                        \
        double *b = buf + r * n_cols, *e = shift + r * n_cols;                  \
        double m = -INFINITY;                                                   \
        for (ptrdiff_t c = 0; c < n_cols; c++) {                                \
            double v = (double)row[c];                                          \
            b[c] = v;                                                           \
            m = v > m ? v : m;                                                  \
            ok &= -(int64_t)(v - v == 0.0);                                     \
        }                                                                       \
        mrow[r] = m;                                                            \
        for (ptrdiff_t c = 0; c < n_cols; c++)                                  \
            e[c] = m;                                                           \
    }                                                                           \
    for (ptrdiff_t i = 0; i < n; i++)                                           \
        buf[i] = lm_exp_neg(buf[i] - shift[i]);                                 \
    for (ptrdiff_t r = 0; r < n_rows; r++) {                                    \
        const double *b = buf + r * n_cols;                                     \
        double s[4] = {0.0, 0.0, 0.0, 0.0};                                     \
        ptrdiff_t c = 0;                                                        \
        for (; c < n4; c += 4)                                                  \
            for (int k = 0; k < 4; k++)                                         \
                s[k] += b[c + k];                                               \
        for (; c < n_cols; c++)                                                 \
            s[0] += b[c];                                                       \
        lse[r] = (s[0] + s[1]) + (s[2] + s[3]);                                 \
    }                                                                           \
    for (ptrdiff_t r = 0; r < n_rows; r++)                                      \
        lse[r] = lm_log1(lse[r]);                                               \
    return ok ? 0.0 : NAN;                                                      \
}                                                                               \
static double NAME(const T *z, ptrdiff_t row_step, ptrdiff_t n_rows,  \
                             ptrdiff_t n_cols, double *mrow, double *lse,       \
                             double *buf, double *shift)                        \
{                                                                               \
    switch (n_cols) {                                                           \
    case 2: return NAME##_body(z, row_step, n_rows, 2, mrow, lse, buf, shift); \
    case 3: return NAME##_body(z, row_step, n_rows, 3, mrow, lse, buf, shift); \
    case 4: return NAME##_body(z, row_step, n_rows, 4, mrow, lse, buf, shift); \
    case 5: return NAME##_body(z, row_step, n_rows, 5, mrow, lse, buf, shift); \
    case 6: return NAME##_body(z, row_step, n_rows, 6, mrow, lse, buf, shift); \
    case 7: return NAME##_body(z, row_step, n_rows, 7, mrow, lse, buf, shift); \
    case 8: return NAME##_body(z, row_step, n_rows, 8, mrow, lse, buf, shift); \
    case 9: return NAME##_body(z, row_step, n_rows, 9, mrow, lse, buf, shift); \
    case 10: return NAME##_body(z, row_step, n_rows, 10, mrow, lse, buf, shift); \
    case 11: return NAME##_body(z, row_step, n_rows, 11, mrow, lse, buf, shift); \
    case 12: return NAME##_body(z, row_step, n_rows, 12, mrow, lse, buf, shift); \
    case 13: return NAME##_body(z, row_step, n_rows, 13, mrow, lse, buf, shift); \
    case 14: return NAME##_body(z, row_step, n_rows, 14, mrow, lse, buf, shift); \
    case 15: return NAME##_body(z, row_step, n_rows, 15, mrow, lse, buf, shift); \
    case 16: return NAME##_body(z, row_step, n_rows, 16, mrow, lse, buf, shift); \
    default: return NAME##_body(z, row_step, n_rows, n_cols, mrow, lse, buf,   \
                                shift);                                         \
    }                                                                           \
}
LM_LSE_ROWS(lm_lse_rows, double)
LM_LSE_ROWS(lm_lse_rows_f, float)

/* Row r of a kernel of class-index targets (cross_entropy, nll_loss): its
 * target y[r * y_step], the column to read (*tc: the target, or 0 for one
 * out of [0, n_cols)), its sample weight (*w: sw[r], or 1 with sw NULL) and
 * class weight (*cwt); returns whether the row counts (the target in range
 * and not ignore_index, both weights nonzero).  *bad becomes r, if it is
 * still -1, for a target out of range that is not ignore_index. */
LM_ALWAYS_INLINE int lm_index_row(const int64_t *y, ptrdiff_t r, ptrdiff_t y_step,
                                  ptrdiff_t n_cols, const double *cw, const double *sw,
                                  int64_t ignore_index, int has_ignore, int64_t *tc,
                                  double *w, double *cwt, int64_t *bad)
{
    int64_t t = y[r * y_step];
    int in_range = (uint64_t)t < (uint64_t)n_cols;
    int ignored = has_ignore && t == ignore_index;
    *tc = in_range ? t : 0;
    *w = sw ? sw[r] : 1.0;
    *cwt = cw ? cw[*tc] : 1.0;
    *bad = (*bad < 0 && !in_range && !ignored) ? r : *bad;
    return in_range & !ignored & (*w != 0.0) & (*cwt != 0.0);
}

/* PyTorch's cross_entropy terms of n_rows rows with class-index targets and
 * no label smoothing, given their maxima and log-sum-exps (lm_lse_rows):
 * num[r] = w cw[t] (m - z[r, t] + lse[r]) and den[r] = w cw[t], both 0 for
 * a row left out (ignore_index, zero weight or zero class weight; a target
 * out of [0, n_cols) is left out too and reported in *first_bad, the index of
 * the first such row, if it is still -1).  sw may be NULL (weights 1).
 * Branch-free selects: random targets would mispredict branches. */
#define LM_CE_ROWS(NAME, T)                                                     \
static void NAME(const T *z, ptrdiff_t row_step, ptrdiff_t n_rows,    \
                           ptrdiff_t n_cols, const int64_t *y, ptrdiff_t y_step,\
                           const double *cw, const double *sw,                  \
                           int64_t ignore_index, int has_ignore,                \
                           const double *mrow, const double *lse,               \
                           double *num, double *den, int64_t *first_bad)        \
{                                                                               \
    int64_t bad = -1;                                                           \
    for (ptrdiff_t r = 0; r < n_rows; r++) {                                    \
        int64_t tc;                                                             \
        double w, cwt;                                                          \
        int keep = lm_index_row(y, r, y_step, n_cols, cw, sw, ignore_index,     \
                                has_ignore, &tc, &w, &cwt, &bad);               \
        double loss = lm_ce_term(cwt, mrow[r], (double)z[r * row_step + tc], lse[r]);\
        num[r] = lm_select(keep, w * loss, 0.0);                                \
        den[r] = lm_select(keep, w * cwt, 0.0);                                 \
    }                                                                           \
    *first_bad = bad;                                                           \
}
LM_CE_ROWS(lm_ce_rows, double)
LM_CE_ROWS(lm_ce_rows_f, float)

/* PyTorch's nll_loss terms of n_rows rows with class-index targets, as
 * index_target_kernel's loop makes them: num = w cw[t] (-z[r, t]) and
 * den = w cw[t], both 0 for a row left out (ignore_index, zero weight or
 * zero class weight; a target out of [0, n_cols) is left out too and
 * reported in *first_bad, the index of the first such row, if it is still
 * -1), each added to its running sum in acc = (num_s, num_c, den_s, den_c)
 * by acc_add's TwoSum, row after row: the loop's order, so its bits (adding
 * a 0 changes no sum that starts at +0).  out (NULL: none) gets num.  sw
 * may be NULL (weights 1).  With unit_den (no sample weights, every class
 * weight 1) each den is 1 or 0 and their running sum an exact integer: the
 * rows kept are counted and added once, the same sum (TwoSum adds no error
 * to the compensation while the sum is an integer below 2**53), at half the
 * cost.  Branch-free selects: random targets would mispredict branches. */
#define LM_NLL_ROWS(NAME, T)                                                    \
LM_ALWAYS_INLINE void NAME##_body(const T *z, ptrdiff_t row_step, ptrdiff_t n_rows, \
                 ptrdiff_t n_cols, const int64_t *y, ptrdiff_t y_step,          \
                 const double *cw, const double *sw, int64_t ignore_index,      \
                 int has_ignore, int unit_den, double *acc, double *out,        \
                 int64_t *first_bad)                                            \
{                                                                               \
    double s0 = acc[0], c0 = acc[1], s1 = acc[2], c1 = acc[3];                  \
    int64_t bad = -1, kept = 0;                                                 \
    for (ptrdiff_t r = 0; r < n_rows; r++) {                                    \
        int64_t tc;                                                             \
        double w, cwt;                                                          \
        int keep = lm_index_row(y, r, y_step, n_cols, cw, sw, ignore_index,     \
                                has_ignore, &tc, &w, &cwt, &bad);               \
        double loss = lm_nll_term(cwt, (double)z[r * row_step + tc]);          \
        double num = lm_select(keep, w * loss, 0.0);                            \
        double den = lm_select(keep, w * cwt, 0.0);                             \
        if (out)                                                                \
            out[r] = num;                                                       \
        LM_TWOSUM_ADD(s0, c0, num);                                             \
        if (unit_den)                                                           \
            kept += keep;                                                       \
        else                                                                    \
            LM_TWOSUM_ADD(s1, c1, den);                                         \
    }                                                                           \
    if (unit_den)                                                               \
        s1 = s1 + (double)kept;                                                 \
    acc[0] = s0;                                                                \
    acc[1] = c0;                                                                \
    acc[2] = s1;                                                                \
    acc[3] = c1;                                                                \
    *first_bad = bad;                                                           \
}                                                                               \
static void NAME(const T *z, ptrdiff_t row_step, ptrdiff_t n_rows,              \
                 ptrdiff_t n_cols, const int64_t *y, ptrdiff_t y_step,          \
                 const double *cw, const double *sw, int64_t ignore_index,      \
                 int has_ignore, int unit_den, double *acc, double *out,        \
                 int64_t *first_bad)                                            \
{                                                                               \
    /* The plain call (no weights, no ignore_index, every class weight 1, no  \
     * per-row output, rows side by side) in a loop of its own, where those  \
     * options are constants (cw NULL: class weights 1.0, the same values):   \
     * fewer instructions a row, the same operations on the same values. */  \
    if (!sw && !has_ignore && unit_den && !out && row_step == n_cols && y_step == 1) \
        NAME##_body(z, n_cols, n_rows, n_cols, y, 1, NULL, NULL, 0, 0, 1, acc,  \
                    NULL, first_bad);                                           \
    else                                                                        \
        NAME##_body(z, row_step, n_rows, n_cols, y, y_step, cw, sw, ignore_index, \
                    has_ignore, unit_den, acc, out, first_bad);                 \
}
LM_NLL_ROWS(lm_nll_rows, double)
LM_NLL_ROWS(lm_nll_rows_f, float)

/* Whether every y[i] is a class index in [0, n_classes) or, with has_ignore,
 * ignore_index (a vectorisable or-reduction; the caller finds the first bad
 * one only when there is one). */
static int lm_all_class_indices(const int64_t *y, ptrdiff_t n, int64_t n_classes,
                                          int64_t ignore_index, int has_ignore)
{
    uint64_t bad = 0;
    uint64_t keep_ignore = has_ignore ? ~(uint64_t)0 : 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        uint64_t out = (uint64_t)0 - (uint64_t)((uint64_t)y[i] >= (uint64_t)n_classes);
        uint64_t ign = ((uint64_t)0 - (uint64_t)(y[i] == ignore_index)) & keep_ignore;
        bad |= out & ~ign;
    }
    return bad == 0;
}

/* PyTorch's binary_cross_entropy_with_logits of n contiguous (target, logit)
 * pairs, times the sample weights sw (NULL: 1; a zero weight gives 0):
 *   loss = pw y softplus(-x) + (1 - y) softplus(x),
 * with softplus(+-x) = max(+-x, 0) + log1p(exp(-|x|)): PyTorch's
 * (1 - y) x - (1 + (pw - 1) y) log_sigmoid(x) without its cancellation.  Both
 * terms are non-negative, finite for any finite logit, and a zero factor
 * gives exactly 0 (no branch: random 0/1 targets would mispredict it).
 * log1p(exp(-|x|)) is lm_softplus_stage1 over the pairs (s into loss, its
 * case in buf, room for n doubles), then lm_softplus_stage2 in the loop of
 * the losses.  With ahead > 0, the n pairs that start ahead pairs further
 * (the caller's next chunks) are prefetched to L2 during stage 1 (see
 * lm_prefetch_span; prefetches never fault, past the end of the data
 * either).  Returns whether every target lies in [0, 1] and every logit is
 * finite (an or-reduction in the same loop: no second pass over the
 * inputs). */
#define LM_BCE_LOGITS_LOSS(LOSS)                                                \
    for (ptrdiff_t i = 0; i < n; i++) {                                         \
        double yv = (double)y[i], v = (double)x[i];                             \
        double l1p = lm_softplus_stage2(loss[i], buf[i]);                       \
        double b = 1.0 - yv;                                                    \
        double pos = v > 0.0 ? v : 0.0, neg = pos - v;   /* both exact */       \
        loss[i] = (LOSS);                                                       \
        /* y (1 - y) < 0 outside [0, 1] and NaN for a NaN target; its minimum   \
         * with +0 (keeping NaN) plus v * 0 (NaN for an infinite or NaN logit)  \
         * is +0 for a valid pair, negative or NaN otherwise. */                \
        double w = yv * b;                                                      \
        bad |= lm_to_bits(fma(v, 0.0, w >= 0.0 ? 0.0 : w));                     \
    }
#define LM_BCE_LOGITS(NAME, TY, TX)                                             \
static int NAME(const TY *y, const TX *x, ptrdiff_t n, double pw, \
                              const double *sw, double *loss, double *buf,      \
                              ptrdiff_t ahead)                                  \
{                                                                               \
    uint64_t bad = 0;                                                           \
    for (ptrdiff_t i0 = 0; i0 < n; i0 += 32) {                                  \
        ptrdiff_t i1 = i0 + 32 < n ? i0 + 32 : n;                               \
        for (ptrdiff_t i = i0; i < i1; i++)                                     \
            loss[i] = lm_softplus_stage1(fabs((double)x[i]), &buf[i]);          \
        if (ahead > 0) {                                                        \
            lm_prefetch_span(x + ahead + i0, (i1 - i0) * (ptrdiff_t)sizeof(TX));\
            lm_prefetch_span(y + ahead + i0, (i1 - i0) * (ptrdiff_t)sizeof(TY));\
        }                                                                       \
    }                                                                           \
    /* With pw = 1 (no pos_weight), y neg + (1 - y) pos + l1p: two operations  \
     * fewer, and the same values for 0/1 targets. */                           \
    if (pw == 1.0)                                                              \
        LM_BCE_LOGITS_LOSS(fma(yv, neg, b * pos) + l1p)                         \
    else                                                                        \
        LM_BCE_LOGITS_LOSS(fma(pw * yv, neg + l1p, b * (pos + l1p)))            \
    if (sw)                                                                     \
        for (ptrdiff_t i = 0; i < n; i++)                                       \
            loss[i] = sw[i] != 0.0 ? sw[i] * loss[i] : 0.0;                     \
    return bad == 0;                                                            \
}
LM_BCE_LOGITS(lm_bce_logits_dd, double, double)
LM_BCE_LOGITS(lm_bce_logits_df, double, float)
LM_BCE_LOGITS(lm_bce_logits_fd, float, double)
LM_BCE_LOGITS(lm_bce_logits_ff, float, float)

/* PyTorch's binary_cross_entropy of n contiguous (target, probability)
 * pairs, times the sample weights sw (NULL: 1; a zero weight gives 0):
 *   loss = -(y log p + (1 - y) log q),  q = 1 - p formed in the input type,
 * p and q clipped to [eps, 1 - eps] of the input type (finite logs, so a zero
 * factor gives exactly 0).  With hard (all targets 0 or 1), one log per pair:
 * -log of p or of q, the same bits.  buf has room for n doubles. */
#define LM_BCE_PROBA(NAME, TY, TX)                                              \
static void NAME(const TY *y, const TX *x, ptrdiff_t n, int hard,     \
                           const double *sw, double *loss, double *buf)         \
{                                                                               \
    const TX one = 1;                                                           \
    for (ptrdiff_t i = 0; i < n; i++) {                                         \
        TX p = x[i], q = (TX)(one - p);                                         \
        p = lm_clip_proba(p);                                                   \
        q = lm_clip_proba(q);                                                   \
        if (hard) {                                                             \
            loss[i] = y[i] == 1 ? (double)p : (double)q;                        \
        } else {                                                                \
            loss[i] = (double)p;                                                \
            buf[i] = (double)q;                                                 \
        }                                                                       \
    }                                                                           \
    for (ptrdiff_t i = 0; i < n; i++)                                           \
        loss[i] = lm_log1(loss[i]);                                             \
    if (hard) {                                                                 \
        for (ptrdiff_t i = 0; i < n; i++)                                       \
            loss[i] = -loss[i];                                                 \
    } else {                                                                    \
        for (ptrdiff_t i = 0; i < n; i++)                                       \
            buf[i] = lm_log1(buf[i]);                                           \
        for (ptrdiff_t i = 0; i < n; i++) {                                     \
            double yv = (double)y[i];                                           \
            loss[i] = -(yv * loss[i] + (1.0 - yv) * buf[i]);                    \
        }                                                                       \
    }                                                                           \
    if (sw)                                                                     \
        for (ptrdiff_t i = 0; i < n; i++)                                       \
            loss[i] = sw[i] != 0.0 ? sw[i] * loss[i] : 0.0;                     \
}
LM_BCE_PROBA(lm_bce_proba_dd, double, double)
LM_BCE_PROBA(lm_bce_proba_df, double, float)
LM_BCE_PROBA(lm_bce_proba_fd, float, double)
LM_BCE_PROBA(lm_bce_proba_ff, float, float)

/* lm_kl_term (_terms.h) of probabilities p, q in [0, 1] (any value for p or
 * q outside [0, 1]: the callers check the inputs). */
LM_ALWAYS_INLINE double lm_kl_term_of_proba(double pc, double qc)
{
    return lm_kl_term(pc, lm_log_finite_pos(pc), lm_log_finite_pos(qc));
}

/* Sums of the rows of a C-contiguous (n_rows, n_cols) array, each in column
 * order from 0.0 (the KL rows' order). */
LM_ALWAYS_INLINE void lm_serial_row_sums_body(const double *x, ptrdiff_t n_rows,
                                              ptrdiff_t n_cols, double *out)
{
    for (ptrdiff_t r = 0; r < n_rows; r++) {
        double s = 0.0;
        for (ptrdiff_t c = 0; c < n_cols; c++)
            s = s + x[r * n_cols + c];
        out[r] = s;
    }
}

/* KL(P || Q) of n_rows rows of n_cols probabilities (rows p_step and q_step
 * elements apart, columns contiguous): rows[r] = sum_c term(p, q) in column
 * order (lm_kl_term_of_proba).  Rows that are not back to back are copied into bp and
 * bq first; bp and bq have room for n_rows * n_cols doubles.  Returns whether
 * every p and q lies in [0, 1] (NaN does not), checked in the loop of the
 * terms (a mask and-reduction); the terms assume it. */
#define LM_KL_ROWS(NAME, TP, TQ)                                                \
static int NAME(const TP *p, ptrdiff_t p_step, const TQ *q,           \
                          ptrdiff_t q_step, ptrdiff_t n_rows, ptrdiff_t n_cols, \
                          double *rows, double *bp, double *bq)                 \
{                                                                               \
    ptrdiff_t n = n_rows * n_cols;                                              \
    int64_t ok = -1;                                                            \
    if (p_step == n_cols && q_step == n_cols) {                                 \
        for (ptrdiff_t i = 0; i < n; i++) {                                     \
            double pc = (double)p[i], qc = (double)q[i];                        \
            bq[i] = lm_kl_term_of_proba(pc, qc);                                    \
            ok &= lm_unit_mask(pc) & lm_unit_mask(qc);                          \
        }                                                                       \
    } else {                                                                    \
        for (ptrdiff_t r = 0; r < n_rows; r++)                                  \
            for (ptrdiff_t c = 0; c < n_cols; c++) {                            \
                bp[r * n_cols + c] = (double)p[r * p_step + c];                 \
                bq[r * n_cols + c] = (double)q[r * q_step + c];                 \
            }                                                                   \
        for (ptrdiff_t i = 0; i < n; i++) {                                     \
            double pc = bp[i], qc = bq[i];                                      \
            bq[i] = lm_kl_term_of_proba(pc, qc);                                    \
            ok &= lm_unit_mask(pc) & lm_unit_mask(qc);                          \
        }                                                                       \
    }                                                                           \
    switch (n_cols) {                                                           \
    case 2: lm_serial_row_sums_body(bq, n_rows, 2, rows); break;                \
    case 3: lm_serial_row_sums_body(bq, n_rows, 3, rows); break;                \
    case 4: lm_serial_row_sums_body(bq, n_rows, 4, rows); break;                \
    case 5: lm_serial_row_sums_body(bq, n_rows, 5, rows); break;                \
    case 6: lm_serial_row_sums_body(bq, n_rows, 6, rows); break;                \
    case 8: lm_serial_row_sums_body(bq, n_rows, 8, rows); break;                \
    case 10: lm_serial_row_sums_body(bq, n_rows, 10, rows); break;              \
    default: lm_serial_row_sums_body(bq, n_rows, n_cols, rows);                 \
    }                                                                           \
    return ok != 0;                                                             \
}
LM_KL_ROWS(lm_kl_rows_dd, double, double)
LM_KL_ROWS(lm_kl_rows_df, double, float)
LM_KL_ROWS(lm_kl_rows_fd, float, double)
LM_KL_ROWS(lm_kl_rows_ff, float, float)

/* Whether every x[i] is 0 or 1: a branch-free, vectorisable and-reduction
 * of comparison masks. */
#define LM_ALL_BINARY(SUFFIX, T, I)                                            \
static int lm_all_binary##SUFFIX(const T *x, ptrdiff_t n)             \
{                                                                               \
    I ok = -1;                                                                  \
    for (ptrdiff_t i = 0; i < n; i++)                                           \
        ok &= -(I)((x[i] == 0) | (x[i] == 1));                                  \
    return ok != 0;                                                             \
}
LM_ALL_BINARY(, double, int64_t)
LM_ALL_BINARY(_f, float, int32_t)

/* Whether every y[i] lies in [lo, lo + width) (unsigned, wrapping arithmetic:
 * a vectorisable or-reduction). */
static int lm_all_in_window(const int64_t *y, ptrdiff_t n, int64_t lo,
                                      uint64_t width)
{
    uint64_t out = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        out |= (uint64_t)0 - (uint64_t)((uint64_t)y[i] - (uint64_t)lo >= width);
    return out == 0;
}

/* Whether every x[i] is below +infinity (no NaN, no +inf; -inf passes: the
 * log of a zero probability): a branch-free, vectorisable and-reduction of
 * comparison masks. */
#define LM_BELOW_INF(SUFFIX, T, I)                                             \
static int lm_below_inf##SUFFIX(const T *x, ptrdiff_t n)              \
{                                                                               \
    I ok = -1;                                                                  \
    for (ptrdiff_t i = 0; i < n; i++)                                           \
        ok &= -(I)(x[i] < (T)INFINITY);                                         \
    return ok != 0;                                                             \
}
LM_BELOW_INF(, double, int64_t)
LM_BELOW_INF(_f, float, int32_t)

/* nll_loss on n_rows rows of n_cols log-probabilities side by side, without
 * options (lm_nll_rows's plain call), with its scan for NaN and +inf
 * (lm_below_inf) 8 rows at a time, each scan before those rows' picks:
 * the scan of the next rows overlaps the running sum of the picks, a chain
 * of dependent adds (8 rows: 4096 x 10 8.5 -> 8.0 us against 16; 32 rows
 * 9.2).  The labels are checked first, all at once
 * (lm_all_class_indices: one vectorised pass); then every row counts, and
 * the picks need none of lm_index_row's selects (a weight of 1 times the
 * term, lm_select of a kept row: the same values; at 4096 x 10 they were a
 * third of the instructions of a row).  The same sums as the scan of the
 * whole then lm_nll_rows (the unit weights are counted per call: an exact
 * integer sum).  Returns whether every value is below +inf; *first_bad is
 * -1, or >= 0 (not the row) when a label is out of range. */
#define LM_NLL_SCANNED_ROWS(SUFFIX, T)                                          \
static int lm_nll_scanned_rows##SUFFIX(const T *z, ptrdiff_t n_rows, ptrdiff_t n_cols, \
                                       const int64_t *y, double *acc,           \
                                       int64_t *first_bad)                      \
{                                                                               \
    int ok = 1;                                                                 \
    double s = acc[0], c = acc[1];                                              \
    *first_bad = lm_all_class_indices(y, n_rows, n_cols, 0, 0) ? -1 : 0;        \
    if (*first_bad >= 0)                                                        \
        return ok;                                                              \
    for (ptrdiff_t r0 = 0; r0 < n_rows; r0 += 8) {                              \
        ptrdiff_t m = n_rows - r0 < 8 ? n_rows - r0 : 8;                        \
        ok &= lm_below_inf##SUFFIX(z + r0 * n_cols, m * n_cols);                \
        for (ptrdiff_t r = r0; r < r0 + m; r++) {                               \
            double v = lm_nll_term(1.0, (double)z[r * n_cols + y[r]]);          \
            LM_TWOSUM_ADD(s, c, v);                                             \
        }                                                                       \
    }                                                                           \
    acc[0] = s;                                                                 \
    acc[1] = c;                                                                 \
    acc[2] = acc[2] + (double)n_rows;                                           \
    return ok;                                                                  \
}
LM_NLL_SCANNED_ROWS(, double)
LM_NLL_SCANNED_ROWS(_f, float)

/* Whether every x[i] lies in [0, 1] (NaN does not): a branch-free,
 * vectorisable and-reduction of comparison masks. */
static int lm_in_unit_interval(const double *x, ptrdiff_t n)
{
    return lm_unit_body(x, n);
}

static int lm_in_unit_interval_f(const float *x, ptrdiff_t n)
{
    return lm_unit_body_f(x, n);
}

#endif
