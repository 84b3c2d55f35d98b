/* The per-element terms of the element-wise losses, and the clip of a
 * probability, each written once.
 *
 * Every path that evaluates one calls it: the vectorised C lanes of
 * _rowkernels.h (contiguous, unweighted float64 columns) and the Cython loop
 * of _elementwise_kernels.pyx (any strides, float32, sample weights).  The
 * arguments are the target y and the prediction x, in float64.
 */
#ifndef LOSSMETRICS_TERMS_H
#define LOSSMETRICS_TERMS_H

#include <float.h>
#include <math.h>

#include "_fastmath.h"   /* lm_select */

/* The options of a term (Huber's delta, ...), by value: p0 and p1. */
typedef struct { double p0, p1; } lm_params;

/* (y - x)^2 */
static inline double lm_squared_error(double y, double x)
{
    double d = y - x;
    return d * d;
}

/* |y - x| */
static inline double lm_absolute_error(double y, double x)
{
    return fabs(y - x);
}

/* scikit-learn's mean_squared_log_error term: (log1p(y) - log1p(x))^2, in
 * that order of operations (NaN or inf for values <= -1: the caller's
 * deferred range check then raises): the squared error of the log1p's
 * (lm_log1p: the C library's bits on x86-64 with FMA, vectorisable). */
LM_ALWAYS_INLINE double lm_squared_log_error(double y, double x, lm_params unused)
{
    (void)unused;
    return lm_squared_error(lm_log1p(y), lm_log1p(x));
}

/* scikit-learn's mean_absolute_percentage_error term:
 * |x - y| / max(|y|, DBL_EPSILON). */
static inline double lm_absolute_percentage_error(double y, double x, lm_params unused)
{
    double a = fabs(y);
    (void)unused;
    return fabs(x - y) / lm_select(a > DBL_EPSILON, a, DBL_EPSILON) + (y - y);
}

/* scikit-learn's mean_pinball_loss term of quantile alpha = p0, with
 * d = y - x: alpha d where d >= 0, -(1 - alpha) d below (the values of
 * alpha sign d - (1 - alpha)(1 - sign) d). */
static inline double lm_pinball(double y, double x, lm_params p)
{
    double d = y - x;
    return lm_select(d >= 0.0, p.p0 * d, -((1.0 - p.p0) * d));
}

/* scikit-learn's Tweedie deviance term of power p0, in its formulas and order
 * of operations (non-finite for a non-finite y or x, as every term here):
 * p0 < 0 and 1 < p0 < 2 or p0 > 2 the general power form, 0 the squared
 * error, 1 the Poisson deviance 2 (y log(y / x) - y + x) with 0 log 0 = 0,
 * 2 the Gamma deviance 2 (log(x / y) + y / x - 1).  The branch on the power
 * is the same for every element of a call. */
static inline double lm_tweedie(double y, double x, lm_params p)
{
    double q = p.p0;
    if (q == 0.0) {
        double d = y - x;
        return d * d;
    }
    if (q == 1.0)
        return 2.0 * ((y == 0.0 ? 0.0 : y * log(y / x)) - y + x);
    if (q == 2.0)
        return 2.0 * (log(x / y) + y / x - 1.0);
    double yp = q < 0.0 ? (y > 0.0 ? y : 0.0) : y;
    /* (y - y) + (x - x): an infinite x, whose negative powers are 0 for
     * p0 > 2, shows in the sums as NaN (the value of a finite term is
     * unchanged: adding 0 to it is exact, and a sum has no -0). */
    return 2.0 * (pow(yp, 2.0 - q) / ((1.0 - q) * (2.0 - q))
                  - y * pow(x, 1.0 - q) / (1.0 - q) + pow(x, 2.0 - q) / (2.0 - q))
           + ((y - y) + (x - x));
}

