"""Exception types."""


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
