"""The README's benchmark table (Markdown), made from a bench_losses.py JSON file
(``benchmarks/results.json``, with bench_dask.py's entry): the one source of
the benchmark figures the documentation shows.

Usage::

    python benchmarks/readme_table.py [benchmarks/results.json]   # print it
    python benchmarks/readme_table.py --write README.md            # put it there

``--write`` replaces the README's text between its bench-table markers; the
test suite checks that the README holds the table of results.json.
"""
import json
import math
import sys

# Ratios and percentages are rounded down, so that a figure shown at a
# target has met it (59.6% is shown as 59%, not 60%).


def _down(value, decimals):
    scale = 10 ** decimals
    return f"{math.floor(value * scale) / scale:.{decimals}f}"


def _ms(seconds):
    return f"{seconds * 1e3:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} us"


def _ratio(other, ours):
    return f"{_down(other / ours, 1)}x" if other else ""


BEGIN = "<!-- bench-table:begin (python benchmarks/readme_table.py --write README.md) -->"
END = "<!-- bench-table:end -->"


PEERS = {"sklearn": "scikit-learn", "torch": "PyTorch", "numpy": "NumPy", "scipy": "SciPy"}
SIZE_NAMES = {"64": "64 rows", "4096": "4096 rows", "large": "1e6 x 10 or 1e7"}


def by_size(report):
    """One row per loss: at each size, lossmetrics' speed-up over the fastest
    peer (the smallest over the loss's workloads of that size) and which peer
    that was; at the large size, the fraction of the read-bandwidth floor."""
    sizes = [s for s in SIZE_NAMES if any(r.get("size") == s for r in report["rows"])]
    cells, floors = {}, {}
    for row in report["rows"]:
        if not row.get("peer_s"):
            continue
        key = (row["loss"], row["size"])
        ratio = row["peer_s"] / row["ours_s"]
        if key not in cells or ratio < cells[key][0]:
            cells[key] = (ratio, PEERS.get(row["peer"], row["peer"]))
        if row["size"] == "large" and row.get("floor_s"):
            floors[row["loss"]] = min(floors.get(row["loss"], 1.0),
                                      row["floor_s"] / row["ours_s"])
    losses = list(dict.fromkeys(r["loss"] for r in report["rows"] if r.get("peer_s")))
    lines = ["| loss | " + " | ".join(SIZE_NAMES[s] for s in sizes) + " | of floor |",
             "|---|" + "---:|" * (len(sizes) + 1)]
    for loss in losses:
        parts = [f"{_down(cells[(loss, s)][0], 1)}x {cells[(loss, s)][1]}"
                 if (loss, s) in cells else "" for s in sizes]
        floor = f"{_down(100 * floors[loss], 0)}%" if loss in floors else ""
        lines.append(f"| `{loss}` | " + " | ".join(parts) + f" | {floor} |")
    return lines


def table(report):
    lines = [f"Run of {report.get('date', 'an undated day')}: lossmetrics "
             f"{report['lossmetrics']}, {report['n_threads']} threads, kernels for "
             f"{report['simd']}, NumPy {report['numpy']}, scikit-learn {report['sklearn']}, "
             f"PyTorch {report['torch']}.", ""]
    if any("size" in row for row in report["rows"]):
        lines += ["Speed-up over the fastest peer (scikit-learn, PyTorch on the CPU, or a "
                  "NumPy/SciPy expression: the time of the fastest divided by lossmetrics' "
                  "time; above 1, lossmetrics is faster), every public loss at three "
                  "sizes, and the share of the read-bandwidth floor reached at the "
                  "largest:", ""]
        lines += by_size(report)
        lines += ["", "Each workload at the largest size:", ""]
    lines += ["| workload | lossmetrics | vs scikit-learn | vs PyTorch | vs NumPy/SciPy | of floor |",
              "|---|---:|---:|---:|---:|---:|"]
    for row in report["rows"]:
        if row.get("size", "large") != "large":
            continue
        ours = row["ours_s"]
        other = _ratio(row["other_s"], ours)
        if other and row["other_name"] == "scipy":
            other += " (scipy)"
        floor = f"{_down(100 * row['floor_s'] / ours, 0)}%" if row["floor_s"] else ""
        lines.append(f"| {row['workload']} | {_ms(ours)} | {_ratio(row['sklearn_s'], ours)} | "
                     f"{_ratio(row['torch_s'], ours)} | {other} | {floor} |")
    for row in report["rows"]:
        if row.get("all_cores_s"):
            lines += ["", f"{row['workload']}: {_ms(row['ours_s'])}; with all "
                      f"{report['n_threads']} threads, timed in turns with it: "
                      f"{_ms(row['all_cores_s'])}, "
                      f"{_down(row['ours_s'] / row['all_cores_s'], 2)}x faster."]
    mem = report["peak_memory_log_loss_bytes"]
    imp = report["import_s"]
    n = "1e5" if report.get("quick") else "1e6"
    ce_input = report.get("cross_entropy_f32_input_bytes", 40e6 / (10 if report.get("quick") else 1))
    lines += [
        "",
        f"Peak extra memory of `log_loss` {n} x 10: {mem['lossmetrics'] / 1e6:.3f} MB "
        f"(scikit-learn: {mem['sklearn'] / 1e6:.0f} MB); `cross_entropy` on float32 "
        f"{n} x 10: {report['peak_memory_cross_entropy_f32_bytes'] / 1e6:.3f} MB "
        f"({100 * report['peak_memory_cross_entropy_f32_bytes'] / ce_input:.2f}% of the input).",
        f"`import lossmetrics`: {imp['lossmetrics'] * 1e3:.0f} ms against "
        f"{imp['numpy'] * 1e3:.0f} ms for `import numpy`.",
    ]
    dask = report.get("dask")
    if dask:
        lines += [
            "",
            f"`lossmetrics.dask.mean_squared_error` on {dask['n']:.0e} samples in "
            f"{dask['n_chunks']} uneven chunks on a {dask['workers']}-worker local cluster "
            f"(`bench_dask.py`, {dask['date']}): {_ms(dask['ours_s'])}, against "
            f"{_ms(dask['dask_s'])} for Dask's `((a - b) ** 2).mean()` "
            f"({_down(dask['dask_s'] / dask['ours_s'], 1)}x), the values "
            f"{dask['relative_difference']:.0e} apart (relative).",
        ]
    return "\n".join(lines)


def with_table(text, report):
    """``text`` (the README) with the table of ``report`` between its markers."""
    head, rest = text.split(BEGIN + "\n", 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + table(report) + "\n" + END + tail


if __name__ == "__main__":
    args = sys.argv[1:]
    write = None
    if args[:1] == ["--write"]:
        write, args = args[1], args[2:]
    path = args[0] if args else "benchmarks/results.json"
    with open(path) as f:
        report = json.load(f)
    if write is None:
        print(table(report))
    else:
        with open(write, encoding="utf-8") as f:
            text = f.read()
        with open(write, "w", encoding="utf-8") as f:
            f.write(with_table(text, report))
