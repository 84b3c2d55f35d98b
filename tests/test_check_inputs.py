"""Bad inputs: every public loss and ``check_inputs`` raise a clear error.

The contract under test: every bad input to a public loss, or to
``lossmetrics.check_inputs(metric, y_true, y_pred, **options)``, becomes a
``ValueError`` or ``TypeError`` (``lossmetrics.InvalidParameterError``
subclasses both) whose message names the argument and shows the offending
value or index where there is one -- never a crash, a silent NaN or a process
abort.  ``check_inputs`` raises exactly what the loss raises.

The tables below are built per loss from one small valid call (``SPECS``),
changing one thing at a time.  A case records the argument the message must
name (a regex given to ``pytest.raises(match=...)``) and literal fragments
(the offending value, index or shape) the message must contain.

The last part compares ``log_loss``, ``brier_score_loss`` and the regression
losses with scikit-learn, called live: same exception family and scikit-learn's wording
kept at the start of ours.
"""
import inspect
import math
import os
import re
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics

import lossmetrics
from lossmetrics import CheckedInputs, InvalidParameterError

# log_loss warns when a row of y_proba does not sum to one (scikit-learn does
# too) and when labels= is not sorted; those warnings are not under test here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one:UserWarning"),
    pytest.mark.filterwarnings("ignore:Labels passed were:UserWarning"),
]

NAN, INF = np.nan, np.inf

# --------------------------------------------------------------------------
# One valid call per loss.
# --------------------------------------------------------------------------
# brier_score_loss with three classes (2-D y_proba, scikit-learn's multiclass path).
BRIER_Y3 = np.array([0, 2, 1, 0])


@dataclass(frozen=True)
class Spec:
    y_true: np.ndarray
    pred: np.ndarray
    pred_name: str      # the name of the prediction argument in messages
    # Further arguments of every call (cosine_embedding_loss's x2, which the
    # loss and check_inputs both take as the keyword x2=).
    extra: dict = field(default_factory=dict)
    true_name: str = "y_true"   # the first argument's name (triplet_margin_loss: anchor)

    @classmethod
    def of(cls, loss):
        """The declaration's small valid call (Loss.example), as arrays."""
        y, pred, *more = (np.asarray(eval(src, {"np": np})) for src in loss.example)
        true_name, pred_name = list(inspect.signature(loss.function).parameters)[:2]
        return cls(y, pred, pred_name, dict(zip(loss.batch_arrays, more)), true_name)


# Derived from the declarations: a new loss joins the tables of its kind.
SPECS = {name: Spec.of(loss) for name, loss in lossmetrics.LOSSES.items()}
METRICS = list(SPECS)
_KINDS = {name: (loss.reference.split(".")[0], loss.target)
          for name, loss in lossmetrics.LOSSES.items()}
# (The Tweedie deviances, of one output and a restricted domain, have their
# errors tested in test_sklearn_parity.py.)
SKLEARN_VALUES = [m for m, kind in _KINDS.items() if kind == ("sklearn", "values")]
REGRESSION = [m for m in SKLEARN_VALUES if "multioutput" in lossmetrics.LOSSES[m].option_names]
# The scores (greater is better) take multioutput='variance_weighted';
# r2_score also None (its uniform average), as in scikit-learn.
SCORES = [m for m in REGRESSION if "force_finite" in lossmetrics.LOSSES[m].option_names]
SCORES_TAKING_NONE = ["r2_score"]
# cross_entropy and nll_loss: class indices, ignore_index, spatial dimensions.
CLASS_SCORES = [m for m, (_, target) in _KINDS.items() if target == "class indices"
                and "ignore_index" in lossmetrics.LOSSES[m].option_names]
# PyTorch's element-wise losses of (y_true, y_pred) pairs of any shape.
ROBUST = [m for m, kind in _KINDS.items() if kind == ("torch", "values")]
TORCH_STYLE = [m for m, (library, _) in _KINDS.items() if library in ("torch", "torchvision")]
# PyTorch's losses that take 0-d inputs (one element): the element-wise ones and
# KL; not those of rows (class scores, embedding pairs, labels of a sample).
ACCEPTS_0D = [m for m, (_, target) in _KINDS.items()
              if (m in TORCH_STYLE or target == "distributions") and m not in CLASS_SCORES
              and m not in ("cosine_embedding_loss", "multilabel_soft_margin_loss",
                            "multi_margin_loss", "triplet_margin_loss")]
# Losses whose y_true holds real numbers (not class labels) of the prediction's shape.
FLOAT_TARGETS = [m for m, (_, target) in _KINDS.items()
                 if target in ("values", "probabilities", "distributions")]
# scikit-learn drop-ins validating labels against probabilities.
LABEL_PROBA = [m for m, (_, target) in _KINDS.items() if target == "class labels"]
# The small calls of single losses that the loss-specific cases below vary.
CLASS_IDX, LOG_PROBA = SPECS["nll_loss"].y_true, SPECS["nll_loss"].pred
P_TRUE, P_PRED = SPECS["kl_divergence"].y_true, SPECS["kl_divergence"].pred
SIGNS, X1 = SPECS["cosine_embedding_loss"].y_true, SPECS["cosine_embedding_loss"].pred
X2 = SPECS["cosine_embedding_loss"].extra["x2"]


def test_specs_are_valid():
    assert REGRESSION and CLASS_SCORES and ROBUST and LABEL_PROBA
    for metric, spec in SPECS.items():
        value = getattr(lossmetrics, metric)(spec.y_true, spec.pred, **spec.extra)
        assert np.isfinite(value), metric
        assert isinstance(lossmetrics.check_inputs(metric, spec.y_true, spec.pred,
                                                   **spec.extra), CheckedInputs)


# --------------------------------------------------------------------------
# Case tables.
# --------------------------------------------------------------------------
_KEEP = object()


@dataclass
class Case:
    metric: str
    y_true: object
    pred: object
    kwargs: dict
    arg: str                 # regex: the argument the message must name
    shows: tuple = ()        # literal fragments: offending value / index / shape
    exc: type = ValueError   # ValueError or TypeError (InvalidParameterError is both)

    def call(self):
        return getattr(lossmetrics, self.metric)(self.y_true, self.pred, **self.kwargs)

    def call_check_inputs(self):
        return lossmetrics.check_inputs(self.metric, self.y_true, self.pred, **self.kwargs)


def case(metric, label, *, y_true=_KEEP, pred=_KEEP, arg, shows=(), exc=ValueError,
         **kwargs):
    spec = SPECS[metric]
    c = Case(metric,
             spec.y_true if y_true is _KEEP else y_true,
             spec.pred if pred is _KEEP else pred,
             {**spec.extra, **kwargs}, arg, tuple(shows), exc)
    return pytest.param(c, id=f"{metric}-{label}")


def poke(arr, value, dtype=np.float64):
    """Copy of ``arr`` (as ``dtype``) with ``value`` at [2] (1-D) or [2, 1] (2-D+).

    Returns the copy and the index as the messages print it.
    """
    out = np.array(arr, dtype=dtype)
    where = (2,) if out.ndim == 1 else (2, 1) + (0,) * (out.ndim - 2)
    out[where] = value
    text = "index 2" if out.ndim == 1 else f"index {where}"
    return out, text


def _none_and_scalar_cases():
    for m in METRICS:
        spec = SPECS[m]
        yield case(m, f"{spec.true_name}-None", y_true=None, arg=spec.true_name,
                   shows=["None"])
        yield case(m, f"{spec.pred_name}-None", pred=None, arg=spec.pred_name,
                   shows=["None"])
        if m in ACCEPTS_0D:
            # A 0-d value is one element (PyTorch's 0-d tensors): next to a
            # batch, the shapes differ.
            shape = str(spec.pred.shape)
            yield case(m, f"{spec.pred_name}-scalar", pred=0.5, arg=spec.pred_name,
                       shows=["()", shape])
            yield case(m, "y_true-scalar", y_true=1.0, arg="y_true", shows=["()", shape])
            continue
        yield case(m, f"{spec.pred_name}-scalar", pred=0.5, arg=spec.pred_name,
                   shows=["0.5"])
        yield case(m, f"{spec.pred_name}-0d-array", pred=np.array(0.5),
                   arg=spec.pred_name)
        yield case(m, f"{spec.true_name}-scalar", y_true=1.0, arg=spec.true_name,
                   shows=["1.0"])
        yield case(m, f"{spec.pred_name}-ragged-list",
                   pred=[[0.5, 0.5], [0.5]] + [[0.5, 0.5]] * 2, arg=spec.pred_name)


def _empty_cases():
    # Every loss's small call cut to zero rows (cosine_embedding_loss's
    # empty pairs are cases of their own below).
    empties = {m: (spec.y_true[:0], spec.pred[:0]) for m, spec in SPECS.items()
               if not spec.extra}
    for m, (yt, yp) in empties.items():
        name = SPECS[m].pred_name
        yield case(m, "empty", y_true=yt, pred=yp, arg=rf"(y_true|{name}) is empty",
                   shows=["0 sample(s)"])
    # n_samples > 0 but no classes / no columns.
    yield case("log_loss", "y_proba-no-columns", pred=np.empty((4, 0)),
               arg="y_proba is empty")
    for m in CLASS_SCORES:
        yield case(m, "no-classes", pred=np.empty((4, 0)),
                   arg=f"{SPECS[m].pred_name} is empty")
    yield case("kl_divergence", "no-columns", y_true=np.empty((4, 0)),
               pred=np.empty((4, 0)), arg="y_pred is empty")
    for m in REGRESSION:
        yield case(m, "no-outputs", y_true=np.empty((4, 0)), pred=np.empty((4, 0)),
                   arg="y_true is empty")
    for m in ROBUST:
        yield case(m, "no-outputs", y_true=np.empty((4, 0)), pred=np.empty((4, 0)),
                   arg="y_pred is empty", shows=["(4, 0)"])
    yield case("cosine_embedding_loss", "empty", y_true=[], pred=np.empty((0, 3)),
               x2=np.empty((0, 3)), arg="x1 is empty", shows=["0 sample(s)"])
    yield case("cosine_embedding_loss", "no-features", pred=np.empty((4, 0)),
               x2=np.empty((4, 0)), arg="x1 is empty", shows=["(4, 0)"])
    yield case("brier_score_loss", "empty-2d", y_true=[], pred=np.empty((0, 3)),
               arg="y_proba is empty", shows=["0 sample(s)"])
    yield case("brier_score_loss", "y_proba-no-columns", pred=np.empty((4, 0)),
               arg="y_proba is empty")


