"""log_loss checks y_proba inside its kernel (one pass over the data) and
encodes integer labels without a sort: the errors, warnings and classes must be
those of the eager path, whatever the layout, dtype and position.

References: scikit-learn called live, and NumPy (np.unique, np.argwhere).
"""
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

import lossmetrics as lm
from lossmetrics._losses.labels import encode

RNG = np.random.default_rng(20261122)
N, C = 3000, 7   # several kernel chunks (256 rows) and blocks


def _proba(n=N, c=C):
    return RNG.dirichlet(np.ones(c), n)


def _layouts(p):
    """The same probabilities as C-ordered, Fortran-ordered, a column-strided
    view, a row-strided view, and float32."""
    wide = np.zeros((p.shape[0], 2 * p.shape[1]))
    wide[:, ::2] = p
    tall = np.zeros((2 * p.shape[0], p.shape[1]))
    tall[::2] = p
    return {
        "C": p,
        "F": np.asfortranarray(p),
        "column-strided": wide[:, ::2],
        "row-strided": tall[::2],
        "float32": p.astype(np.float32),
    }


def _first_index(p, value):
    bad = np.isnan(p) if np.isnan(value) else (p == value)
    return tuple(int(v) for v in np.argwhere(bad)[0])


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "row-strided", "float32"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1.5, -0.5])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_bad_probability_is_reported_at_its_index(layout, value, where):
    y = RNG.integers(0, C, N)
    p = _proba()
    i = {"first": 0, "middle": N // 2 + 3, "last": N - 1}[where]
    j = (int(y[i]) + 1) % C if where == "middle" else int(y[i])  # a column not picked
    p[i, j] = value
    p = _layouts(p)[layout]
    with pytest.raises(ValueError):
        skm.log_loss(y, p)
    expected = _first_index(p, np.float32(value) if p.dtype == np.float32 else value)
    with pytest.raises(ValueError, match=rf"index \({expected[0]}, {expected[1]}\)"):
        lm.log_loss(y, p)


@pytest.mark.parametrize("value", [np.nan, np.inf, 1.5, -0.5])
def test_bad_probability_binary_1d(value):
    y = RNG.integers(0, 2, N)
    p = RNG.uniform(0.01, 0.99, N)
    p[N - 5] = value
    with pytest.raises(ValueError):
        skm.log_loss(y, p)
    with pytest.raises(ValueError, match=rf"index {N - 5}\b"):
        lm.log_loss(y, p)
    with pytest.raises(ValueError, match=rf"index \({N - 5}, 0\)"):
        lm.log_loss(y, p[:, None])


@pytest.mark.parametrize("labels", [np.array([0, 1]), np.array([-2, 3])])
@pytest.mark.parametrize("where", [0, 255, 256, N - 1])
def test_binary_1d_labels_and_undeclared_label(labels, where):
    """One column of probabilities: the label picks p or 1 - p (labels 0 and
    1, or any two labels by a look-up), and an undeclared label, in the
    range of the labels or out of it, is reported at its index."""
    y = labels[RNG.integers(0, 2, N)]
    p = RNG.uniform(0.0, 1.0, N)
    p[::9] = 0.0   # clipped to eps
    p[1::11] = 1.0
    assert lm.log_loss(y, p, labels=labels) == pytest.approx(
        skm.log_loss(y, p, labels=labels), rel=1e-13)
    for bad in {labels[0] - 1, labels[0] + 1, labels[-1] + 1} - set(labels.tolist()):
        y_bad = y.copy()
        y_bad[where] = bad
        with pytest.raises(ValueError):
            skm.log_loss(y_bad, p, labels=labels)
        with pytest.raises(ValueError, match=rf"not belonging to the passed labels.*index {where}\b"):
            lm.log_loss(y_bad, p, labels=labels)


def _sklearn_error(fn):
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value)


