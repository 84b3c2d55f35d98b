"""lossmetrics.dask on a real two-process cluster (distributed.LocalCluster on
127.0.0.1): every loss over uneven chunks equals the in-memory function within
1 ulp, weighted and unweighted."""
import math
import os
import zlib

import dask.array as da
import distributed
import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning

import lossmetrics as lm
import lossmetrics.dask as lmd
from loss_cases import options as options_of, CASES, ROW_ARRAYS


@pytest.fixture(scope="module")
def client():
    # distributed's nanny sets OMP_NUM_THREADS=1 (and more) in this process's
    # environment for its workers; the tests that follow start processes of
    # their own, which must not inherit it.
    environ = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None,
                                      scheduler_port=0) as cluster:
            with distributed.Client(cluster) as c:
                yield c
    finally:
        os.environ.clear()
        os.environ.update(environ)


def assert_within_ulp(got, expected, ulps=1):
    got, expected = np.atleast_1d(np.asarray(got)), np.atleast_1d(np.asarray(expected))
    assert got.shape == expected.shape
    for g, e in zip(got.ravel().tolist(), expected.ravel().tolist()):
        assert g == e or abs(g - e) <= ulps * math.ulp(max(abs(g), abs(e))), (g, e)


def uneven_chunks(rng, n, k):
    cuts = np.sort(rng.choice(np.arange(1, n), size=k - 1, replace=False))
    return tuple(np.diff(np.concatenate([[0], cuts, [n]])).tolist())


def to_dask(x, rows):
    x = np.asarray(x)
    return da.from_array(x, chunks=(rows,) + x.shape[1:])


def call_both(case, y, pred, kwargs, reduction, sw, rng):
    """(in-memory value, dask value) with y_true, predictions, x2 and weights
    chunked differently (lossmetrics.dask rechunks them to the predictions')."""
    name = CASES[case].name
    rows = [uneven_chunks(rng, y.shape[0], k) for k in (5, 9, 3, 4)]
    options = {k: v for k, v in kwargs.items() if k not in ROW_ARRAYS}
    row_arrays = [kwargs[k] for k in ROW_ARRAYS if k in kwargs]
    options = options_of(name, reduction, **options)
    expected = getattr(lm, name)(y, pred, *row_arrays, sample_weight=sw, **options)
    d_args = [to_dask(y, rows[0]), to_dask(pred, rows[1])]
    d_args += [to_dask(a, rows[2]) for a in row_arrays]
    d_sw = None if sw is None else to_dask(sw, rows[3])
    got = getattr(lmd, name)(*d_args, sample_weight=d_sw, **options)
    return expected, got


PARAMS = [(case, reduction) for case, (_, _, reductions, _) in CASES.items()
          for reduction in reductions]


@pytest.mark.parametrize("case,reduction", PARAMS)
@pytest.mark.parametrize("weighted", [False, True])
def test_every_loss_on_uneven_chunks_equals_in_memory(client, case, reduction, weighted):
    rng = np.random.default_rng(zlib.crc32(f"{case}-{reduction}-{weighted}".encode()))
    n = 3001
    y, pred, kwargs = CASES[case].make(rng, n, np.float64)
    sw = None
    if weighted:
        sw = rng.uniform(0.0, 2.0, n)
        sw[:700] = 0.0     # whole chunks of zero weight
    expected, got = call_both(case, y, pred, kwargs, reduction, sw, rng)
    if reduction == "none":
        # Lazy by default, with the predictions' row chunks.
        assert isinstance(got, da.Array) and got.shape == expected.shape
        np.testing.assert_array_equal(got.compute(), expected)
    else:
        assert isinstance(got, (float, np.ndarray))
        assert_within_ulp(got, expected)


@pytest.mark.parametrize("case", ["log_loss", "cross_entropy", "kl_divergence",
                                  "binary_cross_entropy_with_logits", "mean_squared_error"])
def test_float32_chunks(client, case):
    rng = np.random.default_rng(7)
    y, pred, kwargs = CASES[case].make(rng, 2000, np.float32)
    expected, got = call_both(case, y, pred, kwargs, "mean", None, rng)
    assert_within_ulp(got, expected)


