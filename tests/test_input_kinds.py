"""Every kind of array-like works like its clean NumPy equivalent, or gets a
clear error naming the argument.

Kinds: pandas nullable (``Int64``, ``Float64``, ``boolean``) and Arrow-backed
dtypes, polars Series and DataFrames, pyarrow arrays, NumPy masked arrays,
unaligned arrays.  (torch is not a test dependency: what matters of its
tensors -- ``__array__``, ``detach()`` of a tensor in a graph, bfloat16,
which NumPy cannot hold -- is tested with stand-ins here and in
test_check_inputs.)  Each case of the shared table (tests/loss_cases.py) is called with
its inputs converted to each kind, and must give the bits of the call on the
NumPy arrays holding the same values.  A missing value (pandas' ``NA``,
polars' / pyarrow's null, ``None``) is reported like a NaN, naming the
argument and the index; a masked array that masks values is refused (a loss
reads every value: using the values under the mask would be a wrong answer).
"""
import inspect

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import lossmetrics
from loss_cases import CASES, ROW_ARRAYS, call

N = 300


def _pandas_dtype(a, arrow):
    kind = a.dtype.kind
    if arrow:
        return {"b": "bool[pyarrow]", "i": "int64[pyarrow]",
                "f": "double[pyarrow]" if a.dtype.itemsize == 8 else "float[pyarrow]"}[kind]
    return {"b": "boolean", "i": "Int64",
            "f": "Float64" if a.dtype.itemsize == 8 else "Float32"}[kind]


def _pandas(a, arrow=False):
    if a.ndim == 1:
        return pd.Series(a, dtype=_pandas_dtype(a, arrow))
    return pd.DataFrame(a).astype(_pandas_dtype(a, arrow))


def _polars(a):
    return pl.Series(a) if a.ndim == 1 else pl.from_numpy(a)


