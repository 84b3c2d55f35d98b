"""Accumulator: the running, mergeable state of a loss, fed batch by batch."""
import numpy as np

from lossmetrics._errors import InvalidParameterError
from lossmetrics._state import merge_states


def _spec(metric):
    from lossmetrics._registry import LOSSES

    try:
        return LOSSES[metric]
    except (KeyError, TypeError):
        raise InvalidParameterError(
            f"metric must be one of {sorted(LOSSES)}; got {metric!r}."
        ) from None


def _same(a, b):
    """Equality of option values that may be arrays or NumPy scalars."""
    a = a.item() if isinstance(a, np.generic) else a
    b = b.item() if isinstance(b, np.generic) else b
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.all(a == b))
    return type(a) is type(b) and a == b


def labels_to_infer(metric, y_true_shape, y_pred_shape, params):
    """Whether batches of ``metric`` need the labels of all of y_true first.

    An Accumulator of log_loss or brier_score_loss needs every label (a batch
    may miss classes).  The function infers them from y_true when ``labels``
    is not given, and a binary brier_score_loss (1-D y_proba) always does,
    ignoring ``labels``.  A label-indicator y_true has none to infer; its
    columns are the classes (``params`` gets them, required and unused).
    """
    if metric not in ("log_loss", "brier_score_loss"):
        return False
    if len(y_true_shape) == 2 and y_true_shape[1] > 1:
        params.setdefault("labels", list(range(y_true_shape[1])))
        return False
    binary = len(y_pred_shape) == 1 or y_pred_shape[1] == 1
    return params.get("labels") is None or (metric == "brier_score_loss" and binary)