def test_log_loss_infers_string_labels_with_one_pass(client):
    rng = np.random.default_rng(8)
    classes = np.array(["ant", "bee", "cat"], dtype=object)
    y = classes[np.sort(rng.integers(0, 3, 1000))]   # chunks lack classes
    p = rng.dirichlet(np.ones(3), 1000)
    got = lmd.log_loss(da.from_array(y, chunks=137), da.from_array(p, chunks=(250, 3)))
    assert_within_ulp(got, lm.log_loss(y, p))
    got = lmd.brier_score_loss(da.from_array(y, chunks=137), da.from_array(p, chunks=(250, 3)))
    assert_within_ulp(got, lm.brier_score_loss(y, p))


def test_binary_1d_probabilities_and_one_class_chunks(client):
    rng = np.random.default_rng(9)
    y = np.sort(rng.integers(0, 2, 1000))
    p = rng.uniform(0.01, 0.99, 1000)
    for name in ("log_loss", "brier_score_loss"):
        got = getattr(lmd, name)(da.from_array(y, chunks=100), da.from_array(p, chunks=300))
        assert_within_ulp(got, getattr(lm, name)(y, p))


def test_numpy_inputs_scalar_weight_and_lazy_result(client):
    rng = np.random.default_rng(10)
    y, p = rng.normal(size=500), rng.normal(size=500)
    assert_within_ulp(lmd.mean_absolute_error(y, p, sample_weight=2.0),
                      lm.mean_absolute_error(y, p, sample_weight=2.0))
    lazy = lmd.huber_loss(da.from_array(y, chunks=77), p, delta=0.5, compute=False)
    assert hasattr(lazy, "dask") and not isinstance(lazy, float)
    assert_within_ulp(lazy.compute(), lm.huber_loss(y, p, delta=0.5))
    lazy = lmd.huber_loss(da.from_array(y, chunks=77), p, reduction="none", compute=False)
    assert isinstance(lazy, da.Array) and lazy.chunks[0][0] == 500
    np.testing.assert_array_equal(lazy.compute(), lm.huber_loss(y, p, reduction="none"))


def test_a_float_var_goes_whole_to_every_chunk(client):
    # gaussian_nll_loss's homoscedastic var may be a Python float, as in
    # memory; other per-row arguments given as a number keep their error.
    rng = np.random.default_rng(11)
    y, p = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    y_d, p_d = da.from_array(y, chunks=70), da.from_array(p, chunks=110)
    assert_within_ulp(lmd.gaussian_nll_loss(y_d, p_d, 0.75, full=True),
                      lm.gaussian_nll_loss(y, p, 0.75, full=True))
    np.testing.assert_array_equal(
        lmd.gaussian_nll_loss(y_d, p_d, 0.75, reduction="none").compute(),
        lm.gaussian_nll_loss(y, p, 0.75, reduction="none"))
    with pytest.raises(ValueError, match="var has negative"):
        lmd.gaussian_nll_loss(y_d, p_d, -0.75)
    with pytest.raises(ValueError, match="x1 and x2 must have the same shape"):
        lmd.margin_ranking_loss(y_d[:, 0], p_d[:, 0], 0.5)


def test_zero_sized_and_unknown_chunks(client):
    rng = np.random.default_rng(11)
    y, p = rng.normal(size=300), rng.normal(size=300)
    y_d = da.from_array(y, chunks=((0, 100, 0, 150, 50, 0),))
    p_d = da.from_array(p, chunks=((0, 100, 0, 150, 50, 0),))
    assert_within_ulp(lmd.mean_squared_error(y_d, p_d), lm.mean_squared_error(y, p))
    keep = y > 0
    keep_d = da.from_array(keep, chunks=70)
    masked_y, masked_p = da.from_array(y, chunks=70)[keep_d], da.from_array(p, chunks=70)[keep_d]
    assert math.isnan(masked_y.chunks[0][0])
    assert_within_ulp(lmd.mean_squared_error(masked_y, masked_p),
                      lm.mean_squared_error(y[keep], p[keep]))