def _length_and_shape_cases():
    short_true = {
        "log_loss": ["y_true: 3"],
        "cross_entropy": ["(4,)", "got shape (3,)"],
        "nll_loss": ["(4,)", "got shape (3,)"],
        "binary_cross_entropy": ["got (3,) and (4,)"],
        "binary_cross_entropy_with_logits": ["got (3,) and (4,)"],
        "kl_divergence": ["got (3, 3) and (4, 3)"],
        **{m: ["y_true: 3"] for m in REGRESSION},
        **{m: ["got (3,) and (4,)"] for m in ROBUST},
        "cosine_embedding_loss": ["(4,)", "got shape (3,)"],
        "brier_score_loss": ["y_true: 3"],
    }
    for m, shows in short_true.items():
        spec = SPECS[m]
        yield case(m, "y_true-shorter", y_true=spec.y_true[:3], arg="y_true", shows=shows)
    short_pred = {
        "log_loss": ["y_proba: 3"],
        "cross_entropy": ["logits", "(3,)", "got shape (4,)"],
        "nll_loss": ["log_proba", "(3,)", "got shape (4,)"],
        "binary_cross_entropy": ["got (4,) and (3,)"],
        "binary_cross_entropy_with_logits": ["got (4,) and (3,)"],
        "kl_divergence": ["got (4, 3) and (3, 3)"],
        **{m: ["y_pred: 3"] for m in REGRESSION},
        **{m: ["got (4,) and (3,)"] for m in ROBUST},
        "cosine_embedding_loss": ["x2", "got (3, 3) and (4, 3)"],
        "brier_score_loss": ["y_proba: 3"],
    }
    for m, shows in short_pred.items():
        spec = SPECS[m]
        yield case(m, f"{spec.pred_name}-shorter", pred=spec.pred[:3], arg=spec.pred_name,
                   shows=shows)

    # Wrong number of dimensions.
    yield case("log_loss", "y_proba-3d", pred=np.full((4, 2, 1), 0.5), arg="y_proba",
               shows=["dim 3", "(4, 2, 1)"])
    yield case("log_loss", "y_true-3d", y_true=np.zeros((4, 1, 1), dtype=int),
               arg="y_true", shows=["(4, 1, 1)"])
    for m in REGRESSION:
        spec = SPECS[m]
        yield case(m, "y_pred-3d", pred=spec.pred.reshape(4, 1, 1), arg="y_pred",
                   shows=["dim 3", "(4, 1, 1)"])
        yield case(m, "y_true-3d", y_true=spec.y_true.reshape(4, 1, 1),
                   pred=spec.pred.reshape(4, 1, 1), arg="y_true",
                   shows=["dim 3", "(4, 1, 1)"])
    for m in CLASS_SCORES:
        name = SPECS[m].pred_name
        yield case(m, f"{name}-1d", pred=SPECS[m].pred[:, 0], arg=name, shows=["(4,)"])
        yield case(m, "y_true-2d-wrong-shape", y_true=np.zeros((4, 2), dtype=int),
                   arg="y_true", shows=["(4, 2)"])
        yield case(m, "y_true-spatial-mismatch", y_true=np.zeros((4, 5), dtype=int),
                   pred=np.zeros((4, 3, 6)), arg="y_true", shows=["(4, 6)", "(4, 5)"])
    yield case("kl_divergence", "shape-mismatch", pred=P_PRED[:, :2], arg="y_pred",
               shows=["(4, 3) and (4, 2)"])
    for m in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
        name = SPECS[m].pred_name
        yield case(m, "shape-mismatch", pred=SPECS[m].pred[:, None], arg=name,
                   shows=["(4,) and (4, 1)"])
    for m in REGRESSION:
        yield case(m, "different-number-of-outputs", y_true=np.ones((4, 2)),
                   pred=np.ones((4, 3)), arg="y_true", shows=["2!=3"])
    # A 2-D label-indicator y_true must match y_proba's columns and hold 0/1.
    yield case("log_loss", "y_true-indicator-3-columns",
               y_true=np.eye(3, dtype=int)[[0, 1, 1, 0]], arg="y_true", shows=["3 vs 2"])
    yield case("log_loss", "y_true-indicator-not-0-1", y_true=np.full((4, 2), 0.5),
               arg="y_true")
    # Robust regression losses: element-wise, so the shapes must be equal.
    for m in ROBUST:
        spec = SPECS[m]
        yield case(m, "shape-mismatch", pred=spec.pred[:, None], arg="y_pred",
                   shows=["(4,) and (4, 1)"])
        yield case(m, "shape-mismatch-3d", y_true=np.ones((4, 2, 3)),
                   pred=np.ones((4, 3, 2)), arg="y_pred", shows=["(4, 2, 3) and (4, 3, 2)"])
    # cosine_embedding_loss: x1 and x2 of one shape (N, D), y_true of shape (N,).
    cel = "cosine_embedding_loss"
    yield case(cel, "x2-shorter", x2=X2[:3], arg="x2", shows=["got (4, 3) and (3, 3)"])
    yield case(cel, "x2-fewer-features", x2=X2[:, :2], arg="x2",
               shows=["got (4, 3) and (4, 2)"])
    yield case(cel, "x2-1d", x2=X2[:, 0], arg="x2", shows=["(4, 3) and (4,)"])
    yield case(cel, "x1-and-x2-1d", pred=X1[:, 0], x2=X2[:, 0], arg="y_true",
               shows=["(N, D)", "(4,)", "no batch axis"])
    yield case(cel, "x1-and-x2-3d", pred=X1[:, :, None], x2=X2[:, :, None], arg="x1",
               shows=["(N, D)", "(4, 3, 1)"])
    yield case(cel, "y_true-2d", y_true=SIGNS[:, None], arg="y_true",
               shows=["(4,)", "got shape (4, 1)"])
    yield case(cel, "y_true-longer", y_true=np.array([1, -1, 1, -1, 1]), arg="y_true",
               shows=["(4,)", "got shape (5,)"])
    yield case(cel, "x2-None", x2=None, arg="x2", shows=["None"])
    yield case(cel, "x2-scalar", x2=0.5, arg="x2", shows=["0.5"])
    yield case(cel, "x2-ragged-list", x2=[[0.5, 0.5, 0.5], [0.5]] + [[0.5, 0.5, 0.5]] * 2,
               arg="x2")
    # brier_score_loss: a 1-D y_proba is a binary problem with a 1-D y_true.
    bsl = "brier_score_loss"
    yield case(bsl, "y_proba-3d", pred=np.full((4, 2, 1), 0.5), arg="y_proba",
               shows=["dim 3", "(4, 2, 1)"])
    yield case(bsl, "y_true-2d-with-1d-y_proba", y_true=np.zeros((4, 2), dtype=int),
               arg="y_true", shows=["(4, 2)"])
    yield case(bsl, "y_true-indicator-3-columns", y_true=np.eye(3, dtype=int)[[0, 1, 1, 0]],
               pred=np.full((4, 2), 0.5), arg="y_true", shows=["3 vs 2"])
    yield case(bsl, "y_true-indicator-not-0-1", y_true=np.full((4, 3), 0.5),
               pred=np.full((4, 3), 1 / 3), arg="y_true")


def _non_finite_cases():
    for m in METRICS:
        spec = SPECS[m]
        name = spec.pred_name
        for label, value, allowed in (("NaN", NAN, False), ("+inf", INF, False),
                                      ("-inf", -INF, m == "nll_loss")):
            if allowed:   # nll_loss takes -inf log-probabilities: see test_neg_inf_*
                continue
            bad, where = poke(spec.pred, value)
            text = "NaN" if label == "NaN" else str(value)
            yield case(m, f"{name}-{label}", pred=bad, arg=name, shows=[text, where])
    # Targets.
    for label, value in (("NaN", NAN), ("+inf", INF), ("-inf", -INF)):
        text = "NaN" if label == "NaN" else str(value)
        for m in FLOAT_TARGETS:
            bad, where = poke(SPECS[m].y_true, value)
            yield case(m, f"y_true-{label}", y_true=bad, arg="y_true", shows=[text, where])
        for m in CLASS_SCORES:
            bad, where = poke(CLASS_IDX, value)
            yield case(m, f"y_true-labels-{label}", y_true=bad, arg="y_true",
                       shows=[text, where])
        bad, where = poke(P_TRUE, value)
        yield case("cross_entropy", f"y_true-probabilities-{label}", y_true=bad,
                   arg="y_true", shows=[text, where])
        for m in LABEL_PROBA:
            bad, where = poke(SPECS[m].y_true, value)
            yield case(m, f"y_true-{label}", y_true=bad, arg="y_true",
                       shows=[text, where])
        bad, where = poke(BRIER_Y3, value)
        yield case("brier_score_loss", f"y_true-multiclass-{label}", y_true=bad,
                   pred=P_PRED, arg="y_true", shows=[text, where])
        bad, where = poke(X2, value)
        yield case("cosine_embedding_loss", f"x2-{label}", x2=bad, arg="x2",
                   shows=[text, where])
        # A non-finite target is not 1 or -1.
        bad, where = poke(SIGNS, value)
        yield case("cosine_embedding_loss", f"y_true-{label}", y_true=bad, arg="y_true",
                   shows=[str(value), where])
    for label, value in (("NaN", NAN), ("+inf", INF), ("-inf", -INF)):
        bad, where = poke(P_PRED, value)
        text = "NaN" if label == "NaN" else str(value)
        yield case("brier_score_loss", f"y_proba-multiclass-{label}", y_true=BRIER_Y3,
                   pred=bad, arg="y_proba", shows=[text, where])
    # An infinite label is not a class, even when y_proba has a column to spare.
    bad, _ = poke(SPECS["log_loss"].y_true, INF)
    yield case("log_loss", "y_true-+inf-as-third-class", y_true=bad,
               pred=np.full((4, 3), 1 / 3), arg="y_true", shows=["inf", "index 2"])


