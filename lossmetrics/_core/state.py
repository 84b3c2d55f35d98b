"""Turning a kernel's reduced state into the value a user sees.

A state row is a compensated pair (hi, lo) with hi the correctly rounded
total; the last row of a state is the denominator of ``'mean'``.
"""
import math

import numpy as np


def all_finite(state):
    """Whether every entry of a (small) state array is finite (on Python
    floats: NumPy's isfinite and all cost more than a small state)."""
    return all(map(math.isfinite, state.ravel().tolist()))


def total(state, row=0):
    return float(state[row, 0] + state[row, 1])


def weighted_mean(numerator, denominator, metric):
    """numerator / denominator, or a ValueError where float64 could not hold them.

    The weights' total (or a weighted sum) overflowing float64 would give a
    silent NaN or 0; lossmetrics refuses instead.
    """
    if denominator == 0.0:
        raise ValueError(
            f"{metric}: Sample weights must contain at least one non-zero number; "
            "every sample_weight seen is zero, so the mean is undefined."
        )
    if not math.isfinite(denominator) or math.isnan(numerator):
        raise ValueError(
            f"{metric}: the weighted sums overflow float64 (the total of sample_weight, "
            "times class_weight where given, exceeds 1.8e308). Rescale sample_weight / "
            "class_weight: a 'mean' does not change when all weights are multiplied "
            "by the same factor."
        )
    return numerator / denominator


def merge_states(a, b):
    """The state of the concatenation of two batches, from their states.

    Row by row, the (hi, lo) pairs are added with TwoSum and renormalised so
    that hi stays the correctly rounded total, as the kernels leave it.
    """
    hi_a, hi_b = a[:, 0], b[:, 0]
    with np.errstate(invalid="ignore", over="ignore"):
        s = hi_a + hi_b
        bb = s - hi_a
        err = (hi_a - (s - bb)) + (hi_b - bb)
        comp = a[:, 1] + b[:, 1] + err
        hi = s + comp
        lo = comp - (hi - s)
    # An infinite total (or NaN) has no rounding error to carry.
    finite = np.isfinite(s) & np.isfinite(hi)
    out = np.empty_like(a)
    out[:, 0] = np.where(np.isfinite(s), hi, s)
    out[:, 1] = np.where(finite, lo, 0.0)
    return out


def torch_result(state, params, metric):
    """The 'mean' or 'sum' of a PyTorch-style loss from its reduced state
    (``'none'`` never reaches a state: the driver returns the per-element
    array).  KL divides the denominator by its rows per sample."""
    rows = state.tolist()   # (Python floats: the same sums, without NumPy's per-item cost)
    numerator = rows[0][0] + rows[0][1]
    if params["reduction"] == "sum":
        return numerator
    denominator = (rows[-1][0] + rows[-1][1]) / params.get("rows_per_sample", 1)
    if denominator == 0.0:
        raise ValueError(
            f"{metric}: the denominator of reduction='mean' is zero (every target "
            "is ignored or has zero class or sample weight), so the mean is "
            "undefined. Use reduction='sum', or check ignore_index, class_weight "
            "and sample_weight."
        )
    return weighted_mean(numerator, denominator, metric)
