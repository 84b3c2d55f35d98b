"""
======================================
Regression losses and a single outlier
======================================

Mean squared error, mean absolute error, Huber and smooth L1 losses as
functions of the residual, and what one outlier does to each.
"""

# %%
# The losses as functions of the residual
# ---------------------------------------
#
# :func:`~lossmetrics.huber_loss` and :func:`~lossmetrics.smooth_l1_loss`
# return per-element values with ``reduction="none"``.  The scikit-learn-style
# :func:`~lossmetrics.mean_squared_error` and
# :func:`~lossmetrics.mean_absolute_error` have no such option, but they give
# one value per output with ``multioutput="raw_values"``: a single row whose
# columns are the residuals is exactly the per-element loss.
import matplotlib.pyplot as plt
import numpy as np

import lossmetrics as lm

r = np.linspace(-3, 3, 601)  # residuals y_pred - y_true
zeros = np.zeros_like(r)
curves = {
    "squared error": lm.mean_squared_error(zeros[None], r[None], multioutput="raw_values"),
    "absolute error": lm.mean_absolute_error(zeros[None], r[None], multioutput="raw_values"),
    "Huber, delta=1": lm.huber_loss(zeros, r, delta=1.0, reduction="none"),
    "smooth L1, beta=0.5": lm.smooth_l1_loss(zeros, r, beta=0.5, reduction="none"),
}

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for (name, values), style in zip(curves.items(), ["-", "-", "--", ":"]):
    ax.plot(r, values, style, lw=2, label=name)
ax.axvspan(-1, 1, color="0.92", zorder=0)
ax.text(0, 2.2, "Huber is\nquadratic\nfor |r| < delta", ha="center", va="center",
        fontsize=9)
ax.set(xlabel="residual r = y_pred - y_true", ylabel="loss of one element",
       ylim=(0, 5), title="Per-element regression losses")
ax.legend(loc="upper center", ncols=2)

# %%
# Huber's loss is :math:`r^2/2` below ``delta`` and grows linearly, with slope
# ``delta``, above it.  Smooth L1 is Huber divided by ``beta``: quadratic
# below ``beta`` and then ``|r| - beta/2``, parallel to the absolute error.
# Both are smooth at 0, unlike the absolute error, and grow linearly, unlike
# the squared error.
#
# One outlier
# -----------
#
# Take 99 well-predicted targets (residuals from a standard normal) and one
# target whose residual grows from 0 to 100.  The squared error of the outlier
# soon dominates the mean; the other three losses grow only linearly with it.
rng = np.random.default_rng(0)
y_true = rng.normal(size=100)
y_pred = y_true + rng.normal(scale=0.5, size=100)
sizes = np.linspace(0, 100, 101)


def with_outlier(size):
    pred = y_pred.copy()
    pred[0] = y_true[0] + size
    return pred


means = {
    "MSE": [lm.mean_squared_error(y_true, with_outlier(s)) for s in sizes],
    "MAE": [lm.mean_absolute_error(y_true, with_outlier(s)) for s in sizes],
    "Huber, delta=1": [lm.huber_loss(y_true, with_outlier(s)) for s in sizes],
    "smooth L1, beta=0.5": [lm.smooth_l1_loss(y_true, with_outlier(s), beta=0.5)
                            for s in sizes],
}

# %%
# Robust losses also matter when they are *minimised*: the constant that best
# predicts a sample is its mean under the squared error, its median under the
# absolute error, and something in between under Huber's loss.  We find it by
# evaluating every candidate constant at once: each column of ``candidates``
# is one constant prediction, and ``multioutput="raw_values"`` (or
# ``reduction="none"`` averaged over the rows) scores all columns in one call.
sample = rng.normal(size=50)
grid = np.linspace(-1, 4, 501)
candidates = np.broadcast_to(grid, (sample.size + 1, grid.size))
best = {name: [] for name in ("MSE", "MAE", "Huber, delta=1")}
for s in sizes:
    data = np.append(sample, s)[:, None] * np.ones_like(grid)
    best["MSE"].append(grid[np.argmin(
        lm.mean_squared_error(data, candidates, multioutput="raw_values"))])
    best["MAE"].append(grid[np.argmin(
        lm.mean_absolute_error(data, candidates, multioutput="raw_values"))])
    best["Huber, delta=1"].append(grid[np.argmin(
        lm.huber_loss(data, candidates, reduction="none").mean(axis=0))])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
for name, values in means.items():
    ax1.plot(sizes, values, lw=2, label=name)
ax1.set(xlabel="residual of the outlier", ylabel="mean loss over 100 samples",
        yscale="log", title="Mean loss as one residual grows")
ax1.legend()
for name, values in best.items():
    ax2.plot(sizes, values, lw=2, label=name)
ax2.set(xlabel="value of the outlier (51st point)",
        ylabel="best constant prediction",
        title="Best constant for 50 N(0, 1) points + 1 outlier")
ax2.legend()
plt.show()

# %%
# With the outlier at 100 the mean squared error is hundreds of times its
# value without it, while the others grow a few times; and the best constant
# under the squared error (the mean) follows the outlier, while the median
# and Huber's estimate stay near 0.
for name, values in means.items():
    print(f"{name:20s} no outlier: {values[0]:7.4f}   outlier at 100: {values[-1]:8.4f}")