def _dtype_cases():
    for m in METRICS:
        spec = SPECS[m]
        name = spec.pred_name
        yield case(m, f"{name}-complex", pred=spec.pred + 0j, arg=name,
                   shows=["complex128"])
        strings = np.full(spec.pred.shape, "a")
        yield case(m, f"{name}-strings", pred=strings, arg=name, shows=["'a'"])
        yield case(m, f"{name}-object-strings", pred=strings.astype(object), arg=name,
                   shows=["'a'"])
        yield case(m, f"{name}-datetime", pred=np.zeros(spec.pred.shape, "datetime64[D]"),
                   arg=name, exc=TypeError, shows=["datetime64"])
    for m in FLOAT_TARGETS:
        spec = SPECS[m]
        yield case(m, "y_true-complex", y_true=spec.y_true + 0j, arg="y_true",
                   shows=["complex128"])
        yield case(m, "y_true-strings", y_true=np.full(spec.y_true.shape, "a"),
                   arg="y_true", shows=["'a'"])
    for m in LABEL_PROBA:
        yield case(m, "y_true-complex", y_true=SPECS[m].y_true + 0j,
                   arg="y_true", shows=["complex"])
    cel = "cosine_embedding_loss"
    yield case(cel, "x2-complex", x2=X2 + 0j, arg="x2", shows=["complex128"])
    yield case(cel, "x2-strings", x2=np.full(X2.shape, "a"), arg="x2", shows=["'a'"])
    yield case(cel, "x2-datetime", x2=np.zeros(X2.shape, "datetime64[D]"), arg="x2",
               exc=TypeError, shows=["datetime64"])
    yield case(cel, "y_true-complex", y_true=SIGNS + 0j, arg="y_true", exc=TypeError,
               shows=["complex128"])
    yield case(cel, "y_true-strings", y_true=np.array(["1", "-1", "1", "-1"]),
               arg="y_true", exc=TypeError, shows=["<U2"])
    yield case(cel, "y_true-bool", y_true=SIGNS > 0, arg="y_true", exc=TypeError,
               shows=["bool"])
    for m in CLASS_SCORES:
        yield case(m, "y_true-complex-labels", y_true=CLASS_IDX + 0j, arg="y_true",
                   exc=TypeError, shows=["complex128"])
        yield case(m, "y_true-string-labels", y_true=np.array(["a", "c", "b", "a"]),
                   arg="y_true", exc=TypeError, shows=["<U1"])
    yield case("cross_entropy", "y_true-complex-probabilities", y_true=P_TRUE + 0j,
               arg="y_true", shows=["complex128"])
    yield case("cross_entropy", "y_true-int-one-hot", y_true=np.eye(3, dtype=int)[CLASS_IDX],
               arg="y_true", shows=["int64"])
    # nll_loss takes class indices only: a one-hot float y_true must be told so.
    yield case("nll_loss", "y_true-one-hot-float", y_true=np.eye(3)[CLASS_IDX],
               arg="y_true", shows=["class indices"])


def _sample_weight_cases():
    for m in METRICS:
        n_short = ("sample_weight: 3" if m in SKLEARN_VALUES + LABEL_PROBA
                   else "got length 3")
        yield case(m, "sample_weight-negative", sample_weight=[1.0, 1.0, -0.5, 1.0],
                   arg="sample_weight", shows=["-0.5", "index 2"])
        yield case(m, "sample_weight-negative-scalar", sample_weight=-2.0,
                   arg="sample_weight", shows=["-2.0"])
        yield case(m, "sample_weight-NaN", sample_weight=[1.0, 1.0, NAN, 1.0],
                   arg="sample_weight", shows=["NaN", "index 2"])
        yield case(m, "sample_weight-+inf", sample_weight=[1.0, 1.0, INF, 1.0],
                   arg="sample_weight", shows=["inf", "index 2"])
        yield case(m, "sample_weight--inf", sample_weight=[1.0, 1.0, -INF, 1.0],
                   arg="sample_weight", shows=["-inf", "index 2"])
        yield case(m, "sample_weight-too-short", sample_weight=[1.0, 1.0, 1.0],
                   arg="sample_weight", shows=[n_short])
        yield case(m, "sample_weight-2d", sample_weight=np.ones((4, 1)),
                   arg="sample_weight", shows=["(4, 1)"])
        yield case(m, "sample_weight-all-zero", sample_weight=np.zeros(4),
                   arg="sample_weight", shows=["all zeros"])
        yield case(m, "sample_weight-complex", sample_weight=np.ones(4) + 0j,
                   arg="sample_weight", shows=["complex128"])
        yield case(m, "sample_weight-string", sample_weight="abcd", arg="sample_weight",
                   shows=["'abcd'"])
        yield case(m, "sample_weight-bool-scalar", sample_weight=True,
                   arg="sample_weight", shows=["True"])


def _label_cases():
    for m in CLASS_SCORES:
        yield case(m, "label-equal-to-C", y_true=np.array([0, 3, 1, 0]), arg="y_true",
                   shows=["[0, 3)", "got 3 at index 1"])
        yield case(m, "label-huge", y_true=np.array([0, 2**40, 1, 0]), arg="y_true",
                   shows=[f"got {2**40} at index 1"])
        yield case(m, "label-negative", y_true=np.array([0, -1, 1, 0]), arg="y_true",
                   shows=["got -1 at index 1"])
        yield case(m, "label-negative-not-ignore_index", y_true=np.array([0, -1, 1, 0]),
                   ignore_index=-100, arg="y_true",
                   shows=["ignore_index=-100", "got -1 at index 1"])
        yield case(m, "label-non-integer-float", y_true=np.array([0.0, 1.5, 1.0, 0.0]),
                   arg="y_true", shows=["1.5", "index 1"])
        yield case(m, "label-uint64-beyond-int64",
                   y_true=np.array([0, 2**63, 1, 0], dtype=np.uint64), arg="y_true",
                   shows=[f"got {2**63} at index 1"])
        # A float label too large for int64 must be shown as it was given.
        yield case(m, "label-float-beyond-int64", y_true=np.array([0.0, 1e20, 1.0, 0.0]),
                   arg="y_true", shows=["1e+20", "index 1"])
        spatial = np.zeros((4, 5), dtype=int)
        spatial[1, 2] = 3
        yield case(m, "label-spatial-equal-to-C", y_true=spatial,
                   pred=np.zeros((4, 3, 5)), arg="y_true", shows=["got 3 at index (1, 2)"])
    yield case("log_loss", "label-not-in-labels", y_true=np.array([0, 1, 3, 0]),
               labels=[0, 1], arg="y_true", shows=["{3}", "index 2"])
    yield case("log_loss", "string-label-not-in-labels",
               y_true=np.array(["a", "b", "z", "a"]), labels=["a", "b"], arg="y_true",
               shows=["{'z'}", "index 2"])
    yield case("log_loss", "label-non-integer-float", y_true=np.array([0.0, 1.0, 0.5, 0.0]),
               arg="y_true", shows=["0.5"])
    yield case("log_loss", "one-class", y_true=np.ones(4, dtype=int), arg="y_true",
               shows=["(1)"])
    yield case("log_loss", "one-class-with-labels", y_true=np.ones(4, dtype=int),
               labels=[1], arg="labels", shows=["[1]"])
    yield case("log_loss", "class-count-mismatch", y_true=np.array([0, 1, 2, 0]),
               arg="y_true", shows=["3 vs 2"])
    yield case("log_loss", "class-count-mismatch-with-labels", labels=[0, 1, 2],
               arg="labels", shows=["[0 1 2]"])
    yield case("log_loss", "labels-None-element", labels=None, y_true=[0, 1, None, 0],
               arg="y_true")
    # brier_score_loss, multiclass path (2-D y_proba): log_loss's label checks.
    bsl = "brier_score_loss"
    yield case(bsl, "label-not-in-labels", y_true=np.array([0, 1, 3, 0]), pred=P_PRED,
               labels=[0, 1, 2], arg="y_true", shows=["{3}", "index 2"])
    yield case(bsl, "string-label-not-in-labels", y_true=np.array(["a", "b", "z", "a"]),
               pred=P_PRED, labels=["a", "b", "c"], arg="y_true", shows=["{'z'}", "index 2"])
    yield case(bsl, "label-non-integer-float-multiclass",
               y_true=np.array([0.0, 1.0, 0.5, 2.0]), pred=P_PRED, arg="y_true",
               shows=["0.5"])
    yield case(bsl, "one-class", y_true=np.ones(4, dtype=int), pred=P_PRED[:, :2],
               arg="y_true", shows=["(1)"])
    yield case(bsl, "one-class-with-labels", y_true=np.ones(4, dtype=int),
               pred=P_PRED[:, :2], labels=[1], arg="labels", shows=["[1]"])
    yield case(bsl, "class-count-mismatch", y_true=BRIER_Y3, pred=P_PRED[:, :2],
               arg="y_true", shows=["3 vs 2"])
    yield case(bsl, "class-count-mismatch-with-labels", y_true=BRIER_Y3, pred=P_PRED,
               labels=[0, 1, 2, 3], arg="labels", shows=["[0 1 2 3]"])
    yield case(bsl, "labels-None-element", y_true=[0, 1, None, 0], pred=P_PRED,
               arg="y_true")
    # brier_score_loss, binary path (1-D y_proba): y_true must be binary.
    yield case(bsl, "y_true-multiclass-with-1d-y_proba", y_true=BRIER_Y3,
               arg="y_true", shows=["multiclass", "binary"])
    yield case(bsl, "y_true-continuous-with-1d-y_proba",
               y_true=np.array([0.0, 1.0, 0.5, 0.0]), arg="y_true",
               shows=["continuous", "binary"])
    yield case(bsl, "y_true-multiclass-with-one-column", y_true=BRIER_Y3,
               pred=SPECS[bsl].pred[:, None], arg="y_true", shows=["multiclass"])
    # cosine_embedding_loss: targets are 1 or -1.
    cel = "cosine_embedding_loss"
    for label, y, shows in (("zero", [1, 0, 1, -1], ["got 0 at index 1"]),
                            ("two", [1, -1, 2, -1], ["got 2 at index 2"]),
                            ("minus-two", [1, -1, 1, -2], ["got -2 at index 3"]),
                            ("half", [1.0, -1.0, 0.5, -1.0], ["0.5", "index 2"]),
                            ("zeros-and-ones", [1, 0, 1, 0], ["got 0 at index 1"])):
        yield case(cel, f"y_true-{label}", y_true=np.array(y), arg="y_true",
                   shows=["1 or -1", *shows])
    yield case(cel, "y_true-uint8-255", y_true=np.array([1, 255, 1, 1], dtype=np.uint8),
               arg="y_true", shows=["got 255 at index 1"])


