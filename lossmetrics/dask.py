"""Every loss of lossmetrics on Dask arrays: chunk by chunk, on any cluster.

Each function has the name and signature of the in-memory loss, plus
``compute``.  Inputs may be Dask arrays (of any, uneven, row chunks) or NumPy
arrays.  Each row chunk runs the same validation and Cython kernel as the
in-memory function and returns its reduced state (an :class:`~lossmetrics.Accumulator`,
a few compensated sums: never the data); the states are merged by a tree
reduction and the last step turns the state into the value.  The result
equals the in-memory function on the whole data within 1 ulp (almost always
to the last bit), whatever the chunking.

``log_loss`` and ``brier_score_loss`` without ``labels`` infer them with one
extra pass (``dask.array.unique``).  The metrics whose state does not merge
chunk by chunk run in a fixed number of passes, each merging chunk states:
``d2_tweedie_score`` two (the mean of ``y_true``, then the deviance about
it), the quantile metrics five or six (``median_absolute_error``,
``d2_pinball_score``, ``d2_absolute_error_score``: a histogram of the values'
bit patterns narrows the quantile 16 bits per pass; exact, no data
gathered).  ``reduction='none'`` returns the per-element losses as a lazy
Dask array with the input's row chunks (unless ``compute=True`` is given
explicitly: then a NumPy array).  An error found in a chunk names the index
in the whole input; for a reduction to a number it is the error of the first
bad chunk, whichever chunk fails first (the chunks of a lazy
``reduction='none'`` array fail independently).

Examples
--------
>>> import dask.array as da
>>> import numpy as np
>>> import lossmetrics
>>> import lossmetrics.dask as lmd
>>> rng = np.random.default_rng(0)
>>> y, p = rng.normal(size=1000), rng.normal(size=1000)
>>> y_d = da.from_array(y, chunks=(100, 400, 500))
>>> p_d = da.from_array(p, chunks=(300, 700))
>>> lmd.mean_squared_error(y_d, p_d) == lossmetrics.mean_squared_error(y, p)
True
>>> lazy = lmd.mean_squared_error(y_d, p_d, compute=False)
>>> lazy.compute() == lossmetrics.mean_squared_error(y, p)
True
"""
import functools
import inspect
import math
import numbers
import re

import dask
import dask.array as da
import numpy as np

from lossmetrics._adapters import groups as grouping
from lossmetrics._adapters.accumulator import Accumulator
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.validation import partial_batch
from lossmetrics._losses import LOSSES, get_loss

__all__ = sorted(LOSSES)

# How many chunk states one task of the tree reduction merges.
SPLIT_EVERY = 8


_INDEX = re.compile(r"(flat index |index \(|index )(\d+)")


def _in_whole_input(exc, start, data):
    """``exc`` with the row indices of its message counted from the start of
    the whole input instead of the chunk's (row ``start``).  The options were
    validated before any chunk ran, so every index a chunk reports is one of
    its rows (the first of a tuple index; a flat index of y_true's values)."""
    if start == 0 or len(exc.args) != 1 or not isinstance(exc.args[0], str):
        return exc
    row_size = math.prod(np.shape(data[0])[1:])

    def shift(match):
        words, index = match.group(1), int(match.group(2))
        return words + str(index + start * (row_size if words == "flat index " else 1))

    moved = type(exc)(_INDEX.sub(shift, exc.args[0]))
    moved.__cause__ = exc.__cause__
    return moved


class _ChunkError:
    """A chunk's error, kept until every state is merged, so that the first
    bad chunk's error is raised whatever the order the chunks ran in."""

    def __init__(self, start, error):
        self.start, self.error = start, error


