"""The declaration of a loss: everything the rest of the package derives from it.

A loss is declared once, next to its validation and its kernel call, as a
:class:`Loss`.  The public function, :func:`~lossmetrics.check_inputs`,
:class:`~lossmetrics.Accumulator`, :mod:`lossmetrics.dask`, the scorers, the
command line, the demo, the API page and the tests' case table read it; none
of them keeps a table of its own keyed by loss name.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

from lossmetrics._core.options import Option, plain
from lossmetrics._core.state import merge_states


@dataclass
class Loss:
    """One loss, declared once.

    Attributes
    ----------
    name : str
        The public function's name (also the ``metric`` of ``check_inputs``,
        ``Accumulator``, the command line).
    check : callable
        ``check(y_true, y_pred, *, sample_weight, n_threads, **options)`` ->
        :class:`~lossmetrics.CheckedInputs`: the validation, in the order the
        loss's reference library reports errors.
    state : callable
        ``state(checked, want_none)`` -> ``(state, per_element)``: runs the
        kernel; ``state`` is the mergeable array of compensated (hi, lo) sums.
    result : callable
        ``result(state, params, name)`` -> the value; it reads only the
        validated options named in ``result_keys`` from ``params``.
    result_keys : tuple of str
        The validated options the value depends on (what an Accumulator keeps
        and checks to be the same across batches).
    options : tuple of Option
        The keyword options of the loss (besides ``sample_weight`` and
        ``n_threads``), with their command-line spelling
        (:class:`~lossmetrics._core.options.Option`; a plain name is
        ``--name VALUE``, a Python literal).  ``option_names`` lists their names.
    target : str
        What ``y_true`` holds: "class labels" (any labels, mapped to the
        prediction's columns), "class indices" (0..C-1, or class
        probabilities), "values", "probabilities" (targets in [0, 1]),
        "distributions", "signs" (1 / -1).
    prediction : str
        What the second argument holds: probabilities, log-probabilities,
        logits, values, distributions, embeddings.
    reference : str
        The independent reference the tests compare with.
    example : tuple of str
        Python source of a small valid call's positional arguments (y_true,
        the prediction, and any further per-row arrays); the Dask docstrings
        and the tests' smoke cases use it.
    element_shape : callable
        ``element_shape(prediction_shape)`` -> the shape of one row's output
        for ``reduction='none'`` (for a Dask array's chunks).
    batch_arrays : tuple of str
        Per-row arrays passed as keywords to ``check`` (``x2``).
    scorer : str
        Name of the scikit-learn scorer ("" for none).
    response_method : str
        The estimator method its scorer calls.
    score : callable or None
        ``score(y_true, y_pred, *, classes, sample_weight)`` for the scorer,
        where ``classes`` is the fitted estimator's ``classes_``; None calls
        the function with ``sample_weight`` only.
    fast : callable or None
        ``fast(y_true, y_pred, **options)`` -> the value, or None to take the
        generic path; called for calls without sample_weight or n_threads.
        It may skip the generic machinery, never the rules: its value must be
        the generic path's, bit for bit (tests/test_fast_paths.py runs both on
        every case).
    prepare : callable or None
        ``prepare(arguments)`` rewrites the bound arguments of a call before
        anything else (a deprecated argument name), for the function and Dask.
    demo : callable or None
        ``demo(data)`` -> rows ``(label, ours, reference name, reference)`` of
        ``python -m lossmetrics``, where ``ours`` and ``reference`` are
        callables and ``data`` holds fitted models' outputs on datasets
        scikit-learn ships (see ``lossmetrics._adapters.demo``).
    labels : object or None
        How batches of the loss find the class labels (see
        ``lossmetrics._losses.labels.LabelSet``); None for losses that need none.
    dtype_dependent : bool
        Whether the value depends on the predictions' dtype, not only on their
        values (a clipping at the dtype's eps, ``1 - p`` rounded to float32 as
        the reference library does): the batches of an ``Accumulator`` must
        then share the dtype the kernel reads; other losses mix any dtypes.
    merge : callable
        ``merge(state_a, state_b)`` -> the state of the two batches together:
        row-wise compensated addition (``merge_states``) unless the state
        holds something else (max_error's maximum).
    greater_is_better : bool
        A score (R², D²) rather than a loss: its scorer is not negated.
    unmergeable : str
        Why batches' states do not merge ("" where they do): the quantile
        metrics and d2_tweedie_score need all the rows at once, and
        Accumulator refuses them with this reason.
    rounds : Rounds or None
        For a loss that does not merge: how it is computed in a fixed number
        of passes, each a mergeable partial (``lossmetrics._core.rounds``);
        :mod:`lossmetrics.dask` runs them over the chunks.
    grouped_state : callable or None
        ``grouped_state(checked, groups)`` -> the states of every group, an
        array of shape (n_groups,) + the state's shape, from one pass of the
        kernel over all the rows (``groups``: (each row's group number,
        n_groups)); None where the kernel cannot for these inputs.  Derived
        from a ``state`` marked :func:`takes_groups`.
        :func:`lossmetrics.grouped` runs each group's rows through ``state``
        for a loss without one.
    function : callable
        The public function, attached by :func:`public`.
    """

    name: str
    check: Callable
    state: Callable
    result: Callable
    result_keys: tuple
    options: tuple
    target: str
    prediction: str
    reference: str
    example: tuple
    element_shape: Callable = lambda shape: tuple(shape[1:])
    batch_arrays: tuple = ()
    scorer: str = ""
    response_method: str = ""
    score: Optional[Callable] = None
    fast: Optional[Callable] = None
    prepare: Optional[Callable] = None
    demo: Optional[Callable] = None
    labels: object = None
    dtype_dependent: bool = False
    merge: Callable = merge_states
    greater_is_better: bool = False
    unmergeable: str = ""
    rounds: object = None
    grouped_state: Optional[Callable] = None
    function: Optional[Callable] = field(default=None, repr=False)

    def __post_init__(self):
        self.options = tuple(o if isinstance(o, Option) else plain(o) for o in self.options)
        if self.unmergeable and self.rounds is None:
            raise AssertionError(f"{self.name} merges neither batch by batch nor in rounds")
        if self.grouped_state is None and getattr(
                getattr(self.state, "func", self.state), "takes_groups", False):
            self.grouped_state = _grouped_from(self.state)

    @property
    def mergeable(self):
        """Whether the states of batches merge (Accumulator, Dask)."""
        return not self.unmergeable

    @property
    def option_names(self):
        """The names of the keyword options, as the public function spells them."""
        return tuple(o.name for o in self.options)


def public(loss):
    """Decorator: attach the public function to its declaration."""
    def attach(function):
        if function.__name__ != loss.name:
            raise AssertionError(f"{function.__name__} declared as {loss.name}")
        loss.function = function
        function.loss = loss
        return function
    return attach


def takes_groups(state):
    """Decorator: the ``state`` function takes ``groups=`` (each row's group
    number, n_groups) and returns one state per group from one pass of its
    kernel (a ``None`` state where the kernel cannot group these inputs); the
    declaration's ``grouped_state`` is derived from it."""
    state.takes_groups = True
    return state


def _grouped_from(state):
    def grouped_state(checked, groups):
        return state(checked, False, groups=groups)[0]
    return grouped_state


def sklearn_demo(name, true="targets", pred="predictions"):
    """A declaration's ``demo``: one row, ``name`` of lossmetrics against
    scikit-learn's function of the same name, on the demo data's ``true`` and
    ``pred`` (attributes of ``lossmetrics._adapters.demo.DemoData``)."""
    def rows(data):
        import sklearn.metrics

        import lossmetrics

        y, p = getattr(data, true), getattr(data, pred)
        ours, theirs = getattr(lossmetrics, name), getattr(sklearn.metrics, name)
        return [(name, lambda: ours(y, p), "sklearn", lambda: theirs(y, p))]
    return rows