def _probability_range_cases():
    for label, value in (("above-1", 1.5), ("below-0", -0.5)):
        bad, where = poke(SPECS["log_loss"].pred, value)
        yield case("log_loss", f"y_proba-{label}", pred=bad, arg="y_proba",
                   shows=[str(value), where])
        for arg in ("y_true", "y_proba"):
            spec = SPECS["binary_cross_entropy"]
            bad, where = poke(getattr(spec, "pred" if arg == "y_proba" else "y_true"),
                              value)
            kw = {"pred": bad} if arg == "y_proba" else {"y_true": bad}
            yield case("binary_cross_entropy", f"{arg}-{label}", arg=arg,
                       shows=[str(value), where], **kw)
        bad, where = poke(SPECS["binary_cross_entropy_with_logits"].y_true, value)
        yield case("binary_cross_entropy_with_logits", f"y_true-{label}", y_true=bad,
                   arg="y_true", shows=[str(value), where])
        for arg in ("y_true", "y_pred"):
            bad, where = poke(P_TRUE if arg == "y_true" else P_PRED, value)
            kw = {"pred": bad} if arg == "y_pred" else {"y_true": bad}
            yield case("kl_divergence", f"{arg}-{label}", arg=arg,
                       shows=[str(value), where], **kw)
        bad, where = poke(P_TRUE, value)
        yield case("cross_entropy", f"y_true-probabilities-{label}", y_true=bad,
                   arg="y_true", shows=[str(value), where])
        # scikit-learn's words: "less than 0" in its binary path, "lower than 0"
        # in its multiclass one.
        word = "greater than 1" if value > 1 else "less than 0"
        bad, where = poke(SPECS["brier_score_loss"].pred, value)
        yield case("brier_score_loss", f"y_proba-{label}", pred=bad, arg="y_proba",
                   shows=[word, str(value), where])
        yield case("brier_score_loss", f"y_proba-one-column-{label}", pred=bad[:, None],
                   arg="y_proba", shows=[word, str(value), "index (2, 0)"])
        word = "greater than 1" if value > 1 else "lower than 0"
        bad, where = poke(P_PRED, value)
        yield case("brier_score_loss", f"y_proba-multiclass-{label}", y_true=BRIER_Y3,
                   pred=bad, arg="y_proba", shows=[word, str(value), where])
        bad, where = poke(P_PRED[:, :2], value)
        yield case("brier_score_loss", f"y_proba-two-columns-{label}",
                   pred=bad, arg="y_proba", shows=[word, str(value), where])
    # Log-probabilities must be <= 0.
    bad, where = poke(np.log(P_TRUE), 0.5)
    yield case("kl_divergence", "log_true-positive", y_true=bad, log_true=True,
               arg="y_true", shows=["0.5", where])
    bad, where = poke(np.log(P_PRED), 0.5)
    yield case("kl_divergence", "log_pred-positive", pred=bad, log_pred=True,
               arg="y_pred", shows=["0.5", where])
    bad, where = poke(np.log(P_PRED), INF)
    yield case("kl_divergence", "log_pred-+inf", pred=bad, log_pred=True,
               arg="y_pred", shows=["inf", where])
    bad, where = poke(np.log(P_TRUE), NAN)
    yield case("kl_divergence", "log_true-NaN", y_true=bad, log_true=True,
               arg="y_true", shows=["NaN", where])


def _option_cases():
    for m in CLASS_SCORES:
        yield case(m, "class_weight-too-short", class_weight=[1.0, 1.0],
                   arg="class_weight", shows=["(3,)", "(2,)"])
        yield case(m, "class_weight-too-long", class_weight=[1.0, 1.0, 1.0, 1.0],
                   arg="class_weight", shows=["(4,)"])
        yield case(m, "class_weight-2d", class_weight=[[1.0, 1.0, 1.0]],
                   arg="class_weight", shows=["(1, 3)"])
        yield case(m, "class_weight-negative", class_weight=[1.0, -2.0, 1.0],
                   arg="class_weight", shows=["-2.0", "index 1"])
        yield case(m, "class_weight-NaN", class_weight=[1.0, NAN, 1.0],
                   arg="class_weight", shows=["NaN", "index 1"])
        yield case(m, "class_weight-inf", class_weight=[1.0, INF, 1.0],
                   arg="class_weight", shows=["inf", "index 1"])
        yield case(m, "class_weight-string", class_weight="abc", arg="class_weight",
                   shows=["'abc'"])
        yield case(m, "ignore_index-float", ignore_index=-100.0, arg="ignore_index",
                   shows=["-100.0"])
        yield case(m, "ignore_index-bool", ignore_index=True, arg="ignore_index",
                   shows=["True"])
        yield case(m, "ignore_index-string", ignore_index="-100", arg="ignore_index",
                   shows=["'-100'"])
    for value in (-0.1, 1.5, "0.1", NAN, True):
        yield case("cross_entropy", f"label_smoothing-{value!r}", label_smoothing=value,
                   arg="label_smoothing", shows=[repr(value)])
    two_d = dict(y_true=np.array([[1.0, 0.0]] * 4), pred=np.array([[0.5, -1.0]] * 4))
    bcel = "binary_cross_entropy_with_logits"
    yield case(bcel, "pos_weight-too-long", pos_weight=[1.0, 2.0, 3.0], arg="pos_weight",
               shows=["(2,)", "(3,)"], **two_d)
    yield case(bcel, "pos_weight-too-long-1d", pos_weight=[1.0, 2.0], arg="pos_weight",
               shows=["(2,)"])
    yield case(bcel, "pos_weight-2d", pos_weight=[[1.0, 2.0]], arg="pos_weight",
               shows=["(1, 2)"], **two_d)
    yield case(bcel, "pos_weight-negative", pos_weight=[1.0, -2.0], arg="pos_weight",
               shows=["-2.0", "index 1"], **two_d)
    yield case(bcel, "pos_weight-negative-scalar", pos_weight=-1.0, arg="pos_weight",
               shows=["-1.0"])
    yield case(bcel, "pos_weight-NaN", pos_weight=[1.0, NAN], arg="pos_weight",
               shows=["NaN", "index 1"], **two_d)
    yield case(bcel, "pos_weight-string", pos_weight="2", arg="pos_weight", shows=["'2'"])
    for m in TORCH_STYLE:
        for value in ("avg", None, "batchmean", "MEAN"):
            if (m, value) == ("kl_divergence", "batchmean"):
                continue   # PyTorch's spelling of kl_divergence's 'mean' (tested below)
            yield case(m, f"reduction-{value!r}", reduction=value, arg="reduction",
                       shows=[repr(value)])
    for m in REGRESSION:
        two_out = dict(y_true=np.ones((4, 2)), pred=np.zeros((4, 2)))
        if m not in SCORES:
            yield case(m, "multioutput-variance_weighted", multioutput="variance_weighted",
                       arg="multioutput", shows=["'variance_weighted'"])
        if m not in SCORES_TAKING_NONE:
            yield case(m, "multioutput-None", multioutput=None, arg="multioutput",
                       shows=["None"])
        yield case(m, "multioutput-'variance'", multioutput="variance", arg="multioutput",
                   shows=["'variance'"])
        yield case(m, "multioutput-wrong-length", multioutput=[0.2, 0.3, 0.5],
                   arg="multioutput", shows=["(3)", "(2)"], **two_out)
        yield case(m, "multioutput-weights-single-output", multioutput=[0.5, 0.5],
                   arg="multioutput")
        yield case(m, "multioutput-NaN", multioutput=[0.5, NAN], arg="multioutput",
                   shows=["NaN", "index 1"], **two_out)
    for m in METRICS:
        for value in (0, 1.5, "2", True, np.float64(2.0)):
            yield case(m, f"n_threads-{value!r}", n_threads=value, arg="n_threads",
                       shows=[repr(value)])
    for value in (1, 0, "yes", None, np.int64(1)):
        yield case("log_loss", f"normalize-{value!r}", normalize=value, arg="normalize",
                   shows=[repr(value)])
    # Robust losses: delta > 0, beta >= 0, finite real numbers.
    for value in (0, 0.0, -1.0, NAN, INF, True, False, np.bool_(True), "1.0", None,
                  [1.0], 1 + 0j):
        yield case("huber_loss", f"delta-{value!r}", delta=value, arg="delta",
                   shows=[repr(value)])
    for value in (-0.5, -1, NAN, INF, -INF, True, "1", None, [0.5], 1j):
        yield case("smooth_l1_loss", f"beta-{value!r}", beta=value, arg="beta",
                   shows=[repr(value)])
    # cosine_embedding_loss: margin is any finite real number.
    for value in (NAN, INF, -INF, "0.1", True, None, [0.1], 0.5j):
        yield case("cosine_embedding_loss", f"margin-{value!r}", margin=value,
                   arg="margin", shows=[repr(value)])
    # brier_score_loss: scale_by_half, pos_label and labels.
    bsl = "brier_score_loss"
    for value in ("yes", "AUTO", 1, 0, 0.5, None, np.int64(1), ["auto"]):
        yield case(bsl, f"scale_by_half-{value!r}", scale_by_half=value,
                   arg="scale_by_half", shows=[repr(value)])
    # scikit-learn accepts a real number, a string, a bool or None.
    for value in ([1], [0, 1], (1,), np.array([1]), {"a": 1}, 1j):
        yield case(bsl, f"pos_label-{value!r}", pos_label=value, arg="pos_label",
                   shows=[repr(value)])
    yield case(bsl, "pos_label-needed-for-strings",
               y_true=np.array(["spam", "ham", "ham", "spam"]), arg="pos_label",
               shows=["{'ham', 'spam'}"])
    yield case(bsl, "pos_label-needed-for-object-strings",
               y_true=np.array(["spam", "ham", "ham", "spam"], dtype=object),
               arg="pos_label", shows=["{'ham', 'spam'}"])
    yield case(bsl, "labels-scalar", y_true=BRIER_Y3, pred=P_PRED, labels=2,
               arg="labels", shows=["2"])
    yield case(bsl, "labels-None-only-one-class-in-y_true", y_true=np.zeros(4, dtype=int),
               pred=P_PRED, arg="labels", shows=["(0)"])
    for opt in ("log_true", "log_pred"):
        for value in ("yes", 1, None):
            yield case("kl_divergence", f"{opt}-{value!r}", arg=opt, shows=[repr(value)],
                       **{opt: value})


