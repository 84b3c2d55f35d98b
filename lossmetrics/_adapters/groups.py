"""Group keys for the per-group losses: encoding, the rows of each group, and
the results (NumPy, pandas or polars).

Keys are encoded by the label encoder (``_losses.labels.encode``: integer keys
in one pass without a sort, other keys through ``np.unique``); several key
columns combine into one group number per distinct tuple, in the order of the
tuples, as ``groupby`` sorts them.
"""
import warnings

import numpy as np

from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._kernels import kernels
from lossmetrics._losses.labels import encode

# The rows of one group taken at a time (the temporary copies stay this small).
ROWS_PER_TAKE = 1 << 16


class GroupWarning(UserWarning):
    """Some groups have no value (NaN): the loss is undefined on their rows.

    :func:`lossmetrics.grouped` (and a grouped ``Accumulator``) warns once per
    call, naming each such group and why, instead of failing the whole call.

    Examples
    --------
    >>> import warnings
    >>> import lossmetrics
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     keys, values = lossmetrics.grouped(
    ...         "mean_absolute_error", [1.0, 2.0, 3.0], [1.0, 2.5, 3.0], ["a", "a", "b"],
    ...         sample_weight=[1.0, 1.0, 0.0])
    >>> values.tolist()[0], caught[0].category is lossmetrics.GroupWarning
    (0.25, True)
    """


def refuse_per_element(metric, options):
    """grouped() reduces: ``reduction='none'`` has nothing to group."""
    if isinstance(options.get("reduction"), str) and options["reduction"] == "none":
        raise InvalidParameterError(
            f"grouped({metric!r}) got reduction='none': per-element losses have no "
            "groups to reduce. Use 'mean' or 'sum' (or call the loss with "
            "reduction='none').")


def _library(x):
    return type(x).__module__.split(".")[0]


def _to_numpy(values):
    if _library(values) in ("pandas", "polars") and hasattr(values, "to_numpy"):
        return values.to_numpy()
    return np.asarray(values)


def key_columns(groups, n):
    """The grouping columns (1-D arrays) and their names (None where unnamed):
    one column, or several given as a DataFrame or a list / tuple of columns
    of ``n`` keys each.  A list of ``n`` tuples (of one length) is read as the
    columns of their items."""
    if _library(groups) in ("pandas", "polars") and hasattr(groups, "columns"):
        return [_to_numpy(groups[c]) for c in groups.columns], [str(c) for c in groups.columns]
    if isinstance(groups, (list, tuple)) and groups and all(
            np.ndim(g) == 1 and len(g) == n for g in groups):
        return [_to_numpy(g) for g in groups], [getattr(g, "name", None) for g in groups]
    if isinstance(groups, (list, tuple)) and len(groups) == n and all(
            isinstance(g, tuple) for g in groups) and len({len(g) for g in groups}) == 1:
        columns = [np.asarray(c) for c in zip(*groups)]
        return columns, [None] * len(columns)
    return [_to_numpy(groups)], [getattr(groups, "name", None)]


def _check_column(col, name, n):
    if col.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one key per row); got shape {col.shape}.")
    if col.shape[0] != n:
        raise ValueError(f"{name} has {col.shape[0]} keys for {n} rows: one key per row "
                         "of y_pred is expected.")
    if col.dtype.kind == "f":
        bad = np.flatnonzero(np.isnan(col))
    elif col.dtype.kind == "O":
        bad = [i for i, v in enumerate(col.tolist())
               if v is None or (isinstance(v, float) and v != v)]
        unhashable = [i for i, v in enumerate(col.tolist()) if not _hashable(v)]
        if unhashable:
            raise TypeError(f"{name} must hold hashable keys; got "
                            f"{col[unhashable[0]]!r} at index {unhashable[0]}.")
    else:
        return
    if len(bad):
        value = col[bad[0]]
        value = value.item() if isinstance(value, np.generic) else value
        raise ValueError(f"{name} must hold a key for every row; got {value!r} "
                         f"(a missing key) at index {bad[0]}.")


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def encode_groups(groups, n):
    """(keys, codes, names): per grouping column the keys of the groups in
    sorted order, each row's group number (int64) and the columns' names."""
    columns, names = key_columns(groups, n)
    encoded = []
    for j, col in enumerate(columns):
        name = "groups" if len(columns) == 1 else f"groups column {names[j] or j}"
        _check_column(col, name, n)
        if col.dtype.kind == "c":
            raise TypeError(f"{name}: complex keys are not supported.")
        try:
            enc = encode(col, None, resolve_n_threads(None, work=n))
        except TypeError as exc:
            raise TypeError(f"{name} must hold keys of one sortable kind (numbers or "
                            f"strings): {exc}") from None
        encoded.append((enc.classes, _numbers(enc)))
    if len(encoded) == 1:
        classes, codes = encoded[0]
        return [classes], codes, names
    combos, codes = np.unique(np.stack([c for _, c in encoded], axis=1), axis=0,
                              return_inverse=True)
    keys = [classes[combos[:, j]] for j, (classes, _) in enumerate(encoded)]
    return keys, codes.reshape(-1).astype(np.int64), names


