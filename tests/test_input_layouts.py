"""Odd but valid input layouts give exactly the result of a plain contiguous copy.

Every loss reads float32 and float64 arrays in place, whatever their strides
(Fortran order, slices, negative strides, stride-0 broadcasts, read-only or
memory-mapped buffers), and converts everything else (big-endian data,
float16, integer or boolean labels, pandas objects, lists) once, up front.
The value a loss returns must not depend on any of this: each test below
compares, to the bit, the result on the odd input with the result on its
contiguous, native-endian copy -- float64 where the input was float64, float32
where it was float32 (float16 -> float32, integer and boolean labels -> int64,
lists -> what ``np.asarray`` makes of them).

The cases are those of the shared table (tests/loss_cases.py); what their
targets are (labels, integral, float, signs; binary or not) is read from the
declarations and the data.  Inputs have enough scalars (N = 70_000 rows) to
exceed ``SERIAL_BELOW`` so that the default ``n_threads`` runs the parallel
kernels.
"""
from dataclasses import dataclass, field, replace

import warnings

import numpy as np
import pytest

import lossmetrics
from lossmetrics._core.threads import SERIAL_BELOW
from loss_cases import CASES as LOSS_CASES, ROW_ARRAYS, call, options

N = 70_000          # rows: every prediction has more than SERIAL_BELOW scalars
SEED = 20240611


# --------------------------------------------------------------------------
# Cases: every case of the shared table (tests/loss_cases.py), with what its
# inputs are, read from its declaration and its data.
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str                     # the id in tests/loss_cases.py
    name: str
    variants: tuple             # keyword arguments, each a separate call
    ndim: int                   # of the predictions
    targets: str                # "labels" (class labels), "integral" (0/1 or
                                # integer-valued floats), "float" (never integer),
                                # "signs" (1 / -1, or other signed integers)
    binary: bool = False        # bool targets are valid
    rows_sum_to_one: bool = False
    fixed: dict = field(default_factory=dict)   # kwargs of every call
    # The widths of the per-row arrays held side by side in p (x1 | x2 of
    # cosine_embedding_loss): every layout given to p is given to each.
    widths: tuple = ()
    row_names: tuple = ()       # the keywords of the further per-row arrays


def _targets(loss, y):
    if loss.target in ("signs", "class index lists"):
        return "signs"   # signed integers (1 / -1; class indices ended by -1)
    if y.dtype.kind in "iu":
        return "labels"
    return "integral" if np.array_equal(y, np.rint(y)) else "float"


def _case(case_id, entry):
    loss = lossmetrics.LOSSES[entry.name]
    y, pred, kwargs = entry.make(np.random.default_rng(0), 500, np.float64)
    fixed = {k: v for k, v in kwargs.items() if k not in ROW_ARRAYS}
    widths = tuple(kwargs[k].shape[1] for k in ROW_ARRAYS if k in kwargs)
    if loss.labels is not None and "pos_label" not in fixed:
        fixed["labels"] = np.unique(y)   # every class, in any subset of the rows
    targets = _targets(loss, y)
    return Case(case_id, entry.name,
                tuple({"reduction": r} for r in entry.reductions) + entry.variants,
                pred.ndim, targets,
                binary=targets in ("labels", "integral") and bool(np.isin(y, [0, 1]).all()),
                rows_sum_to_one=loss.labels is not None and pred.ndim == 2,
                fixed=fixed, widths=(pred.shape[-1],) + widths if widths else (),
                row_names=tuple(k for k in ROW_ARRAYS if k in kwargs))


CASES = [_case(case_id, entry) for case_id, entry in LOSS_CASES.items()]
DTYPES = [np.float64, np.float32]


def make(case, rng, n, dtype):
    """dict(y=targets, p=predictions (side by side with the further per-row
    arrays), sw=sample weights) of a case."""
    y, pred, kwargs = LOSS_CASES[case.id].make(rng, n, dtype)
    rows = [kwargs[k] for k in ROW_ARRAYS if k in kwargs]
    p = np.concatenate([pred] + rows, axis=1) if rows else pred
    return dict(y=y, p=p, sw=rng.uniform(0.5, 2.0, n))