def _zero_denominator_cases():
    # 'mean' divides by the summed sample_weight * class_weight[target] of the
    # targets that are not ignored; when that is zero the mean is undefined.
    for m in CLASS_SCORES:
        yield case(m, "mean-all-targets-ignored", y_true=np.full(4, -100),
                   ignore_index=-100, arg="ignore_index", shows=["reduction='mean'"])
        yield case(m, "mean-zero-class-weight-for-present-targets",
                   y_true=np.array([0, 0, 2, 2]), class_weight=[0.0, 1.0, 0.0],
                   arg="class_weight", shows=["reduction='mean'"])
        yield case(m, "mean-zero-sample-weight-for-kept-targets",
                   y_true=np.array([0, 2, -1, -1]), ignore_index=-1,
                   sample_weight=[0.0, 0.0, 1.0, 1.0], arg="sample_weight",
                   shows=["reduction='mean'"])


ERROR_CASES = [
    *_none_and_scalar_cases(), *_empty_cases(), *_length_and_shape_cases(),
    *_non_finite_cases(), *_dtype_cases(), *_sample_weight_cases(), *_label_cases(),
    *_probability_range_cases(), *_option_cases(), *_zero_denominator_cases(),
]


def _outcome(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the test inspects whatever was raised
        return exc


def _assert_expected_error(exc_info_value, case_):
    msg = str(exc_info_value)
    assert isinstance(exc_info_value, case_.exc), (type(exc_info_value), msg)
    for fragment in case_.shows:
        assert fragment in msg, f"{fragment!r} not in message {msg!r}"


def test_error_table_ids_are_unique():
    ids = [p.id for p in ERROR_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case_", ERROR_CASES)
def test_loss_rejects_bad_input(case_):
    with pytest.raises((ValueError, TypeError), match=case_.arg) as info:
        case_.call()
    _assert_expected_error(info.value, case_)


# A zero denominator of reduction='mean' is not a property of any one input:
# it is found by the kernel's pass (the summed sample_weight * class_weight of
# the kept targets), so the loss raises it and check_inputs accepts the inputs.
ZERO_DENOMINATOR_CASES = list(_zero_denominator_cases())
INPUT_ERROR_CASES = [c for c in ERROR_CASES
                     if c.id not in {z.id for z in ZERO_DENOMINATOR_CASES}]


@pytest.mark.parametrize("case_", ZERO_DENOMINATOR_CASES)
def test_check_inputs_accepts_inputs_whose_mean_is_undefined(case_):
    checked = case_.call_check_inputs()
    assert checked.params["reduction"] == "mean"
    with pytest.raises(ValueError, match="denominator"):
        case_.call()


@pytest.mark.parametrize("case_", INPUT_ERROR_CASES)
def test_check_inputs_raises_what_the_loss_raises(case_):
    with pytest.raises((ValueError, TypeError), match=case_.arg) as info:
        case_.call_check_inputs()
    _assert_expected_error(info.value, case_)
    from_loss = _outcome(case_.call)
    if isinstance(from_loss, Exception):
        assert type(info.value) is type(from_loss)
        assert str(info.value) == str(from_loss)


# --------------------------------------------------------------------------
# check_inputs itself.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["mse", "LogLoss", "", None, ["log_loss"], 3],
                         ids=repr)
def test_check_inputs_unknown_metric(metric):
    with pytest.raises(ValueError, match="metric") as info:
        lossmetrics.check_inputs(metric, [0, 1], [[0.5, 0.5], [0.5, 0.5]])
    assert isinstance(info.value, InvalidParameterError)
    assert repr(metric) in str(info.value)
    assert "log_loss" in str(info.value)   # lists the valid names


@pytest.mark.parametrize("metric", METRICS)
def test_check_inputs_rejects_options_of_other_losses(metric):
    option = "label_smoothing" if metric != "cross_entropy" else "multioutput"
    spec = SPECS[metric]
    with pytest.raises(TypeError, match=option):
        lossmetrics.check_inputs(metric, spec.y_true, spec.pred, **spec.extra,
                                 **{option: 0.1})


# --------------------------------------------------------------------------
# Valid inputs that look suspicious: no error, and the value math gives.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("n_threads", [-1, -2, 1, 3, np.int64(2)], ids=repr)
def test_valid_n_threads(metric, n_threads):
    spec = SPECS[metric]
    func = getattr(lossmetrics, metric)
    expected = func(spec.y_true, spec.pred, **spec.extra)
    assert func(spec.y_true, spec.pred, n_threads=n_threads, **spec.extra) == expected
    checked = lossmetrics.check_inputs(metric, spec.y_true, spec.pred, n_threads=n_threads,
                                       **spec.extra)
    assert isinstance(checked.n_threads, int) and checked.n_threads >= 1


def _nll_expected(log_proba, y, weights=None):
    picked = -log_proba[np.arange(len(y)), y]
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    return picked, float(np.sum(w * picked) / np.sum(w))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_neg_inf_log_proba_off_target_is_finite(dtype):
    lp = LOG_PROBA.astype(dtype)
    lp[0, 1] = -np.inf          # target of row 0 is class 0
    _, expected = _nll_expected(lp.astype(np.float64), CLASS_IDX)
    got = lossmetrics.nll_loss(CLASS_IDX, lp)
    assert np.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-12)
    assert isinstance(lossmetrics.check_inputs("nll_loss", CLASS_IDX, lp), CheckedInputs)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_neg_inf_log_proba_on_target_is_inf(reduction):
    lp = LOG_PROBA.copy()
    lp[2, 1] = -np.inf          # row 2's target is class 1
    assert lossmetrics.nll_loss(CLASS_IDX, lp, reduction=reduction) == np.inf
    per = lossmetrics.nll_loss(CLASS_IDX, lp, reduction="none")
    assert per[2] == np.inf
    assert np.all(np.isfinite(np.delete(per, 2)))


def test_neg_inf_log_proba_on_ignored_target_is_finite():
    lp = LOG_PROBA.copy()
    lp[1, :] = -np.inf
    y = CLASS_IDX.copy()
    y[1] = -100
    got = lossmetrics.nll_loss(y, lp, ignore_index=-100)
    keep = np.array([0, 2, 3])
    _, expected = _nll_expected(LOG_PROBA[keep], CLASS_IDX[keep])
    assert got == pytest.approx(expected, rel=1e-12)


def _kl_rows(p, q):
    """Reference KL per row with 0 log 0 = 0 and p log(p / 0) = inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=1)


KL_P = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
KL_Q = np.array([[0.0, 0.4, 0.6], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]])     # q = 0 where p = 0
KL_Q0 = np.array([[0.3, 0.3, 0.4], [0.0, 0.5, 0.5], [0.2, 0.2, 0.6]])    # q = 0 where p > 0


def _log(x):
    with np.errstate(divide="ignore"):
        return np.log(x)


@pytest.mark.parametrize(
    "log_true, log_pred, p, q, finite",
    [
        (True, False, KL_P, KL_Q, True),      # -inf in y_true: p = 0 contributes 0
        (False, True, KL_P, KL_Q, True),      # -inf in y_pred where p = 0
        (True, True, KL_P, KL_Q, True),       # -inf in both, same place
        (False, True, KL_P, KL_Q0, False),    # -inf in y_pred where p > 0: inf
        (True, True, KL_P, KL_Q0, False),
        (False, False, KL_P, KL_Q0, False),   # q = 0 where p > 0 (no log inputs): inf
    ],
    ids=["log_true", "log_pred-p0", "both-p0", "log_pred-p-positive",
         "both-p-positive", "plain-q0"],
)
def test_kl_divergence_zero_probabilities(log_true, log_pred, p, q, finite):
    rows = _kl_rows(p, q)
    y_true = _log(p) if log_true else p
    y_pred = _log(q) if log_pred else q
    kwargs = dict(log_true=log_true, log_pred=log_pred)
    got = lossmetrics.kl_divergence(y_true, y_pred, **kwargs)
    assert isinstance(lossmetrics.check_inputs("kl_divergence", y_true, y_pred, **kwargs),
                      CheckedInputs)
    per = lossmetrics.kl_divergence(y_true, y_pred, reduction="none", **kwargs)
    if finite:
        assert got == pytest.approx(rows.sum() / 3, rel=1e-12)
        np.testing.assert_allclose(per, rows, rtol=1e-12)
    else:
        assert got == np.inf
        assert np.array_equal(np.isinf(per), np.isinf(rows))
        assert not np.isnan(per).any()


# A zero weight removes a sample (or class) from the loss: an infinite loss
# there must not turn the result into NaN (0 * inf) -- "never a silent NaN".
def test_zero_sample_weight_on_infinite_nll_term_is_not_nan():
    lp = LOG_PROBA.copy()
    lp[0, 0] = -np.inf                      # row 0 (target 0) has an infinite loss
    sw = [0.0, 1.0, 1.0, 1.0]
    picked, expected = _nll_expected(LOG_PROBA, CLASS_IDX, sw)
    got = lossmetrics.nll_loss(CLASS_IDX, lp, sample_weight=sw)
    assert not np.isnan(got)
    assert got == pytest.approx(expected, rel=1e-12)
    per = lossmetrics.nll_loss(CLASS_IDX, lp, sample_weight=sw, reduction="none")
    np.testing.assert_allclose(per, [0.0, *picked[1:]], rtol=1e-12)


def test_zero_class_weight_on_infinite_nll_term_is_not_nan():
    lp = LOG_PROBA.copy()
    lp[0, 0] = -np.inf                      # class 0 has weight 0 below
    cw = [0.0, 1.0, 1.0]
    got = lossmetrics.nll_loss(CLASS_IDX, lp, class_weight=cw)
    keep = np.array([1, 2])                 # the rows whose target has weight 1
    _, expected = _nll_expected(LOG_PROBA[keep], CLASS_IDX[keep])
    assert not np.isnan(got)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("log_pred", [False, True])
def test_zero_sample_weight_on_infinite_kl_row_is_not_nan(log_pred):
    y_pred = _log(KL_Q0) if log_pred else KL_Q0     # row 1 has an infinite KL
    sw = [1.0, 0.0, 1.0]
    rows = _kl_rows(KL_P, KL_Q0)
    got = lossmetrics.kl_divergence(KL_P, y_pred, log_pred=log_pred, sample_weight=sw)
    assert not np.isnan(got)
    assert got == pytest.approx((rows[0] + rows[2]) / 2, rel=1e-12)
    per = lossmetrics.kl_divergence(KL_P, y_pred, log_pred=log_pred, sample_weight=sw,
                                    reduction="none")
    np.testing.assert_allclose(per, [rows[0], 0.0, rows[2]], rtol=1e-12)


ZERO_DENOMINATOR = [
    pytest.param(dict(y_true=np.full(4, -100), ignore_index=-100), id="all-ignored"),
    pytest.param(dict(y_true=np.array([0, 0, 2, 2]), class_weight=[0.0, 1.0, 0.0]),
                 id="zero-class-weight"),
    pytest.param(dict(y_true=np.array([0, 2, -1, -1]), ignore_index=-1,
                      sample_weight=[0.0, 0.0, 1.0, 1.0]), id="zero-sample-weight"),
]


@pytest.mark.parametrize("metric", CLASS_SCORES)
@pytest.mark.parametrize("kwargs", ZERO_DENOMINATOR)
def test_zero_denominator_sum_and_none_are_zero(metric, kwargs):
    kwargs = dict(kwargs)
    y_true = kwargs.pop("y_true")
    func = getattr(lossmetrics, metric)
    total = func(y_true, SPECS[metric].pred, reduction="sum", **kwargs)
    assert isinstance(total, float) and total == 0.0
    per = func(y_true, SPECS[metric].pred, reduction="none", **kwargs)
    assert per.shape == (4,) and np.all(per == 0.0)
    with pytest.raises(ValueError, match="reduction='mean'"):
        func(y_true, SPECS[metric].pred, **kwargs)


# cosine_embedding_loss at the edges of the float range: never NaN, and the
# value of PyTorch's formula (eps = float32(1e-12) added to each squared norm)
# computed without overflow, as its docstring promises.
_EPS32 = float(np.float32(1e-12))


def _cosine_reference(x1, x2, scale1, scale2):
    """PyTorch's cosine of rows x1 = scale1 * a, x2 = scale2 * b, with no overflow."""
    a, b = x1 / scale1, x2 / scale2
    num = np.sum(a * b, axis=1)
    n1 = np.sqrt(np.sum(a * a, axis=1) + _EPS32 / scale1 / scale1)
    n2 = np.sqrt(np.sum(b * b, axis=1) + _EPS32 / scale2 / scale2)
    return num / n1 / n2


