"""Accumulator: any split into batches, merged in any order after pickling,
gives the one-shot function's value on the concatenation within 1 ulp."""
import math
import pickle
import zlib

import numpy as np
import pytest

import lossmetrics as lm
from loss_cases import CASES, MEAN_ONLY, MERGEABLE, ROW_ARRAYS, call, options


def assert_within_ulp(got, expected, ulps=1):
    got, expected = np.atleast_1d(got), np.atleast_1d(expected)
    assert got.shape == expected.shape
    for g, e in zip(got.tolist(), expected.tolist()):
        assert abs(g - e) <= ulps * math.ulp(max(abs(g), abs(e))), (g, e)


def accumulator_options(case, y, kwargs, reduction):
    """The case's options as Accumulator(**options) takes them: the classes of
    the whole data declared (batches may miss some) for losses of labels."""
    name = CASES[case].name
    loss = lm.LOSSES[name]
    options = {k: v for k, v in kwargs.items() if k not in ROW_ARRAYS}
    if loss.labels is not None and "pos_label" not in options:
        options["labels"] = np.unique(y)
    if "normalize" in loss.option_names:
        options["normalize"] = reduction == "mean"
    elif name not in MEAN_ONLY:
        options["reduction"] = reduction
    return options


def random_split(rng, n, n_batches):
    cuts = np.sort(rng.choice(np.arange(1, n), size=n_batches - 1, replace=False))
    return np.split(np.arange(n), cuts)


def feed(case, y, pred, kwargs, sw, reduction, batches):
    accs = []
    for idx in batches:
        acc = lm.Accumulator(CASES[case].name,
                             **accumulator_options(case, y, kwargs, reduction))
        extra = {k: np.asarray(v)[idx] for k, v in kwargs.items() if k in ROW_ARRAYS}
        acc.update(y[idx], pred[idx], None if sw is None else sw[idx], **extra)
        accs.append(acc)
    return accs


PARAMS = [(case, reduction) for case, (_, _, reductions, _) in CASES.items()
          for reduction in reductions if reduction != "none" and case in MERGEABLE]


