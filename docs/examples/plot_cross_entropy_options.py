"""
==================================================
Label smoothing and class weights in cross-entropy
==================================================

Two options of :func:`~lossmetrics.cross_entropy` that change what the loss
rewards: ``label_smoothing`` stops it from rewarding ever larger logits, and
``class_weight`` changes how much each class counts in the mean.
"""

# %%
# Label smoothing penalises over-confidence
# -----------------------------------------
#
# Take 5 classes and logits that put a margin ``s`` on the true class (its
# logit is ``s``, the others 0).  Without smoothing the loss falls towards 0
# as ``s`` grows, so training keeps pushing the logits apart.  With
# ``label_smoothing=eps`` the target is mixed with the uniform distribution:
# :math:`(1 - \varepsilon)\,\mathrm{onehot} + \varepsilon / C`, and the loss
# has a minimum at a finite margin, :math:`s^* = \log(1 + C(1-\varepsilon)/\varepsilon)`.
# All margins are evaluated in one call with ``reduction="none"``.
import matplotlib.pyplot as plt
import numpy as np

import lossmetrics as lm

n_classes = 5
margins = np.linspace(0, 12, 241)
logits = np.zeros((margins.size, n_classes))
logits[:, 0] = margins
targets = np.zeros(margins.size, dtype=np.int64)

fig, ax1 = plt.subplots(figsize=(6.4, 4.3), layout="constrained")
for eps in (0.0, 0.05, 0.1, 0.2):
    loss = lm.cross_entropy(targets, logits, label_smoothing=eps, reduction="none")
    line, = ax1.plot(margins, loss, lw=2, label=f"label_smoothing={eps}")
    if eps > 0:
        best = np.log(1 + n_classes * (1 - eps) / eps)
        ax1.plot(margins[np.argmin(loss)], loss.min(), "o", color=line.get_color())
        print(f"eps={eps}: minimum at margin {margins[np.argmin(loss)]:.2f} "
              f"(formula: {best:.2f})")
ax1.set(xlabel="margin s of the true class's logit", ylabel="cross-entropy",
        ylim=(0, 2), title=f"One sample, {n_classes} classes")
ax1.legend()
plt.show()

# %%
# Class weights: who counts in the mean
# -------------------------------------
#
# An imbalanced three-class problem: a logistic regression fitted on 80% /
# 15% / 5% of the classes.  Its logits (``decision_function``) go to
# :func:`~lossmetrics.cross_entropy`.  With ``class_weight`` each sample's loss
# is multiplied by its class's weight, **and** the ``'mean'`` divides by the
# sum of those weights, so the mean stays a weighted average.  The
# ``reduction="none"`` values already hold the weights; we add them up per
# class to see each class's share of the mean.
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=4000, n_features=8, n_informative=5,
                           n_classes=3, weights=[0.8, 0.15, 0.05], class_sep=0.8,
                           random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scores = LogisticRegression().fit(X_train, y_train).decision_function(X_test)

counts = np.bincount(y_test, minlength=3)
balanced = y_test.size / (3 * counts)  # scikit-learn's "balanced" weights
shares = {}
for name, cw in (("no class_weight", None), ("balanced class_weight", balanced)):
    per_sample = lm.cross_entropy(y_test, scores, class_weight=cw, reduction="none")
    mean = lm.cross_entropy(y_test, scores, class_weight=cw)
    w = np.ones(3) if cw is None else cw
    denominator = w[y_test].sum()
    assert np.isclose(per_sample.sum() / denominator, mean)
    shares[name] = [per_sample[y_test == k].sum() / denominator for k in range(3)]
    print(f"{name:22s} mean = {mean:.4f}")

fig, ax2 = plt.subplots(figsize=(7.5, 4.3), layout="constrained")
left = np.zeros(2)
for k in range(3):
    values = np.array([shares[name][k] for name in shares])
    ax2.barh(list(shares), values, left=left,
             label=f"class {k} ({counts[k]} samples, "
                   f"mean loss {lm.cross_entropy(y_test[y_test == k], scores[y_test == k]):.2f})")
    left += values
ax2.invert_yaxis()
ax2.set(xlabel="mean cross-entropy, split by the class of the sample",
        title="Each class's share of the mean")
ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=9)
plt.show()

# %%
# Without weights each class counts in proportion to its number of samples:
# the rare class, on which the model does worst (see the per-class means in
# the legend), contributes no more than the others to the mean, although its
# own mean loss is by far the highest.  With balanced weights
# every class weighs the same in total, so the mean becomes the average of
# the three per-class mean losses, and the worst-predicted class dominates
# it.  The denominator of ``'mean'`` is :math:`\sum_n c_{t_n}` (PyTorch's),
# so the weighted mean stays on the scale of a per-sample loss.
