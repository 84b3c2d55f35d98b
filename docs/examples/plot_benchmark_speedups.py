"""
======================================
Speed against scikit-learn and PyTorch
======================================

How much faster lossmetrics is than scikit-learn, PyTorch (CPU) and plain
NumPy/SciPy on the same inputs, plotted from the committed output of the
benchmark script ``benchmarks/bench_losses.py``.  Nothing is timed while the
documentation is built: timings taken on a documentation builder would mean
little.
"""

# %%
# The data
# --------
#
# ``benchmarks/results.json`` was written by::
#
#     python -P benchmarks/bench_losses.py --json benchmarks/results.json
#
# on a **2-core virtual machine** shared with other work, with lossmetrics,
# scikit-learn and PyTorch in one process and both cores available to each
# (``torch.set_num_threads`` set to lossmetrics' thread count).  Each time is
# the best of several runs.  On a shared 2-core machine the ratios are noisy
# (tens of percent from run to run); on more cores the kernels' parallel
# reductions matter more.  Run the script on your machine for your numbers.
#
# Sphinx-gallery runs an example from its own folder, ``docs/examples/``, so
# the file is two levels up.
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

try:
    here = Path(__file__).resolve().parent
except NameError:  # in a notebook: run from docs/examples/
    here = Path.cwd()
results = json.loads((here / ".." / ".." / "benchmarks" / "results.json").read_text())
print(f"lossmetrics {results['lossmetrics']} (OpenMP: {results['openmp']}, "
      f"{results['n_threads']} threads on {results['usable_cores']} cores, "
      f"kernels for {results.get('simd', 'baseline')}), "
      f"numpy {results['numpy']}, scikit-learn {results['sklearn']}, "
      f"torch {results['torch']}")

table = pd.DataFrame(results["rows"])
if "size" in table:   # every loss runs at three sizes: this figure shows the largest
    table = table[table["size"] == "large"]
rows = table.set_index("workload")
times_ms = rows[["ours_s", "sklearn_s", "torch_s", "other_s"]] * 1e3
times_ms.columns = ["lossmetrics", "scikit-learn", "PyTorch", "NumPy/SciPy"]
print(times_ms.round(3).to_string(na_rep="-"))

# %%
# Speed-ups
# ---------
#
# The speed-up over a library is its time divided by lossmetrics' time on the
# same workload: above 1, lossmetrics is faster.  The x axis is logarithmic.
speedup = pd.DataFrame({
    "scikit-learn": rows["sklearn_s"] / rows["ours_s"],
    "PyTorch (CPU)": rows["torch_s"] / rows["ours_s"],
    "NumPy / SciPy": rows["other_s"] / rows["ours_s"],
})
speedup = speedup.dropna(how="all")

fig, ax = plt.subplots(figsize=(9, 7), layout="constrained")
colors = dict(zip(speedup.columns, ("C0", "C3", "C2")))
height = 0.26
for row, (workload, values) in enumerate(speedup.iterrows()):
    present = values.dropna()
    offsets = (np.arange(len(present)) - (len(present) - 1) / 2) * height
    for offset, (name, value) in zip(offsets, present.items()):
        ax.barh(row + offset, value, height, color=colors[name])
        ax.text(value * 1.05, row + offset, f"{value:.1f}x", va="center", fontsize=8)
ax.axvline(1, color="k", lw=1)
ax.set_yticks(np.arange(len(speedup)), speedup.index)
ax.invert_yaxis()
ax.set_xscale("log")
ax.set_xlim(0.05, max(100.0, 3 * float(np.nanmax(speedup.to_numpy()))))
ax.set_xlabel("speed-up of lossmetrics (other time / lossmetrics time; > 1: faster)")
ax.set_title(f"lossmetrics vs. scikit-learn, PyTorch and NumPy/SciPy\n"
             f"{results['n_threads']} threads, 2-core shared VM, best of "
             f"{results['repeat']} runs")
ax.legend(handles=[Patch(color=c, label=n) for n, c in colors.items()],
          loc="upper center", bbox_to_anchor=(0.5, -0.09), ncols=3)
plt.show()

# %%
# What the figure says, for this machine:
#
# * Against scikit-learn's ``log_loss`` the gain is large: scikit-learn
#   builds a one-hot matrix and several temporaries the size of the input,
#   lossmetrics reads the input once (see the memory figures below).  For
#   small inputs (64 and 4096 rows, below) the gain is scikit-learn's fixed
#   cost of validation.
# * Against PyTorch on CPU, which also runs compiled, multi-threaded kernels,
#   the gain is smaller but steady, 3x to 10x here: PyTorch passes over
#   intermediate tensors (its ``cross_entropy`` materialises the N x C
#   log-softmax, for example) where lossmetrics makes one pass with
#   vectorised ``exp`` and ``log``.  The ratios move by tens of percent from
#   run to run on a shared machine.
# * Against NumPy/SciPy expressions on large arrays, lossmetrics is faster:
#   one pass, no temporary arrays.  On small inputs a NumPy one-liner such as
#   ``np.mean(np.abs(a - b) / np.abs(a))`` often wins: a lossmetrics call
#   validates its inputs (shapes, NaN, weights, options) before its kernel,
#   which costs microseconds (next section).
#
# Every loss at three sizes
# -------------------------
#
# Each public loss runs at 64 rows, 4096 rows and 1e6 x 10 (or 1e7 values),
# against its fastest peer at that size: the quickest of scikit-learn,
# PyTorch and a NumPy/SciPy expression computing the same value.  A bar
# right of the line is a size where lossmetrics is faster than every peer;
# left of it, a peer is faster (for the small sizes, by the per-call cost of
# lossmetrics' validation).
if "size" in pd.DataFrame(results["rows"]):
    every = pd.DataFrame(results["rows"]).dropna(subset=["peer_s"])
    every["speedup"] = every["peer_s"] / every["ours_s"]
    # A loss with several workloads at a size shows its slowest one.
    grid = every.groupby(["loss", "size"], sort=False)["speedup"].min().unstack("size")
    grid = grid[[s for s in ("64", "4096", "large") if s in grid.columns]]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(grid) + 1.5), layout="constrained")
    height = 0.27
    size_colors = {"64": "C1", "4096": "C4", "large": "C0"}
    for k, size in enumerate(grid.columns):
        offset = (k - (len(grid.columns) - 1) / 2) * height
        ax.barh(np.arange(len(grid)) + offset, grid[size], height,
                color=size_colors[size], label={"64": "64 rows", "4096": "4096 rows",
                                                "large": "1e6 x 10 or 1e7"}[size])
    ax.axvline(1, color="k", lw=1)
    ax.set_yticks(np.arange(len(grid)), grid.index)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("speed-up over the fastest peer (peer time / lossmetrics time)")
    ax.set_title("Every loss at three sizes, against its fastest peer")
    ax.legend(loc="lower right")
    plt.show()
    print(grid.round(2).to_string())
#
# The benchmark also measures memory: the peak extra memory of one call.
mem = results["peak_memory_log_loss_bytes"]
print(f"log_loss 1e6 x 10: lossmetrics {mem['lossmetrics'] / 1e6:.3f} MB, "
      f"scikit-learn {mem['sklearn'] / 1e6:.1f} MB")
