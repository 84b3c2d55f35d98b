"""Exact (weighted) quantiles of data held in chunks: the quantile's bit
pattern found 16 bits per pass.

A float64 maps to a 64-bit key in the order of the values.  Each pass counts
(or weighs) every chunk's keys in 65,536 buckets of the interval known to hold
the quantile; the merged histogram tells which bucket holds it, and the next
pass looks inside that bucket only.  After four passes the bucket is one key:
the smallest value whose cumulative weight reaches ``alpha`` of the total.  A
fifth pass finds the next larger value of positive weight, which scikit-learn
averages with it where the cumulative weight sits on the target.  The result
is scikit-learn's averaged inverted CDF (``np.median`` for unit weights)
without sorting and without gathering any data: the state of a pass is one
histogram per output.

Unit and integer weights make every cumulative weight exact.  Other weights
are summed by compensated (double-double) sums; scikit-learn's ``np.cumsum``
rounds each partial sum, so the two can pick neighbouring values only where a
partial sum lies within rounding of the target.
"""
import math

import numpy as np

from lossmetrics._core.state import weighted_mean
from lossmetrics._kernels import kernels

BITS = 16
N_BINS = 1 << BITS
HISTOGRAM_PASSES = 64 // BITS   # then one pass for the next value
_SIGN = np.uint64(1 << 63)
_NONE = np.iinfo(np.uint64).max   # no next value
_LUT = np.arange(N_BINS, dtype=np.int64)
_EPS = np.finfo(np.float64).eps


# Below this many values np.partition alone is as fast as a histogram pass
# (65,536 buckets) before it.
_PARTITION_BELOW = 1 << 17


def order_statistics(y, i, j, n_threads=1, x=None):
    """The i-th and j-th smallest values (0-based, i <= j) of a 1-D float64
    array y without NaN, or of |x - y| (np.abs(x - y)) when x is given:
    entries i and j of ``np.partition(values, [i, j])`` (a zero's sign
    aside), in linear time, on n_threads threads.

    NumPy's introselect runs on one thread and moves every value several
    times.  Here a large array is narrowed 16 bits of its keys at a time
    (see _kernels/_select.pyx): a parallel histogram of the candidates'
    digit tells which digits hold ranks i and j; the candidates with those
    digits are kept (copied out when they are fewer), the ranks taken
    relative to them, and the next digit looked at while the two ranks share
    one; np.partition finishes on what is left, typically a few percent of
    the values.  |x - y| is computed as it is read, never stored whole.
    """
    n = y.shape[0]
    if n >= _PARTITION_BELOW:
        y = np.ascontiguousarray(y)
        x = None if x is None else np.ascontiguousarray(x)
    for shift in (48, 32, 16, 0):
        if n < _PARTITION_BELOW:
            break
        select = kernels("_select")
        counts = select.key_histogram(y, x, shift, max(1, min(n_threads, n >> 16)))
        cum = np.cumsum(counts.sum(axis=0))
        lo = int(np.searchsorted(cum, i, side="right"))
        hi = int(np.searchsorted(cum, j, side="right"))
        below = int(cum[lo - 1]) if lo else 0
        if lo == hi and cum[hi] - below == n:
            continue     # every candidate has this digit: look at the next one
        per_part = counts[:, lo:hi + 1].sum(axis=1)
        offsets = np.concatenate(([0], np.cumsum(per_part)[:-1]))
        out = np.empty(int(per_part.sum()), dtype=np.float64)
        select.gather_digits(y, x, shift, lo, hi, offsets, out)
        y, x, n, i, j = out, None, out.shape[0], i - below, j - below
        if lo != hi:
            break        # the kept values differ in this digit: the next does not order them
    values = y if x is None else np.abs(x - y)
    part = np.partition(values, [i, j] if j != i else [i])
    return part[i], part[j]


def order_keys(values):
    """uint64 keys in the order of the float64 values (-0.0 is 0.0)."""
    bits = (np.asarray(values, dtype=np.float64) + 0.0).view(np.uint64)
    return np.where(bits & _SIGN, ~bits, bits | _SIGN)


def key_values(keys):
    """The float64 values of order keys."""
    keys = np.asarray(keys, dtype=np.uint64)
    return np.where(keys & _SIGN, keys & ~_SIGN, ~keys).view(np.float64)


def histogram(columns, sample_weight, r, context, n_threads):
    """Pass ``r`` of one chunk: per column (values of one output), the
    compensated weight of its keys in each bucket of the interval that holds
    the quantile; an (n_columns * N_BINS, 2) state."""
    shift = np.uint64(64 - BITS * (r + 1))
    weigh = kernels("_class_kernels").class_weight_kernel
    parts = []
    for j, values in enumerate(columns):
        keys = order_keys(values)
        if r == 0:
            codes, w = (keys >> shift).astype(np.int64), sample_weight
        else:
            lo = context["lo"][j]
            inside = (keys >= lo) & ((keys - lo) >> shift < N_BINS)
            codes = ((keys[inside] - lo) >> shift).astype(np.int64)
            w = sample_weight[inside] if sample_weight.size else sample_weight
        parts.append(weigh(codes, 0, _LUT, w, N_BINS, n_threads))
    return np.concatenate(parts)


