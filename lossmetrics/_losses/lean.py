"""The lean path of small element-wise calls: a declaration's ``fast``.

A call of plain float64 vectors (1-D, contiguous, the same length, small
enough that the generic path would run serially), without weights or thread
count, skips the generic checks
and machinery, not the rules: its state is the kernel's, bit for bit
(``small_pair_state`` runs the same blocks, lanes and folds serially), and
any input it cannot vouch for goes to the generic path, which raises the
errors: a NaN or infinity gives a non-finite state, and every other input
(lists, float32, strides, weights, options it does not know) is left alone.
Only terms whose inputs need no check beyond finiteness take it (of two
vectors, or three: ``small_triple_state``, margin ranking and the Gaussian
NLL, whose variances it checks for a sign).
"""

import numpy as np

from lossmetrics._core.threads import SERIAL_BELOW
from lossmetrics._kernels import kernels

_F64 = np.dtype(np.float64)
# "No sample weights" (an empty array) for the kernels the fast paths call;
# read-only, shared by every call.
NO_WEIGHTS = np.empty(0)
NO_WEIGHTS.flags.writeable = False
# The lean path runs serially: it takes the calls that the generic path would
# run serially too, those whose work (values read, as the checks count it) is
# below the threads' threshold.  Above it, the generic path's threads win
# (measured: MSE, Poisson NLL, MSLE at 60,000 values; KL and the triplet loss
# at 4096 x 10).
LEAN_BELOW = SERIAL_BELOW


def plain_vectors(y_true, y_pred, dtype=_F64, work=2):
    """Whether the lean path takes ``y_true`` and ``y_pred``: arrays of
    ``dtype`` (float64, or int64 labels; a pair of dtypes: y_true's, then
    y_pred's), 1-D, contiguous, aligned, of one length, non-empty, where the
    generic path would run serially: ``work`` (its check's work per sample)
    times the length below LEAN_BELOW."""
    true_dtype, pred_dtype = dtype if isinstance(dtype, tuple) else (dtype, dtype)
    return (type(y_true) is np.ndarray and type(y_pred) is np.ndarray
            and y_true.dtype == true_dtype and y_pred.dtype == pred_dtype and y_true.ndim == 1
            and y_pred.ndim == 1 and 0 < y_true.shape[0] == y_pred.shape[0]
            and work * y_true.shape[0] < LEAN_BELOW
            and y_true.flags.c_contiguous and y_pred.flags.c_contiguous
            and y_true.flags.aligned and y_pred.flags.aligned)


_I64 = np.dtype(np.int64)
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def plain_rows(labels, scores):
    """Whether the lean path takes int64 ``labels`` (1-D) and ``scores`` (one
    row per label, float64 or float32): contiguous, aligned arrays of at
    least one row and one column, fewer than LEAN_BELOW scores (where the
    generic path, whose work is the scores, runs serially)."""
    return (type(labels) is np.ndarray and type(scores) is np.ndarray
            and labels.dtype == _I64 and scores.dtype in _FLOATS and labels.ndim == 1
            and scores.ndim == 2 and 0 < labels.shape[0] == scores.shape[0]
            and 0 < scores.size < LEAN_BELOW and labels.flags.c_contiguous
            and scores.flags.c_contiguous and labels.flags.aligned and scores.flags.aligned)


def plain_matrices(a, b, work):
    """Whether the lean path takes ``a`` and ``b``: float64 arrays of one 2-D
    shape, C-contiguous, aligned, non-empty, where the generic path would run
    serially: ``work`` (its check's work per value) times the size below
    LEAN_BELOW."""
    return (type(a) is np.ndarray and type(b) is np.ndarray
            and a.dtype == _F64 and b.dtype == _F64 and a.ndim == 2
            and a.shape == b.shape and 0 < a.size and work * a.size < LEAN_BELOW
            and a.flags.c_contiguous and b.flags.c_contiguous
            and a.flags.aligned and b.flags.aligned)


_KINDS = {}   # a term's name -> its kernel's Kind number (the same at every level)


def lean_state(term, y_true, y_pred, param=0.0, third=None):
    """The kernel's (2, 2) state of ``term`` on plain small vectors, or None.
    With ``third``, the state of a term of three operands (margin ranking's
    x2, the Gaussian NLL's variances, which must not be negative)."""
    if not plain_vectors(y_true, y_pred):
        return None
    if third is None:
        return pair_state(term, y_true, y_pred, param)
    k = kernels("_elementwise_kernels")
    kind = _kind(k, term)
    if not plain_vectors(y_pred, third):
        return None
    return k.small_triple_state(kind, y_true, y_pred, third, param)


def _kind(k, term):
    kind = _KINDS.get(term)
    if kind is None:
        kind = _KINDS[term] = int(getattr(k.Kind, term))
    return kind


def pair_state(term, y_true, y_pred, param=0.0):
    """lean_state of two vectors the caller has found plain (plain_vectors)."""
    k = kernels("_elementwise_kernels")
    return k.small_pair_state(_kind(k, term), y_true, y_pred, param)


def lean_param(options, option=None, fixed=0.0):
    """The term's parameter from a call's options: ``option`` is (name,
    check, default) of the one option the lean path takes, or None (the
    parameter is then ``fixed``).  None for any other option (the generic
    path validates it); an invalid value raises the error the generic path
    raises first."""
    if option is None:
        return fixed if not options else None
    name, check, default = option
    if len(options) > 1 or (options and name not in options):
        return None
    return check(options[name]) if options else default
