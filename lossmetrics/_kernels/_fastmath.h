/* Vectorisable double-precision log, exp and log1p over small arrays.
 *
 * The kernels gather a block's arguments into a buffer on the stack and call
 * lm_log_array / lm_exp_array on it (or inline the functions in their own
 * loops); the loops below are
 * branch-free (selects only) and use only operations every SIMD level has
 * (no 64-bit integer <-> double conversions, no arithmetic 64-bit shifts), so
 * the compiler vectorises them for the instruction set of the module that
 * includes them: on x86-64 every kernel module is built for the baseline and
 * for x86-64-v3 (AVX2), and lossmetrics/_kernels/__init__.py imports the one
 * the CPU supports (the one SIMD dispatch of the package).  Both builds
 * perform the same IEEE operations in the same order (-ffp-contract=off: no
 * FMA contraction), so results are the same bits on every CPU: compiled for
 * SSE2, AVX2, AVX-512 and with -mfma, 3 million log/exp/log1p values hashed
 * to the same bits (tests/test_simd.py compares the two builds).
 *
 * Algorithms: FreeBSD / fdlibm e_log.c and e_exp.c (Sun Microsystems, 1993,
 * freely redistributable), written without branches.  Accuracy, checked by
 * tests/test_fastmath.py against 80-bit long-double references: log and exp
 * within 1 ulp over their whole range (subnormal arguments and results,
 * 0, infinities and NaN handled); lm_exp_neg (x <= 0) is lm_exp1's bits
 * without its overflow and NaN selects.  The softplus log1p(exp(-a)) of
 * binary_cross_entropy_with_logits is one function of its own (one division
 * for both, fma: within 3 ulp).
 */
#ifndef LOSSMETRICS_FASTMATH_H
#define LOSSMETRICS_FASTMATH_H

#include <stdint.h>
#include <stddef.h>
#include <math.h>

/* Inlined into every caller (so that each loop is vectorised whole). */
#if defined(__GNUC__)
#define LM_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define LM_ALWAYS_INLINE static inline
#endif
/* A whole loop kept out of its caller: compiled (and vectorised) on its
 * own, whatever the caller it would otherwise be inlined into. */
#if defined(__GNUC__)
#define LM_NOINLINE static __attribute__((noinline))
#else
#define LM_NOINLINE static
#endif

typedef union { double d; uint64_t u; } lm_bits;

LM_ALWAYS_INLINE double lm_from_bits(uint64_t u) { lm_bits b; b.u = u; return b.d; }
LM_ALWAYS_INLINE uint64_t lm_to_bits(double d) { lm_bits b; b.d = d; return b.u; }

/* c ? a : b without a branch (for unpredictable conditions such as random labels). */
LM_ALWAYS_INLINE double lm_select(int c, double a, double b)
{
    uint64_t m = (uint64_t)0 - (uint64_t)(c != 0);
    return lm_from_bits((lm_to_bits(a) & m) | (lm_to_bits(b) & ~m));
}

static const double LM_LN2_HI = 6.93147180369123816490e-01;  /* 0x3fe62e42fee00000 */
static const double LM_LN2_LO = 1.90821492927058770002e-10;  /* 0x3dea39ef35793c76 */
static const double LM_TWO52 = 4503599627370496.0;           /* 2^52 */
static const double LM_ROUNDER = 6755399441055744.0;         /* 1.5 * 2^52 */

/* fdlibm's log kernel: log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)),
 * s = f / (2 + f), for |s| <= 0.1716 (sqrt(2) - 1 <= 1 + f <= sqrt(2)). */
static const double LM_LG1 = 6.666666666666735130e-01, LM_LG2 = 3.999999999940941908e-01,
                    LM_LG3 = 2.857142874366239149e-01, LM_LG4 = 2.222219843214978396e-01,
                    LM_LG5 = 1.818357216161805012e-01, LM_LG6 = 1.531383769920937332e-01,
                    LM_LG7 = 1.479819860511658591e-01;

/* k log(2) + log(1 + f) for |f / (2 + f)| <= 0.1716, with lo_term = k times
 * log(2)'s low part (plus any correction to f) added among the small terms. */
LM_ALWAYS_INLINE double lm_log_kernel(double f, double k, double lo_term)
{
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (LM_LG2 + w * (LM_LG4 + w * LM_LG6));
    double t2 = z * (LM_LG1 + w * (LM_LG3 + w * (LM_LG5 + w * LM_LG7)));
    double R = t2 + t1;
    double hfsq = 0.5 * f * f;
    return k * LM_LN2_HI - ((hfsq - (s * (hfsq + R) + lo_term)) - f);
}

