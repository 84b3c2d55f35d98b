"""grouped(metric, y_true, y_pred, groups): the loss of every group."""
import functools
import inspect

import numpy as np

from lossmetrics._adapters import groups as grouping
from lossmetrics._adapters.accumulator import Accumulator
from lossmetrics._losses import get_loss
from lossmetrics._losses.labels import encode


def grouped(metric, y_true, y_pred, groups, *row_arrays, sample_weight=None, **options):
    """The loss of every group of rows: ``metric`` on each group's rows.

    The call is validated once, as the plain function validates it (errors
    name indices in the whole input).  Class labels are those of all of
    ``y_true`` (or ``labels=``), so a group that lacks a class still scores,
    as in a scorer's fold.  The loss's kernel then reads the data once, in
    place, and keeps one state per group (the quantile metrics and
    ``d2_tweedie_score`` run the function itself on each group's rows), so a
    group's value is the plain function's on its rows (within 1 ulp), the
    same bits for any ``n_threads``.  A group on
    whose rows the loss is undefined (every weight zero, every target
    ignored, a D² of one row) gets NaN and is named in one
    :class:`~lossmetrics.GroupWarning` instead of failing the whole call.

    Parameters
    ----------
    metric : str
        The loss's name (``lossmetrics.LOSSES``), such as ``"log_loss"``.
    y_true, y_pred : array-like
        As the loss function takes them; rows are grouped.
    groups : array-like of shape (n_samples,), DataFrame or list of columns
        The group key of each row: integers, strings, or other sortable
        hashable keys (a pandas or polars column, a categorical's values);
        several columns (a DataFrame, or a list of 1-D columns) group by
        their tuples.
    *row_arrays : array-like
        The loss's further per-row arrays (``x2``, ``var``, ``negative``).
    sample_weight : array-like of shape (n_samples,) or float, default=None
        Sample weights.
    **options
        The loss's keyword options (``labels``, ``multioutput``,
        ``class_weight``, ``reduction`` 'mean' or 'sum', ``n_threads``...).

    Returns
    -------
    result : pandas.Series, pandas.DataFrame, polars.DataFrame or (keys, values)
        The groups in sorted order of their keys.  A pandas ``Series`` named
        ``metric`` indexed by the keys (a ``DataFrame`` for several outputs)
        when an input is a pandas object; a polars ``DataFrame`` (key
        column(s), value column(s)) when one is a polars object; otherwise
        NumPy arrays ``(keys, values)``: ``keys`` of shape (n_groups,) (a
        structured array for several key columns), ``values`` of shape
        (n_groups,) or (n_groups, n_outputs).

    Examples
    --------
    >>> import numpy as np
    >>> import lossmetrics
    >>> y = np.array([0, 1, 1, 0, 1])
    >>> p = np.array([0.2, 0.7, 0.9, 0.4, 0.6])
    >>> keys, values = lossmetrics.grouped("log_loss", y, p, ["a", "b", "a", "b", "b"])
    >>> keys.tolist()
    ['a', 'b']
    >>> bool(values[0] == lossmetrics.log_loss([0, 1], [0.2, 0.9], labels=[0, 1]))
    True
    """
    spec = get_loss(metric)
    grouping.refuse_per_element(metric, options)
    # The call's arguments as the function binds them (its names, defaults,
    # deprecated spellings).
    signature = inspect.signature(spec.function)
    bound = signature.bind(y_true, y_pred, *row_arrays, sample_weight=sample_weight,
                           **options)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    if spec.prepare is not None:
        spec.prepare(arguments)
    data_names = [q.name for q in signature.parameters.values()
                  if q.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    y_true, y_pred, *row_arrays = [arguments.pop(name) for name in data_names]
    sample_weight = arguments.pop("sample_weight")
    options = arguments
    extra = {name: a for name, a in zip(spec.batch_arrays, row_arrays) if a is not None}
    row_arrays = list(extra.values())
    # The whole call, validated once: its errors name indices in the whole input.
    whole = spec.check(y_true, y_pred, sample_weight=sample_weight, **options, **extra)
    y, p = grouping.as_rows(y_true), grouping.as_rows(y_pred)
    sw = grouping.as_rows(sample_weight)
    if np.ndim(p) == 0:
        raise ValueError(f"grouped({metric!r}) needs one row per sample; y_pred is a scalar.")
    n = p.shape[0]
    inputs = (y_true, y_pred, groups)
    keys, codes, names = grouping.encode_groups(groups, n)
    n_groups = keys[0].shape[0]
    # One pass of the kernel over all the rows, where the loss has one.
    states = None if spec.grouped_state is None else spec.grouped_state(
        whole, (codes, n_groups))
    if states is not None:
        items = [functools.partial(spec.result, state, whole.params, metric)
                 for state in states]
    elif spec.mergeable:
        params = dict(options)
        labels = spec.labels
        if labels is not None and labels.to_infer(np.shape(y), p.shape, params):
            classes = whole.params["encoded"].classes if "encoded" in whole.params \
                else encode(np.asarray(y).ravel(), None).classes
            params = labels.with_inferred(spec, classes, p.shape, p.dtype, params)
        acc = Accumulator(metric, groups=True, **params)
        acc._update_groups(y, p, sw, groups, extra, whole, (keys, codes, names))
        items = [acc._by_group[grouping.key_of(keys, g)].result for g in range(n_groups)]
    else:
        whole.run_deferred()   # (the scans a kernel would make: NaN, domains...)
        items = []
        for g, pieces in grouping.group_rows(codes, n_groups):
            rows = np.concatenate(pieces)   # (a quantile needs the group's rows at once)

            def value(rows=rows):
                return spec.function(grouping.take(y, rows), grouping.take(p, rows),
                                     *[grouping.take(grouping.as_rows(a), rows)
                                       for a in row_arrays],
                                     sample_weight=grouping.take(sw, rows), **options)
            items.append(value)
    values, undefined = grouping.group_results(metric, items,
                                               lambda g: grouping.key_of(keys, g))
    grouping.warn_undefined(metric, undefined)
    output_names = list(y_true.columns) if hasattr(y_true, "columns") and values.ndim == 2 \
        and values.shape[1] == len(y_true.columns) else None
    return grouping.package(metric, keys, names, values, inputs, output_names)
