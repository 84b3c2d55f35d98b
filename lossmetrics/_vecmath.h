/* Vectorisable exp and log for the loss kernels.
 *
 * Written with GCC/Clang vector extensions (4 doubles per vector), which the
 * compiler lowers to whatever SIMD the target has (SSE2 pairs on baseline
 * x86-64, AVX when enabled).  No FMA and no reassociation: the same inputs give
 * the same bits on every build, so results stay reproducible.
 *
 * Accuracy (tested in tests/test_vecmath.py against math.exp / math.log):
 *   lm_vexp: |error| <= 1 ulp for x in [-708, 709]; 0 below -745, +inf above 709.78
 *   lm_vlog: |error| <= 1 ulp for positive normal and subnormal x; log(0) = -inf
 *   lm_vlog1p_small: log1p(t) for t in [0, 1], |error| <= 1 ulp (via log(1 + t)
 *   with the rounding of 1 + t corrected)
 */
#ifndef LOSSMETRICS_VECMATH_H
#define LOSSMETRICS_VECMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LM_W 4
typedef double lm_vd __attribute__((vector_size(LM_W * sizeof(double))));
typedef int64_t lm_vi __attribute__((vector_size(LM_W * sizeof(int64_t))));

static inline lm_vd lm_splat(double x) { lm_vd v = {x, x, x, x}; return v; }

static inline lm_vd lm_as_vd(lm_vi v) { lm_vd r; memcpy(&r, &v, sizeof r); return r; }
static inline lm_vi lm_as_vi(lm_vd v) { lm_vi r; memcpy(&r, &v, sizeof r); return r; }

/* m ? a : b, lane by lane (m from a vector comparison: all ones or zeros). */
static inline lm_vd lm_sel(lm_vi m, lm_vd a, lm_vd b) {
    return lm_as_vd((m & lm_as_vi(a)) | (~m & lm_as_vi(b)));
}

/* Round to nearest integer (ties away do not matter here): the 2^52 trick. */
static inline lm_vd lm_round(lm_vd x) {
    const lm_vd big = lm_splat(6755399441055744.0); /* 1.5 * 2^52 */
    return (x + big) - big;
}

/* exp(x): x = n ln2 + r, |r| <= ln2 / 2, exp(r) by a degree-13 Taylor
 * polynomial (truncation < 2^-60 on that interval), scaled by 2^n built in
 * two steps so that n down to -1074 (subnormal results) is exact. */
static inline lm_vd lm_vexp(lm_vd x) {
    const lm_vd log2e = lm_splat(1.4426950408889634);
    const lm_vd ln2_hi = lm_splat(6.93147180369123816490e-01);
    const lm_vd ln2_lo = lm_splat(1.90821492927058770002e-10);
    lm_vd xc = x;
    xc = lm_sel(xc < lm_splat(-746.0), lm_splat(-746.0), xc);
    xc = lm_sel(xc > lm_splat(710.0), lm_splat(710.0), xc);
    lm_vd n = lm_round(xc * log2e);
    lm_vd r = (xc - n * ln2_hi) - n * ln2_lo;
    /* Horner, highest degree first: sum r^k / k!, k = 0..13 */
    lm_vd p = lm_splat(1.0 / 6227020800.0);
    p = p * r + lm_splat(1.0 / 479001600.0);
    p = p * r + lm_splat(1.0 / 39916800.0);
    p = p * r + lm_splat(1.0 / 3628800.0);
    p = p * r + lm_splat(1.0 / 362880.0);
    p = p * r + lm_splat(1.0 / 40320.0);
    p = p * r + lm_splat(1.0 / 5040.0);
    p = p * r + lm_splat(1.0 / 720.0);
    p = p * r + lm_splat(1.0 / 120.0);
    p = p * r + lm_splat(1.0 / 24.0);
    p = p * r + lm_splat(1.0 / 6.0);
    p = p * r + lm_splat(0.5);
    p = p * r + lm_splat(1.0);
    /* exp(r) = 1 + r p: keep the leading 1 separate for accuracy. */
    lm_vd er = lm_splat(1.0) + r * p;
    /* 2^n = 2^n1 * 2^n2 with both halves normal numbers. */
    lm_vi ni = __builtin_convertvector(n, lm_vi);
    lm_vi n1 = ni >> 1;
    lm_vi n2 = ni - n1;
    lm_vd s1 = lm_as_vd((n1 + 1023) << 52);
    lm_vd s2 = lm_as_vd((n2 + 1023) << 52);
    lm_vd res = (er * s1) * s2;
    res = lm_sel(x < lm_splat(-745.2), lm_splat(0.0), res);
    res = lm_sel(x > lm_splat(709.78), lm_splat(INFINITY), res);
    res = lm_sel(x != x, x, res);
    return res;
}