def _chunk_state(metric, params, data, sample_weight, start, n_keys=0):
    """The Accumulator of one row chunk (None for an empty chunk), or its error;
    with ``n_keys`` group key columns (the last arrays of ``data``), a
    grouped Accumulator."""
    if n_keys:
        data, keys = data[:-n_keys], data[-n_keys:]
    y_true, y_pred, *rest = data
    if y_pred.shape[0] == 0:
        return None
    spec = LOSSES[metric]
    params, constants = _without_constants(spec, params)
    extra = dict(zip([n for n in spec.batch_arrays if n not in constants], rest),
                 **constants)
    if n_keys:
        extra["groups"] = keys[0] if n_keys == 1 else list(keys)
    try:
        return Accumulator(metric, groups=bool(n_keys), **params).update(
            y_true, y_pred, sample_weight, **extra)
    except (ValueError, TypeError) as exc:
        return _ChunkError(start, _in_whole_input(exc, start, data))


def _without_constants(spec, options):
    """(options, constants): the further arguments given as one number
    (gaussian_nll_loss's float ``var``) are passed whole to every chunk."""
    constants = {k: v for k, v in options.items() if k in spec.batch_arrays}
    return {k: v for k, v in options.items() if k not in constants}, constants


def _merge(*states):
    merged = None
    for state in states:
        if state is None:
            continue
        if isinstance(state, _ChunkError) or isinstance(merged, _ChunkError):
            errors = [s for s in (merged, state) if isinstance(s, _ChunkError)]
            merged = min(errors, key=lambda e: e.start)
            continue
        merged = state if merged is None else merged.merge(state)
    return merged


def _result(acc):
    if isinstance(acc, _ChunkError):
        raise acc.error
    return acc.result()


def _chunk_none(metric, options, data, sample_weight, start):
    """Per-element losses of one row chunk (reduction='none')."""
    if data[1].shape[0] == 0:
        return None
    with partial_batch():
        try:
            return np.asarray(LOSSES[metric].function(
                *data, sample_weight=sample_weight, reduction="none", **options))
        except (ValueError, TypeError) as exc:
            raise _in_whole_input(exc, start, data) from None


def _as_dask(x, name):
    if isinstance(x, da.Array):
        arr = x
    else:
        arr = da.from_array(np.asarray(x), chunks=-1)
    if any(math.isnan(c) for chunks in arr.chunks for c in chunks):
        arr = arr.compute_chunk_sizes()   # one pass, for arrays of unknown chunk sizes
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array with one row per sample; got a scalar.")
    return arr


def _align(arrays, names):
    """Rechunk every array to the row chunks of the predictions (the second
    argument), with one chunk along every other axis."""
    ref = arrays[1]
    n = ref.shape[0]
    for arr, name in zip(arrays, names):
        if arr.shape[0] != n:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"{[a.shape[0] for a in arrays]} ({', '.join(names)}); {name} has "
                f"{arr.shape[0]} rows, {names[1]} has {n}."
            )
    rows = ref.chunks[0]
    return [a.rechunk({0: rows, **{ax: -1 for ax in range(1, a.ndim)}}) for a in arrays]


def _small(value):
    """Options such as labels or class_weight are small: bring Dask ones in."""
    return value.compute() if isinstance(value, da.Array) else value


def _tree(states):
    while len(states) > 1:
        states = [dask.delayed(_merge, pure=True)(*states[i:i + SPLIT_EVERY])
                  for i in range(0, len(states), SPLIT_EVERY)]
    return states[0]