@pytest.mark.parametrize("case,reduction", PARAMS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_any_split_any_merge_order_equals_one_shot(case, reduction, weighted, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{case}-{reduction}-{weighted}".encode()))
    n = 2003
    y, pred, kwargs = CASES[case].make(rng, n, dtype)
    sw = rng.uniform(0.0, 3.0, n) if weighted else None
    if weighted:
        sw[:40] = 0.0   # the first batches may have all-zero weights
    expected = call(lm, case, y, pred, kwargs, reduction, sample_weight=sw)
    for n_batches in (1, 2, 7, 61):
        batches = random_split(rng, n, n_batches)
        if n_batches == 61:
            batches[0] = np.arange(1)   # a one-row batch (the rest in the second)
            batches[1] = np.arange(1, batches[1][-1] + 1)
        accs = feed(case, y, pred, kwargs, sw, reduction, batches)
        # Sequential merge, in order.
        seq = accs[0]
        for other in accs[1:]:
            seq = pickle.loads(pickle.dumps(seq)).merge(other)
        assert_within_ulp(seq.result(), expected)
        assert seq.n_batches == n_batches
        # A tree of pickled accumulators, merged in a shuffled order.
        level = [pickle.loads(pickle.dumps(a)) for a in accs]
        order = rng.permutation(len(level))
        level = [level[i] for i in order]
        while len(level) > 1:
            level = [level[i].merge(level[i + 1]) if i + 1 < len(level) else level[i]
                     for i in range(0, len(level), 2)]
        assert_within_ulp(level[0].result(), expected)


def test_update_on_one_accumulator_equals_one_shot():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 5, 10_000)
    z = rng.normal(size=(10_000, 5)) * 5
    acc = lm.Accumulator("cross_entropy", label_smoothing=0.05, class_weight=[1, 2, 3, 4, 5])
    for idx in random_split(rng, y.size, 13):
        assert acc.update(y[idx], z[idx]) is acc
    expected = lm.cross_entropy(y, z, label_smoothing=0.05, class_weight=[1, 2, 3, 4, 5])
    assert_within_ulp(acc.result(), expected)


def test_multioutput_raw_values_and_weights():
    rng = np.random.default_rng(2)
    y, p = rng.normal(size=(500, 3)), rng.normal(size=(500, 3))
    for metric in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error"):
        for mo in ("raw_values", "uniform_average", [0.2, 0.3, 0.5]):
            acc = lm.Accumulator(metric, multioutput=mo)
            for idx in random_split(rng, 500, 4):
                acc.update(y[idx], p[idx])
            assert_within_ulp(acc.result(), getattr(lm, metric)(y, p, multioutput=mo))


def test_log_loss_batches_missing_classes_and_string_labels():
    rng = np.random.default_rng(3)
    labels = np.array(["ant", "bee", "cat"])
    y = labels[np.sort(rng.integers(0, 3, 300))]      # sorted: each batch lacks classes
    p = rng.dirichlet(np.ones(3), 300)
    acc = lm.Accumulator("log_loss", labels=labels)
    for idx in np.array_split(np.arange(300), 10):
        acc.update(y[idx], p[idx])
    assert_within_ulp(acc.result(), lm.log_loss(y, p))
    # A single batch holding one class is fine with labels (log_loss alone refuses).
    one = lm.Accumulator("log_loss", labels=labels).update(["bee", "bee"], p[:2])
    assert_within_ulp(one.result(), lm.log_loss(["bee", "bee"], p[:2], labels=labels))


def test_binary_log_loss_and_brier_one_class_batches():
    rng = np.random.default_rng(4)
    y = np.sort(rng.integers(0, 2, 400))
    p = rng.uniform(0.01, 0.99, 400)
    for metric in ("log_loss", "brier_score_loss"):
        acc = lm.Accumulator(metric, labels=[0, 1])
        for idx in np.array_split(np.arange(400), 8):     # first batches all zeros
            acc.update(y[idx], p[idx])
        assert_within_ulp(acc.result(), getattr(lm, metric)(y, p))
    # brier_score_loss with pos_label needs no labels.
    acc = lm.Accumulator("brier_score_loss", pos_label=0)
    acc.update(y[:100], p[:100]).update(y[100:], p[100:])
    assert_within_ulp(acc.result(), lm.brier_score_loss(y, p, pos_label=0))


def test_kl_divergence_spatial_and_cosine_x2():
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(4), (60, 3))
    q = rng.dirichlet(np.ones(4), (60, 3))
    acc = lm.Accumulator("kl_divergence")
    acc.update(p[:25], q[:25]).update(p[25:], q[25:])
    assert_within_ulp(acc.result(), lm.kl_divergence(p, q))
    y = np.where(rng.random(60) < 0.5, 1, -1)
    x1, x2 = rng.normal(size=(60, 5)), rng.normal(size=(60, 5))
    acc = lm.Accumulator("cosine_embedding_loss", margin=0.2)
    acc.update(y[:7], x1[:7], x2=x2[:7]).update(y[7:], x1[7:], x2=x2[7:])
    assert_within_ulp(acc.result(), lm.cosine_embedding_loss(y, x1, x2, margin=0.2))


def test_state_is_small_and_keeps_no_data():
    rng = np.random.default_rng(6)
    y, p = rng.normal(size=200_000), rng.normal(size=200_000)
    acc = lm.Accumulator("mean_squared_error").update(y, p)
    assert len(pickle.dumps(acc)) < 2_000


def test_merging_empty_accumulators():
    a = lm.Accumulator("huber_loss", delta=2.0)
    b = lm.Accumulator("huber_loss", delta=2.0).update([0.0, 1.0], [3.0, 1.5])
    assert a.merge(lm.Accumulator("huber_loss", delta=2.0)).n_batches == 0
    assert a.merge(b).result() == lm.huber_loss([0.0, 1.0], [3.0, 1.5], delta=2.0)


