"""
=============================================
Out-of-core evaluation on a Dask cluster
=============================================

An evaluation set too large for one machine lives in chunks on the workers
of a Dask cluster.  :mod:`lossmetrics.dask` has every loss under the same
name and signature as the in-memory function: each chunk runs the same
validation and Cython kernel where the chunk lives and sends back a few
compensated sums; a tree reduction merges them.  The value is the in-memory
value, within 1 ulp, however the data are chunked.

The common shortcut -- averaging the per-chunk losses -- is biased as soon as
chunks differ in size or content.  This example shows both on a two-worker
cluster.
"""

# %%
# A local cluster and a drifting stream of predictions
# ----------------------------------------------------
#
# Two workers (threads of this process).  The data are made on the workers
# (nothing travels through the client): 2 million binary predictions in 23
# chunks of uneven size, whose quality drifts from chunk to chunk, as the
# predictions of a model do when the data change over time.
import dask.array as da
import distributed
import matplotlib.pyplot as plt
import numpy as np

import lossmetrics as lm
import lossmetrics.dask as lmd

# Two workers in this process (threads): the script runs as it is, downloaded
# or in the gallery.  A cluster of worker processes (processes=True) needs the
# code that starts it under ``if __name__ == "__main__":``, as any script
# whose workers are spawned.
cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                   dashboard_address=None)
client = distributed.Client(cluster)

rng = np.random.default_rng(0)
sizes = tuple(int(s) for s in rng.integers(20_000, 160_000, 23))
n = sum(sizes)
gen = da.random.default_rng(0)
y = (gen.random(n, chunks=(sizes,)) < 0.3).astype(np.int64)
# The signal weakens along the stream: later chunks are harder to predict.
strength = 3.0 - 2.5 * da.linspace(0, 1, n, chunks=(sizes,))
logit = (2 * y - 1) * strength + gen.standard_normal(n, chunks=(sizes,))
proba = 1 / (1 + da.exp(-logit))
y, proba, logit = client.persist([y, proba, logit])
print(f"{n} samples in {len(sizes)} chunks of {min(sizes)} to {max(sizes)} rows")

# %%
# The loss over all the chunks
# ----------------------------
#
# :func:`lossmetrics.dask.log_loss` infers the labels with one pass over
# ``y`` (or takes ``labels=``), then reduces chunk by chunk.  Compared here
# with the in-memory function on the gathered arrays -- which only works
# because this example is small.
ours = lmd.log_loss(y, proba)
in_memory = lm.log_loss(y.compute(), proba.compute())
print(f"lossmetrics.dask.log_loss : {ours!r}")
print(f"lossmetrics.log_loss      : {in_memory!r}")

# The same for a loss of logits, weighted by a Dask array:
weights = 1.0 + (y == 1)
print(lmd.binary_cross_entropy_with_logits(y.astype(float), logit, sample_weight=weights),
      lm.binary_cross_entropy_with_logits(y.compute().astype(float), logit.compute(),
                                          sample_weight=weights.compute()))

# %%
# ``compute=False`` gives a lazy ``dask.delayed`` object, to compute with
# other results in one pass over the data:
import dask  # noqa: E402

lazy_bce = lmd.binary_cross_entropy(y.astype(float), proba, compute=False)
lazy_brier = lmd.brier_score_loss(y, proba, pos_label=1, compute=False)
print(dask.compute(lazy_bce, lazy_brier))

# %%
# Why not average the per-chunk losses?
# -------------------------------------
#
# Each chunk's own loss, against the loss of everything.  The mean of the
# per-chunk means weighs a chunk of 20,000 rows like one of 160,000: with
# chunks of uneven size and drifting difficulty it is off by far more than
# rounding.
chunk_losses = np.array(dask.compute(*[dask.delayed(lm.log_loss)(yc, pc, labels=[0, 1])
                                       for yc, pc in zip(y.to_delayed().ravel(),
                                                         proba.to_delayed().ravel())]))
naive = chunk_losses.mean()
print(f"mean of chunk means: {naive:.6f}   exact: {ours:.6f}   "
      f"relative error {abs(naive - ours) / ours:.1%}")

starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
ax.bar(starts, chunk_losses, width=np.array(sizes), align="edge", color="#9ecae1",
       edgecolor="white", label="log loss of each chunk (bar width = chunk size)")
ax.axhline(ours, color="#08519c", lw=2.5,
           label=f"lossmetrics.dask.log_loss = in-memory value ({ours:.4f})")
ax.axhline(naive, color="#d94801", lw=2, ls="--",
           label=f"mean of the chunk losses ({naive:.4f}): biased")
ax.set_xlabel("sample index (position in the stream)")
ax.set_ylabel("log loss")
ax.set_title("Chunked evaluation on a 2-worker Dask cluster")
ax.set_xlim(0, n)
ax.legend(loc="upper left", fontsize=9)
plt.show()

# %%
# Any chunking gives the same value
# ---------------------------------
#
# Rechunking the same data five ways changes nothing beyond the last bit:
for rows in (7_919, 100_000, 333_333, n // 2 + 1, n):
    value = lmd.log_loss(y.rechunk(rows), proba.rechunk(rows), labels=[0, 1])
    print(f"chunks of {rows:>9} rows: {value!r}")

client.close()
cluster.close()