def _evaluate(metric, data, names, sample_weight, options, compute, key_columns=()):
    arrays = [_as_dask(x, name) for x, name in zip(data, names)]
    n_data = len(arrays)
    sw = sample_weight
    weighted = sw is not None and not np.isscalar(sw)
    if weighted:
        arrays.append(_as_dask(sw, "sample_weight"))
        names = names + ["sample_weight"]
    arrays += [_as_dask(k, "groups") for k in key_columns]
    names = names + ["groups"] * len(key_columns)
    arrays = _align(arrays, names)
    arrays, keys = arrays[:n_data + weighted], arrays[n_data + weighted:]
    if weighted:
        *arrays, sw_arr = arrays
        sw_blocks = list(sw_arr.to_delayed().ravel())
    else:
        sw_blocks = [sw] * len(arrays[1].chunks[0])
    if arrays[1].shape[0] == 0:
        # Let the in-memory function say what is wrong with empty inputs.
        LOSSES[metric].function(*[np.asarray(a) for a in arrays], **options)
    blocks = [list(a.to_delayed().ravel()) for a in arrays + keys]
    chunk_data = [dask.delayed(list, pure=True)(parts) for parts in zip(*blocks)]
    starts = np.concatenate([[0], np.cumsum(arrays[1].chunks[0])[:-1]]).tolist()
    if options.get("reduction") == "none":
        return _per_element(metric, arrays, chunk_data, sw_blocks, starts, options,
                            compute)
    label_set = LOSSES[metric].labels
    if label_set is not None and label_set.to_infer(arrays[0].shape, arrays[1].shape,
                                                    options):
        # One extra pass: the labels of all of y_true, as the function infers them.
        classes = da.unique(arrays[0].ravel()).compute()
        options = label_set.with_inferred(LOSSES[metric], classes, arrays[1].shape,
                                          arrays[1].dtype, options)
    if not LOSSES[metric].mergeable:
        value = _in_rounds(metric, arrays, chunk_data, sw_blocks, starts, sample_weight,
                           options)
        if compute is False:
            return value
        # (fewer than two rows run here, where their warning is seen)
        return value.compute(scheduler="sync" if arrays[1].shape[0] < 2 else None)
    # Validate the options before any work is sent.
    Accumulator(metric, **_without_constants(LOSSES[metric], options)[0])
    states = [dask.delayed(_chunk_state, pure=True)(metric, options, part, w, start,
                                                    len(keys))
              for part, w, start in zip(chunk_data, sw_blocks, starts)]
    if keys and compute is not False:
        # The groups' values computed here, where their warning is seen.
        return _result(_tree(states).compute())
    value = dask.delayed(_result, pure=True)(_tree(states))
    return value.compute() if compute in (None, True) else value


class _Partial:
    """A chunk's partial of one pass of a loss computed in rounds, with the
    chunk's validated options."""

    def __init__(self, metric, params, value):
        self.metric, self.params, self.value = metric, params, value

    def merge(self, other):
        return _Partial(self.metric, self.params,
                        LOSSES[self.metric].rounds.merge(self.value, other.value))


def _chunk_partial(metric, options, data, sample_weight, start, r, context):
    """One chunk's partial in pass ``r`` (None for an empty chunk), or its error."""
    if isinstance(context, _ChunkError):
        return context
    y_true, y_pred, *rest = data
    if y_pred.shape[0] == 0:
        return None
    spec = LOSSES[metric]
    try:
        with partial_batch():
            checked = spec.check(y_true, y_pred, sample_weight=sample_weight, **options,
                                 **dict(zip(spec.batch_arrays, rest)))
        return _Partial(metric, checked.params,
                        spec.rounds.chunk(checked, r, None if context is None
                                          else context.value))
    except (ValueError, TypeError) as exc:
        return _ChunkError(start, _in_whole_input(exc, start, data))


def _advance(metric, r, context, merged):
    if isinstance(merged, _ChunkError):
        return merged
    previous = None if context is None else context.value
    return _Partial(metric, merged.params,
                    LOSSES[metric].rounds.advance(r, previous, merged.value, merged.params))


def _rounds_result(metric, context, n_samples):
    if isinstance(context, _ChunkError):
        raise context.error
    params = dict(context.params)
    if "n_samples" in params:
        params["n_samples"] = n_samples    # (each chunk counted its own)
    return LOSSES[metric].result(context.value, params, metric)


