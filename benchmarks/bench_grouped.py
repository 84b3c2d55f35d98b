"""log_loss per group: lossmetrics.grouped against one ungrouped call, pandas
``groupby(...).apply`` with scikit-learn's log_loss, and a NumPy ``bincount``
formulation.

Run: ``python -P benchmarks/bench_grouped.py [--n 1e6] [--classes 10]
[--groups 1000] [--repeat 5]``.  Times are the best of ``--repeat`` runs in
one process, a grouped call and its ungrouped call taken in turn; the ratios
are what the issue's goal is stated in (grouped / ungrouped: at most 1.5).
Then the grouped pass of other kernels against their ungrouped call.
"""
import argparse
import math
import time

import numpy as np


def best_of(fn, repeat):
    """(best time, last value) of ``repeat`` calls (the scripts run alone with
    ``python -P``, so each carries this helper)."""
    best, value = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def best_of_pair(first, second, repeat):
    """(best time of ``first``, best time of ``second``, second's last value),
    the two called in turn: a ratio taken while the machine's speed drifts."""
    best_a = best_b = math.inf
    for _ in range(repeat):
        best_a = min(best_a, best_of(first, 1)[0])
        t, value = best_of(second, 1)
        best_b = min(best_b, t)
    return best_a, best_b, value


def numpy_bincount(y, proba, codes, n_groups):
    """The per-group mean of -log p[y] by np.bincount (no validation, no clipping
    beyond scikit-learn's eps: the fastest plain-NumPy formulation)."""
    p = np.clip(proba[np.arange(y.shape[0]), y], np.finfo(proba.dtype).eps, 1.0)
    sums = np.bincount(codes, weights=-np.log(p), minlength=n_groups)
    return sums / np.bincount(codes, minlength=n_groups)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import pandas as pd
    from sklearn.metrics import log_loss as sk_log_loss

    import lossmetrics as lm

    n, c, g = int(args.n), args.classes, args.groups
    rng = np.random.default_rng(0)
    y = rng.integers(0, c, n)
    proba = rng.dirichlet(np.ones(c), n)
    codes = rng.integers(0, g, n)
    labels = np.arange(c)

    t_plain, t_grouped, (keys, ours) = best_of_pair(
        lambda: lm.log_loss(y, proba), lambda: lm.grouped("log_loss", y, proba, codes),
        args.repeat)
    t_numpy, theirs = best_of(lambda: numpy_bincount(y, proba, codes, g), args.repeat)
    frame = pd.DataFrame({"g": codes})

    def pandas_apply():
        return frame.groupby("g").apply(
            lambda part: sk_log_loss(y[part.index], proba[part.index], labels=labels),
            include_groups=False)

    t_pandas, reference = best_of(pandas_apply, 1)
    assert np.allclose(ours, reference.to_numpy(), rtol=1e-12, atol=0)
    assert np.allclose(ours, theirs, rtol=1e-10, atol=0)
    print(f"log_loss, {n:.0e} rows x {c} classes in {g} groups (best of {args.repeat}):")
    print(f"  one ungrouped call            {t_plain * 1e3:9.1f} ms")
    print(f"  lossmetrics.grouped           {t_grouped * 1e3:9.1f} ms   "
          f"{t_grouped / t_plain:5.2f}x the ungrouped call (goal: <= 1.5x)")
    print(f"  NumPy bincount                {t_numpy * 1e3:9.1f} ms   "
          f"grouped is {t_numpy / t_grouped:5.2f}x its speed")
    print(f"  pandas groupby.apply(sklearn) {t_pandas * 1e3:9.1f} ms   "
          f"grouped is {t_pandas / t_grouped:5.1f}x its speed")

    # Other kernels' grouped passes, against one ungrouped call each.
    z = np.log(proba)
    values, predictions = rng.normal(size=10 * n), rng.normal(size=10 * n)
    big_codes = rng.integers(0, g, 10 * n)
    print(f"other losses in {g} groups: grouped / one ungrouped call")
    repeat = args.repeat
    for name, inputs, groups in [
            ("cross_entropy", (y, z), codes),
            ("mean_squared_error", (values, predictions), big_codes),
            ("r2_score", (values, predictions), big_codes),
            ("kl_divergence", (proba, proba[::-1]), codes)]:
        function = getattr(lm, name)
        t_one, t_all, _ = best_of_pair(lambda: function(*inputs),
                                       lambda: lm.grouped(name, *inputs, groups), repeat)
        size = "x".join(str(d) for d in np.shape(inputs[1]))
        print(f"  {name:<20} {size:>11}  {t_one * 1e3:7.1f} ms  {t_all * 1e3:7.1f} ms  "
              f"{t_all / t_one:5.2f}x")


if __name__ == "__main__":
    main()
