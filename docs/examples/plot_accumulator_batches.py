"""
==================================================
Running losses in a training loop with Accumulator
==================================================

A training loop sees its data batch by batch and wants the loss of the whole
epoch.  :class:`lossmetrics.Accumulator` keeps the reduced state of a loss
across batches -- a few compensated sums -- and gives exactly the loss of all
the batches together.
"""

# %%
# A small model trained by mini-batch gradient descent
# ----------------------------------------------------
#
# A softmax regression on the digits data set, written in NumPy: its logits
# are ``X @ W + b``.  Each epoch shuffles the training set and takes steps on
# batches of 100 samples (the last batch is smaller).  Two accumulators per
# epoch track the training loss, batch by batch, and the validation loss.
# Both use ``label_smoothing=0.1``, as the training objective does.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import lossmetrics as lm

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
n_classes, smoothing, batch_size = 10, 0.1, 100
rng = np.random.default_rng(0)
W = np.zeros((X.shape[1], n_classes))
b = np.zeros(n_classes)


def logits_of(X):
    return X @ W + b


def gradient(X, y, z):
    """Gradient of the mean smoothed cross-entropy with respect to W and b."""
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    target = np.full_like(p, smoothing / n_classes)
    target[np.arange(y.size), y] += 1 - smoothing
    g = (p - target) / y.size
    return X.T @ g, g.sum(axis=0)


running, train_loss, val_loss, steps_per_epoch = [], [], [], []
for epoch in range(15):
    train_acc = lm.Accumulator("cross_entropy", label_smoothing=smoothing)
    order = rng.permutation(y_train.size)
    for start in range(0, order.size, batch_size):
        idx = order[start:start + batch_size]
        z = logits_of(X_train[idx])
        train_acc.update(y_train[idx], z)   # loss of this batch, before the step
        running.append(train_acc.result())  # running mean over the epoch so far
        gW, gb = gradient(X_train[idx], y_train[idx], z)
        W -= 2.0 * gW
        b -= 2.0 * gb
    train_loss.append(train_acc.result())
    steps_per_epoch.append(train_acc.n_batches)

    val_acc = lm.Accumulator("cross_entropy", label_smoothing=smoothing)
    for start in range(0, y_val.size, batch_size):
        val_acc.update(y_val[start:start + batch_size],
                       logits_of(X_val[start:start + batch_size]))
    val_loss.append(val_acc.result())

print(f"{steps_per_epoch[0]} batches per epoch; after {len(val_loss)} epochs: "
      f"train {train_loss[-1]:.4f}, validation {val_loss[-1]:.4f}")

# %%
# The accumulator equals the one-shot loss
# ----------------------------------------
#
# The validation batches are 100, 100, 100, 100, 100 and 40 samples: the mean
# of the six batch means weighs the last 40 samples like 100.  The accumulator
# adds the sums and the denominators separately and divides once, so it gives
# the loss of the whole validation set, within 1 ulp (here to the last bit).
z_val = logits_of(X_val)
one_shot = lm.cross_entropy(y_val, z_val, label_smoothing=smoothing)
batch_means = [lm.cross_entropy(y_val[s:s + batch_size], z_val[s:s + batch_size],
                                label_smoothing=smoothing)
               for s in range(0, y_val.size, batch_size)]
print(f"accumulator          {val_loss[-1]!r}")
print(f"one-shot             {one_shot!r}")
print(f"mean of batch means  {float(np.mean(batch_means))!r}")
print("accumulator - one-shot, in ulp:", abs(val_loss[-1] - one_shot) / np.spacing(one_shot))

# %%
# Accumulators fed on different workers merge (they pickle, too), and the
# merge is again the loss of everything:
halves = np.array_split(np.arange(y_val.size), 2)
left, right = (lm.Accumulator("cross_entropy", label_smoothing=smoothing)
               .update(y_val[h], z_val[h]) for h in halves)
print("merged halves        ", repr(left.merge(right).result()))

# %%
# The figure: the running training loss within each epoch (it starts each
# epoch at the first batch's loss and settles on the epoch's mean) and the
# per-epoch training and validation losses.
steps = np.arange(1, len(running) + 1) / steps_per_epoch[0]
epochs = np.arange(1, len(val_loss) + 1)
fig, ax = plt.subplots(figsize=(7.5, 4.3), layout="constrained")
ax.plot(steps, running, color="0.6", lw=1, label="running training loss (within epoch)")
ax.plot(epochs, train_loss, "o-", color="C0", label="training loss of the epoch")
ax.plot(epochs, val_loss, "s-", color="C3", label="validation loss")
ax.set(xlabel="epoch", ylabel="cross-entropy (label_smoothing=0.1)", ylim=(0, None),
       title="Softmax regression on digits, batches of 100")
ax.legend()
plt.show()
