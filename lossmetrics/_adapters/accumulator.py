"""Accumulator: the running, mergeable state of a loss, fed batch by batch."""
import inspect

import numpy as np

from lossmetrics._adapters import groups as grouping
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.validation import partial_batch
from lossmetrics._losses import check_option_names, get_loss


def _same(a, b):
    """Whether two values of an option are the same option: equal values,
    whether given as lists, tuples or arrays (of any dtype) or NumPy scalars;
    a bool is not a number here (True is not 1)."""
    a = a.item() if isinstance(a, np.generic) else a
    b = b.item() if isinstance(b, np.generic) else b
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        a, b = np.asarray(a), np.asarray(b)
        return (a.shape == b.shape and (a.dtype.kind == "b") == (b.dtype.kind == "b")
                and bool(np.all(a == b)))
    return (isinstance(a, bool) == isinstance(b, bool)) and a == b


def _options(loss, params):
    """The options that decide an accumulator's value: every option, its
    default where not given; not ``n_threads``, which never changes a result."""
    defaults = inspect.signature(loss.function).parameters
    return {name: params.get(name, defaults[name].default) for name in loss.option_names
            if name not in loss.batch_arrays}


class Accumulator:
    """Running value of a loss over batches; mergeable, picklable, exact.

    Each :meth:`update` validates a batch exactly as the loss function does,
    runs the same kernel and keeps only the kernel's reduced state: a few
    compensated (hi, lo) sums, never the data.  :meth:`merge` adds the state
    of another accumulator (from another process, worker or shard) and
    :meth:`result` turns the state into the loss's value.  However the data
    are split into batches, the result equals the loss function on the
    concatenated data within 1 ulp (almost always to the last bit).

    Parameters
    ----------
    metric : str
        Name of a loss (see ``lossmetrics.LOSSES``), such as ``"log_loss"``,
        ``"cross_entropy"`` or ``"mean_squared_error"``.
    groups : bool, default=False
        Keep one state per group: :meth:`update` then takes ``groups=`` (a key
        per row) and :meth:`result` returns ``(keys, values)``, the loss of
        every group seen (see :func:`lossmetrics.grouped`).
    **params
        The loss's keyword options, as its function takes them: ``labels``,
        ``normalize``, ``class_weight``, ``ignore_index``, ``label_smoothing``,
        ``pos_weight``, ``multioutput``, ``reduction`` ('mean' or 'sum'),
        ``n_threads``...

    Attributes
    ----------
    metric : str
        The loss's name.
    params : dict
        The options given (with the ``pos_label`` a binary Brier score derives
        from ``labels``).
    n_batches : int
        The number of batches added, by :meth:`update` here and in the
        accumulators merged into this one.

    Notes
    -----
    ``log_loss`` and ``brier_score_loss`` need ``labels`` (for a binary
    ``brier_score_loss``, ``labels`` or ``pos_label``): one batch may miss a
    class, so the labels of a batch do not tell which column of ``y_proba``
    belongs to which class.  ``lossmetrics.dask`` infers them with one extra
    pass over the data.  ``reduction='none'`` has no running state and is
    refused.  Batches must share the trailing shape of the predictions, as
    arrays that are concatenated would; their dtypes may differ (the result is
    that of the float64 concatenation) except for the losses whose value
    depends on the dtype (``log_loss``, ``brier_score_loss`` and
    ``binary_cross_entropy`` compute ``1 - p`` and the clipping in the
    predictions' dtype), whose batches must share the dtype their kernel
    reads (integers and booleans are read as float64, float16 as float32).
    Accumulators merge when their metric and options are the same: options
    not given count as their defaults, equal values in lists, tuples or
    arrays are the same, and ``n_threads`` may differ.

    Examples
    --------
    >>> import numpy as np
    >>> from lossmetrics import Accumulator, log_loss
    >>> y = np.array([0, 2, 1, 2, 0])
    >>> p = np.array([[.7, .2, .1], [.1, .1, .8], [.2, .6, .2], [.3, .3, .4], [.5, .4, .1]])
    >>> acc = Accumulator("log_loss", labels=[0, 1, 2])
    >>> for batch in (slice(0, 2), slice(2, 5)):
    ...     _ = acc.update(y[batch], p[batch])
    >>> bool(acc.result() == log_loss(y, p))
    True

    Accumulators fed elsewhere merge, after pickling if need be:

    >>> import pickle
    >>> left = Accumulator("mean_squared_error").update([1.0, 2.0], [1.5, 2.0])
    >>> right = Accumulator("mean_squared_error").update([3.0], [1.0])
    >>> pickle.loads(pickle.dumps(left)).merge(right).result()
    1.4166666666666667
    """

    def __init__(self, metric, *, groups=False, **params):
        loss = get_loss(metric)
        if not isinstance(groups, bool):
            raise InvalidParameterError(
                f"Accumulator({metric!r}): groups must be True or False; got {groups!r}.")
        if not loss.mergeable:
            raise InvalidParameterError(
                f"Accumulator({metric!r}): {metric} does not merge batch by batch: "
                f"{loss.unmergeable}. Call lossmetrics.{metric} on the concatenated "
                "arrays, or use a metric of sums (mean_absolute_error, "
                "mean_pinball_loss, r2_score, mean_tweedie_deviance).")
        check_option_names(f"Accumulator({metric!r})", loss, params,
                           [n for n in loss.option_names if n not in loss.batch_arrays]
                           + ["n_threads"])
        if isinstance(params.get("reduction"), str) and params["reduction"] == "none":
            raise InvalidParameterError(
                f"Accumulator({metric!r}) got reduction='none': per-element losses have "
                "no running state. Use 'mean' or 'sum' (or call the loss function on "
                "each batch)."
            )
        self._derived_pos_label = None
        if loss.labels is not None:
            params, self._derived_pos_label = loss.labels.accumulator_options(metric, params)
        self.metric = metric
        self.params = params
        self.groups = groups
        self._by_group = {} if groups else None   # key -> Accumulator
        self._key_names = None
        self._classes = None    # classes met by a binary brier_score_loss
        self._state = None
        self._finish = None    # the validated options the value depends on
        self._signature = None  # trailing shape and dtype of the predictions
        self.n_batches = 0

    def update(self, y_true, y_pred, sample_weight=None, *, groups=None, **batch_arrays):
        """Add a batch; returns ``self``.

        The batch is validated as the loss function validates its inputs, except
        that its ``sample_weight`` may be all zeros (the total is checked by
        :meth:`result`).

        Parameters
        ----------
        y_true : array-like
            The batch's targets, as the loss function takes them.
        y_pred : array-like
            The batch's predictions (probabilities, logits, values...), with
            the trailing shape of the other batches'.
        sample_weight : array-like of shape (n_samples,) or float, default=None
            The batch's sample weights.
        groups : array-like of shape (n_samples,), DataFrame or list of columns
            The group key of each row (``groups=True`` only): integers,
            strings or other sortable hashable keys, or several key columns.
        **batch_arrays
            The further per-row arrays of the loss, as keywords: ``x2`` of
            ``cosine_embedding_loss`` and ``margin_ranking_loss``, ``var`` of
            ``gaussian_nll_loss``, ``negative`` of ``triplet_margin_loss``.

        Returns
        -------
        self : Accumulator

        Raises
        ------
        ValueError or TypeError
            What the loss function raises for the batch, or a batch whose
            trailing shape (or, for a dtype-dependent loss, dtype) or validated
            options differ from the earlier batches'.
        """
        loss = get_loss(self.metric)
        unknown = sorted(set(batch_arrays) - set(loss.batch_arrays))
        if unknown:
            raise InvalidParameterError(
                f"Accumulator({self.metric!r}).update got unknown argument(s) {unknown}."
            )
        if self.groups != (groups is not None):
            raise InvalidParameterError(
                f"Accumulator({self.metric!r}, groups={self.groups}).update got "
                f"groups={'None' if groups is None else '...'}: per-group keys go with "
                "groups=True, and only there.")
        with partial_batch():
            checked = loss.check(y_true, y_pred, sample_weight=sample_weight,
                                 **self.params, **batch_arrays)
        if self.groups:
            # (the whole batch validated first: its errors name its own indices)
            self._update_groups(y_true, y_pred, sample_weight, groups, batch_arrays, checked)
            self.n_batches += 1
            return self
        state, _ = loss.state(checked, False)
        self._add(np.array(state, dtype=np.float64), *self._batch_info(loss, checked))
        self.n_batches += 1
        return self

    @staticmethod
    def _batch_info(loss, checked):
        """(finish, signature, classes) of a validated batch, as _add takes them."""
        finish = {key: checked.params[key] for key in loss.result_keys}
        signature = (checked.y_pred.shape[1:],
                     checked.y_pred.dtype.str if loss.dtype_dependent else None)
        classes = None if loss.labels is None else loss.labels.batch_classes(checked)
        return finish, signature, classes

    def _update_groups(self, y_true, y_pred, sample_weight, groups, batch_arrays, checked,
                       encoded=None):
        """Add the rows of a batch (``checked``: the batch validated; ``encoded``:
        its groups encoded, if they are) to the state of each group: in one pass
        of the kernel where the loss has a ``grouped_state``, else each group's
        rows through the loss's batch path."""
        loss = get_loss(self.metric)
        y, p = grouping.as_rows(y_true), grouping.as_rows(y_pred)
        keys, codes, names = encoded or grouping.encode_groups(groups, p.shape[0])
        if self._key_names is None:
            self._key_names = names
        n_groups = keys[0].shape[0]
        states = None if loss.grouped_state is None else loss.grouped_state(
            checked, (codes, n_groups))
        if states is not None:
            info = self._batch_info(loss, checked)
            for g in range(n_groups):
                acc = self._group(grouping.key_of(keys, g))
                acc._add(np.array(states[g], dtype=np.float64), *info)
                acc.n_batches += 1
            return self
        checked.run_deferred()   # (the scans the kernel would have made)
        sw = grouping.as_rows(sample_weight)
        batch = {k: grouping.as_rows(v) for k, v in batch_arrays.items()}
        for g, pieces in grouping.group_rows(codes, n_groups):
            acc = self._group(grouping.key_of(keys, g))
            for rows in pieces:
                acc.update(grouping.take(y, rows), grouping.take(p, rows),
                           grouping.take(sw, rows),
                           **{k: grouping.take(v, rows) for k, v in batch.items()})
        return self

    def _group(self, key):
        """The accumulator of group ``key`` (a new one for a key not seen)."""
        acc = self._by_group.get(key)
        if acc is None:
            acc = self._by_group[key] = Accumulator(self.metric, **self.params)
        return acc

    def _add(self, state, finish, signature, classes):
        if classes is not None:
            # The one-shot function refuses a binary y_proba with more than two
            # classes in y_true, however they are spread over the batches.
            seen = classes if self._classes is None else np.union1d(self._classes, classes)
            if seen.shape[0] > 2:
                raise ValueError(
                    "The type of the target inferred from y_true is multiclass but "
                    "should be binary according to the shape of y_prob. The batches "
                    f"hold {seen.shape[0]} classes: {seen.tolist()}."
                )
        if self._state is None:
            self._state, self._finish, self._signature = state, finish, signature
            self._classes = classes
            return
        if signature[0] != self._signature[0]:
            raise ValueError(
                f"Accumulator({self.metric!r}): this batch's predictions have trailing "
                f"shape {signature[0]}, earlier batches {self._signature[0]}; batches "
                "must be parts of one array."
            )
        if signature[1] != self._signature[1]:
            raise ValueError(
                f"Accumulator({self.metric!r}): this batch's predictions are read as "
                f"{np.dtype(signature[1])}, earlier batches' as "
                f"{np.dtype(self._signature[1])}; {self.metric}'s value depends on the "
                "dtype (it is computed as the reference library computes it in that "
                "dtype), so its batches must share one: convert them to one dtype."
            )
        for key, value in finish.items():
            if not _same(value, self._finish[key]):
                raise ValueError(
                    f"Accumulator({self.metric!r}): {key}={value!r} for this batch but "
                    f"{self._finish[key]!r} for earlier ones."
                )
        self._state = get_loss(self.metric).merge(self._state, state)
        if classes is not None:
            self._classes = seen

    def merge(self, other):
        """Add the state of another accumulator of the same loss and options.

        Parameters
        ----------
        other : Accumulator
            An accumulator of the same metric and options (defaults filled in;
            ``n_threads`` may differ), fed elsewhere and possibly pickled.
            It is not changed.

        Returns
        -------
        self : Accumulator

        Raises
        ------
        TypeError
            ``other`` is not an Accumulator.
        ValueError
            The metrics or options differ (each differing option is named).
        """
        if not isinstance(other, Accumulator):
            raise TypeError(
                f"merge expects an Accumulator; got {type(other).__name__}."
            )
        if other.metric != self.metric:
            raise ValueError(
                f"Cannot merge Accumulator({other.metric!r}) into "
                f"Accumulator({self.metric!r}): the metrics differ."
            )
        loss = get_loss(self.metric)
        ours, theirs = _options(loss, self.params), _options(loss, other.params)
        differ = [k for k in ours if not _same(ours[k], theirs[k])]
        if differ:
            raise ValueError(
                f"Cannot merge Accumulator({other.metric!r}) into "
                f"Accumulator({self.metric!r}): their options differ: "
                + ", ".join(f"{k}={theirs[k]!r} vs {k}={ours[k]!r}" for k in differ)
                + ". (n_threads may differ; equal values in lists, tuples or arrays "
                "are the same option.)"
            )
        if other.groups != self.groups:
            raise ValueError(
                f"Cannot merge Accumulator({other.metric!r}, groups={other.groups}) into "
                f"Accumulator({self.metric!r}, groups={self.groups}).")
        if self.groups:
            for key, acc in other._by_group.items():
                self._group(key).merge(acc)
            self._key_names = self._key_names or other._key_names
            self.n_batches += other.n_batches
            return self
        if other._state is not None:
            self._add(other._state, other._finish, other._signature, other._classes)
            self.n_batches += other.n_batches
        return self

    def result(self):
        """The loss over every batch added or merged so far.

        Returns
        -------
        loss : float or ndarray
            The loss function's value on the concatenated batches, within
            1 ulp (an array for ``multioutput='raw_values'``).  With
            ``groups=True``: ``(keys, values)``, the groups' keys in sorted
            order (a structured array for several key columns) and each
            group's value (NaN, named in a ``GroupWarning``, where the loss is
            undefined on its rows).

        Raises
        ------
        ValueError
            No batch yet, a zero ``'mean'`` denominator over all batches, or
            (``log_loss``, ``brier_score_loss``) classes that do not fit the
            predictions, as the loss function would raise on the whole data.
        """
        if (self._by_group == {}) if self.groups else self._state is None:
            raise ValueError(
                f"Accumulator({self.metric!r}) has no data: call update() with a "
                "batch (or merge() a fed accumulator) before result()."
            )
        if self.groups:
            ordered, keys = grouping.sorted_keys(self._by_group)
            values, undefined = grouping.group_results(
                self.metric, [self._by_group[k].result for k in ordered], ordered.__getitem__)
            grouping.warn_undefined(self.metric, undefined)
            return grouping.package(self.metric, keys, self._key_names, values, ())
        loss = get_loss(self.metric)
        if loss.labels is not None:
            loss.labels.check_classes(self.metric, self._derived_pos_label, self._classes)
        return loss.result(self._state, self._finish, self.metric)

    def __repr__(self):
        options = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Accumulator({self.metric!r}{options}) <{self.n_batches} batch(es)>"