/* PyTorch's HuberLoss: 0.5 d^2 below delta, delta (d - delta / 2) above,
 * d = |x - y|.  Both sides are computed and one is selected (lm_select, not
 * ?:): no branch to mispredict, and the loops over it vectorise. */
static inline double lm_huber(double y, double x, lm_params p)
{
    double delta = p.p0;
    double d = fabs(x - y);
    return lm_select(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta));
}

/* PyTorch's SmoothL1Loss: 0.5 d^2 / beta below beta, d - beta / 2 above
 * (beta = 0 is the absolute error, chosen by the caller). */
static inline double lm_smooth_l1(double y, double x, lm_params p)
{
    double beta = p.p0;
    double d = fabs(x - y);
    return lm_select(d < beta, 0.5 * d * d / beta, d - 0.5 * beta);
}

/* PyTorch's SoftMarginLoss term log(1 + exp(-y x)), as softplus(z), z = -y x:
 * max(z, 0) + log1p(exp(-|z|)) by the vectorisable softplus stages of
 * _fastmath.h, finite for every finite y x, where PyTorch's log1p(exp(z))
 * overflows to inf beyond z = 709.78.  (y - y) + (x - x) is 0 for finite
 * inputs and NaN otherwise: a non-finite input shows in the sums, as the
 * deferred finiteness scans need (an infinite y x would give 0 or inf). */
static inline double lm_soft_margin(double y, double x, lm_params unused)
{
    double z = -y * x;
    double big;
    double s = lm_softplus_stage1(fabs(z), &big);
    (void)unused;
    return (lm_select(z > 0.0, z, 0.0) + lm_softplus_stage2(s, big)) + ((y - y) + (x - x));
}

/* PyTorch's HingeEmbeddingLoss term: x where y = 1, max(0, margin - x) where
 * y = -1, their sum for any other y, as PyTorch computes it.  The maximum
 * keeps NaN (PyTorch's clamp_min does), and (y - y) + (x - x) makes an
 * infinite input show in the sums (margin - inf would clamp to 0). */
static inline double lm_hinge_embedding(double y, double x, lm_params p)
{
    double d = p.p0 - x;      /* p0: the margin */
    return (lm_select(y != 1.0, lm_select(d < 0.0, 0.0, d), 0.0)
            + lm_select(y != -1.0, x, 0.0)) + ((y - y) + (x - x));
}

/* The Stirling term of PyTorch's PoissonNLLLoss(full=True), the log of y!
 * up to its constant: y log y - y + log(2 pi y) / 2 where y > 1, else 0, in
 * PyTorch's order of operations. */
static inline double lm_stirling(double y)
{
    double t = (y * lm_log1(y) - y) + 0.5 * lm_log1(2.0 * 3.141592653589793 * y);
    return lm_select(y > 1.0, t, 0.0);
}

/* PyTorch's PoissonNLLLoss of a log-rate x (log_input=True): exp(x) - y x;
 * p1 != 0 adds the Stirling term (full=True). */
LM_ALWAYS_INLINE double lm_poisson_log(double y, double x, lm_params p)
{
    double loss = lm_exp1(x) - y * x;
    if (p.p1 != 0.0)
        loss += lm_stirling(y);
    return loss;
}

/* PyTorch's PoissonNLLLoss of a rate x (log_input=False): x - y log(x + eps),
 * eps = p0; p1 != 0 adds the Stirling term (full=True).  x + eps <= 0 gives
 * NaN or inf (the caller's range check then raises). */
static inline double lm_poisson(double y, double x, lm_params p)
{
    double loss = x - y * lm_log1(x + p.p0);
    if (p.p1 != 0.0)
        loss += lm_stirling(y);
    return loss;
}

/* PyTorch's power of a tensor by a scalar exponent e >= 0 (torch.pow, the
 * ``** gamma`` of torchvision's focal loss): its exact cases, e = 0, 0.5,
 * 1, 2, 3 as 1, sqrt(b), b, b b, (b b) b, and the C library's pow for the
 * others (PyTorch's vectorised pow, there, is not the C library's). */