def _numbers(enc):
    """Each row's group number from the label encoder's codes and table:
    the codes themselves when they are already 0, 1, ... (no copy)."""
    codes = np.ascontiguousarray(enc.codes, dtype=np.int64)
    lut = enc.lut
    if enc.offset == 0 and np.array_equal(lut, np.arange(lut.shape[0])):
        return codes
    mapped = kernels("_scan").mapped
    return mapped(codes, enc.offset, lut, resolve_n_threads(None, work=codes.shape[0]))


def key_of(keys, g):
    """The dict key of group ``g``: a Python scalar, or a tuple for several columns."""
    parts = [k[g].item() if isinstance(k[g], np.generic) else k[g] for k in keys]
    return parts[0] if len(parts) == 1 else tuple(parts)


def group_rows(codes, n_groups):
    """For each group number, the row indices of its rows (in input order),
    in pieces of at most ``ROWS_PER_TAKE``."""
    # (a stable sort of 16-bit codes is NumPy's radix sort: linear time)
    small = codes.astype(np.uint16) if n_groups <= 1 << 16 else codes
    order = np.argsort(small, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
    for g in range(n_groups):
        rows = order[bounds[g]:bounds[g + 1]]
        yield g, [rows[i:i + ROWS_PER_TAKE] for i in range(0, rows.shape[0], ROWS_PER_TAKE)]


def as_rows(x):
    """A per-row input as an array that rows can be taken from (None, a
    number and a SciPy sparse matrix stay as they are)."""
    if x is None or np.ndim(x) == 0 or hasattr(x, "tocsr"):
        return x
    return _to_numpy(x)


def take(x, rows):
    """Rows ``rows`` of a per-row array (a scalar stays itself)."""
    if x is None or (np.ndim(x) == 0 and not hasattr(x, "tocsr")):
        return x
    return x[rows]


def warn_undefined(metric, undefined):
    """One warning naming the groups set to NaN, with why."""
    if not undefined:
        return
    shown = "; ".join(f"{key!r}: {why}" for key, why in undefined[:5])
    more = f"; and {len(undefined) - 5} more" if len(undefined) > 5 else ""
    warnings.warn(f"{metric} is undefined on {len(undefined)} group(s), set to NaN: "
                  f"{shown}{more}", GroupWarning, stacklevel=3)


def package(metric, keys, names, values, inputs, output_names=None):
    """The result in the inputs' kind: a pandas Series / DataFrame, a polars
    DataFrame, or (keys, values) NumPy arrays (keys a structured array for
    several key columns)."""
    kinds = {_library(x) for x in inputs}
    if "polars" in kinds:
        import polars as pl

        columns = {(names[j] or ("group" if len(keys) == 1 else f"group_{j}")): keys[j]
                   for j in range(len(keys))}
        if values.ndim == 1:
            columns[metric] = values
        else:
            for j in range(values.shape[1]):
                columns[f"{metric}_{j if output_names is None else output_names[j]}"] = \
                    values[:, j]
        return pl.DataFrame(columns)
    if "pandas" in kinds:
        import pandas as pd

        if len(keys) == 1:
            index = pd.Index(keys[0], name=names[0])
        else:
            index = pd.MultiIndex.from_arrays(keys, names=names)
        if values.ndim == 1:
            return pd.Series(values, index=index, name=metric)
        return pd.DataFrame(values, index=index, columns=output_names)
    if len(keys) == 1:
        return keys[0], values
    fields = [(names[j] or f"key{j}", keys[j].dtype) for j in range(len(keys))]
    record = np.empty(keys[0].shape[0], dtype=fields)
    for (field, _), k in zip(fields, keys):
        record[field] = k
    return record, values


def group_results(metric, values_of, key_at):
    """(values, undefined) from ``values_of``, each group's value function: a
    group whose value raises the loss's ValueError (a zero 'mean'
    denominator) or is NaN with a warning (a D² of one row) gets NaN, and
    ``undefined`` lists (key, why), the key of group ``g`` being ``key_at(g)``."""
    results, undefined = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for g, value_of in enumerate(values_of):
            seen = len(caught)
            try:
                value = value_of()
            except (ValueError, ZeroDivisionError) as exc:
                value, why = np.nan, str(exc)
            else:
                why = str(caught[-1].message) if len(caught) > seen else "NaN"
            if ((value != value) if isinstance(value, float)
                    else np.all(np.isnan(np.asarray(value, dtype=np.float64)))):
                undefined.append((key_at(g), why))
                del caught[seen:]
            results.append(value)
    for w in caught:   # (warnings of a defined value are the caller's)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if undefined and results:
        # An undefined group of a multi-output loss: NaN in every output.
        shape = next((np.shape(r) for r in results if np.ndim(r)), ())
        results = [np.full(shape, np.nan) if np.ndim(r) != len(shape) else r
                   for r in results]
    return np.array([np.asarray(r, dtype=np.float64) for r in results]), undefined


def sorted_keys(keys):
    """Dict keys (scalars or tuples) in sorted order, as key columns."""
    try:
        ordered = sorted(keys)
    except TypeError as exc:
        raise TypeError(f"The group keys must be of one sortable kind: {exc}.") from None
    if ordered and isinstance(ordered[0], tuple):
        columns = list(zip(*ordered))
    else:
        columns = [ordered]
    return ordered, [np.array(c) for c in columns]
