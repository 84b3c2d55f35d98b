"""Print the README's benchmark table (Markdown) from a bench_losses.py JSON file.

Usage::

    python benchmarks/readme_table.py [benchmarks/results.json]
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


def table(report):
    lines = ["| workload | lossmetrics | vs scikit-learn | vs PyTorch | vs NumPy/SciPy | of floor |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in report["rows"]:
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
    return "\n".join(lines)


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results.json"
    with open(path) as f:
        print(table(json.load(f)))