def _pair(values):
    """(s, e): ``math.fsum`` of the values and what it left out, so that s + e
    is their sum to about 2**-106."""
    s = math.fsum(values)
    return s, math.fsum([*values, -s])


def narrow(r, context, merged, alpha, metric):
    """The context after histogram pass ``r``: per column, the bucket holding
    the quantile (the interval of the next pass), the weight below it, and
    after the last pass the quantile's key and whether the next value counts."""
    bins = merged.reshape(-1, N_BINS, 2)
    n_cols = bins.shape[0]
    if r == 0:
        totals = [math.fsum(b.ravel()) for b in bins]
        if totals[0] == 0:
            weighted_mean(0.0, 0.0, metric)   # raises: every weight is zero
        rank = np.float64(alpha * 100) / 100    # as scikit-learn's percentile / 100
        targets = np.array([rank * t for t in totals])
        targets[targets == 0] = np.nextafter(0.0, 1.0)
        context = {"lo": np.zeros(n_cols, dtype=np.uint64), "below": [(0.0, 0.0)] * n_cols,
                   "target": targets}
    shift = np.uint64(64 - BITS * (r + 1))
    lo, below = context["lo"].copy(), list(context["below"])
    reached = np.zeros(n_cols)
    for j in range(n_cols):
        hi_w, lo_w = bins[j, :, 0], bins[j, :, 1]
        full = np.flatnonzero((hi_w != 0) | (lo_w != 0))
        target = context["target"][j]

        def prefix(k):   # the weight up to the k-th nonempty bucket, inclusive
            picked = full[:k + 1]
            return _pair([*below[j], *hi_w[picked].tolist(), *lo_w[picked].tolist()])

        # The float cumulative sums point at the bucket; the exact prefix
        # sums settle it where rounding leaves a doubt.
        k = int(np.searchsorted(sum(below[j]) + np.cumsum(hi_w[full] + lo_w[full]), target))
        k = min(k, full.size - 1)
        while k < full.size - 1 and sum(prefix(k)) < target:
            k += 1
        while k > 0 and sum(prefix(k - 1)) >= target:
            k -= 1
        reached[j] = sum(prefix(k))
        below[j] = prefix(k - 1) if k > 0 else below[j]
        lo[j] = lo[j] + (np.uint64(full[k]) << shift)
    context = {"lo": lo, "below": below, "target": context["target"]}
    if r == HISTOGRAM_PASSES - 1:
        # One key: the smallest value whose cumulative weight reaches the
        # target.  scikit-learn averages it with the next value of positive
        # weight where that cumulative weight is within eps of the target.
        context["key"] = lo
        context["need_next"] = reached - context["target"] <= _EPS
    return context


def next_keys(columns, sample_weight, context):
    """The last pass of one chunk: per column, the smallest key above the
    quantile's among rows of positive weight (``_NONE`` if none or not needed)."""
    out = np.full(len(columns), _NONE, dtype=np.uint64)
    for j, values in enumerate(columns):
        if not context["need_next"][j]:
            continue
        keys = order_keys(values)
        above = keys > context["key"][j]
        if sample_weight.size:
            above &= sample_weight > 0
        if above.any():
            out[j] = keys[above].min()
    return out


def quantiles(context, next_found):
    """The quantile of each column, from the last pass's merged next keys."""
    values = key_values(context["key"])
    found = context["need_next"] & (next_found != _NONE)
    nxt = key_values(np.where(found, next_found, context["key"]))
    with np.errstate(over="ignore"):   # (inf where scikit-learn's average is inf)
        return np.where(found, (values + nxt) / 2, values)


def passes(columns_of, alpha_of, metric):
    """The chunk and advance steps of the quantile passes, for a loss whose
    columns of values are ``columns_of(checked)``: pass r < 4 histograms,
    pass 4 the next values; the context of pass 5 has the quantiles."""
    def chunk(checked, r, context):
        columns = columns_of(checked)
        if r < HISTOGRAM_PASSES:
            return {"bins": histogram(columns, checked.sample_weight, r, context,
                                      checked.n_threads)}
        return {"next": next_keys(columns, checked.sample_weight, context)}

    def advance(r, context, merged, params):
        if r < HISTOGRAM_PASSES:
            return narrow(r, context, merged["bins"], alpha_of(params), metric)
        return dict(context, quantiles=quantiles(context, merged["next"]))

    return chunk, advance


MERGERS = {"next": np.minimum}