def _in_rounds(metric, arrays, chunk_data, sw_blocks, starts, sample_weight, options):
    """A delayed value of a loss that does not merge: its passes as one task
    graph, each pass's chunk partials merged by a tree, then advanced."""
    n_samples = arrays[1].shape[0]
    if n_samples < 2:
        # A score of fewer than two samples is NaN, whatever the rest: in memory.
        return dask.delayed(LOSSES[metric].function, pure=True)(
            *arrays, sample_weight=sample_weight, **options)
    context = None
    for r in range(LOSSES[metric].rounds.count):
        partials = [dask.delayed(_chunk_partial, pure=True)(metric, options, part, w,
                                                            start, r, context)
                    for part, w, start in zip(chunk_data, sw_blocks, starts)]
        context = dask.delayed(_advance, pure=True)(metric, r, context, _tree(partials))
    return dask.delayed(_rounds_result, pure=True)(metric, context, n_samples)


def _per_element(metric, arrays, chunk_data, sw_blocks, starts, options, compute):
    options = {k: v for k, v in options.items() if k != "reduction"}
    pred = arrays[1]
    tail = LOSSES[metric].element_shape(pred.shape)
    parts = [
        da.from_delayed(dask.delayed(_chunk_none, pure=True)(metric, options, part, w,
                                                             start),
                        shape=(rows,) + tail, dtype=np.float64)
        for part, w, rows, start in zip(chunk_data, sw_blocks, pred.chunks[0], starts)
        if rows
    ]
    out = da.concatenate(parts, axis=0)
    return out.compute() if compute is True else out   # lazy by default