LM_ALWAYS_INLINE double lm_torch_pow(double b, double e)
{
    if (e == 2.0)
        return b * b;
    if (e == 1.0)
        return b;
    if (e == 0.0)
        return 1.0;
    if (e == 0.5)
        return sqrt(b);
    if (e == 3.0)
        return b * b * b;
    return pow(b, e);
}

/* torchvision's sigmoid_focal_loss: the binary cross-entropy of the logit,
 * ce = softplus(x) - x y, times (1 - p_t)^gamma, p = sigmoid(x),
 * p_t = p y + (1 - p)(1 - y), times alpha_t = alpha y + (1 - alpha)(1 - y)
 * when alpha >= 0 (alpha = p0, gamma = p1).  1 - p_t is formed as
 * q y + p (1 - y) with q = 1 - p = sigmoid(-x) computed directly: torchvision's
 * 1 - p_t cancels to a few digits beyond |x| of about 15.  (x - x) makes an
 * infinite logit show in the sums. */
LM_ALWAYS_INLINE double lm_sigmoid_focal(double y, double x, lm_params p)
{
    double a = fabs(x);
    double big;
    double s = lm_softplus_stage1(a, &big);
    double ce = (lm_select(x > 0.0, x, 0.0) - x * y) + lm_softplus_stage2(s, big);
    double e = lm_exp_neg(-a);                       /* exp(-|x|) */
    double up = 1.0 / (1.0 + e), down = e / (1.0 + e);   /* sigmoid(+-|x|) */
    double prob = lm_select(x >= 0.0, up, down);
    double q = lm_select(x >= 0.0, down, up);
    double loss = ce * lm_torch_pow(q * y + prob * (1.0 - y), p.p1);
    if (p.p0 >= 0.0)
        loss *= p.p0 * y + (1.0 - p.p0) * (1.0 - y);
    return loss + (x - x);
}

/* PyTorch's GaussianNLLLoss term of a target y, a mean x and a variance v:
 * (log v' + (x - y)^2 / v') / 2 with v' = max(v, eps) (eps = p0), plus
 * log(2 pi) / 2 when p1 != 0 (full=True), in PyTorch's order of operations.
 * Where (x - y)^2 alone overflows, (d / sqrt(v'))^2 is taken instead: finite
 * wherever the loss is.  (y - y) + (x - x) makes an infinite input show in
 * the sums (the variance is checked before the kernel). */
LM_ALWAYS_INLINE double lm_gaussian_nll_form(double y, double x, double v, lm_params p,
                                              int rescue)
{
    double vc = lm_select(v < p.p0, p.p0, v);
    double d = x - y;
    double q = d * d / vc;
    if (rescue) {
        double s = d / sqrt(vc);
        q = lm_select(q == INFINITY, s * s, q);
    }
    double loss = 0.5 * (lm_log1(vc) + q);
    if (p.p1 != 0.0)
        loss += 0.5 * 1.8378770664093453;    /* log(2 pi) */
    return loss + ((y - y) + (x - x));
}
/* rescue = 0 leaves out the overflow's rescue: the term's bits wherever it
 * is finite (q was not infinite there), which is how the lanes use it
 * (LM_RESCUED_ERR3_LANES: the division and square root of the rescue cost
 * as much as the rest of the term). */
LM_ALWAYS_INLINE double lm_gaussian_nll(double y, double x, double v, lm_params p)
{
    return lm_gaussian_nll_form(y, x, v, p, 1);
}
#define LM_GAUSSIAN_NLL_UNRESCUED(Y, X, V, P) lm_gaussian_nll_form((Y), (X), (V), (P), 0)