def with_inferred_labels(metric, classes, y_pred_shape, y_pred_dtype, params):
    """``params`` with ``labels`` set to ``classes``, the sorted labels of all
    of y_true, checked as the function checks the labels it infers.

    The loss's own validation runs on one row per class, so a label set that
    cannot fit y_proba raises the function's error, in its words ("only one
    label", "different number of classes", "multiclass but should be binary").
    """
    from lossmetrics._registry import LOSSES

    params = {k: v for k, v in params.items() if k != "labels"}
    width = y_pred_shape[1] if len(y_pred_shape) > 1 else 1
    probe = np.full((classes.shape[0],) + tuple(y_pred_shape[1:]),
                    0.5 if width == 1 else 1.0 / width, dtype=y_pred_dtype)
    LOSSES[metric].check(classes, probe, **params)
    return dict(params, labels=classes)


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
    **params
        The loss's keyword options, as its function takes them: ``labels``,
        ``normalize``, ``class_weight``, ``ignore_index``, ``label_smoothing``,
        ``pos_weight``, ``multioutput``, ``reduction`` ('mean' or 'sum'),
        ``n_threads``...

    Notes
    -----
    ``log_loss`` and ``brier_score_loss`` need ``labels`` (for a binary
    ``brier_score_loss``, ``labels`` or ``pos_label``): one batch may miss a
    class, so the labels of a batch do not tell which column of ``y_proba``
    belongs to which class.  ``lossmetrics.dask`` infers them with one extra
    pass over the data.  ``reduction='none'`` has no running state and is
    refused.  Batches must share the trailing shape and the dtype of the
    predictions, as arrays that are concatenated would.

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

    def __init__(self, metric, **params):
        spec = _spec(metric)
        allowed = set(spec.options) - set(spec.batch_arrays) | {"n_threads"}
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise InvalidParameterError(
                f"Accumulator({metric!r}) got unknown option(s) {unknown}; the options "
                f"of {metric} are {sorted(allowed)}."
            )
        if isinstance(params.get("reduction"), str) and params["reduction"] == "none":
            raise InvalidParameterError(
                f"Accumulator({metric!r}) got reduction='none': per-element losses have "
                "no running state. Use 'mean' or 'sum' (or call the loss function on "
                "each batch)."
            )
        if metric in ("log_loss", "brier_score_loss") and params.get("labels") is None:
            if metric == "brier_score_loss" and params.get("pos_label") is not None:
                pass
            else:
                raise InvalidParameterError(
                    f"Accumulator({metric!r}) needs labels=[...] (all the class labels): "
                    "a batch may miss classes, so the labels of one batch do not say "
                    "which column of y_proba is which class. lossmetrics.dask infers "
                    "them with one extra pass over the data."
                )
        self._derived_pos_label = None
        if metric == "brier_score_loss" and params.get("pos_label") is None:
            from lossmetrics._brier import _binary_pos_label

            # A binary batch holding one class must still know the positive one:
            # scikit-learn's rule applied to the label set (result() checks that
            # the classes met give the same).
            classes = np.unique(np.asarray(params["labels"]))
            if classes.shape[0] == 2:
                pos = _binary_pos_label(classes, None)
                self._derived_pos_label = pos.item() if isinstance(pos, np.generic) else pos
                params = dict(params, pos_label=self._derived_pos_label)
        self.metric = metric
        self.params = params
        self._classes = None    # classes met by a binary brier_score_loss
        self._state = None
        self._finish = None    # the validated options the value depends on
        self._signature = None  # trailing shape and dtype of the predictions
        self.n_batches = 0

    def update(self, y_true, y_pred, sample_weight=None, **batch_arrays):
        """Add a batch; returns ``self``.

        The batch is validated as the loss function validates its inputs, except
        that its ``sample_weight`` may be all zeros (the total is checked by
        :meth:`result`).  ``cosine_embedding_loss`` takes ``x2=`` here.
        """
        from lossmetrics._validation import partial_batch

        spec = _spec(self.metric)
        unknown = sorted(set(batch_arrays) - set(spec.batch_arrays))
        if unknown:
            raise InvalidParameterError(
                f"Accumulator({self.metric!r}).update got unknown argument(s) {unknown}."
            )
        with partial_batch():
            checked = spec.check(y_true, y_pred, sample_weight=sample_weight,
                                 **self.params, **batch_arrays)
        state, _ = spec.state(checked)
        finish = {key: checked.params[key] for key in spec.result_keys}
        signature = (checked.y_pred.shape[1:], checked.y_pred.dtype.str)
        classes = None
        if self.metric == "brier_score_loss" and "pos_label" in checked.params:
            classes = checked.params["encoded"].classes    # a binary batch's classes
        self._add(np.array(state, dtype=np.float64), finish, signature, classes)
        self.n_batches += 1
        return self

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
        if signature != self._signature:
            raise ValueError(
                f"Accumulator({self.metric!r}): this batch's predictions have trailing "
                f"shape {signature[0]} and dtype {np.dtype(signature[1])}, earlier "
                f"batches {self._signature[0]} and {np.dtype(self._signature[1])}; "
                "batches must be parts of one array."
            )
        for key, value in finish.items():
            if not _same(value, self._finish[key]):
                raise ValueError(
                    f"Accumulator({self.metric!r}): {key}={value!r} for this batch but "
                    f"{self._finish[key]!r} for earlier ones."
                )
        self._state = merge_states(self._state, state)
        if classes is not None:
            self._classes = seen

    def merge(self, other):
        """Add the state of another accumulator of the same loss and options;
        returns ``self``."""
        if not isinstance(other, Accumulator):
            raise TypeError(
                f"merge expects an Accumulator; got {type(other).__name__}."
            )
        if other.metric != self.metric or set(other.params) != set(self.params) or not all(
                _same(other.params[k], self.params[k]) for k in self.params):
            raise ValueError(
                f"Cannot merge Accumulator({other.metric!r}, **{other.params!r}) into "
                f"Accumulator({self.metric!r}, **{self.params!r}): the metric and "
                "options must be the same."
            )
        if other._state is not None:
            self._add(other._state, other._finish, other._signature, other._classes)
            self.n_batches += other.n_batches
        return self

    def result(self):
        """The loss over every batch added or merged so far."""
        if self._state is None:
            raise ValueError(
                f"Accumulator({self.metric!r}) has no data: call update() with a "
                "batch (or merge() a fed accumulator) before result()."
            )
        if self._derived_pos_label is not None and self._classes is not None:
            from lossmetrics._brier import _binary_pos_label

            pos = _binary_pos_label(self._classes, None)
            pos = pos.item() if isinstance(pos, np.generic) else pos
            if not _same(pos, self._derived_pos_label):
                raise ValueError(
                    f"Accumulator('brier_score_loss'): the positive class was taken "
                    f"from labels as {self._derived_pos_label!r}, but the classes in "
                    f"y_true, {self._classes.tolist()}, make it {pos!r} for "
                    "brier_score_loss. Pass pos_label explicitly."
                )
        spec = _spec(self.metric)
        return spec.result(self._state, self._finish, self.metric)

    def __repr__(self):
        options = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Accumulator({self.metric!r}{options}) <{self.n_batches} batch(es)>"