def test_large_many_chunk_tree(client):
    # 1e6 rows in 97 uneven chunks: a three-level tree of merges.
    rng = np.random.default_rng(12)
    n = 1_000_000
    rows = uneven_chunks(rng, n, 97)
    # Made on the workers: the data never travel in the graph.
    gen = da.random.default_rng(12)
    y_d = gen.integers(0, 4, size=n, chunks=rows)
    z_d = gen.standard_normal((n, 4), chunks=(rows, 4), dtype=np.float32)
    y_d, z_d = client.persist([y_d, z_d])
    got = lmd.cross_entropy(y_d, z_d, label_smoothing=0.1)
    y, z = y_d.compute(), z_d.compute()
    assert_within_ulp(got, lm.cross_entropy(y, z, label_smoothing=0.1))


def test_errors_match_the_in_memory_function(client):
    rng = np.random.default_rng(13)
    p = rng.dirichlet(np.ones(3), 100)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        lmd.log_loss(da.zeros(99, chunks=10, dtype=int), da.from_array(p, chunks=10))
    with pytest.raises(ValueError, match="only one label"):
        lmd.log_loss(da.zeros(100, chunks=10, dtype=int), da.from_array(p, chunks=10))
    with pytest.raises(ValueError, match="different number of classes: 2 vs 3"):
        lmd.log_loss(da.arange(100, chunks=10) % 2, da.from_array(p, chunks=10))
    bad = p.copy()
    bad[57, 1] = np.nan
    with pytest.raises(ValueError, match="y_proba") as dask_error:
        lmd.log_loss(da.arange(100, chunks=10) % 3, da.from_array(bad, chunks=10))
    with pytest.raises(ValueError, match="y_proba") as memory_error:
        lm.log_loss(np.arange(100) % 3, bad)
    assert "index" in str(dask_error.value) and "index" in str(memory_error.value)
    with pytest.raises(ValueError, match="non-zero"):
        lmd.mean_squared_error(da.ones(50, chunks=7), da.zeros(50, chunks=9),
                               sample_weight=da.zeros(50, chunks=5))
    with pytest.raises((ValueError, TypeError), match="label_smoothing"):
        lmd.cross_entropy(da.zeros(10, chunks=3, dtype=int), da.zeros((10, 2), chunks=4),
                          label_smoothing=-1.0)
    with pytest.raises(ValueError, match="0 sample"):
        lmd.mean_squared_error(da.zeros(0, chunks=1), da.zeros(0, chunks=1))
    with pytest.raises(ValueError, match="must be an array-like"):
        lmd.mean_squared_error(None, da.zeros(3, chunks=1))


@pytest.mark.parametrize("case,reduction", [(c, r) for c, r in PARAMS if r != "sum"])
def test_errors_name_the_index_in_the_whole_input(client, case, reduction):
    # Issue 20 item 17: a chunk reported its own index (249 for a NaN at 999).
    # Two bad rows in different chunks: the first is reported, as in memory,
    # whatever chunk fails first.
    rng = np.random.default_rng(17)
    n = 3000
    y, pred, kwargs = CASES[case].make(rng, n, np.float64)
    pred = pred.copy()
    pred[[2900, 2345]] = np.nan
    name = CASES[case].name
    options = {k: v for k, v in kwargs.items() if k not in ROW_ARRAYS}
    row_arrays = [kwargs[k] for k in ROW_ARRAYS if k in kwargs]
    options = options_of(name, reduction, **options)
    with pytest.raises(ValueError) as memory_error:
        getattr(lm, name)(y, pred, *row_arrays, **options)
    assert "2345" in str(memory_error.value)
    d_args = [to_dask(y, 300), to_dask(pred, (2400, 300, 300))]
    d_args += [to_dask(a, 300) for a in row_arrays]
    with pytest.raises(ValueError) as dask_error:
        result = getattr(lmd, name)(*d_args, **options)
        if reduction == "none":
            result.compute()
    if reduction == "none":
        # A lazy array's chunks fail independently (one may be computed
        # alone): the index is that of a bad value of the failing chunk.
        assert str(dask_error.value) in (str(memory_error.value),
                                         str(memory_error.value).replace("2345", "2900"))
    else:
        assert str(dask_error.value) == str(memory_error.value)