/* PyTorch's MarginRankingLoss term of a target y (1: x1 should rank higher,
 * -1: x2) and the scores x1, x2: max(0, -y (x1 - x2) + margin), margin = p0.
 * The maximum keeps NaN; (x1 - x1) + (x2 - x2) + (y - y) makes an infinite
 * input show in the sums. */
static inline double lm_margin_ranking(double y, double x1, double x2, lm_params p)
{
    double t = -y * (x1 - x2) + p.p0;
    return lm_select(t < 0.0, 0.0, t) + (((y - y) + (x1 - x1)) + (x2 - x2));
}

/* The Jensen-Shannon term of a pair of probabilities (p, q), in nats:
 * (p log(p / m) + q log(q / m)) / 2 with m = (p + q) / 2, 0 log 0 = 0.  Each
 * half is selected to 0 where its probability is 0 (lm_select: NaN stays
 * NaN, so that a NaN input shows in the sums). */
static inline double lm_js_term(double p, double q)
{
    double lm = lm_log1(0.5 * p + 0.5 * q);
    double a = lm_select(p == 0.0, 0.0, p * (lm_log1(p) - lm));
    double b = lm_select(q == 0.0, 0.0, q * (lm_log1(q) - lm));
    return 0.5 * (a + b);
}

/* The cross-entropy term of a class: weight * -log softmax(z)_c, from the
 * row's maximum zmax and its shifted log-sum-exp lse = log sum exp(z - zmax):
 * weight ((zmax - z_c) + lse), exact and finite for finite logits.  Used by
 * cross_entropy's C rows (lm_ce_rows) and its Cython loops (class weights,
 * label smoothing, probability targets). */
static inline double lm_ce_term(double weight, double zmax, double z, double lse)
{
    return weight * ((zmax - z) + lse);
}

/* nll_loss's term of a class: weight * -log p_c from the log-probability
 * lp = log p_c (PyTorch's -weight * input[t]).  Used by nll_loss's C rows
 * (lm_nll_rows) and its Cython loop (other layouts, groups). */
static inline double lm_nll_term(double weight, double lp)
{
    return -weight * lp;
}

/* PyTorch's kl_div term from a probability p and the logarithms lp = log p
 * and lq = log q: xlogy(p, p) - p log q; 0 where p = 0, inf where p > 0 and
 * q = 0.  Selects, not branches: the C rows (lm_kl_rows) vectorise over it;
 * the Cython loop of strided or log inputs calls it too. */
static inline double lm_kl_term(double p, double lp, double lq)
{
    double t = p * lp - p * lq;
    t = lq == -INFINITY ? INFINITY : t;
    return p == 0.0 ? 0.0 : t;
}

/* The same term for a log target (PyTorch's log_target=True), from
 * lp = log p, p = exp(lp) and lq = log q: p (lp - lq); 0 where lp = -inf,
 * inf where q = 0 and lp > -inf (even if exp(lp) underflows to 0). */
static inline double lm_kl_log_target_term(double p, double lp, double lq)
{
    double t = p * (lp - lq);
    t = lq == -INFINITY ? INFINITY : t;
    return lp == -INFINITY ? 0.0 : t;
}

/* A probability clipped to [eps, 1 - eps], eps the machine epsilon of its
 * type, in that type (scikit-learn's log_loss; the binary cross-entropy): the
 * one definition for log_loss's per-row pick (C and Cython) and for
 * binary_cross_entropy.  lm_clip_proba(p) chooses by the type of p. */
static inline double lm_clip_proba_d(double p)
{
    const double eps = DBL_EPSILON, top = 1.0 - DBL_EPSILON;
    p = p < eps ? eps : p;
    return p > top ? top : p;
}

static inline float lm_clip_proba_f(float p)
{
    const float eps = FLT_EPSILON, top = 1.0f - FLT_EPSILON;
    p = p < eps ? eps : p;
    return p > top ? top : p;
}

#define lm_clip_proba(P) _Generic((P), float: lm_clip_proba_f, default: lm_clip_proba_d)(P)

#endif