def _split(case, p):
    """(first prediction, {keyword: further per-row arrays}) of p (array,
    DataFrame or list)."""
    edges = np.cumsum((0,) + case.widths)
    names = case.row_names
    if hasattr(p, "iloc"):
        parts = [p.iloc[:, a:b] for a, b in zip(edges[:-1], edges[1:])]
    elif isinstance(p, list):
        parts = [[row[a:b] for row in p] for a, b in zip(edges[:-1], edges[1:])]
    else:
        parts = [p[:, a:b] for a, b in zip(edges[:-1], edges[1:])]
    return parts[0], dict(zip(names, parts[1:]))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def inputs(case, dtype, n=N, seed=SEED):
    return make(case, np.random.default_rng(seed), n, dtype)


def canonical(x):
    """A fresh C-contiguous native copy: what the odd input should behave like.

    float64 stays float64, float32 stays float32, float16 becomes float32,
    integers and booleans become int64, lists become what ``np.asarray``
    makes of them, pandas objects their ``to_numpy()``.
    """
    if x is None:
        return None
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    a = np.asarray(x)
    if a.dtype.kind in "biu":
        return np.array(a, dtype=np.int64, order="C")
    assert a.dtype.kind == "f", a.dtype
    return np.array(a, dtype=np.float32 if a.dtype.itemsize <= 4 else np.float64,
                    order="C")


def pred_args(case, p, canon=False):
    """(first prediction, further prediction keywords) of ``p``; canonical copies
    of each if ``canon``."""
    if not case.widths:
        return (canonical(p) if canon else p), {}
    x, extra = _split(case, p)
    if canon:
        return canonical(x), {k: canonical(v) for k, v in extra.items()}
    return x, extra


def evaluate(case, y, p, sw, canon=False):
    """Every variant of the case, unweighted and weighted.

    With ``canon``, on the canonical copies of the inputs (of x1 and x2 each,
    for a split prediction).
    """
    x, extra = pred_args(case, p, canon)
    if canon:
        y, sw = canonical(y), canonical(sw)
    results = []
    for weights in (None, sw):
        for variant in case.variants:
            kwargs = {**case.fixed, **variant, **extra}
            reduction = kwargs.pop("reduction", "mean")
            results.append(call(lossmetrics, case.id, y, x, kwargs, reduction,
                                sample_weight=weights))
    return results


def assert_identical(got, want):
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), type(got)
        assert got.dtype == want.dtype and got.shape == want.shape, (
            got.dtype, got.shape, want.dtype, want.shape)
        if got.tobytes() != want.tobytes():
            diff = np.flatnonzero(got.ravel() != want.ravel())
            if diff.size == 0:
                raise AssertionError("equal values with different bits (signed "
                                     "zeros or NaN payloads)")
            raise AssertionError(
                f"{diff.size} elements differ, first at flat index {diff[0]}: "
                f"{got.ravel()[diff[0]]!r} != {want.ravel()[diff[0]]!r}")
        assert np.array_equal(got, want)
    else:
        assert isinstance(got, float), type(got)
        assert isinstance(want, float), type(want)
        assert got == want and got.hex() == want.hex(), (got, want, got - want)


def assert_same_as_canonical(case, y, p, sw):
    got = evaluate(case, y, p, sw)
    want = evaluate(case, y, p, sw, canon=True)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        try:
            assert_identical(g, w)
        except AssertionError as exc:
            n_var = len(case.variants)
            variant = {**case.fixed, **case.variants[i % n_var]}
            raise AssertionError(
                f"{case.id}: variant {variant} (weighted={i >= n_var}): {exc}") from None


def cases_where(pred):
    return [pytest.param(c, id=c.id) for c in CASES if pred(c)]


def test_case_sizes_exceed_serial_threshold():
    # The layout tests run the parallel kernels (n_threads=None).
    for case in CASES:
        assert inputs(case, np.float64)["p"].size >= SERIAL_BELOW, case.id


