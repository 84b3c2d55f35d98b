"""Losses computed in rounds: a fixed number of passes, each a mergeable state.

A quantile, or the deviance about the mean of ``y_true``, is not a sum of
per-row terms: the state of one batch does not merge with another's.  Such a
loss still distributes, in a few passes over the data.  In each pass every
chunk of rows gives a *partial*, a dict of arrays that merge (compensated
sums by default, or the merge the loss names, such as a minimum); the merged
partial and what the earlier passes found (the *context*: the mean, the
interval holding the quantile) decide what the next pass computes.  After the
last pass the context is the loss's state, which its ``result`` finalises.

In memory, :func:`run` feeds the one chunk of all the rows through the same
rounds; :mod:`lossmetrics.dask` runs each round over the chunks of Dask arrays
as one task graph.  ``Accumulator`` cannot hold such a loss: a running state
would need the later passes before the data have all arrived.
"""
from dataclasses import dataclass, field
from typing import Callable

from lossmetrics._core.state import merge_states


@dataclass(frozen=True)
class Rounds:
    """How a loss whose state does not merge is computed in passes.

    Attributes
    ----------
    count : int
        The number of passes over the data.
    chunk : callable
        ``chunk(checked, r, context)`` -> the partial of one chunk's rows
        (validated inputs ``checked``) in pass ``r`` (0-based): a dict of
        arrays.  ``context`` is None in the first pass.
    advance : callable
        ``advance(r, context, merged, params)`` -> the context of pass
        ``r + 1`` from the partial of all the rows; after the last pass, the
        loss's state.  ``params`` are the validated options.
    mergers : dict
        How each entry of a partial merges, by name (``merge_states``, the
        rows' compensated addition, for the entries not named).
    """

    count: int
    chunk: Callable
    advance: Callable
    mergers: dict = field(default_factory=dict)

    def merge(self, a, b):
        """The partial of two chunks' rows, from theirs."""
        return {name: self.mergers.get(name, merge_states)(a[name], b[name]) for name in a}


def run(rounds, checked):
    """The state of a loss computed in rounds, on the rows of one call."""
    context = None
    for r in range(rounds.count):
        context = rounds.advance(r, context, rounds.chunk(checked, r, context),
                                 checked.params)
    return context