/* log(x) for x > 0 (fdlibm's method): x = 2^k m, m in [sqrt(2)/2, sqrt(2)),
 * f = m - 1, s = f / (2 + f), log(m) = f - s (f - R(s^2)) style:
 *   log(1 + f) = 2 atanh(s) = 2s + 2s^3/3 + ..., evaluated as
 *   hfsq = f^2 / 2;  log(1+f) = f - (hfsq - s (hfsq + R)),  R = s^2 P(s^2). */
static inline lm_vd lm_vlog(lm_vd x) {
    const lm_vd two54 = lm_splat(18014398509481984.0);
    lm_vi sub = x < lm_splat(2.2250738585072014e-308);
    lm_vd xs = lm_sel(sub, x * two54, x);   /* subnormals to normals */
    lm_vi ix = lm_as_vi(xs);
    /* Shift the mantissa so that m lands in [sqrt(2)/2, sqrt(2)). */
    lm_vi hx = ix + (0x3ff0000000000000LL - 0x3fe6a09e667f3bcdLL);
    lm_vi k = (hx >> 52) - 1023;
    k = k - (sub & 54);
    lm_vi mbits = (hx & 0x000fffffffffffffLL) + 0x3fe6a09e667f3bcdLL;
    lm_vd m = lm_as_vd(mbits);
    lm_vd f = m - lm_splat(1.0);
    lm_vd s = f / (lm_splat(2.0) + f);
    lm_vd z = s * s;
    lm_vd w = z * z;
    const lm_vd Lg1 = lm_splat(6.666666666666735130e-01);
    const lm_vd Lg2 = lm_splat(3.999999999940941908e-01);
    const lm_vd Lg3 = lm_splat(2.857142874366239149e-01);
    const lm_vd Lg4 = lm_splat(2.222219843214978396e-01);
    const lm_vd Lg5 = lm_splat(1.818357216161805012e-01);
    const lm_vd Lg6 = lm_splat(1.531383769920937332e-01);
    const lm_vd Lg7 = lm_splat(1.479819860511658591e-01);
    lm_vd t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    lm_vd t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    lm_vd R = t2 + t1;
    lm_vd hfsq = lm_splat(0.5) * f * f;
    lm_vd dk = __builtin_convertvector(k, lm_vd);
    const lm_vd ln2_hi = lm_splat(6.93147180369123816490e-01);
    const lm_vd ln2_lo = lm_splat(1.90821492927058770002e-10);
    lm_vd res = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
    res = lm_sel(x == lm_splat(0.0), lm_splat(-INFINITY), res);
    res = lm_sel(x == lm_splat(INFINITY), x, res);
    res = lm_sel((x < lm_splat(0.0)) | (x != x), lm_splat(NAN), res);
    return res;
}

/* log1p(t) for t in [0, 1]: u = 1 + t rounded, log(u) + (t - (u - 1)) / u. */
static inline lm_vd lm_vlog1p_small(lm_vd t) {
    lm_vd u = lm_splat(1.0) + t;
    lm_vd corr = (t - (u - lm_splat(1.0))) / u;
    return lm_vlog(u) + corr;
}

#endif
