"""The keyword options of the losses, and how the command line spells them.

A loss declares its options as :class:`Option` objects (plain names become
``Option(name)``: ``--name VALUE``, read as a Python literal).  An option
shared by several losses (``reduction``) is one object, declared here or in
the family module that owns it; the command line builds its flags from the
declarations alone.
"""
import ast
from dataclasses import dataclass
from typing import Callable, Optional

from lossmetrics._core.validation import check_reduction


def python_literal(text):
    """The Python literal ``text`` spells, or ``text`` itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


@dataclass(frozen=True)
class Option:
    """One keyword option of a loss.

    Attributes
    ----------
    name : str
        The keyword, as the public function spells it (``--name-with-dashes``
        on the command line).
    help : str
        One line for ``--help``.
    metavar, nargs, type, choices
        How the command line reads the value (as argparse does); ``nargs='+'``
        gives a list.
    switch : {None, 'on', 'on_off'}
        A flag without a value: ``'on'`` sets True; ``'on_off'`` has both
        ``--name`` and ``--no-name``.
    parse : callable or None
        Applied to the command line's value before the call (a ``ValueError``
        is a usage error); None: the value as read.
    check : callable or None
        ``check(value)`` -> the validated value, or the loss's error (an
        ``InvalidParameterError`` naming the option); the loss's ``check``
        calls it where its reference library validates the option.  None for
        an option validated against the data (``class_weight`` against the
        number of classes, ``labels`` against ``y_true``...), which the loss's
        ``check`` does itself.
    """

    name: str
    help: str = "a Python literal"
    metavar: Optional[str] = "VALUE"
    nargs: Optional[str] = None
    type: Optional[Callable] = None
    choices: Optional[tuple] = None
    switch: Optional[str] = None
    parse: Optional[Callable] = None
    check: Optional[Callable] = None


def plain(name):
    """An option without a declared spelling: ``--name VALUE``, a Python literal."""
    return Option(name, parse=python_literal)


# The command line offers mean and sum ('none', one loss per sample, is
# refused there with a message saying so).
REDUCTION = Option("reduction", "mean (default) or sum", metavar="{mean,sum}",
                   choices=("mean", "sum", "none"), check=check_reduction)
