"""Turning a kernel's reduced state into the value a user sees.

A state row is a compensated pair (hi, lo) with hi the correctly rounded
total; the last row of a state is the denominator of ``'mean'``.
"""
import numpy as np


def total(state, row=0):
    return float(state[row, 0] + state[row, 1])


def weighted_mean(numerator, denominator, metric):
    """numerator / denominator, or a ValueError where float64 could not hold them.

    The weights' total (or a weighted sum) overflowing float64 would give a
    silent NaN or 0; lossmetrics refuses instead.
    """
    if not np.isfinite(denominator) or np.isnan(numerator):
        raise ValueError(
            f"{metric}: the weighted sums overflow float64 (the total of sample_weight, "
            "times class_weight where given, exceeds 1.8e308). Rescale sample_weight / "
            "class_weight: a 'mean' does not change when all weights are multiplied "
            "by the same factor."
        )
    return numerator / denominator


def finalize(state, per_element, reduction, out_shape, metric, denominator_scale=1.0):
    """Return the mean, the sum, or the per-element array of a loss."""
    if reduction == "none":
        return per_element.reshape(out_shape)
    numerator = total(state, 0)
    if reduction == "sum":
        return numerator
    denominator = total(state, -1) / denominator_scale
    if denominator == 0.0:
        raise ValueError(
            f"{metric}: the denominator of reduction='mean' is zero (every target "
            "is ignored or has zero class or sample weight), so the mean is "
            "undefined. Use reduction='sum', or check ignore_index, class_weight "
            "and sample_weight."
        )
    return weighted_mean(numerator, denominator, metric)
