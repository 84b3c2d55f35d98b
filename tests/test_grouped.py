"""lossmetrics.grouped and Accumulator(groups=True): each group's value against
the plain function called on that group's rows (the independent reference),
for every case of the case table."""
import math
import pickle
import warnings
import zlib

import numpy as np
import pandas as pd
import polars as pl
import pytest

import lossmetrics as lm
from loss_cases import CASES, ROW_ARRAYS, call, options as options_of, take_rows


def assert_within_ulp(got, expected, ulps=1):
    got, expected = np.atleast_1d(np.asarray(got)), np.atleast_1d(np.asarray(expected))
    assert got.shape == expected.shape, (got.shape, expected.shape)
    for g, e in zip(got.ravel().tolist(), expected.ravel().tolist()):
        assert g == e or abs(g - e) <= ulps * math.ulp(max(abs(g), abs(e))), (g, e)


def _plain_per_group(case, y, pred, kwargs, reduction, sw, groups):
    """The plain function on each group's rows, in sorted key order, with the
    labels of the whole input (a group may lack a class)."""
    name = CASES[case].name
    extra = {}
    if lm.LOSSES[name].labels is not None and np.ndim(y) == 1 and "labels" not in kwargs:
        extra["labels"] = np.unique(y)
    values = []
    for key in np.unique(groups):
        rows = np.flatnonzero(groups == key)
        try:
            values.append(call(lm, case, np.asarray(y)[rows], np.asarray(pred)[rows],
                               take_rows(kwargs, rows), reduction,
                               sample_weight=None if sw is None else sw[rows], **extra))
        except ValueError as exc:
            if "undefined" not in str(exc):
                raise
            values.append(np.nan)   # (grouped gives NaN, with a GroupWarning)
    return np.unique(groups), np.array(values, dtype=np.float64)


def _grouped(module, case, y, pred, kwargs, reduction, sw, groups):
    name = CASES[case].name
    row_arrays = [kwargs[k] for k in ROW_ARRAYS if k in kwargs]
    options = options_of(name, reduction,
                         **{k: v for k, v in kwargs.items() if k not in ROW_ARRAYS})
    return module.grouped(name, y, pred, groups, *row_arrays, sample_weight=sw, **options)


PARAMS = [(case, reduction) for case, (_, _, reductions, _) in CASES.items()
          for reduction in reductions if reduction != "none"]


@pytest.mark.parametrize("case,reduction", PARAMS)
@pytest.mark.parametrize("weighted", [False, True])
def test_every_loss_per_group_equals_the_plain_function(case, reduction, weighted):
    rng = np.random.default_rng(zlib.crc32(f"{case}-{reduction}-{weighted}".encode()))
    n = 240
    y, pred, kwargs = CASES[case].make(rng, n, np.float64)
    groups = rng.integers(-2, 3, n) * 10     # five groups, negative keys too
    sw = None
    if weighted:
        sw = rng.uniform(0.0, 2.0, n)
        sw[:40] = 0.0
    keys, values = _grouped(lm, case, y, pred, kwargs, reduction, sw, groups)
    expected_keys, expected = _plain_per_group(case, y, pred, kwargs, reduction, sw, groups)
    np.testing.assert_array_equal(keys, expected_keys)
    assert_within_ulp(values, expected)


def test_a_group_lacking_classes_scores_with_the_whole_inputs_labels():
    rng = np.random.default_rng(1)
    y = np.array(["ant", "bee", "cat"] * 20, dtype=object)
    p = rng.dirichlet(np.ones(3), 60)
    groups = np.where(y == "cat", "only cats", "others")
    keys, values = lm.grouped("log_loss", y, p, groups)
    assert keys.tolist() == ["only cats", "others"]
    cats = y == "cat"
    labels = ["ant", "bee", "cat"]
    assert_within_ulp(values, [lm.log_loss(y[cats], p[cats], labels=labels),
                               lm.log_loss(y[~cats], p[~cats], labels=labels)])
    # As scikit-learn's own function on the group with labels= says:
    from sklearn.metrics import log_loss
    assert_within_ulp(values[0], log_loss(y[cats], p[cats], labels=["ant", "bee", "cat"]))


