"""Exception types, and the warnings helper."""
import os
import sys
import warnings


class InvalidParameterError(ValueError, TypeError):
    """An option has the wrong type or value.

    Subclasses both ValueError and TypeError, like scikit-learn's exception of
    the same name, so that ``except ValueError`` and ``except TypeError`` both
    catch it.

    Examples
    --------
    >>> import lossmetrics
    >>> try:
    ...     lossmetrics.cross_entropy([0], [[1.0, 0.0]], reduction="avg")
    ... except ValueError as exc:
    ...     print(type(exc).__name__, isinstance(exc, TypeError))
    InvalidParameterError True
    """


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the user's code: the first frame outside
    lossmetrics (as pandas' ``find_stack_level`` does), however deep the
    package's own call path is (a function, an Accumulator, a Dask task)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 2   # stacklevel 2: the caller of warn()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class UndefinedMetricWarning(UserWarning):
    """A score is not defined for these inputs (lossmetrics's own class, used
    where scikit-learn is not installed)."""


def undefined_metric_warning():
    """scikit-learn's ``UndefinedMetricWarning`` where scikit-learn is
    installed (so that code filtering it sees lossmetrics's warnings too),
    else lossmetrics's own class of the same name."""
    try:
        from sklearn.exceptions import UndefinedMetricWarning as category
    except ImportError:
        category = UndefinedMetricWarning
    return category
