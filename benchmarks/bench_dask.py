"""mean_squared_error over 1e8 samples held in chunks on a local Dask cluster:
``lossmetrics.dask`` against Dask's own expression ``((a - b) ** 2).mean()``.

Run: ``python -P benchmarks/bench_dask.py [--n 1e8] [--chunk 5e6] [--repeat 5]
[--json benchmarks/results.json]``
(needs ``pip install ".[dask]"``).  Starts ``distributed.LocalCluster`` with
two worker processes on 127.0.0.1, makes the data on the workers
(``persist``), then times both, best of ``--repeat`` runs, in one process.
"""
import argparse
import datetime
import json
import math
import time


def best_of(fn, repeat):
    best, value = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e8, help="number of samples")
    parser.add_argument("--chunk", type=float, default=5e6, help="rows per chunk (approx.)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", metavar="PATH",
                        help="store the result under 'dask' in this JSON file (the "
                        "bench_losses.py results, benchmarks/results.json)")
    args = parser.parse_args(argv)

    import dask.array as da
    import distributed

    import lossmetrics.dask as lmd

    n, chunk = int(args.n), int(args.chunk)
    # Uneven chunks: alternate 0.7x and 1.3x the nominal size.
    sizes, left, k = [], n, 0
    while left > 0:
        size = min(left, int(chunk * (0.7 if k % 2 == 0 else 1.3)))
        sizes.append(size)
        left -= size
        k += 1
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                  processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        gen = da.random.default_rng(0)
        a = gen.standard_normal(n, chunks=(tuple(sizes),))
        b = a + 0.1 * gen.standard_normal(n, chunks=(tuple(sizes),))
        a, b = client.persist([a, b])
        distributed.wait([a, b])
        print(f"{n:.3g} float64 samples x 2 arrays ({2 * 8 * n / 1e9:.1f} GB) in "
              f"{len(sizes)} uneven chunks on {args.workers} worker processes")
        t_ours, ours = best_of(lambda: lmd.mean_squared_error(a, b), args.repeat)
        t_dask, ref = best_of(lambda: float(((a - b) ** 2).mean().compute()), args.repeat)
        t_w, ours_w = best_of(lambda: lmd.mean_squared_error(a, b, sample_weight=a * 0 + 1),
                              max(1, args.repeat // 2))
        print(f"lossmetrics.dask.mean_squared_error : {t_ours * 1e3:9.1f} ms  value {ours!r}")
        print(f"dask ((a - b) ** 2).mean()          : {t_dask * 1e3:9.1f} ms  value {ref!r}")
        print(f"  ratio (dask / lossmetrics)        : {t_dask / t_ours:9.2f}x")
        print(f"  relative difference of the values : {abs(ours - ref) / ref:.2e} "
              "(Dask's pairwise float sum vs our compensated sum)")
        print(f"lossmetrics.dask, unit sample_weight given as a Dask expression: "
              f"{t_w * 1e3:.1f} ms, value {ours_w!r}")
    if args.json:
        with open(args.json) as f:
            report = json.load(f)
        report["dask"] = dict(date=datetime.date.today().isoformat(), n=n,
                              n_chunks=len(sizes), workers=args.workers, ours_s=t_ours,
                              dask_s=t_dask, relative_difference=abs(ours - ref) / ref)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