def test_undefined_groups_are_nan_and_named_in_one_warning():
    y = np.arange(8.0)
    p = y + 1.0
    groups = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    w = np.array([1.0, 1.0, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0])
    with pytest.warns(lm.GroupWarning, match=r"undefined on 2 group\(s\).*1: .*Sample "
                      r"weights.*3: "):
        keys, values = lm.grouped("mean_absolute_error", y, p, groups, sample_weight=w)
    assert np.isnan(values[[1, 3]]).all() and values[[0, 2]].tolist() == [1.0, 1.0]
    # Every target ignored (PyTorch's NaN): the group, not the call.
    target = np.array([0, 1, 2, 2, 1, 0])
    logits = np.random.default_rng(2).normal(size=(6, 3))
    with pytest.warns(lm.GroupWarning, match="'b'"):
        keys, values = lm.grouped("cross_entropy", target, logits,
                                  ["a", "a", "b", "b", "a", "a"], ignore_index=2)
    assert np.isnan(values[1]) and np.isfinite(values[0])
    # A D² of one row: NaN, with scikit-learn's reason.
    with pytest.warns(lm.GroupWarning, match="less than two samples"):
        keys, values = lm.grouped("d2_absolute_error_score", y[:3], p[:3] * 2, [0, 0, 1])
    assert np.isnan(values[1]) and values[0] == lm.d2_absolute_error_score(y[:2], p[:2] * 2)


def test_pandas_polars_and_several_key_columns():
    rng = np.random.default_rng(3)
    n = 500
    y, p = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    region = rng.choice(["north", "south"], n)
    day = rng.integers(1, 4, n)
    frame = pd.DataFrame({"region": region, "day": day})
    got = lm.grouped("mean_squared_error", pd.DataFrame(y, columns=["a", "b"]), p, frame,
                     multioutput="raw_values")
    expected = pd.DataFrame(y, columns=["a", "b"]).assign(region=region, day=day).groupby(
        ["region", "day"]).apply(lambda g: pd.Series(lm.mean_squared_error(
            g[["a", "b"]].to_numpy(), p[g.index], multioutput="raw_values"),
            index=["a", "b"]))
    assert list(got.index) == list(expected.index) and got.index.names == ["region", "day"]
    assert list(got.columns) == ["a", "b"]
    assert_within_ulp(got.to_numpy(), expected.to_numpy())
    # A Series of keys (a categorical's values): a Series named like pandas'.
    series = lm.grouped("mean_absolute_error", y[:, 0], p[:, 0],
                        pd.Series(region, name="region", dtype="category"))
    assert series.name == "mean_absolute_error" and series.index.name == "region"
    assert_within_ulp(series.to_numpy(), [lm.mean_absolute_error(y[region == k, 0],
                                                                 p[region == k, 0])
                                          for k in ("north", "south")])
    # NumPy keys of several columns: a structured array.
    keys, values = lm.grouped("mean_absolute_error", y[:, 0], p[:, 0], [region, day])
    assert keys.dtype.names == ("key0", "key1") and keys.shape == (6,)
    assert keys[0].tolist() == ("north", 1)
    # ... and a list of one tuple per row is the same grouping.
    tuples = lm.grouped("mean_absolute_error", y[:, 0], p[:, 0],
                        list(zip(region.tolist(), day.tolist())))
    np.testing.assert_array_equal(tuples[0], keys)
    np.testing.assert_array_equal(tuples[1], values)
    # polars in, polars out.
    out = lm.grouped("mean_absolute_error", pl.Series("y", y[:, 0]), p[:, 0],
                     pl.Series("region", region))
    assert out.columns == ["region", "mean_absolute_error"]
    assert out["region"].to_list() == ["north", "south"]
    assert_within_ulp(out["mean_absolute_error"].to_numpy(), series.to_numpy())


def test_accumulator_with_groups_merges_and_pickles():
    rng = np.random.default_rng(4)
    n = 1000
    y = rng.integers(0, 3, n)
    p = rng.dirichlet(np.ones(3), n)
    groups = rng.choice(["x", "y", "z"], n)
    groups[:300] = "x"    # a first batch with one group only
    parts = []
    for lo, hi in ((0, 300), (300, 720), (720, 1000)):
        parts.append(lm.Accumulator("log_loss", groups=True, labels=[0, 1, 2]).update(
            y[lo:hi], p[lo:hi], groups=groups[lo:hi]))
    merged = pickle.loads(pickle.dumps(parts[2])).merge(parts[0]).merge(parts[1])
    keys, values = merged.result()
    expected_keys, expected = lm.grouped("log_loss", y, p, groups)
    np.testing.assert_array_equal(keys, expected_keys)
    assert_within_ulp(values, expected)
    assert merged.n_batches == 3