@pytest.mark.parametrize("scale", [1e76, 1e100, 1e150, 1e154, 1e155, 1e200, 1e300],
                         ids=repr)
@pytest.mark.parametrize("margin", [0.0, -0.5])
def test_cosine_embedding_loss_huge_norms(scale, margin):
    base = np.array([[1.0, 1.0, 1.0], [1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    x1 = scale * base
    pairs = {"same": (x1, x1.copy(), scale), "opposite": (x1, -x1, scale),
             "against-unit-scale": (x1, base[::-1].copy(), 1.0)}
    for name, (a, b, scale2) in pairs.items():
        cos = _cosine_reference(a, b, scale, scale2)
        for target in (1, -1):
            y = np.full(3, target)
            expected = 1 - cos if target == 1 else np.maximum(0.0, cos - margin)
            got = lossmetrics.cosine_embedding_loss(y, a, b, margin=margin,
                                                    reduction="none")
            assert not np.isnan(got).any(), (name, target, got)
            # 1 - cos cancels: a cosine rounded to a few ulp of 1 (in ours as in
            # the reference) leaves an absolute error of ~1e-15 to 1e-14.
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=2e-14,
                                       err_msg=f"{name}, y_true={target}")
            mean = lossmetrics.cosine_embedding_loss(y, a, b, margin=margin)
            assert mean == pytest.approx(expected.mean(), rel=1e-12, abs=2e-14)


def test_cosine_embedding_loss_zero_vectors():
    # cos = 0 for a zero vector (eps keeps the denominator positive).
    z = np.zeros((2, 3))
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    for margin in (0.0, -0.5, 0.5):
        got = lossmetrics.cosine_embedding_loss([1, -1], z, x, margin=margin,
                                                reduction="none")
        np.testing.assert_array_equal(got, [1.0, max(0.0, -margin)])


# --------------------------------------------------------------------------
# Integers too large for C: an error naming the argument, or a normal result.
# --------------------------------------------------------------------------
def _big_inputs(metric):
    spec = SPECS[metric]
    reps = 20_000   # 80 000 samples: more than the serial threshold of 2**16 scalars
    tile = (lambda a: np.tile(a, (reps,) + (1,) * (np.ndim(a) - 1)))
    return tile(spec.y_true), tile(spec.pred), {k: tile(v) for k, v in spec.extra.items()}


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("n_threads", [2**31, 2**64, -(2**63) - 1], ids=repr)
def test_n_threads_beyond_c_int(metric, n_threads):
    y_true, pred, extra = _big_inputs(metric)
    func = getattr(lossmetrics, metric)
    try:
        got = func(y_true, pred, n_threads=n_threads, **extra)
    except (ValueError, TypeError) as exc:
        assert "n_threads" in str(exc)
        assert str(n_threads) in str(exc)
    else:
        assert got == pytest.approx(func(y_true, pred, n_threads=1, **extra), rel=1e-12)


_HUGE_N_THREADS_SCRIPT = textwrap.dedent("""
    import numpy as np, lossmetrics, sys
    sys.path.insert(0, {tests_dir!r})
    from test_check_inputs import _big_inputs
    y_true, pred, extra = _big_inputs({metric!r})
    func = getattr(lossmetrics, {metric!r})
    try:
        got = func(y_true, pred, n_threads=2**31 - 1, **extra)
    except (ValueError, TypeError) as exc:
        assert "n_threads" in str(exc), exc
        print("raised")
    else:
        assert got == func(y_true, pred, n_threads=1, **extra)
        print("computed")
""")


def _limit_memory():  # pragma: no cover - runs in the child process
    import resource
    limit = 16 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses RLIMIT_AS")
@pytest.mark.parametrize("metric", ["mean_squared_error", "cross_entropy", "kl_divergence",
                                    "huber_loss", "cosine_embedding_loss",
                                    "brier_score_loss"])
def test_huge_n_threads_does_not_abort_the_process(metric, tmp_path):
    # A thread count that fits a C int but no machine: the process must not die
    # (libgomp aborts when it cannot allocate the team).  Run in a child with a
    # bounded address space so that a failure cannot take the machine down.
    script = _HUGE_N_THREADS_SCRIPT.format(tests_dir=str(Path(__file__).parent),
                                           metric=metric)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env=env, preexec_fn=_limit_memory)
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    assert proc.stdout.strip() in ("raised", "computed")


@pytest.mark.parametrize("metric", CLASS_SCORES)
@pytest.mark.parametrize("ignore_index", [2**63, -(2**63) - 1, 2**100], ids=repr)
def test_ignore_index_beyond_int64(metric, ignore_index):
    spec = SPECS[metric]
    func = getattr(lossmetrics, metric)
    for call in (lambda: func(spec.y_true, spec.pred, ignore_index=ignore_index),
                 lambda: lossmetrics.check_inputs(metric, spec.y_true, spec.pred,
                                                  ignore_index=ignore_index)):
        try:
            got = call()
        except (ValueError, TypeError) as exc:
            assert "ignore_index" in str(exc)
            assert str(ignore_index) in str(exc)
        else:
            if not isinstance(got, CheckedInputs):   # no label equals it: ignores nothing
                assert got == func(spec.y_true, spec.pred)


# --------------------------------------------------------------------------
# scikit-learn parity: same exception family, scikit-learn's wording kept.
# --------------------------------------------------------------------------
LL_Y = [0, 1, 1, 0]
LL_P = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]]


def _ll_with(value):
    p = np.array(LL_P)
    p[2, 1] = value
    return p


LOG_LOSS_MISTAKES = {
    "NaN-in-y_proba": ((LL_Y, _ll_with(NAN)), {}),
    "+inf-in-y_proba": ((LL_Y, _ll_with(INF)), {}),
    "-inf-in-y_proba": ((LL_Y, _ll_with(-INF)), {}),
    "y_proba-above-1": ((LL_Y, _ll_with(1.5)), {}),
    "y_proba-below-0": ((LL_Y, _ll_with(-0.5)), {}),
    "inconsistent-lengths": ((LL_Y[:3], LL_P), {}),
    "inconsistent-sample_weight-length": ((LL_Y, LL_P), {"sample_weight": [1, 1, 1]}),
    "one-class": (([1, 1, 1, 1], LL_P), {}),
    "one-class-with-labels": (([1, 1, 1, 1], LL_P), {"labels": [1]}),
    "class-count-mismatch": (([0, 1, 2, 0], LL_P), {}),
    "class-count-mismatch-with-labels": ((LL_Y, LL_P), {"labels": [0, 1, 2]}),
    "y_true-not-in-labels": (([0, 1, 3, 0], LL_P), {"labels": [0, 1]}),
    "all-zero-sample_weight": ((LL_Y, LL_P), {"sample_weight": [0, 0, 0, 0]}),
    "2d-sample_weight": ((LL_Y, LL_P), {"sample_weight": [[1], [1], [1], [1]]}),
    "NaN-sample_weight": ((LL_Y, LL_P), {"sample_weight": [1, NAN, 1, 1]}),
    "inf-sample_weight": ((LL_Y, LL_P), {"sample_weight": [1, INF, 1, 1]}),
    "empty": (([], np.empty((0, 2))), {}),
    "3d-y_proba": ((LL_Y, np.full((4, 2, 1), 0.5)), {}),
    "string-y_proba": ((LL_Y, np.full((4, 2), "a")), {}),
    "object-string-y_proba": ((LL_Y, np.full((4, 2), "a").astype(object)), {}),
    "normalize=1": ((LL_Y, LL_P), {"normalize": 1}),
    "y_true-None": ((None, LL_P), {}),
    "complex-y_proba": ((LL_Y, np.array(LL_P) + 0j), {}),
    "NaN-in-y_true": (([0, 1, NAN, 0], LL_P), {}),
    "inf-in-y_true": (([0, 1, INF, 0], LL_P), {}),
}