@pytest.mark.parametrize("name", ["median_absolute_error", "d2_pinball_score",
                                  "d2_absolute_error_score"])
def test_quantile_metrics_in_passes(client, name):
    # Exact quantiles over chunks: ties, zero-weight chunks, several outputs,
    # the pinball quantile's alpha; equal to the in-memory value.
    rng = np.random.default_rng(19)
    n = 2000
    y = rng.integers(-5, 6, (n, 3)).astype(float)
    p = y + rng.integers(-2, 3, (n, 3))
    w = rng.integers(0, 3, n).astype(float)
    w[:500] = 0.0
    options = {"alpha": 0.8} if name == "d2_pinball_score" else {}
    for sw in (None, w):
        for multioutput in ("raw_values", [0.2, 0.3, 0.5]):
            expected = getattr(lm, name)(y, p, sample_weight=sw, multioutput=multioutput,
                                         **options)
            got = getattr(lmd, name)(to_dask(y, 130), to_dask(p, 300),
                                     sample_weight=None if sw is None else to_dask(sw, 450),
                                     multioutput=multioutput, **options)
            assert_within_ulp(got, expected)
    lazy = getattr(lmd, name)(to_dask(y, 130), p, compute=False)
    assert hasattr(lazy, "dask")
    assert_within_ulp(lazy.compute(), getattr(lm, name)(y, p))


def test_metrics_in_passes_keep_the_in_memory_rules(client):
    y = np.array([1.0, 2.0, 4.0, 3.0, 0.5])
    chunks = (1, 1, 2, 1)   # one-row chunks
    for name in ("median_absolute_error", "d2_absolute_error_score", "d2_tweedie_score"):
        with pytest.raises(ValueError, match="Sample weights must contain at least one "
                           "non-zero number"):
            getattr(lmd, name)(to_dask(y, chunks), to_dask(y, 2),
                               sample_weight=np.zeros(5))
    # Fewer than two samples: NaN with scikit-learn's warning, as in memory.
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(lmd.d2_tweedie_score(to_dask([1.0], 1), to_dask([2.0], 1)))
    # The power's domain is checked in one-row chunks too, at the whole index.
    bad = y.copy()
    bad[4] = -1.0    # in the last one-row chunk
    with pytest.raises(ValueError) as memory_error:
        lm.d2_tweedie_score(bad, y, power=1)
    with pytest.raises(ValueError) as dask_error:
        lmd.d2_tweedie_score(to_dask(bad, chunks), to_dask(y, chunks), power=1)
    assert str(dask_error.value) == str(memory_error.value)
    with pytest.raises(ZeroDivisionError):   # scikit-learn's error for a constant y_true
        lmd.d2_tweedie_score(to_dask([2.0] * 4, 1), to_dask(y[:4], 3))


@pytest.mark.parametrize("case", [c for c, case in CASES.items()
                                  if lm.LOSSES[case.name].mergeable])
def test_grouped_on_uneven_chunks_equals_in_memory(client, case):
    rng = np.random.default_rng(zlib.crc32(f"grouped-{case}".encode()))
    n = 1500
    y, pred, kwargs = CASES[case].make(rng, n, np.float64)
    name = CASES[case].name
    reduction = CASES[case].reductions[0]
    groups = rng.choice(np.array(["b", "a", "c"], dtype=object), n)
    groups[:400] = "a"    # chunks that hold one group
    sw = rng.uniform(0.0, 2.0, n)
    rows = [uneven_chunks(rng, n, k) for k in (5, 9, 3, 4, 6)]
    options = options_of(name, reduction,
                         **{k: v for k, v in kwargs.items() if k not in ROW_ARRAYS})
    row_arrays = [kwargs[k] for k in ROW_ARRAYS if k in kwargs]
    keys, expected = lm.grouped(name, y, pred, groups, *row_arrays, sample_weight=sw,
                                **options)
    got_keys, got = lmd.grouped(name, to_dask(y, rows[0]), to_dask(pred, rows[1]),
                                to_dask(groups, rows[4]),
                                *[to_dask(a, rows[2]) for a in row_arrays],
                                sample_weight=to_dask(sw, rows[3]), **options)
    np.testing.assert_array_equal(got_keys, keys)
    # A mean's numerator and denominator are each rounded once from their
    # compensated sums, in either order of merging: their ratio can move by
    # 2 ulp (binary_cross_entropy near 1.0; the same holds for Accumulator).
    assert_within_ulp(got, expected, ulps=2)