def test_errors_name_the_argument():
    y, p = np.arange(6.0), np.arange(6.0) + 1
    with pytest.raises(ValueError, match="groups has 5 keys for 6 rows"):
        lm.grouped("mean_squared_error", y, p, [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match=r"missing key\) at index 2"):
        lm.grouped("mean_squared_error", y, p, [1.0, 2.0, np.nan, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"got None \(a missing key\) at index 1"):
        lm.grouped("mean_squared_error", y, p, np.array(["a", None] * 3, dtype=object))
    with pytest.raises(TypeError, match="hashable keys; got \\[1\\] at index 0"):
        lm.grouped("mean_squared_error", y, p, np.array([[1], 2, 3, 4, 5, 6], dtype=object))
    with pytest.raises(ValueError, match="must be 1-D"):
        lm.grouped("mean_squared_error", y, p, np.zeros((6, 2)))
    with pytest.raises(ValueError, match="reduction='none'"):
        lm.grouped("mse_loss", y, p, [1] * 6, reduction="none")
    with pytest.raises(ValueError, match="NaN at index 4"):   # the whole input's index
        lm.grouped("mean_squared_error", y, np.where(y == 4, np.nan, p), [1, 2] * 3)
    # The checks a grouped kernel makes as it reads (log_loss's range of
    # probabilities, its labels) raise the plain call's errors, at whole-input indices.
    proba = np.full((6, 2), 0.5)
    proba[3] = [1.5, -0.5]
    with pytest.raises(ValueError, match=r"greater than 1: 1.5 \(y_proba at index \(3, 0\)\)"):
        lm.grouped("log_loss", [0, 1] * 3, proba, [1, 2] * 3)
    with pytest.raises(ValueError, match="not belonging to the passed labels"):
        lm.grouped("log_loss", [0, 1, 2, 0, 1, 0], np.full((6, 2), 0.5), [1, 2] * 3,
                   labels=[0, 1])
    with pytest.raises(ValueError, match="groups=True, and only there"):
        lm.Accumulator("mean_squared_error").update(y, p, groups=[1] * 6)
    with pytest.raises(ValueError, match="groups=True, and only there"):
        lm.Accumulator("mean_squared_error", groups=True).update(y, p)
    with pytest.raises(ValueError, match="groups must be True or False"):
        lm.Accumulator("mean_squared_error", groups="yes")
    with pytest.raises(ValueError, match="Cannot merge"):
        lm.Accumulator("mean_squared_error", groups=True).merge(
            lm.Accumulator("mean_squared_error"))


# One case of each kernel (the grouped pass of each, and a rounds metric).
KERNEL_CASES = ["log_loss", "brier_score_loss_binary", "cross_entropy", "cross_entropy_soft",
                "mean_squared_error", "binary_cross_entropy_with_logits", "r2_score",
                "max_error", "d2_log_loss_score", "zero_one_loss", "hinge_loss_multiclass",
                "kl_divergence", "jensen_shannon_divergence", "multi_margin_loss",
                "multilabel_margin_loss", "gaussian_nll_loss", "cosine_embedding_loss",
                "triplet_margin_loss", "median_absolute_error"]


@pytest.mark.parametrize("case", KERNEL_CASES)
def test_many_groups_each_equal_the_plain_function(case):
    # More groups than the kernels' super-blocks hold rows of: most groups
    # are missing from most super-blocks, and a few have one row.
    rng = np.random.default_rng(zlib.crc32(("many-" + case).encode()))
    n = 6000
    y, pred, kwargs = CASES[case].make(rng, n, np.float64)
    groups = np.minimum(rng.integers(0, 300, n), rng.integers(0, 300, n))
    sw = rng.uniform(0.5, 2.0, n)
    with warnings.catch_warnings():
        # (a D² of a one-row group: a GroupWarning here, scikit-learn's warning
        # in the plain call; both NaN, compared below)
        warnings.simplefilter("ignore")
        keys, values = _grouped(lm, case, y, pred, kwargs, "mean", sw, groups)
        expected_keys, expected = _plain_per_group(case, y, pred, kwargs, "mean", sw, groups)
    np.testing.assert_array_equal(keys, expected_keys)
    np.testing.assert_array_equal(np.isnan(values), np.isnan(expected))
    assert_within_ulp(values[~np.isnan(values)], expected[~np.isnan(expected)])


@pytest.mark.parametrize("case", KERNEL_CASES)
def test_the_same_bits_for_every_thread_count(case):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    n = 300_000    # groups larger than one take of rows (65,536)
    y, pred, kwargs = CASES[case].make(rng, n, np.float64)
    groups = rng.integers(0, 3, n)
    runs = [_grouped(lm, case, y, pred, dict(kwargs, n_threads=t), "mean", None, groups)
            for t in (1, 2, 3)]
    for keys, values in runs[1:]:
        np.testing.assert_array_equal(keys, runs[0][0])
        np.testing.assert_array_equal(values, runs[0][1])
    # ... and each group's value is the plain function's on its rows.
    _, expected = _plain_per_group(case, y, pred, kwargs, "mean", None, groups)
    assert_within_ulp(runs[0][1], expected)