def _bind(metric, sig, args, kwargs):
    """(data, their names, sample_weight, options) of a call, bound as the
    in-memory function binds it."""
    spec = LOSSES[metric]
    data_names = [p.name for p in sig.parameters.values()
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    if spec.prepare is not None:
        spec.prepare(arguments)
    names = [n for n in data_names
             if not (n in spec.batch_arrays and isinstance(arguments[n], numbers.Real))]
    data = [arguments.pop(name) for name in names]   # (a number stays an option)
    for value, name in zip(data, names):
        if value is None:
            raise ValueError(f"The '{name}' parameter of {metric} must be an "
                             "array-like. Got None instead.")
    sample_weight = arguments.pop("sample_weight")
    return data, names, sample_weight, {k: _small(v) for k, v in arguments.items()}


def _check_compute(metric, compute):
    if compute not in (None, True, False):
        raise InvalidParameterError(
            f"The 'compute' parameter of {metric} must be None, True or False; "
            f"got {compute!r}.")


def _make(metric):
    spec = LOSSES[metric]
    in_memory = spec.function
    sig = inspect.signature(in_memory)
    data_names = [p.name for p in sig.parameters.values()
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    compute_param = inspect.Parameter("compute", inspect.Parameter.KEYWORD_ONLY,
                                      default=None)

    @functools.wraps(in_memory)
    def loss(*args, compute=None, **kwargs):
        _check_compute(metric, compute)
        data, names, sample_weight, options = _bind(metric, sig, args, kwargs)
        return _evaluate(metric, data, names, sample_weight, options, compute)

    loss.__signature__ = sig.replace(parameters=[*sig.parameters.values(), compute_param])
    y_ex, p_ex, *more = spec.example
    arrays = ", ".join(data_names)
    loss.__doc__ = (
        f"{metric} of Dask (or NumPy) arrays; the value of :func:`lossmetrics.{metric}`\n"
        "    on the whole data, within 1 ulp.\n\n"
        "    Parameters\n    ----------\n"
        f"    {arrays} : dask.array.Array or array-like\n"
        "        As the in-memory function takes them, with any (uneven) row "
        "chunks; they\n        are rechunked to the rows of the predictions "
        f"({data_names[1]}).  A further\n        argument given as one number "
        "(``var`` of ``gaussian_nll_loss``) goes\n        whole to every chunk.\n"
        "    sample_weight : dask.array.Array, array-like or float, default=None\n"
        "        One weight per row.\n"
        "    **options\n"
        f"        The keyword options of :func:`lossmetrics.{metric}`.\n"
        "    compute : {None, True, False}, default=None\n"
        "        None: a reduction to a number is computed and ``reduction='none'`` "
        "returns\n        a lazy Dask array with the predictions' row chunks; "
        "False: a\n        ``dask.delayed`` object (a Dask array for "
        "``reduction='none'``); True: a\n        value (a NumPy array for "
        "``reduction='none'``).\n\n"
        "    Returns\n    -------\n"
        "    loss : float, ndarray, dask.delayed object or dask.array.Array\n"
        "        See ``compute``.\n\n"
        "    Examples\n    --------\n"
        "    >>> import dask.array as da\n"
        "    >>> import numpy as np\n"
        "    >>> import lossmetrics\n"
        f"    >>> from lossmetrics.dask import {metric}\n"
        f"    >>> data = [np.asarray(a) for a in ({y_ex}, {p_ex}{''.join(', ' + m for m in more)})]\n"
        "    >>> chunked = [da.from_array(a, chunks=2) for a in data]\n"
        + f"    >>> {metric}(*chunked) == lossmetrics.{metric}(*data)\n"
        "    True\n"
    )
    loss.__module__ = __name__
    loss.__qualname__ = metric
    return loss


for _metric in LOSSES:
    globals()[_metric] = _make(_metric)
del _metric


def grouped(metric, y_true, y_pred, groups, *row_arrays, sample_weight=None, compute=None,
            **options):
    """:func:`lossmetrics.grouped` on Dask (or NumPy) arrays: the loss of every group.

    Each chunk keeps one state per group met (a grouped
    :class:`~lossmetrics.Accumulator`); the chunks' states merge by a tree
    reduction, so each group's value equals :func:`lossmetrics.grouped`'s
    within 2 ulp, whatever the chunking (a mean's numerator and denominator
    are each rounded once, in either merge order).  ``log_loss`` and the other losses of
    labels infer the labels from all of ``y_true`` with one extra pass.

    Parameters
    ----------
    metric : str
        The loss's name; the quantile metrics and ``d2_tweedie_score`` (no
        mergeable state) are refused: compute them with
        :func:`lossmetrics.grouped`.
    y_true, y_pred, *row_arrays : dask.array.Array or array-like
        As :func:`lossmetrics.grouped` takes them, with any row chunks.
    groups : dask.array.Array, array-like or list of them
        A key per row, or several key columns.
    sample_weight : dask.array.Array, array-like or float, default=None
    compute : {None, True, False}, default=None
        False: a ``dask.delayed`` object; otherwise the value.
    **options
        The loss's keyword options.

    Returns
    -------
    (keys, values) : tuple of ndarray
        As :func:`lossmetrics.grouped` returns them for NumPy inputs.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import lossmetrics
    >>> from lossmetrics.dask import grouped
    >>> y, p = np.arange(6.0), np.arange(6.0) + [0, 1, 0, 2, 1, 1]
    >>> g = np.array([1, 2, 1, 2, 1, 2])
    >>> keys, values = grouped("mean_squared_error", da.from_array(y, chunks=4), p, g)
    >>> keys.tolist(), values.tolist()
    ([1, 2], [0.3333333333333333, 2.0])
    """
    spec = get_loss(metric)
    _check_compute(metric, compute)
    if not spec.mergeable:
        raise InvalidParameterError(
            f"lossmetrics.dask.grouped({metric!r}): {metric} has no state that merges "
            f"chunk by chunk ({spec.unmergeable}). Compute it per group in memory: "
            f"lossmetrics.grouped({metric!r}, y_true.compute(), y_pred.compute(), "
            "groups.compute()).")
    grouping.refuse_per_element(metric, options)
    data, names, sample_weight, options = _bind(
        metric, inspect.signature(spec.function), (y_true, y_pred, *row_arrays),
        dict(options, sample_weight=sample_weight))
    if isinstance(groups, da.Array):
        key_columns = [groups]
    elif isinstance(groups, (list, tuple)) and any(isinstance(g, da.Array) for g in groups):
        key_columns = list(groups)
    else:
        key_columns = grouping.key_columns(groups, np.shape(data[1])[0])[0]
    return _evaluate(metric, data, names, sample_weight, options, compute, key_columns)


__all__ = sorted([*__all__, "grouped"])