def _unaligned(a):
    buf = np.zeros(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buf.data, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


KINDS = {
    # name: (converter, the ndims it holds)
    "pandas-nullable": (_pandas, (1, 2)),
    "pandas-arrow": (lambda a: _pandas(a, arrow=True), (1, 2)),
    "polars": (_polars, (1, 2)),
    "pyarrow": (pa.array, (1,)),
    "masked-array": (np.ma.array, (1, 2, 3, 4)),
    "unaligned": (_unaligned, (1, 2, 3, 4)),
}


def _inputs(case_id, dtype):
    y, pred, kwargs = CASES[case_id].make(np.random.default_rng(5), N, dtype)
    return y, pred, kwargs


def _arrays(y, pred, kwargs):
    return [y, pred] + [kwargs[k] for k in ROW_ARRAYS if k in kwargs]


def _results(case_id, y, pred, kwargs):
    out = []
    for reduction in CASES[case_id].reductions:
        out.append(call(lossmetrics, case_id, y, pred, dict(kwargs), reduction))
    return out


def _assert_same_bits(got, want):
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape
        assert g.tobytes() == w.tobytes(), (g, w)


def _params():
    for case_id in CASES:
        for dtype in (np.float64, np.float32):
            for kind in KINDS:
                yield pytest.param(case_id, dtype, kind,
                                   id=f"{case_id}-{np.dtype(dtype).name}-{kind}")


@pytest.mark.parametrize("case_id, dtype, kind", list(_params()))
def test_kind_gives_the_numpy_result(case_id, dtype, kind):
    convert, ndims = KINDS[kind]
    y, pred, kwargs = _inputs(case_id, dtype)
    arrays = _arrays(y, pred, kwargs)
    want = _results(case_id, y, pred, kwargs)
    # Each argument converted alone, so that every argument meets the kind.
    converted_any = False
    for position, a in enumerate(arrays):
        if a.ndim not in ndims:
            continue
        args = list(arrays)
        args[position] = convert(a)
        extra = dict(kwargs, **dict(zip([k for k in ROW_ARRAYS if k in kwargs], args[2:])))
        got = _results(case_id, args[0], args[1], extra)
        _assert_same_bits(got, want)
        converted_any = True
    if kind in ("masked-array", "unaligned"):
        assert converted_any


def _argument_names(case_id):
    function = getattr(lossmetrics, CASES[case_id].name)
    names = [p.name for p in inspect.signature(function).parameters.values()
             if p.kind is p.POSITIONAL_OR_KEYWORD]
    return names


MISSING = {
    # name: a 1-D input with a missing value at index 1, holding ``a``'s values
    "pandas-NA": lambda a: pd.Series(
        [a[0], None, *a[2:]], dtype=_pandas_dtype(a, arrow=False)),
    "pandas-arrow-null": lambda a: pd.Series(
        [a[0], None, *a[2:]], dtype=_pandas_dtype(a, arrow=True)),
    "polars-null": lambda a: pl.Series([a[0].item(), None, *a[2:].tolist()]),
    "pyarrow-null": lambda a: pa.array([a[0].item(), None, *a[2:].tolist()]),
    "object-None": lambda a: np.array([a[0].item(), None, *a[2:].tolist()], dtype=object),
    "masked": lambda a: np.ma.array(a, mask=np.arange(a.size) == 1),
}


def _one_d_params():
    for case_id in CASES:
        y, pred, kwargs = _inputs(case_id, np.float64)
        for position, a in enumerate(_arrays(y, pred, kwargs)):
            if a.ndim != 1:
                continue
            for kind in MISSING:
                yield pytest.param(case_id, position, kind, id=f"{case_id}-{position}-{kind}")


@pytest.mark.parametrize("case_id, position, kind", list(_one_d_params()))
def test_missing_value_names_argument_and_index(case_id, position, kind):
    y, pred, kwargs = _inputs(case_id, np.float64)
    arrays = _arrays(y, pred, kwargs)
    args = list(arrays)
    args[position] = MISSING[kind](arrays[position])
    extra = dict(kwargs, **dict(zip([k for k in ROW_ARRAYS if k in kwargs], args[2:])))
    name = _argument_names(case_id)[position]
    with pytest.raises(ValueError) as info:
        _results(case_id, args[0], args[1], extra)
    message = str(info.value)
    assert name in message, message
    assert "index 1" in message, message
    if kind == "masked":
        assert "masked" in message
    else:
        assert "nan" in message.lower()


def test_bool_labels_with_pandas_NA_are_missing_not_mixed_types():
    # Issue 20 item 12: was "Mix of label input types (string and number)".
    y = pd.Series([True, None, False, True], dtype="boolean")
    for f, p in ((lossmetrics.log_loss, [0.2, 0.3, 0.4, 0.9]),
                 (lossmetrics.brier_score_loss, [0.2, 0.3, 0.4, 0.9])):
        with pytest.raises(ValueError, match=r"contains NaN. y_true has NaN at index 1"):
            f(y, p)


class _BFloat16Tensor:
    """What matters of a torch bfloat16 tensor: NumPy cannot read it (torch
    raises TypeError "Got unsupported ScalarType BFloat16"); its float() can
    be read, and holds the same values."""

    dtype = "torch.bfloat16"

    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float32)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Got unsupported ScalarType BFloat16")

    def float(self):
        return self._values


def test_a_bfloat16_tensor_is_read_as_float32():
    y, z = [0, 2, 1], np.array([[2.0, 1.0, 0.0], [0.0, 1.5, 3.0], [1.0, 2.0, 0.25]],
                               dtype=np.float32)
    assert (lossmetrics.cross_entropy(y, _BFloat16Tensor(z))
            == lossmetrics.cross_entropy(y, z))
    assert (lossmetrics.mse_loss(_BFloat16Tensor(z), z + 1)
            == lossmetrics.mse_loss(z, z + 1))


def test_unaligned_inputs_reach_the_kernels_aligned():
    # Issue 20 item 21: loading a double through a misaligned pointer is
    # undefined in C; such inputs are copied before the kernels.
    rng = np.random.default_rng(2)
    y = _unaligned(rng.integers(0, 3, 100).astype(np.int64))
    p = _unaligned(rng.dirichlet(np.ones(3), 100))
    w = _unaligned(rng.uniform(0.5, 2, 100))
    checked = lossmetrics.check_inputs("log_loss", y, p, sample_weight=w)
    for arr in (checked.y_pred, checked.sample_weight):
        assert arr.flags.aligned
    assert lossmetrics.log_loss(y, p, sample_weight=w) == lossmetrics.log_loss(
        y.copy(), p.copy(), sample_weight=w.copy())
