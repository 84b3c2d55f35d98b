"""Exception types."""


class InvalidParameterError(ValueError, TypeError):
    """An option has the wrong type or value.

    Subclasses both ValueError and TypeError, like scikit-learn's exception of
    the same name, so that ``except ValueError`` and ``except TypeError`` both
    catch it.
    """
