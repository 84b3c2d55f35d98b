"""The one path every loss call takes: validate -> kernel -> state -> finalize.

Public functions are thin: they pass their arguments to :func:`evaluate`
with their declaration.  The Accumulator and the Dask chunks run the same
``check`` and ``state`` of the declaration and keep the state instead of
finalising it.
"""
import dataclasses
import math

import numpy as np

from lossmetrics._core.state import all_finite


def evaluate(loss, y_true, y_pred, sample_weight=None, n_threads=None, **options):
    """The value of ``loss`` on one call's inputs.

    A declaration's ``fast`` path, where it has one, goes first for calls
    without weights or thread count; it returns None for any input it does
    not vouch for, and the generic path then raises the errors.
    """
    if loss.fast is not None and sample_weight is None and n_threads is None:
        value = loss.fast(y_true, y_pred, **options)
        if value is not None:
            return value
    checked = loss.check(y_true, y_pred, sample_weight=sample_weight,
                         n_threads=n_threads, **options)
    return finish(loss, checked)


def finish(loss, checked):
    """Run the kernel on validated inputs and finalise its state."""
    params = checked.params
    want_none = params.get("reduction") == "none"
    state, per_element = loss.state(checked, want_none)
    if want_none:
        return per_element.reshape(params["out_shape"])
    if _weights_overflowed(state, checked):
        return finish(loss, _rescaled_weights(checked))
    return loss.result(state, params, loss.name)


def _weights_overflowed(state, checked):
    """Whether the sums of a PyTorch-style weighted 'mean' overflowed (the
    kernel raised already for a non-finite input) with sample weights above 1:
    where the mean itself may be finite (a weight of 1e308 on a loss of 745,
    or weights whose total exceeds 1.8e308)."""
    sw = checked.sample_weight
    return (sw.size > 0 and checked.params.get("reduction") == "mean"
            and not all_finite(state) and float(sw.max()) > 1.0)


def _rescaled_weights(checked):
    """The same call with sample_weight scaled by a power of two to a largest
    weight in [0.5, 1): a weighted mean is unchanged by a common factor, and a
    power of two rescales every product and sum exactly (weights far below
    the largest may round into subnormals, a change below 2**-1022 of the
    total).  An infinite mean that remains is a loss value beyond float64."""
    sw = checked.sample_weight
    _, exponent = math.frexp(float(sw.max()))
    return dataclasses.replace(checked, sample_weight=np.ldexp(sw, -exponent))
