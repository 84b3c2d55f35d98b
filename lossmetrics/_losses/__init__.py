"""The registry: every loss's declaration, by name, and ``check_inputs``.

Each family module declares its losses (a :class:`~lossmetrics._core.declaration.Loss`
next to its validation and kernel call); this module only gathers them.  The
adapters (Accumulator, Dask, scorers, command line, demo) and the tests read
``LOSSES``.
"""
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._losses import (
    brier, class_scores, classification, d2_scores, deviance_scores, distributions, elementwise, embeddings, gaussian, log_loss, margins,
    multilabel, quantiles, ranking, regression, variance_scores,
)

from lossmetrics._core.declaration import Loss

# The families, in the order of the API reference: scikit-learn's drop-ins,
# then PyTorch's losses.  Every Loss a family module declares is collected,
# in the order of its declarations: a new loss of a family needs no line here.
FAMILIES = (log_loss, brier, regression, variance_scores, quantiles, deviance_scores,
            classification, d2_scores,
            class_scores, margins, elementwise, gaussian, multilabel, distributions,
            embeddings, ranking)

LOSSES = {loss.name: loss for family in FAMILIES
          for loss in vars(family).values() if isinstance(loss, Loss)}


def get_loss(metric):
    """The declaration of ``metric``, or an error listing the losses."""
    try:
        return LOSSES[metric]
    except (KeyError, TypeError):
        raise InvalidParameterError(
            f"metric must be one of {sorted(LOSSES)}; got {metric!r}."
        ) from None


def check_option_names(caller, loss, params, allowed):
    """Refuse keywords that are not among ``allowed`` (option names of
    ``loss``), naming ``caller`` and listing what it takes: the one message of
    check_inputs and Accumulator for an unknown option."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidParameterError(
            f"{caller}: unknown option(s) {unknown}; the options of {loss.name} are: "
            f"{', '.join(allowed) or 'none'}."
        )


def check_inputs(metric, y_true, y_pred, *, sample_weight=None, n_threads=None, **params):
    """Validate the inputs of a loss and return them ready for its kernel.

    Every public loss calls this first; it is public so that pipelines can
    validate data once, up front, with the same rules and messages.

    Parameters
    ----------
    metric : str
        Name of a loss, one of ``lossmetrics.LOSSES``.
    y_true, y_pred : array-like
        Targets and predictions as the loss takes them (see its docstring).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative finite weights with a positive total.
    n_threads : int, default=None
        Validated like the losses' ``n_threads`` (0 and non-integers are errors).
    **params
        The loss's keyword options (``labels``, ``class_weight``,
        ``ignore_index``, ``label_smoothing``, ``pos_weight``, ``multioutput``,
        ``reduction``, ``log_true``, ``log_pred``, ...).

    Returns
    -------
    checked : CheckedInputs
        ``y_true``, ``y_pred`` and ``sample_weight`` as the kernel reads them,
        the resolved ``n_threads`` and the normalised ``params``.

    Raises
    ------
    ValueError or TypeError
        With a message naming the argument, the expectation and an offending
        value or index.

    Examples
    --------
    >>> from lossmetrics import check_inputs
    >>> checked = check_inputs("cross_entropy", [0, 2], [[1.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    >>> checked.y_pred.shape, checked.n_threads
    ((2, 3, 1), 1)
    >>> check_inputs("cross_entropy", [0, 3], [[1.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    Traceback (most recent call last):
    ...
    ValueError: y_true must hold class indices in [0, 3) (or ignore_index); got 3 at index 1.
    """
    loss = get_loss(metric)
    check_option_names(f"check_inputs({metric!r})", loss, params, loss.option_names)
    checked = loss.check(y_true, y_pred, sample_weight=sample_weight,
                         n_threads=n_threads, **params)
    checked.run_deferred()
    return checked