/* x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)), for a normal x > 0;
 * *k as a double. */
LM_ALWAYS_INLINE double lm_log_split(double x, double *k)
{
    uint64_t u = lm_to_bits(x);
    /* The biased exponent as a double, without an int -> double conversion. */
    double e = lm_from_bits(0x4330000000000000ULL | (u >> 52)) - (LM_TWO52 + 1023.0);
    double m = lm_from_bits((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    int big = m > 1.4142135623730951;
    *k = big ? e + 1.0 : e;
    return (big ? 0.5 * m : m) - 1.0;
}

/* log(x) for x >= 0, not NaN, not +inf (the core of lm_log1). */
LM_ALWAYS_INLINE double lm_log_finite_pos(double x)
{
    /* Subnormals are scaled into the normal range first. */
    int sub = x < 2.2250738585072014e-308;
    double k, f = lm_log_split(sub ? x * LM_TWO52 : x, &k);
    k = sub ? k - 52.0 : k;
    double r = lm_log_kernel(f, k, k * LM_LN2_LO);
    return x == 0.0 ? -INFINITY : r;
}

/* log(x) for a normal, positive, finite x (the bits of lm_log1 there,
 * without its selects for the other cases). */
LM_ALWAYS_INLINE double lm_log_normal(double x)
{
    double k, f = lm_log_split(x, &k);
    return lm_log_kernel(f, k, k * LM_LN2_LO);
}

/* log(x) for any double x. */
LM_ALWAYS_INLINE double lm_log1(double x)
{
    double r = lm_log_finite_pos(x);
    r = x == INFINITY ? INFINITY : r;
    return (x < 0.0 || x != x) ? NAN : r;
}

/* 2^j for an integer-valued double j in [-1022, 1023]. */
LM_ALWAYS_INLINE double lm_pow2(double j)
{
    uint64_t t = lm_to_bits(j + LM_ROUNDER);   /* j + 1023 in the low bits */
    return lm_from_bits((t + 1023ULL) << 52);
}

/* fdlibm's exp: 1 / log(2) and the rational approximation's coefficients
 * (lm_exp_reduced and lm_softplus_stage1). */
static const double LM_INV_LN2 = 1.44269504088896338700e+00;
static const double LM_EXP_P1 = 1.66666666666666019037e-01,
                    LM_EXP_P2 = -2.77777777770155933842e-03,
                    LM_EXP_P3 = 6.61375632143793436117e-05,
                    LM_EXP_P4 = -1.65339022054652515390e-06,
                    LM_EXP_P5 = 4.13813679705723846039e-08;

/* exp(xc) = y 2^k for xc in [-746, 710] (or NaN): fdlibm's reduction and
 * rational approximation give y (in [0.7, 1.5]) and the integer k. */
LM_ALWAYS_INLINE double lm_exp_reduced(double xc, double *k_out)
{
    double k = (xc * LM_INV_LN2 + LM_ROUNDER) - LM_ROUNDER;   /* nearest integer */
    double hi = xc - k * LM_LN2_HI;               /* exact: LN2_HI has 11 zero bits */
    double lo = k * LM_LN2_LO;
    double r = hi - lo;
    double t = r * r;
    double c = r - t * (LM_EXP_P1 + t * (LM_EXP_P2 + t * (LM_EXP_P3
                                          + t * (LM_EXP_P4 + t * LM_EXP_P5))));
    *k_out = k;
    return 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
}

/* exp(x) for any double x. */
LM_ALWAYS_INLINE double lm_exp1(double x)
{
    double xc = x > 710.0 ? 710.0 : x;           /* exp overflows above ~709.78 */
    xc = xc < -746.0 ? -746.0 : xc;               /* and is 0 below ~-745.13 */
    double k, y = lm_exp_reduced(xc, &k);
    /* y * 2^k in two steps (the first exact), so that subnormal results
     * round once. */
    double k1 = (k * 0.5 + LM_ROUNDER) - LM_ROUNDER;
    double e = (y * lm_pow2(k1)) * lm_pow2(k - k1);
    return x != x ? x : e;
}

/* exp(x) for x <= 0 (NaN gives NaN): lm_exp1's bits without its overflow and
 * NaN selects.  k >= -1077 here, so y 2^(k + 64) is exact and the product by
 * 2^-64 rounds once, as lm_exp1's two steps do. */
LM_ALWAYS_INLINE double lm_exp_neg(double x)
{
    double k, y = lm_exp_reduced(x < -746.0 ? -746.0 : x, &k);
    return (y * lm_pow2(k + 64.0)) * 5.421010862427522e-20;   /* 2^-64 */
}

/* The functions that call fma(): fma() rounds once on every CPU (an
 * instruction in the x86-64-v3 build, libm's correctly rounded software
 * in the baseline build: the same bits, but slow), so these functions too
 * give the same bits everywhere. */

/* softplus(-a) = log1p(exp(-a)) for a >= 0 (NaN gives NaN), within 3 ulp
 * (tests/test_fastmath.py), in two stages: a loop of lm_softplus_stage1 then a
 * loop of lm_softplus_stage2 over a block keeps each loop's dependency chain
 * short enough for the out-of-order core to overlap many elements (one fused
 * loop ran 25% slower).
 *
 * Stage 1 reduces exp(-a) = 2^k e^r as lm_exp_reduced does (|r| <= ln(2)/2),
 * but keeps e^r = N / D = 1 + 2r / D unevaluated (D = 2 - c, N = D + 2r), so
 * that one division serves exp and log1p: with t = exp(-a) = 2^k N / D,
 *   log1p(t) = 2 atanh(s),        s = t / (2 + t) = 2^k N / (2D + 2^k N),
 *     for t <= sqrt(2) - 1, and
 *   log1p(t) = log(2) + 2 atanh(s),  s = (t - 1) / (t + 3),  above,
 * so |s| <= 0.1716 always: fdlibm's log kernel, 2 atanh(s) = 2s + s R(s^2),
 * finishes it in stage 2.  Stage 1 returns s and sets *big to log(2)'s high
 * part in the second case (0.0 otherwise).  2^k N is scaled in two steps as in
 * lm_exp_neg (one rounding for subnormal t). */
LM_ALWAYS_INLINE double lm_softplus_stage1(double a, double *big)
{
    double xc = -(746.0 < a ? 746.0 : a);       /* a minimum that keeps NaN */
    double kr = fma(xc, LM_INV_LN2, LM_ROUNDER);     /* k + 1.5 2^52: k in the low bits */
    double k = kr - LM_ROUNDER;
    double r = fma(-k, LM_LN2_LO, fma(-k, LM_LN2_HI, xc));
    double z = r * r;
    double p = fma(z, fma(z, fma(z, fma(z, LM_EXP_P5, LM_EXP_P4), LM_EXP_P3), LM_EXP_P2),
                   LM_EXP_P1);
    double d = 2.0 - fma(-z, p, r);
    double scale = lm_from_bits((lm_to_bits(kr) + (1023ULL + 64ULL)) << 52);   /* 2^(k + 64) */
    double t = (fma(2.0, r, d) * scale) * 5.421010862427522e-20;  /* 2^-64 */
    int above = t > 0.41421356237309503 * d;
    *big = lm_select(above, LM_LN2_HI, 0.0);
    /* lm_select, not ?: so that the compiler selects before the division
     * instead of dividing (and finishing) both ways. */
    return (t - lm_select(above, d, 0.0)) / fma(lm_select(above, 3.0, 2.0), d, t);
}

/* Stage 2: log1p(exp(-a)) from stage 1's s and big (log(2)'s high part in
 * the second case, 0 in the first; its low part is big times their ratio,
 * within 1e-26 of it). */
LM_ALWAYS_INLINE double lm_softplus_stage2(double s, double big)
{
    double z = s * s;
    double w = z * z;
    double R = z * fma(w, fma(w, fma(w, LM_LG7, LM_LG5), LM_LG3), LM_LG1)
               + w * fma(w, fma(w, LM_LG6, LM_LG4), LM_LG2);
    return big + fma(2.0, s, fma(s, R, big * (LM_LN2_LO / LM_LN2_HI)));
}

/* log1p(x) for any double x, without branches: fdlibm's s_log1p.c (Sun
 * Microsystems, 1993, freely redistributable), in the evaluation order and
 * with the fused multiply-adds of the C library's log1p on x86-64 CPUs with
 * FMA (glibc 2.36's FMA build, whose operations were read from its machine
 * code), so that on such a machine its results are libm's bits: 2e9 values
 * of every range compared.  tests/test_fastmath.py checks it against a
 * long-double reference: within 1 ulp but for a few values just below
 * -0.2929 (1.83 ulp at -0x1.2bec400000001p-2, as libm).  1 + x = 2^k (1 + f),
 * sqrt(2)/2 <= 1 + f < sqrt(2), with c = ((1 + x) - fl(1 + x)) / fl(1 + x)
 * the rounding of 1 + x; log1p(x) = k log(2) + log1p(f) + c, by fdlibm's
 * log kernel on s = f / (2 + f), or by f - f^2/2 + f^3/3 where the top 20
 * bits of f's fraction are zero.  f = x, k = 0 for -0.2929 < x < 0.41422;
 * x - x^2/2 for |x| < 2^-29, x for |x| < 2^-54.  The comparisons of the
 * high word are written as comparisons of doubles (the same sets), k as a
 * double, both ways of every case computed and selected. */
LM_ALWAYS_INLINE double lm_log1p(double x)
{
    double ax = fabs(x);
    /* 1 + x = u exactly-ish, u = x above 2^53 (c = 0 there). */
    int huge = x >= 9007199254740992.0;                   /* 2^53 */
    double u = huge ? x : 1.0 + x;
    uint64_t ub = lm_to_bits(u);
    double k = lm_from_bits(0x4330000000000000ULL | (ub >> 52)) - (LM_TWO52 + 1023.0);
    double c = k > 0.0 ? 1.0 - (u - x) : x - (u - 1.0);
    c = huge ? 0.0 : c / u;
    /* Normalise u to [sqrt(2)/2, sqrt(2)) by its top 20 fraction bits hu. */
    int64_t hu = (int64_t)((ub >> 32) & 0xfffffULL);
    int low = hu < 0x6a09e;
    double un = lm_from_bits((ub & 0x000fffffffffffffULL)
                             | (low ? 0x3ff0000000000000ULL : 0x3fe0000000000000ULL));
    k = low ? k : k + 1.0;
    int top_zero = low ? hu == 0 : hu > 0xffffc;          /* (2^20 - hu) >> 2 == 0 */
    /* k = 0, f = x near 0 (the high word of x between those of -0.2929 and
     * 0.41422). */
    int near0 = x < 0.4142136573791504 && x > -0.2928934097290039;
    double f = near0 ? x : un - 1.0;
    k = near0 ? 0.0 : k;
    c = near0 ? 0.0 : c;
    top_zero = near0 ? 0 : top_zero;
    double hfsq = (0.5 * f) * f;
    double klo = fma(k, LM_LN2_LO, c);
    /* fdlibm's log kernel. */
    double s = f / (2.0 + f);
    double z = s * s;
    double R2 = fma(z, LM_LG3, LM_LG2), R3 = fma(z, LM_LG5, LM_LG4), R4 = fma(z, LM_LG7, LM_LG6);
    double z2 = z * z, z4 = z2 * z2, z6 = z2 * z4;
    double R = fma(z6, R4, fma(z4, R3, fma(z, LM_LG1, z2 * R2)));
    double w = s * (R + hfsq);
    double r_main = k == 0.0 ? f - (hfsq - w) : fma(k, LM_LN2_HI, -((hfsq - (klo + w)) - f));
    /* The top 20 bits of f's fraction zero: f - f^2/2 + f^3/3. */
    double Rs = fma(-f, 0.6666666666666666, 1.0) * hfsq;
    double r_small = k == 0.0 ? f - Rs : fma(k, LM_LN2_HI, -((Rs - klo) - f));
    r_small = f == 0.0 ? (k == 0.0 ? 0.0 : fma(k, LM_LN2_HI, klo)) : r_small;
    double r = top_zero ? r_small : r_main;
    /* |x| < 2^-29: x - x^2/2, and x below 2^-54. */
    r = ax < 1.862645149230957e-09 ? (ax < 5.551115123125783e-17 ? x : fma(-(x * x), 0.5, x)) : r;
    /* x <= -1: -inf at -1, NaN below; +inf and NaN: x + x. */
    r = x <= -1.0 ? (x == -1.0 ? -INFINITY : NAN) : r;
    return (x != x || x == INFINITY) ? x + x : r;
}

static void lm_log_array(double *x, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        x[i] = lm_log1(x[i]);
}

static void lm_log1p_array(double *x, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        x[i] = lm_log1p(x[i]);
}

static void lm_exp_array(double *x, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        x[i] = lm_exp1(x[i]);
}

static void lm_exp_neg_array(double *x, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        x[i] = lm_exp_neg(x[i]);
}

static void lm_softplus_neg_array(double *x, ptrdiff_t n)
{
    double big[256];
    for (ptrdiff_t i0 = 0; i0 < n; i0 += 256) {
        ptrdiff_t m = n - i0 < 256 ? n - i0 : 256;
        for (ptrdiff_t i = 0; i < m; i++)
            x[i0 + i] = lm_softplus_stage1(x[i0 + i], &big[i]);
        for (ptrdiff_t i = 0; i < m; i++)
            x[i0 + i] = lm_softplus_stage2(x[i0 + i], big[i]);
    }
}

#endif
