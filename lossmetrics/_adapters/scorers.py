"""Public scorer look-up; scikit-learn is imported only when a scorer is asked for."""
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._losses import LOSSES


def get_scorer_names():
    """Names of the scikit-learn scorers lossmetrics provides.

    Returns
    -------
    names : list of str
        Sorted names, greater-is-better (negated losses, and the scores R²,
        explained variance, D²), as in scikit-learn.

    Examples
    --------
    >>> import lossmetrics
    >>> "neg_log_loss" in lossmetrics.get_scorer_names()
    True
    """
    return sorted(spec.scorer for spec in LOSSES.values() if spec.scorer)


def get_scorer(name):
    """A scikit-learn scorer for a lossmetrics loss.

    Built with scikit-learn's scorer machinery (``make_scorer`` semantics,
    ``response_method`` from the loss declaration), greater-is-better: the
    score is the negated loss (a score such as R² as it is).  Classification
    scorers take the label set from ``estimator.classes_``, so a test fold
    lacking some classes scores correctly.  Scorers pickle (``n_jobs``), accept ``sample_weight`` through
    metadata routing (``set_score_request(sample_weight=True)``) and return
    Python floats.

    Parameters
    ----------
    name : str
        One of :func:`get_scorer_names`.

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y_true, sample_weight=None)``
        A fresh scorer object (its requests can be set without affecting others).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> import lossmetrics
    >>> X, y = load_iris(return_X_y=True)
    >>> scores = cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=3,
    ...                          scoring=lossmetrics.get_scorer("neg_log_loss"))
    >>> bool((scores < 0).all())
    True
    """
    from lossmetrics._adapters.sklearn_scorers import make_lossmetrics_scorer

    names = get_scorer_names()
    if not isinstance(name, str) or name not in names:
        raise InvalidParameterError(
            f"name must be one of {names}; got {name!r}. (Use "
            "lossmetrics.get_scorer_names() to list them.)"
        )
    return make_lossmetrics_scorer(name)
