"""
==============================================
Where does a model lose? Losses per segment
==============================================

One log-loss says how good a classifier is on average; it does not say where
it fails.  :func:`lossmetrics.grouped` computes a loss for every group of rows
in one call: here the log-loss and the Brier score of a digits classifier per
true digit, and per amount of ink in the image, a covariate the model never
saw as such.
"""

# %%
# A classifier and its held-out probabilities
# -------------------------------------------
#
# A logistic regression on scikit-learn's digits, scored on a held-out half.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.model_selection import train_test_split

import lossmetrics as lm

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
model = LogisticRegression(C=0.05, max_iter=2000).fit(X_train, y_train)
proba = model.predict_proba(X_test)
print(f"log-loss of the whole test set: {lm.log_loss(y_test, proba):.4f}")

# %%
# The loss of each digit
# ----------------------
#
# Grouping by the true digit: each group holds one class only, so the plain
# function would need ``labels=`` to know the columns of ``proba``;
# ``grouped`` uses the labels of the whole input.  Pandas inputs give a pandas
# result indexed by the keys.
digit = pd.Series(y_test, name="digit")
per_digit = pd.DataFrame({
    "log_loss": lm.grouped("log_loss", y_test, proba, digit),
    "brier": lm.grouped("brier_score_loss", y_test, proba, digit),
})
print(per_digit.round(4))

# %%
# Each value is scikit-learn's on that group's rows (with the labels given):
for d in (1, 8):
    rows = y_test == d
    ours = per_digit.loc[d, "log_loss"]
    theirs = sklearn_log_loss(y_test[rows], proba[rows], labels=model.classes_)
    print(f"digit {d}: lossmetrics {ours:.15f}, scikit-learn {theirs:.15f}")
    assert abs(ours - theirs) <= 1e-14 * theirs

# %%
# The loss by the amount of ink
# -----------------------------
#
# Quartiles of the total pixel intensity, a property of the image: do faint or
# heavy digits cost more?  Several key columns group by their tuples.
ink = pd.Series(pd.qcut(X_test.sum(axis=1), 4, labels=["faint", "light", "heavy",
                                                        "darkest"]).astype(str),
                name="ink")
per_ink = lm.grouped("log_loss", y_test, proba, ink)
by_both = lm.grouped("log_loss", y_test, proba, pd.DataFrame({"ink": ink, "digit": digit}))
print(per_ink.round(4))

# %%
# The figure: the log-loss per digit and, within each, per ink quartile.
order = ["faint", "light", "heavy", "darkest"]
table = by_both.unstack("ink")[order]
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), width_ratios=[1, 2])
left.bar(per_digit.index.astype(str), per_digit["log_loss"], color="tab:blue")
left.axhline(lm.log_loss(y_test, proba), color="black", lw=1, ls="--",
             label="whole test set")
left.set_xlabel("true digit")
left.set_ylabel("log-loss")
left.set_title("Log-loss per digit")
left.legend()
im = right.imshow(table.to_numpy().T, aspect="auto", cmap="viridis")
right.set_xticks(range(10), table.index.astype(str))
right.set_yticks(range(4), order)
right.set_xlabel("true digit")
right.set_title("Log-loss per digit and ink quartile")
fig.colorbar(im, ax=right, label="log-loss")
fig.tight_layout()
plt.show()

# %%
# The digits the model finds hard (8, 9 and 1 here) stand out at once, and
# within them the loss depends on how the digit was drawn: one call per
# grouping, with every group scored by the same exact kernels as the whole.