@pytest.mark.parametrize("metric,params,match", [
    ("no_such_loss", {}, "metric must be one of"),
    (3, {}, "metric must be one of"),
    ("cross_entropy", {"labels": [0, 1]}, r"unknown option\(s\) \['labels'\]"),
    ("cross_entropy", {"reduction": "none"}, "reduction='none'"),
    ("log_loss", {}, "needs labels"),
    ("brier_score_loss", {}, "needs labels"),
    ("cosine_embedding_loss", {"x2": [[1.0]]}, r"unknown option\(s\) \['x2'\]"),
])
def test_bad_construction(metric, params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        lm.Accumulator(metric, **params)


def test_bad_options_are_reported_by_update_with_the_loss_message():
    acc = lm.Accumulator("cross_entropy", label_smoothing=2.0)
    with pytest.raises(ValueError, match="label_smoothing"):
        acc.update([0, 1], [[0.0, 1.0], [1.0, 0.0]])
    acc = lm.Accumulator("mean_squared_error")
    with pytest.raises(ValueError, match="y_pred"):
        acc.update([1.0, 2.0], [1.0, np.nan])
    assert acc.n_batches == 0


def test_inconsistent_batches_and_merges():
    acc = lm.Accumulator("cross_entropy").update([0, 1], [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="trailing shape"):
        acc.update([0, 1], [[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]])
    other = lm.Accumulator("cross_entropy", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"options differ: label_smoothing=0.1 vs "
                                         r"label_smoothing=0.0"):
        acc.merge(other)
    with pytest.raises(ValueError, match="metrics differ"):
        acc.merge(lm.Accumulator("nll_loss"))
    with pytest.raises(TypeError, match="Accumulator"):
        acc.merge(0.5)
    with pytest.raises(TypeError, match=r"unknown argument\(s\) \['x2'\]"):
        acc.update([0], [[0.0, 1.0]], x2=[[1.0, 2.0]])


def _dtype_dependent_case(case_id):
    return lm.LOSSES[CASES[case_id].name].dtype_dependent


@pytest.mark.parametrize("case", [c for c in MERGEABLE if not _dtype_dependent_case(c)])
def test_batches_of_any_dtypes_give_the_float64_concatenation(case):
    # Issue 20 item 18, one rule: the value depends on the values only, so
    # float32, float64 and integer batches mix (float32 then float64 was refused
    # while int then float was accepted).
    rng = np.random.default_rng(21)
    y, pred, kwargs = CASES[case].make(rng, 300, np.float64)
    name, reduction = CASES[case].name, CASES[case].reductions[0]
    opts = options(name, reduction, **{k: v for k, v in kwargs.items()
                                       if k not in ROW_ARRAYS})
    if lm.LOSSES[name].labels is not None:
        opts.setdefault("labels", np.unique(y))
    parts = [slice(0, 100), slice(100, 200), slice(200, 300)]
    casts = [np.float32, np.float64, np.float32]
    acc = lm.Accumulator(name, **opts)
    whole_pred = pred.copy()
    whole_rows = {k: kwargs[k].copy() for k in ROW_ARRAYS if k in kwargs}
    for part, cast in zip(parts, casts):
        batch_pred = pred[part].astype(cast)
        whole_pred[part] = batch_pred         # the float64 values of the batch
        rows = {}
        for k in whole_rows:
            rows[k] = kwargs[k][part].astype(cast)
            whole_rows[k][part] = rows[k]
        acc.update(y[part], batch_pred, **rows)
    want = call(lm, case, y, whole_pred, {**kwargs, **whole_rows}, reduction,
                **({"labels": opts["labels"]} if "labels" in opts else {}))
    assert_within_ulp(acc.result(), want)


@pytest.mark.parametrize("metric, y, p", [
    ("log_loss", [0, 1], [0.25, 0.75]),
    ("brier_score_loss", [0, 1], [0.25, 0.75]),
    ("binary_cross_entropy", [0.0, 1.0], [0.25, 0.75]),
])
def test_dtype_dependent_losses_keep_one_dtype(metric, y, p):
    opts = {"labels": [0, 1]} if metric != "binary_cross_entropy" else {}
    acc = lm.Accumulator(metric, **opts).update(y, np.array(p, dtype=np.float64))
    acc.update(y, [0.5, 0.5])   # a list: float64
    with pytest.raises(ValueError, match="depends on the dtype"):
        acc.update(y, np.array(p, dtype=np.float32))
    with pytest.raises(ValueError, match="depends on the dtype"):
        acc.merge(lm.Accumulator(metric, **opts).update(y, np.array(p, dtype=np.float32)))


def test_merge_compares_option_values_not_spellings():
    y, z = [0, 2, 1], np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [1.0, 2.0, 0.0]])
    w = [1.0, 0.5, 2.0]
    a = lm.Accumulator("cross_entropy", class_weight=w, n_threads=1).update(y[:1], z[:1])
    b = lm.Accumulator("cross_entropy", class_weight=np.array(w), n_threads=2,
                       reduction="mean", ignore_index=None).update(y[1:], z[1:])
    assert a.merge(b).result() == lm.cross_entropy(y, z, class_weight=w)
    c = lm.Accumulator("log_loss", labels=(0, 1, 2)).update(y, [[.2, .3, .5]] * 3)
    d = lm.Accumulator("log_loss", labels=np.array([0, 1, 2]), normalize=True)
    assert d.merge(c).result() == lm.log_loss(y, [[.2, .3, .5]] * 3)
    e = lm.Accumulator("cross_entropy", class_weight=[1.0, 0.5, 2.5])
    with pytest.raises(ValueError, match="class_weight"):
        a.merge(e)
    with pytest.raises(ValueError, match="normalize=False vs normalize=True"):
        d.merge(lm.Accumulator("log_loss", labels=[0, 1, 2], normalize=False))