# --------------------------------------------------------------------------
# Memory layouts of float32 / float64 arrays (read in place)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.ndim >= 2))
def test_fortran_ordered(case, dtype):
    d = inputs(case, dtype)
    p = np.asfortranarray(d["p"])
    assert p.flags.f_contiguous and not p.flags.c_contiguous
    y = np.asfortranarray(d["y"]) if d["y"].ndim >= 2 else d["y"]
    assert_same_as_canonical(case, y, p, d["sw"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_every_other_row(case, dtype):
    d = inputs(case, dtype, n=2 * N)
    y, p, sw = d["y"][::2], d["p"][::2], d["sw"][::2]
    assert not p.flags.c_contiguous
    assert_same_as_canonical(case, y, p, sw)


def _embed_in_wider(a, extra=3, start=1):
    """A view of ``a``'s values inside a wider array (columns of a bigger matrix)."""
    if a.ndim == 1:
        wide = np.full((a.shape[0], extra + 1), 7, dtype=a.dtype)
        wide[:, start] = a
        return wide[:, start]
    wide = np.full(a.shape[:-1] + (a.shape[-1] + extra,), 7, dtype=a.dtype)
    wide[..., start:start + a.shape[-1]] = a
    return wide[..., start:start + a.shape[-1]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_column_slice_of_wider_array(case, dtype):
    d = inputs(case, dtype)
    y, p, sw = (_embed_in_wider(d[k]) for k in ("y", "p", "sw"))
    assert not p.flags.c_contiguous and not p.flags.f_contiguous
    np.testing.assert_array_equal(p, d["p"])
    assert_same_as_canonical(case, y, p, sw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_negative_strides(case, dtype):
    d = inputs(case, dtype)
    y, p, sw = d["y"][::-1], d["p"][::-1], d["sw"][::-1]
    assert p.strides[0] < 0
    assert_same_as_canonical(case, y, p, sw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.ndim >= 2))
def test_negative_strides_on_every_axis(case, dtype):
    # Classes (and outputs) in reverse order too: a different problem, whose
    # answer must still be that of its contiguous copy.
    d = inputs(case, dtype)
    everything_reversed = (slice(None, None, -1),) * d["p"].ndim
    p = d["p"][everything_reversed]
    y = d["y"][(slice(None, None, -1),) * d["y"].ndim]
    assert all(s < 0 for s in p.strides)
    assert_same_as_canonical(case, y, p, d["sw"][::-1])


def _packed_records(arrays, align):
    """Each array as a field of one structured array (unaligned if packed)."""
    fields = [("pad", "i1")] + [(k, a.dtype, a.shape[1:]) for k, a in arrays.items()]
    rec = np.zeros(next(iter(arrays.values())).shape[0],
                   dtype=np.dtype(fields, align=align))
    for k, a in arrays.items():
        rec[k] = a
    return {k: rec[k] for k in arrays}


@pytest.mark.parametrize("align", [False, True], ids=["packed", "aligned"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_fields_of_a_structured_array(case, dtype, align):
    # Fields of a record array: strided views, misaligned when packed.
    d = inputs(case, dtype)
    views = _packed_records(d, align)
    for k in d:
        np.testing.assert_array_equal(views[k], d[k])
    if not align:
        assert not views["p"].flags.aligned
    assert_same_as_canonical(case, views["y"], views["p"], views["sw"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_broadcast_predictions_stride0_rows(case, dtype):
    d = inputs(case, dtype)
    p = np.broadcast_to(d["p"][:1], d["p"].shape)   # every row is row 0
    assert p.strides[0] == 0
    assert_same_as_canonical(case, d["y"], p, d["sw"])


# (d2_tweedie_score of a constant y_true is an error: no deviance to explain,
# tested in test_regression_scores.py.)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.name != "d2_tweedie_score"))
def test_broadcast_targets_stride0_rows(case, dtype):
    d = inputs(case, dtype)
    y = np.broadcast_to(d["y"][:1], d["y"].shape)   # every target is target 0
    sw = np.broadcast_to(d["sw"][:1], d["sw"].shape)
    assert y.strides[0] == 0 and sw.strides[0] == 0
    with warnings.catch_warnings():
        if lossmetrics.LOSSES[case.name].greater_is_better:
            # A D² of one class is -inf, with NumPy's divide-by-zero warning
            # (as scikit-learn's): the same for every layout.
            warnings.simplefilter("ignore", RuntimeWarning)
        assert_same_as_canonical(case, y, d["p"], sw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.ndim >= 2 and not c.rows_sum_to_one))
def test_broadcast_stride0_columns(case, dtype):
    d = inputs(case, dtype)
    p = np.broadcast_to(d["p"][:, :1], d["p"].shape)
    assert p.strides[1] == 0
    y = d["y"]
    if y.ndim == p.ndim:
        y = np.broadcast_to(y[:, :1], y.shape)
    assert_same_as_canonical(case, y, p, d["sw"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_read_only(case, dtype):
    d = inputs(case, dtype)
    for a in d.values():
        a.flags.writeable = False
    assert_same_as_canonical(case, d["y"], d["p"], d["sw"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_memory_mapped_npy(case, dtype, tmp_path):
    d = inputs(case, dtype)
    mapped = {}
    for key, a in d.items():
        path = tmp_path / f"{key}.npy"
        np.save(path, a)
        mapped[key] = np.load(path, mmap_mode="r")
        assert isinstance(mapped[key], np.memmap)
        assert not mapped[key].flags.writeable
    assert_same_as_canonical(case, mapped["y"], mapped["p"], mapped["sw"])
    del mapped


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_big_endian(case, dtype):
    d = inputs(case, dtype)
    be = {k: a.astype(a.dtype.newbyteorder(">")) for k, a in d.items()}
    assert be["p"].dtype.str in (">f8", ">f4")
    if case.targets == "labels":
        assert be["y"].dtype.str == ">i8"
    assert_same_as_canonical(case, be["y"], be["p"], be["sw"])


@pytest.mark.parametrize("half", ["<f2", ">f2"])
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_float16_predictions_match_float32_copy(case, half):
    d = inputs(case, np.float32)
    p16 = d["p"].astype(half)
    assert np.all(np.isfinite(p16))
    assert_same_as_canonical(case, d["y"], p16, d["sw"])   # canonical: float32


@pytest.mark.parametrize("case", cases_where(lambda c: c.targets == "float"))
def test_float16_targets_match_float32_copy(case):
    d = inputs(case, np.float32)
    assert_same_as_canonical(case, d["y"].astype(np.float16), d["p"], d["sw"])


INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


# Every integer dtype with float64 predictions, a few with float32 ones.
INT_TARGET_PARAMS = (
    [pytest.param(np.float64, t, id=f"float64-{t}")
     for t in INT_DTYPES + [">i8", ">i4", ">u2", ">u8"]]
    + [pytest.param(np.float32, t, id=f"float32-{t}")
       for t in ["int8", "uint16", "int64", "uint64", ">i8"]]
)


@pytest.mark.parametrize("dtype, int_dtype", INT_TARGET_PARAMS)
@pytest.mark.parametrize("case", cases_where(lambda c: c.targets in ("labels", "integral")))
def test_integer_targets(case, dtype, int_dtype):
    d = inputs(case, dtype)
    y = np.rint(d["y"])
    assert np.array_equal(y, d["y"]) or case.targets == "integral"
    yi = y.astype(int_dtype)
    assert np.array_equal(yi.astype(np.float64), y)
    assert_same_as_canonical(case, yi, d["p"], d["sw"])   # canonical: int64


SIGN_DTYPES = ["int8", "int16", "int32", "int64", ">i8", ">i2"]


@pytest.mark.parametrize("int_dtype", SIGN_DTYPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.targets == "signs"))
def test_signed_integer_sign_targets(case, dtype, int_dtype):
    d = inputs(case, dtype)
    ys = d["y"].astype(int_dtype)
    assert np.array_equal(ys.astype(np.int64), d["y"])
    assert_same_as_canonical(case, ys, d["p"], d["sw"])   # canonical: int64


@pytest.mark.parametrize("float_dtype", ["float64", "float32", ">f8", "float16"])
@pytest.mark.parametrize("case", cases_where(lambda c: c.targets == "signs"))
def test_float_sign_targets_match_integer_ones(case, float_dtype):
    d = inputs(case, np.float64)
    got = evaluate(case, d["y"].astype(float_dtype), d["p"], d["sw"])
    want = evaluate(case, d["y"], d["p"], d["sw"])
    for g, w in zip(got, want):
        assert_identical(g, w)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.binary))
def test_bool_targets(case, dtype):
    d = inputs(case, dtype)
    yb = d["y"].astype(bool)
    assert np.array_equal(yb.astype(np.float64), d["y"])
    assert_same_as_canonical(case, yb, d["p"], d["sw"])


@pytest.mark.parametrize("dtype", DTYPES)
# (hinge_loss of two classes takes one column of decision values, not two.)
@pytest.mark.parametrize("case", cases_where(lambda c: c.targets == "labels" and c.ndim == 2
                                             and c.name != "hinge_loss"))
def test_bool_labels_of_two_classes(case, dtype):
    # Two-class problems take boolean labels (False -> class 0, True -> class 1).
    d = inputs(case, dtype)
    yb = d["y"] % 2 == 1
    p = d["p"][:, :2]
    if case.rows_sum_to_one:
        p = np.stack([1 - p[:, 1], p[:, 1]], axis=1)
    fixed = {k: v for k, v in case.fixed.items() if k != "class_weight"}
    if "labels" in fixed:
        fixed["labels"] = [0, 1]
    two = replace(case, fixed=fixed)
    assert_same_as_canonical(two, yb, p, d["sw"])


def _shuffled_index(rng, n):
    return rng.permutation(np.arange(1000, 1000 + 3 * n, 3))


def _to_pandas(a, rng):
    import pandas as pd

    index = _shuffled_index(rng, a.shape[0])
    if a.ndim == 1:
        return pd.Series(a, index=index, name="col")
    return pd.DataFrame(a, index=index, columns=[f"c{j}" for j in range(a.shape[1])])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.ndim <= 2))
def test_pandas_with_shuffled_indexes(case, dtype):
    import pandas  # noqa: F401  (a test dependency: fail, do not skip, if missing)
    rng = np.random.default_rng(7)
    d = inputs(case, dtype)
    y, p, sw = (_to_pandas(d[k], rng) for k in ("y", "p", "sw"))
    assert not y.index.equals(p.index)   # indexes never align: values are positional
    assert_same_as_canonical(case, y, p, sw)   # positional: indexes are ignored


@pytest.mark.parametrize(
    "case", cases_where(lambda c: c.targets == "labels" and c.ndim <= 2))
def test_pandas_nullable_integer_labels(case):
    import pandas as pd
    d = inputs(case, np.float64)
    index = _shuffled_index(np.random.default_rng(3), d["y"].shape[0])
    y = pd.Series(d["y"], dtype="Int64", index=index)
    assert_same_as_canonical(case, y, d["p"], d["sw"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_python_lists(case, dtype):
    d = inputs(case, dtype, n=3000)   # lists are slow to build; serial size
    y, p, sw = d["y"].tolist(), d["p"].tolist(), d["sw"].tolist()
    # canonical: np.asarray(list), i.e. float64 (a list of float32 values is
    # the float64 copy of the array).
    assert_same_as_canonical(case, y, p, sw)


@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_combined_oddities(case, tmp_path):
    # A big-endian, memory-mapped, reversed and strided float32 prediction.
    d = inputs(case, np.float32, n=2 * N)
    np.save(tmp_path / "p.npy", d["p"].astype(d["p"].dtype.newbyteorder(">")))
    p = np.load(tmp_path / "p.npy", mmap_mode="r")[::-2]
    y = d["y"][::-2].copy()
    y.flags.writeable = False
    sw = d["sw"][::-2]
    assert_same_as_canonical(case, y, p, sw)
    del p


# --------------------------------------------------------------------------
# The no-copy promise: float32 / float64 predictions are read in place
# --------------------------------------------------------------------------

def _views(a, tmp_path):
    """Non-contiguous / read-only / memory-mapped views holding ``a``'s values."""
    ro = a.copy()
    ro.flags.writeable = False
    path = tmp_path / "a.npy"
    np.save(path, a)
    views = {
        "c_contiguous": a,
        "every_other_row": np.repeat(a, 2, axis=0)[::2],
        "column_slice": _embed_in_wider(a),
        "reversed": a[::-1],
        "broadcast": np.broadcast_to(a[:1], a.shape),
        "read_only": ro,
        "memmap": np.load(path, mmap_mode="r"),
    }
    if a.ndim >= 2:
        views["fortran"] = np.asfortranarray(a)
    return views


def _viewable_as(a, shape):
    """Whether ``a`` can be reshaped to ``shape`` without a copy (NumPy's rule)."""
    v = a.view()
    try:
        v.shape = shape
    except AttributeError:
        return False
    return True


def _assert_in_place(kernel_view, original, what):
    # The kernels read (N, L) or (N, C, S) views.  An N-D array whose strides
    # admit no such view (e.g. a Fortran-ordered 3-D array) is copied once;
    # every other float32/float64 layout must be read in place.
    if _viewable_as(original, kernel_view.shape):
        assert np.shares_memory(kernel_view, original), what
    else:
        np.testing.assert_array_equal(kernel_view, np.reshape(original, kernel_view.shape))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_check_inputs_reads_predictions_in_place(case, dtype, tmp_path):
    d = inputs(case, dtype, n=2000)
    kwargs = options(case.name, **case.fixed, **case.variants[0])
    for layout, p in _views(d["p"], tmp_path).items():
        y = d["y"] if layout != "reversed" else d["y"][::-1]
        x, extra = pred_args(case, p)
        checked = lossmetrics.check_inputs(case.name, y, x, **kwargs, **extra)
        assert checked.y_pred.dtype == np.dtype(dtype), (layout, checked.y_pred.dtype)
        _assert_in_place(checked.y_pred, x, f"{case.id}: {layout} copied")
        for key, a in extra.items():   # x2 of cosine_embedding_loss
            assert checked.params[key].dtype == np.dtype(dtype), (layout, key)
            assert np.shares_memory(checked.params[key], a), f"{case.id}: {layout} copied {key}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", cases_where(lambda c: c.targets not in ("labels", "signs")))
def test_check_inputs_reads_float_targets_in_place(case, dtype, tmp_path):
    d = inputs(case, dtype, n=2000)
    kwargs = options(case.name, **case.fixed, **case.variants[0])
    for layout, y in _views(d["y"], tmp_path).items():
        p = d["p"] if layout != "reversed" else d["p"][::-1]
        if case.rows_sum_to_one and layout == "broadcast":
            continue
        x, extra = pred_args(case, p)
        checked = lossmetrics.check_inputs(case.name, y, x, **kwargs, **extra)
        assert checked.y_true.dtype == np.dtype(dtype), (layout, checked.y_true.dtype)
        _assert_in_place(checked.y_true, y, f"{case.id}: {layout} copied y_true")


def test_check_inputs_cross_entropy_float32_fortran_no_copy():
    rng = np.random.default_rng(0)
    logits = np.asfortranarray(rng.standard_normal((500, 7)).astype(np.float32))
    y = rng.integers(0, 7, 500)
    checked = lossmetrics.check_inputs("cross_entropy", y, logits)
    assert checked.y_pred.dtype == np.float32
    assert np.shares_memory(checked.y_pred, logits)
    # Same values, same strides: a view, not a re-laid-out copy.
    np.testing.assert_array_equal(checked.y_pred[:, :, 0], logits)


@pytest.mark.parametrize("source, expected", [
    (">f8", np.float64), (">f4", np.float32), ("float16", np.float32),
    ("int32", np.float64), ("bool", np.float64),
])
def test_check_inputs_converts_what_kernels_cannot_read(source, expected):
    rng = np.random.default_rng(1)
    y = rng.uniform(0, 1, 100)
    p = rng.uniform(0, 1, 100).astype(source)
    checked = lossmetrics.check_inputs("mean_squared_error", y, p)
    assert checked.y_pred.dtype == np.dtype(expected)
    assert checked.y_pred.dtype.isnative


# --------------------------------------------------------------------------
# float32 input vs the same values in float64
# --------------------------------------------------------------------------

def _as_float64(d):
    return {k: (a.astype(np.float64) if a.dtype == np.float32 else a) for k, a in d.items()}


@pytest.mark.parametrize("case", cases_where(lambda c: True))
def test_float32_agrees_with_float64_to_float32_precision(case):
    d32 = inputs(case, np.float32)
    d64 = _as_float64(d32)
    assert d64["p"].dtype == np.float64
    got = evaluate(case, d32["y"], d32["p"], d32["sw"])
    want = evaluate(case, d64["y"], d64["p"], d64["sw"])
    for g, w in zip(got, want):
        # Per-element work is float64 after reading float32; only the clipping
        # threshold (float32's eps) and 1 - p formed in the input dtype differ.
        if isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray) and g.dtype == np.float64
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=2.5e-7)
        else:
            assert isinstance(g, float)
            np.testing.assert_allclose(g, w, rtol=1e-6)


# The binary brier_score_loss forms the negative class's 1 - p in the input
# dtype, as scikit-learn does (its float32 score depends on that rounding).
@pytest.mark.parametrize("case", cases_where(
    lambda c: c.name not in ("log_loss", "binary_cross_entropy")
    and c.id not in ("brier_score_loss_binary", "d2_brier_score_binary")))
def test_float32_equals_float64_when_nothing_depends_on_the_dtype(case):
    # Without a dtype-dependent clipping step, reading float32 and computing in
    # float64 gives exactly the float64 result on the same (exact) values.
    d32 = inputs(case, np.float32)
    d64 = _as_float64(d32)
    for g, w in zip(evaluate(case, d32["y"], d32["p"], d32["sw"]),
                    evaluate(case, d64["y"], d64["p"], d64["sw"])):
        assert_identical(g, w)