BS_Y = [0, 1, 1, 0]
BS_P = [0.1, 0.8, 0.7, 0.4]                 # binary: probability of the positive class
BS_Y3 = [0, 2, 1, 0]
BS_P3 = P_PRED.tolist()                     # three classes


def _bs_with(value, proba=BS_P):
    p = np.array(proba, dtype=float)
    p[(2,) if p.ndim == 1 else (2, 1)] = value
    return p


BRIER_MISTAKES = {
    # y_proba: check_array's finiteness, then each path's range words.
    "NaN-in-y_proba": ((BS_Y, _bs_with(NAN)), {}),
    "+inf-in-y_proba": ((BS_Y, _bs_with(INF)), {}),
    "-inf-in-y_proba": ((BS_Y, _bs_with(-INF)), {}),
    "NaN-in-y_proba-multiclass": ((BS_Y3, _bs_with(NAN, BS_P3)), {}),
    "y_proba-above-1": ((BS_Y, _bs_with(1.5)), {}),
    "y_proba-below-0": ((BS_Y, _bs_with(-0.5)), {}),                 # 'less than 0'
    "y_proba-one-column-below-0": ((BS_Y, _bs_with(-0.5)[:, None]), {}),
    "y_proba-above-1-multiclass": ((BS_Y3, _bs_with(1.5, BS_P3)), {}),
    "y_proba-below-0-multiclass": ((BS_Y3, _bs_with(-0.5, BS_P3)), {}),   # 'lower than 0'
    "y_proba-below-0-two-columns": ((BS_Y, _bs_with(-0.5, LL_P)), {}),
    "3d-y_proba": ((BS_Y, np.full((4, 2, 1), 0.5)), {}),
    "string-y_proba": ((BS_Y, np.full(4, "a")), {}),
    "object-string-y_proba": ((BS_Y, np.full((4, 3), "a").astype(object)), {}),
    "complex-y_proba": ((BS_Y, np.array(BS_P) + 0j), {}),
    "y_true-None": ((None, BS_P), {}),
    "y_proba-None": ((BS_Y, None), {}),
    "empty": (([], []), {}),
    "empty-2d": (([], np.empty((0, 3))), {}),
    # Lengths and sample weights.
    "inconsistent-lengths": ((BS_Y[:3], BS_P), {}),
    "inconsistent-lengths-multiclass": ((BS_Y3, BS_P3[:3]), {}),
    "inconsistent-sample_weight-length": ((BS_Y, BS_P), {"sample_weight": [1, 1, 1]}),
    "all-zero-sample_weight": ((BS_Y, BS_P), {"sample_weight": [0, 0, 0, 0]}),
    "all-zero-sample_weight-multiclass": ((BS_Y3, BS_P3), {"sample_weight": [0, 0, 0, 0]}),
    "2d-sample_weight": ((BS_Y, BS_P), {"sample_weight": [[1], [1], [1], [1]]}),
    "NaN-sample_weight": ((BS_Y, BS_P), {"sample_weight": [1, NAN, 1, 1]}),
    "inf-sample_weight": ((BS_Y3, BS_P3), {"sample_weight": [1, INF, 1, 1]}),
    # y_true, binary path.
    "NaN-in-y_true": (([0, 1, NAN, 0], BS_P), {}),
    "inf-in-y_true": (([0, 1, INF, 0], BS_P), {}),
    "NaN-in-y_true-multiclass": (([0, 1, NAN, 0], BS_P3), {}),
    "y_true-multiclass-with-1d-y_proba": ((BS_Y3, BS_P), {}),
    "y_true-continuous-with-1d-y_proba": (([0.5, 1.0, 0.0, 1.0], BS_P), {}),
    "string-y_true-without-pos_label": ((["a", "b", "b", "a"], BS_P), {}),
    "object-y_true-without-pos_label": (
        (np.array(["a", "b", "b", "a"], dtype=object), BS_P), {}),
    # y_true and labels, multiclass path.
    "one-class": (([1, 1, 1, 1], LL_P), {}),
    "one-class-with-labels": (([1, 1, 1, 1], LL_P), {"labels": [1]}),
    "class-count-mismatch": ((BS_Y3, LL_P), {}),
    "class-count-mismatch-with-labels": ((BS_Y, LL_P), {"labels": [0, 1, 2]}),
    "y_true-not-in-labels": (([0, 1, 3, 0], BS_P3), {"labels": [0, 1, 2]}),
    "y_true-not-in-string-labels": ((BS_Y, LL_P), {"labels": ["a", "b"]}),
    # Options.
    "scale_by_half-yes": ((BS_Y, BS_P), {"scale_by_half": "yes"}),
    "scale_by_half-1": ((BS_Y, BS_P), {"scale_by_half": 1}),
    "scale_by_half-None": ((BS_Y3, BS_P3), {"scale_by_half": None}),
    "pos_label-list": ((BS_Y, BS_P), {"pos_label": [1]}),
    "pos_label-two-labels": ((BS_Y, BS_P), {"pos_label": [0, 1]}),
    "pos_label-complex": ((BS_Y, BS_P), {"pos_label": 1j}),
}

REG_Y = [1.0, 2.0, 3.0, 4.0]
REG_P = [1.5, 2.0, 2.5, 4.0]
REGRESSION_MISTAKES = {
    "different-numbers-of-outputs": (([[1, 2], [3, 4]], [[1, 2, 3], [3, 4, 5]]), {}),
    "multioutput-weights-single-output": ((REG_Y, REG_P), {"multioutput": [0.5, 0.5]}),
    "multioutput-weight-single-output-1": ((REG_Y, REG_P), {"multioutput": [1.0]}),
    "wrong-number-of-multioutput-weights": (
        ([[1, 2], [3, 4]], [[1, 2], [3, 5]]), {"multioutput": [0.2, 0.3, 0.5]}),
    "multioutput-variance_weighted": (
        ([[1, 2], [3, 4]], [[1, 2], [3, 5]]), {"multioutput": "variance_weighted"}),
    "multioutput-None": ((REG_Y, REG_P), {"multioutput": None}),
    "multioutput-variance": ((REG_Y, REG_P), {"multioutput": "variance"}),
    "NaN-in-y_pred": ((REG_Y, [1.0, 2.0, NAN, 4.0]), {}),
    "NaN-in-y_true": (([1.0, NAN, 3.0, 4.0], REG_P), {}),
    "+inf-in-y_pred": ((REG_Y, [1.0, 2.0, INF, 4.0]), {}),
    "-inf-in-y_true": (([1.0, -INF, 3.0, 4.0], REG_P), {}),
    "inconsistent-lengths": ((REG_Y[:3], REG_P), {}),
    "inconsistent-sample_weight-length": ((REG_Y, REG_P), {"sample_weight": [1, 1]}),
    "all-zero-sample_weight": ((REG_Y, REG_P), {"sample_weight": [0, 0, 0, 0]}),
    "2d-sample_weight": ((REG_Y, REG_P), {"sample_weight": [[1], [1], [1], [1]]}),
    "NaN-sample_weight": ((REG_Y, REG_P), {"sample_weight": [1, NAN, 1, 1]}),
    "empty": (([], []), {}),
    "3d": ((np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), {}),
    "string-y_pred": ((REG_Y, np.full(4, "a")), {}),
    "y_true-None": ((None, REG_P), {}),
    "y_pred-None": ((REG_Y, None), {}),
    "complex-y_pred": ((REG_Y, np.array(REG_P) + 0j), {}),
}

# scikit-learn's root_mean_squared_error does not validate custom multioutput
# weights itself: with one output it returns a value ([1.0]) or lets
# np.average raise a TypeError ("Axis must be specified ..."), and with the
# wrong number of weights it raises that TypeError too.  Ours validates them
# as scikit-learn's mean_squared_error does, so those cases are compared with
# mean_squared_error's error (whose messages do not name the function).
_RMSE_COMPARED_WITH_MSE = {"multioutput-weights-single-output",
                           "multioutput-weight-single-output-1",
                           "wrong-number-of-multioutput-weights"}

PARITY = [
    pytest.param("log_loss", *LOG_LOSS_MISTAKES[k], "log_loss", id=f"log_loss-{k}")
    for k in LOG_LOSS_MISTAKES
] + [
    pytest.param("brier_score_loss", *BRIER_MISTAKES[k], "brier_score_loss",
                 id=f"brier_score_loss-{k}")
    for k in BRIER_MISTAKES
] + [
    pytest.param(m, *REGRESSION_MISTAKES[k],
                 "mean_squared_error" if (m == "root_mean_squared_error"
                                          and k in _RMSE_COMPARED_WITH_MSE) else m,
                 id=f"{m}-{k}")
    for m in REGRESSION for k in REGRESSION_MISTAKES
    if not (m in SCORES and k == "multioutput-variance_weighted")
    and not (m in SCORES_TAKING_NONE and k == "multioutput-None")
] + [
    pytest.param(m, (REG_Y, REG_P), {"force_finite": value}, m, id=f"{m}-force_finite-{value!r}")
    for m in SCORES for value in (1, None, "yes")
]

_STR_AMONG = re.compile(r"must be a str among \{([^}]*)\}")


def _first_sentence(msg):
    return msg.split(". ")[0]