def test_grouped_on_dask_names_errors_and_undefined_groups(client):
    y = np.arange(12.0)
    p = y + 1.0
    groups = np.repeat([1, 2, 3], 4)
    w = np.ones(12)
    w[4:8] = 0.0
    with pytest.warns(lm.GroupWarning, match=r"undefined on 1 group\(s\).*2: "):
        keys, values = lmd.grouped("mean_absolute_error", to_dask(y, 5), p,
                                   to_dask(groups, 3), sample_weight=to_dask(w, 7))
    assert keys.tolist() == [1, 2, 3] and np.isnan(values[1])
    keys, values = lmd.grouped("mean_absolute_error", to_dask(y, 5), p,
                               list(zip(groups.tolist(), (groups % 2).tolist())))
    assert keys.tolist() == [(1, 1), (2, 0), (3, 1)] and values.tolist() == [1.0] * 3
    lazy = lmd.grouped("mean_absolute_error", to_dask(y, 5), p, groups, compute=False)
    assert lazy.compute()[1].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="NaN at index 9"):
        lmd.grouped("mean_absolute_error", to_dask(np.where(y == 9, np.nan, y), 5), p,
                    groups)
    with pytest.raises(ValueError, match="no state that merges.*lossmetrics.grouped"):
        lmd.grouped("median_absolute_error", to_dask(y, 5), p, groups)


def test_class_index_error_names_the_flat_index_in_the_whole_input(client):
    rng = np.random.default_rng(18)
    y, z, kwargs = CASES["cross_entropy_kdim"].make(rng, 1000, np.float64)
    y = y.copy()
    y[900, 1, 0] = 7
    with pytest.raises(ValueError) as memory_error:
        lm.cross_entropy(y, z)
    with pytest.raises(ValueError) as dask_error:
        lmd.cross_entropy(to_dask(y, 250), to_dask(z, 250))
    assert str(dask_error.value) == str(memory_error.value)
    with pytest.raises(ValueError) as dask_error:
        lmd.cross_entropy(to_dask(y, 250), to_dask(z, 250), reduction="none").compute()
    assert str(dask_error.value) == str(memory_error.value)


def test_compute_option(client):
    rng = np.random.default_rng(19)
    y, p = rng.normal(size=100), rng.normal(size=100)
    y_d = da.from_array(y, chunks=30)
    assert isinstance(lmd.mse_loss(y_d, p, reduction="none"), da.Array)
    got = lmd.mse_loss(y_d, p, reduction="none", compute=True)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, lm.mse_loss(y, p, reduction="none"))
    assert isinstance(lmd.mse_loss(y_d, p, compute=True), float)
    with pytest.raises(ValueError, match="'compute' parameter of mse_loss must be None"):
        lmd.mse_loss(y_d, p, compute="yes")


def test_same_names_and_signatures_as_the_in_memory_losses():
    import inspect

    for name, spec in lm.LOSSES.items():
        ours = inspect.signature(getattr(lmd, name))
        theirs = inspect.signature(spec.function)
        assert list(ours.parameters)[:-1] == list(theirs.parameters)
        assert list(ours.parameters)[-1] == "compute"
        assert getattr(lmd, name).__doc__ and "Examples" in getattr(lmd, name).__doc__


def test_import_lossmetrics_does_not_import_dask(tmp_path):
    import subprocess
    import sys

    code = ("import sys, lossmetrics; "
            "print(any(m == 'dask' or m.startswith('dask.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.strip() == "False"