def test_cross_entropy_batches_of_indices_and_of_probabilities_do_not_mix():
    # An index batch then a probability batch gave a number no one-shot call gives.
    z = np.array([[0.0, 1.0], [1.0, 0.0]])
    for first, second in (([0, 1], [[0.2, 0.8], [0.5, 0.5]]),
                          ([[0.2, 0.8], [0.5, 0.5]], [0, 1])):
        acc = lm.Accumulator("cross_entropy").update(first, z)
        with pytest.raises(ValueError, match="target_kind"):
            acc.update(second, z)
        other = lm.Accumulator("cross_entropy").update(second, z)
        with pytest.raises(ValueError, match="target_kind"):
            lm.Accumulator("cross_entropy").update(first, z).merge(other)


def test_result_needs_data_and_a_nonzero_weight():
    acc = lm.Accumulator("mean_absolute_error")
    with pytest.raises(ValueError, match="has no data"):
        acc.result()
    acc.update([1.0, 2.0], [0.0, 0.0], sample_weight=[0.0, 0.0])
    with pytest.raises(ValueError, match="non-zero"):
        acc.result()
    acc.update([3.0], [1.0], sample_weight=[2.0])
    assert acc.result() == lm.mean_absolute_error([1.0, 2.0, 3.0], [0.0, 0.0, 1.0],
                                                  sample_weight=[0.0, 0.0, 2.0])
    ce = lm.Accumulator("cross_entropy", ignore_index=-1).update([-1, -1], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="denominator"):
        ce.result()
    assert lm.Accumulator("cross_entropy", ignore_index=-1, reduction="sum").update(
        [-1, -1], np.zeros((2, 3))).result() == 0.0


def test_repr_names_metric_and_options():
    acc = lm.Accumulator("huber_loss", delta=0.5).update([0.0], [1.0])
    assert repr(acc) == "Accumulator('huber_loss', delta=0.5) <1 batch(es)>"


def test_binary_brier_classes_are_checked_across_batches():
    p = np.array([0.1, 0.9, 0.8, 0.3])
    # Two classes per batch, three in all: the one-shot function refuses it.
    with pytest.raises(ValueError, match="multiclass"):
        lm.brier_score_loss([0, 1, 2, 0], p, pos_label=1)
    acc = lm.Accumulator("brier_score_loss", pos_label=1).update([0, 1], p[:2])
    with pytest.raises(ValueError, match="multiclass"):
        acc.update([2, 0], p[2:])
    other = lm.Accumulator("brier_score_loss", pos_label=1).update([2, 2], p[2:])
    with pytest.raises(ValueError, match="multiclass"):
        lm.Accumulator("brier_score_loss", pos_label=1).update([0, 1], p[:2]).merge(other)
    # The positive class taken from labels must be the one the data give.
    y = np.array([1, 1, 2, 2])
    acc = lm.Accumulator("brier_score_loss", labels=[1, 2])
    acc.update(y[:2], p[:2]).update(y[2:], p[2:])
    assert_within_ulp(acc.result(), lm.brier_score_loss(y, p))
    only_ones = lm.Accumulator("brier_score_loss", labels=[1, 2]).update(y[:2], p[:2])
    with pytest.raises(ValueError, match="Pass pos_label explicitly"):
        only_ones.result()    # the function takes 1 as positive for y_true in {1}