@pytest.mark.parametrize("metric, args, kwargs, reference", PARITY)
def test_scikit_learn_parity(metric, args, kwargs, reference):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _outcome(lambda: getattr(sklearn.metrics, reference)(*args, **kwargs))
        ours = _outcome(lambda: getattr(lossmetrics, metric)(*args, **kwargs))
    assert isinstance(theirs, ValueError), f"scikit-learn did not raise: {theirs!r}"
    # Same family: a ValueError (scikit-learn's InvalidParameterError is one).
    assert isinstance(ours, ValueError), f"lossmetrics: {ours!r}"
    sk_msg, our_msg = str(theirs), str(ours)
    if sk_msg.startswith("Complex data not supported\n"):
        # scikit-learn appends the whole array after a newline; its first line
        # is the sentence to keep.
        expected = sk_msg.splitlines()[0]
    elif _STR_AMONG.search(sk_msg):
        # scikit-learn prints a Python set of the valid strings, whose order
        # depends on the per-process string hash seed: compare the set
        # contents, and the wording around them.
        sk_set = set(re.findall(r"'([^']*)'", _STR_AMONG.search(sk_msg).group(1)))
        ours_set = _STR_AMONG.search(our_msg)
        assert ours_set is not None, our_msg
        assert set(re.findall(r"'([^']*)'", ours_set.group(1))) == sk_set
        expected = _STR_AMONG.sub("<set>", _first_sentence(sk_msg))
        our_msg = _STR_AMONG.sub("<set>", our_msg)
    else:
        expected = _first_sentence(sk_msg)
    assert expected in our_msg, f"scikit-learn: {sk_msg!r}\nlossmetrics: {our_msg!r}"
    # check_inputs raises the same.
    checked = _outcome(lambda: lossmetrics.check_inputs(metric, *args, **kwargs))
    assert type(checked) is type(ours) and str(checked) == str(ours)


# --------------------------------------------------------------------------
# Two mistakes in one call: the first error is the one of the eager order
# (the scores, then the targets, then the weights), whether the scans are
# left to the kernel or not (check_inputs runs them all).
# --------------------------------------------------------------------------

TWO_MISTAKES = [
    ("cross_entropy", dict(y_true=[0, 5, 1], y_pred=[[NAN, 0, 0], [0, 0, 0], [0, 0, 0]],
                           sample_weight=[1.0, NAN, 1.0]), "logits has nan at index (0, 0)"),
    ("cross_entropy", dict(y_true=[0, 5, 1], y_pred=np.zeros((3, 3)),
                           sample_weight=[1.0, NAN, 1.0]), "got 5 at index 1"),
    ("mse_loss", dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, NAN, 3.0],
                      sample_weight=[1.0, NAN, 1.0]), "y_pred has nan at index 1"),
    ("binary_cross_entropy", dict(y_true=[1.0, 2.0, 0.0], y_pred=[0.5, 0.5, 1.5],
                                  sample_weight=[1.0, -1.0]), "y_proba must hold probabilities"),
    ("kl_divergence", dict(y_true=[[0.5, 0.5], [NAN, 1.0]], y_pred=[[0.5, 0.5], [0.5, 0.5]],
                           sample_weight=[1.0]), "y_true has nan at index (1, 0)"),
    ("log_loss", dict(y_true=[0, 0, 5], y_pred=[[1.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
                      labels=[0, 1]), "greater than 1"),
]


@pytest.mark.parametrize("metric, kwargs, shows", TWO_MISTAKES,
                         ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(TWO_MISTAKES)])
def test_first_of_two_errors_is_the_eager_orders(metric, kwargs, shows):
    kwargs = dict(kwargs)
    y_true, y_pred = kwargs.pop("y_true"), kwargs.pop("y_pred")
    with pytest.raises(ValueError) as by_function:
        getattr(lossmetrics, metric)(y_true, y_pred, **kwargs)
    with pytest.raises(ValueError) as by_check_inputs:
        lossmetrics.check_inputs(metric, y_true, y_pred, **kwargs)
    assert shows.lower() in str(by_function.value).lower()
    assert str(by_check_inputs.value) == str(by_function.value)


# --------------------------------------------------------------------------
# Options and labels that cannot apply are errors, never silently dropped
# --------------------------------------------------------------------------

def test_ignore_index_with_probability_targets_is_an_error():
    # PyTorch: "ignore_index is not supported for floating point target".
    y = np.array([[0.2, 0.8], [0.5, 0.5]])
    z = np.array([[1.0, 2.0], [0.0, 1.0]])
    for call in (lambda: lossmetrics.cross_entropy(y, z, ignore_index=1),
                 lambda: lossmetrics.check_inputs("cross_entropy", y, z, ignore_index=-100),
                 lambda: lossmetrics.Accumulator("cross_entropy", ignore_index=0).update(y, z)):
        with pytest.raises(ValueError, match="ignore_index applies to class-index targets"):
            call()


@pytest.mark.parametrize("metric", ["log_loss", "brier_score_loss"])
def test_repeated_labels_are_an_error(metric):
    # They were de-duplicated, leaving a column of y_proba without a class
    # (and a warning that sorted labels were unsorted).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"labels must be distinct.*got 1 twice, again "
                                             r"at index 2"):
            getattr(lossmetrics, metric)([0, 1, 1], [[0.5, 0.3, 0.2]] * 3, labels=[0, 1, 1])


@pytest.mark.parametrize("y", [[1, "a", 1], [1, "1", 2, 2], [1.5, "x"]])
@pytest.mark.parametrize("metric", ["log_loss", "brier_score_loss"])
def test_a_list_mixing_numbers_and_strings_is_an_error(metric, y):
    # NumPy turns such a list into strings, merging 1 and "1"; scikit-learn
    # raises "Mix of label input types".
    with pytest.raises(ValueError, match="Mix of label input types"):
        getattr(sklearn.metrics, metric)(y, [[0.5, 0.5]] * len(y))
    with pytest.raises(ValueError, match="Mix of label input types"):
        getattr(lossmetrics, metric)(y, [[0.5, 0.5]] * len(y))


def test_labels_differing_by_a_trailing_nul_stay_distinct():
    y = ["a", "a\x00", "a", "a\x00"]
    p = [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]]
    want = lossmetrics.log_loss(np.array(y, dtype=object), p)
    assert lossmetrics.log_loss(y, p) == want
    assert want == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.6, 0.9])), rel=1e-15)


@pytest.mark.parametrize("weights", [[1.0, -1.0], [2.0, -0.5]])
def test_negative_multioutput_weights_are_an_error(weights):
    # They gave a negative mean squared error, or a ZeroDivisionError.
    # scikit-learn averages with them (a difference the comparison page states).
    y, p = np.ones((4, 2)), np.zeros((4, 2))
    if sum(weights) != 0:
        assert np.isfinite(sklearn.metrics.mean_squared_error(y, p, multioutput=weights))
    with pytest.raises(ValueError, match=r"multioutput weights must be non-negative; got "
                                         r"-[0-9.]+ at index 1"):
        lossmetrics.mean_squared_error(y, p, multioutput=weights)


def test_check_inputs_names_the_metric_for_an_unknown_option():
    # It named an internal function ("check_cross_entropy() got an unexpected ...").
    with pytest.raises(TypeError, match=r"check_inputs\('cross_entropy'\): unknown option\(s\) "
                                        r"\['weight'\]; the options of cross_entropy are: "
                                        r"class_weight, ignore_index"):
        lossmetrics.check_inputs("cross_entropy", [0, 1], [[1.0, 0.0], [0.0, 1.0]],
                                 weight=[1.0, 2.0])


@pytest.mark.parametrize("make", [lambda v: set(v), lambda v: dict.fromkeys(v),
                                  lambda v: iter(v), lambda v: (x for x in v)],
                         ids=["set", "dict", "iterator", "generator"])
def test_sets_dicts_and_iterators_are_not_array_likes(make):
    # They were described as "a 0-d object array".
    with pytest.raises(InvalidParameterError, match="y_pred must be an array-like .*got a "):
        lossmetrics.mean_squared_error([1.0, 2.0], make([1.0, 2.5]))
    with pytest.raises(InvalidParameterError, match="labels must be an array-like"):
        lossmetrics.log_loss([0, 1], [[0.5, 0.5], [0.2, 0.8]], labels=make([0, 1]))


class _TensorRequiringGrad:
    """What matters of a torch tensor with requires_grad=True: NumPy cannot
    read it (torch raises RuntimeError), its detach() can be read."""

    requires_grad = True

    def __init__(self, values):
        self._values = np.asarray(values)

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")

    def detach(self):
        return self._values


def test_a_tensor_in_a_graph_is_read_detached():
    y, z = [0, 2, 1], np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [1.0, 2.0, 0.0]])
    assert (lossmetrics.cross_entropy(y, _TensorRequiringGrad(z))
            == lossmetrics.cross_entropy(y, z))


def test_log_loss_float16_labels_match_scikit_learn():
    # Cython raised "No matching signature found".
    y = np.array([0, 1, 2, 1], dtype=np.float16)
    p = [[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]]
    assert lossmetrics.log_loss(y, p) == pytest.approx(sklearn.metrics.log_loss(y, p),
                                                       rel=1e-15)


def test_kl_divergence_takes_pytorchs_batchmean_as_its_mean():
    p, q = SPECS["kl_divergence"].y_true, SPECS["kl_divergence"].pred
    w = np.array([1.0, 2.0, 0.5, 1.5])
    for sw in (None, w):
        assert (lossmetrics.kl_divergence(p, q, reduction="batchmean", sample_weight=sw)
                == lossmetrics.kl_divergence(p, q, sample_weight=sw))
    assert lossmetrics.kl_divergence(p, q, reduction="batchmean") == pytest.approx(
        math.fsum((p * np.log(p / q)).ravel().tolist()) / len(p), rel=1e-15)


_I64 = np.iinfo(np.int64)


@pytest.mark.parametrize("y, labels", [
    ([0, 1, _I64.min], [0, 1]), ([5, 6, _I64.min], [5, 6]), ([_I64.max, 6, 5], [5, 6]),
    ([-5, _I64.max], [-5, 3]), ([_I64.min, _I64.max], [_I64.min, _I64.max]),
    ([_I64.max, _I64.min + 1], [_I64.min, _I64.max]),
])
@pytest.mark.parametrize("metric", ["log_loss", "brier_score_loss"])
def test_extreme_int64_labels_against_declared_labels_match_scikit_learn(metric, y, labels):
    # Issue 20 item 20: y - offset overflowed int64 (undefined behaviour in C)
    # for an undeclared extreme label; now computed modulo 2**64.
    y = np.array(y, dtype=np.int64)
    p = np.linspace(0.2, 0.8, y.size)
    proba = np.column_stack([1 - p, p]) if metric == "log_loss" else p
    try:
        want = getattr(sklearn.metrics, metric)(y, proba, labels=labels)
    except ValueError as exc:
        first = str(exc).split("{")[0]
        with pytest.raises(ValueError, match=re.escape(first)):
            getattr(lossmetrics, metric)(y, proba, labels=labels)
    else:
        assert getattr(lossmetrics, metric)(y, proba, labels=labels) == pytest.approx(
            want, rel=1e-14)