def test_probability_error_comes_before_label_errors():
    """scikit-learn checks y_proba before the labels: so must we, though our
    scan of y_proba runs after the labels' checks in the common case."""
    p = _proba(50, 3)
    p[7, 1] = np.nan
    y = RNG.integers(0, 3, 50)
    y_undeclared = y.copy()
    y_undeclared[3] = 9
    y_two_classes = np.where(y == 2, 1, y)
    cases = [
        dict(y_true=y_undeclared, labels=[0, 1, 2]),   # a label not declared
        dict(y_true=y_two_classes),                    # 2 classes, 3 columns
        dict(y_true=np.zeros(50, dtype=int)),          # a single class
        dict(y_true=y[:40]),                           # inconsistent lengths
    ]
    for kwargs in cases:
        y_true = kwargs.pop("y_true")
        sk = _sklearn_error(lambda: skm.log_loss(y_true, p, **kwargs))
        assert "NaN" in sk
        with warnings.catch_warnings():
            warnings.simplefilter("error")   # no row-sum warning before the error
            with pytest.raises(ValueError, match="NaN.*index \\(7, 1\\)"):
                lm.log_loss(y_true, p, **kwargs)


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "row-strided", "float32"])
def test_row_sum_warning_in_every_layout(layout):
    y = RNG.integers(0, C, N)
    p = _proba()
    p[N - 2] *= 1.001   # one row (in the last chunk) does not sum to one
    p = _layouts(p)[layout]
    with pytest.warns(UserWarning, match="do not sum to one"):
        skm.log_loss(y, p)
    with pytest.warns(UserWarning, match="do not sum to one"):
        got = lm.log_loss(y, p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = skm.log_loss(y, p)
    assert got == pytest.approx(want, rel=1e-6 if p.dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("layout", ["C", "F", "column-strided", "row-strided", "float32"])
def test_no_row_sum_warning_for_normalised_rows(layout):
    y = RNG.integers(0, C, N)
    p = _layouts(_proba())[layout]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = lm.log_loss(y, p)
        want = skm.log_loss(y, p)
    assert got == pytest.approx(want, rel=1e-6 if p.dtype == np.float32 else 1e-13)


I64 = np.iinfo(np.int64)


def _odd_stride(values):
    """The int64 values as a view whose elements are 9 bytes apart."""
    rec = np.zeros(values.shape[0], dtype=[("pad", "i1"), ("v", "<i8")])
    rec["v"] = values
    assert rec["v"].strides[0] == 9
    return rec["v"]


@pytest.mark.parametrize("y", [
    np.array([3, 1, 2, 2, 1]),
    np.array([-5, 7, -5, 0]),
    np.array([0, 63, 5]),                       # a 64-value window
    np.array([0, 64, 5]),                       # just outside it
    np.array([40, 0]),                          # below y[0] - 32
    np.array([I64.min, I64.min + 3, I64.min]),
    np.array([I64.max, I64.max - 7]),
    np.array([I64.min, I64.max]),               # the window wraps around
    np.array([I64.min, I64.max - 3, I64.min + 1]),
    np.array([0, 10**12, 7]),                   # sparse: the sort-based path
    np.array([True, False, True]),
    np.array([200, 3, 200], dtype=np.uint8),
    np.array([2**63 + 5, 7], dtype=np.uint64),
    np.arange(100)[::-3],                       # strided
    np.arange(64)[::2][::-1],                   # strided, the whole window
    _odd_stride(np.array([5, 3, 5, 4, 70])),    # 9 bytes apart
    _odd_stride(np.array([5, 3, 5, 4])),
    np.array([1.0, 3.0, 1.0]),                  # integral floats
])
def test_integer_classes_match_numpy_unique(y):
    got = encode(y, None).classes
    want = np.unique(y)
    assert got.dtype == want.dtype or (got.dtype.kind in "iu" and want.dtype.kind in "iu")
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_integer_classes_of_large_random_labels(n_threads):
    for lo, width in [(0, 2), (-3, 10), (10**6, 64), (5, 65), (-(2**40), 30)]:
        y = RNG.integers(lo, lo + width, 300_000)
        np.testing.assert_array_equal(encode(y, None, n_threads).classes, np.unique(y))
        np.testing.assert_array_equal(encode(y[::-3], None, n_threads).classes,
                                      np.unique(y[::-3]))
        y[123_457] = lo + 10 * width   # one outlier far away
        np.testing.assert_array_equal(encode(y, None, n_threads).classes, np.unique(y))
        np.testing.assert_array_equal(encode(y[::-3], None, n_threads).classes,
                                      np.unique(y[::-3]))


@pytest.mark.parametrize("labels, bad", [(np.arange(C), "above"), (np.arange(C), "below"),
                                         (np.arange(C) * 3 - 4, "above"),
                                         (np.arange(C) * 3 - 4, "below"),
                                         (np.arange(C) * 3 - 4, "gap")])
@pytest.mark.parametrize("where", [0, 255, 256, N // 2, N - 1])
def test_undeclared_label_is_found_with_labels_given(labels, bad, where):
    """With labels given, y_true is checked against them (by the kernel's
    look-up: a label outside the labels' range, or in a gap between them),
    at either side of a chunk boundary (256 rows) too."""
    y = labels[RNG.integers(0, C, N)]
    p = _proba()
    assert lm.log_loss(y, p, labels=labels) == pytest.approx(
        skm.log_loss(y, p, labels=labels), rel=1e-13)
    y[where] = {"above": labels[-1] + 1, "below": labels[0] - 1, "gap": labels[0] + 1}[bad]
    with pytest.raises(ValueError):
        skm.log_loss(y, p, labels=labels)
    with pytest.raises(ValueError, match=rf"not belonging to the passed labels.*index {where}\b"):
        lm.log_loss(y, p, labels=labels)


def test_undeclared_label_error_order():
    """The kernel finds an undeclared label; its error keeps scikit-learn's
    place: after y_proba's, before the class count's (and its row-sum
    warning), and check_inputs raises it too."""
    labels = np.arange(C)
    y = labels[RNG.integers(0, C, N)]
    y[N - 1005] = 99
    p = _proba()
    with pytest.raises(ValueError, match=r"not belonging .* index 1995"):
        lm.log_loss(y, p, labels=labels)
    with pytest.raises(ValueError, match=r"not belonging .* index 1995"):
        lm.check_inputs("log_loss", y, p, labels=labels)
    with pytest.raises(ValueError, match=r"not belonging .* index 1995"):
        lm.brier_score_loss(y, p, labels=labels)
    # Fewer labels than columns: scikit-learn reports the undeclared label.
    with pytest.raises(ValueError, match="not belonging"):
        skm.log_loss(y, p, labels=labels[:-1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # and no row-sum warning before it
        with pytest.raises(ValueError, match="not belonging"):
            lm.log_loss(y, p, labels=labels[:-1])
    # A bad probability comes first.
    p[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lm.log_loss(y, p, labels=labels)


@pytest.mark.parametrize("n_cols", [2, 3, 7, 8, 9, 10, 16, 17, 25])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_sum_warning_at_every_position_of_the_row_groups(n_cols, dtype):
    # The kernel folds the sums of eight rows at a time (and the rows after
    # the last multiple of eight one by one): one off row anywhere in a group,
    # or in the tail, must warn, as scikit-learn does; an off column anywhere
    # in the row (in the eight-column lanes or the tail) as well.
    n = 8 * 3 + 5
    y = RNG.integers(0, n_cols, n)
    for row in [0, 3, 7, 8, 13, 23, 24, n - 1]:
        p = _proba(n, n_cols)
        p[row, row % n_cols] += 0.01
        p = (p / p.sum(axis=1)[:, None] * np.where(np.arange(n) == row, 1.01, 1.0)[:, None])
        p = np.minimum(p, 1.0).astype(dtype)
        with pytest.warns(UserWarning, match="do not sum to one"):
            skm.log_loss(y, p, labels=np.arange(n_cols))
        with pytest.warns(UserWarning, match="do not sum to one"):
            lm.log_loss(y, p, labels=np.arange(n_cols))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            q = _proba(n, n_cols).astype(dtype)
            skm.log_loss(y, q, labels=np.arange(n_cols))
            lm.log_loss(y, q, labels=np.arange(n_cols))


@pytest.mark.parametrize("special", [63, 64, -1, -33, 95, 96, I64.max, I64.min])
@pytest.mark.parametrize("n", [4, 5, 8, 11])
def test_integer_classes_with_a_window_edge_at_every_position(special, n):
    # The label-window scan reads four labels at a time (then one by one): a
    # value at the window's edge, just outside it, or far away must be found
    # wherever it stands.
    for pos in range(1, n):
        y = np.array([32 + k % 5 for k in range(n)], dtype=np.int64)
        y[pos] = special
        np.testing.assert_array_equal(encode(y, None).classes, np.unique(y))
        np.testing.assert_array_equal(encode(y[::-1], None).classes, np.unique(y))


@pytest.mark.parametrize("n", [1, 7, 8, 63, 64, 65, 200, 1000])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernel_counts_each_unnormalised_row_once(n, dtype):
    # The row-sum check folds 64 rows at a time: every row is checked once,
    # so its count of rows off is NumPy's (rows scaled by 1.01 against rows
    # that sum to 1 well within the tolerance), whatever the row groups.
    from lossmetrics._kernels import kernels
    from lossmetrics._losses.log_loss import _rowsum_tol
    c = 10
    p = _proba(n, c)
    off = RNG.random(n) < 0.3
    p = (p * np.where(off, 1.01, 1.0)[:, None]).astype(dtype)
    tol = _rowsum_tol(np.dtype(dtype))
    expected = int(np.sum(np.abs(p.astype(np.float64).sum(axis=1) - 1.0) > tol))
    assert expected == int(off.sum())
    y = RNG.integers(0, c, n)
    lut = np.arange(c, dtype=np.int64)
    for n_threads in (1, 2):
        _, _, bad, n_off, _ = kernels("_class_kernels").label_proba_kernel(
            0, p, y, 0, lut, False, np.empty(0), tol, False, n_threads)
        assert bad == -1
        assert n_off == expected
