"""
=============================================
Cross-validation and grid search with scorers
=============================================

:func:`lossmetrics.get_scorer` gives scikit-learn scorers (negated losses)
for ``cross_val_score``, ``cross_validate`` and ``GridSearchCV``.  They return
scikit-learn's own fold scores, and also score the folds where scikit-learn's
scorer fails.
"""

# %%
# Same scores as scikit-learn
# ---------------------------
#
# A logistic regression on the wine data set (3 classes, 178 samples),
# 5-fold stratified cross-validation, scored with lossmetrics'
# ``"neg_log_loss"`` and with scikit-learn's.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (GridSearchCV, KFold, StratifiedKFold,
                                     cross_val_score)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import lossmetrics as lm

X, y = load_wine(return_X_y=True)
model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))
cv = StratifiedKFold(5, shuffle=True, random_state=0)
ours = cross_val_score(model, X, y, cv=cv, scoring=lm.get_scorer("neg_log_loss"))
theirs = cross_val_score(model, X, y, cv=cv, scoring="neg_log_loss")
print("lossmetrics :", ours.round(6))
print("scikit-learn:", theirs.round(6))
print("largest difference:", np.max(np.abs(ours - theirs)))

# %%
# Folds that lack a class
# -----------------------
#
# Keep only 6 samples of the third class and use plain shuffled ``KFold``:
# some test folds then hold no sample of it.  The fitted model still predicts
# three probabilities per sample, and scikit-learn's scorer, which infers the
# classes from the fold, fails (``error_score=np.nan`` turns the failure into
# a NaN and a warning).  lossmetrics' scorers take the classes from the fitted
# estimator's ``classes_`` and score every fold.
import warnings

keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:6]]
X_rare, y_rare = X[keep], y[keep]
cv_rare = KFold(5, shuffle=True, random_state=0)
fold_counts = [np.bincount(y_rare[test], minlength=3) for _, test in cv_rare.split(X_rare)]
print("class counts per test fold:", [c.tolist() for c in fold_counts])
ours_rare = cross_val_score(model, X_rare, y_rare, cv=cv_rare,
                            scoring=lm.get_scorer("neg_log_loss"))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # "Scoring failed ..."
    theirs_rare = cross_val_score(model, X_rare, y_rare, cv=cv_rare,
                                  scoring="neg_log_loss", error_score=np.nan)
print("lossmetrics :", ours_rare.round(6))
print("scikit-learn:", theirs_rare.round(6))

# %%
# Grid search with several lossmetrics scorers
# --------------------------------------------
#
# ``GridSearchCV`` on the breast cancer data set (binary) with three scorers
# at once: log-loss (``predict_proba``), cross-entropy of the logit
# (``decision_function``; for a binary problem the scorer uses
# :func:`~lossmetrics.binary_cross_entropy_with_logits`) and the Brier score.
# The cross-validation results are a table ``pandas`` reads directly.
from sklearn.datasets import load_breast_cancer

X_bc, y_bc = load_breast_cancer(return_X_y=True)
search = GridSearchCV(
    make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cholesky")),
    {"logisticregression__C": np.logspace(-3, 3, 13)},
    scoring={"log_loss": lm.get_scorer("neg_log_loss"),
             "cross_entropy": lm.get_scorer("neg_cross_entropy"),
             "brier": lm.get_scorer("neg_brier_score")},
    refit="log_loss", cv=cv,
).fit(X_bc, y_bc)
results = pd.DataFrame(search.cv_results_)
columns = ["param_logisticregression__C", "mean_test_log_loss",
           "mean_test_cross_entropy", "mean_test_brier"]
print(results[columns].round(4).to_string(index=False))
print("best C by log-loss:", search.best_params_["logisticregression__C"])

# %%
# The sigmoid of the logit is ``predict_proba``, so log-loss and cross-entropy
# agree -- until the weakly regularised models (large ``C``) make a few
# confident mistakes: a probability is then clipped at ``1 - eps``, which caps
# its loss at 36.04, while the logit keeps its full size (see
# :ref:`sphx_glr_auto_examples_plot_bce_saturation.py`).  The Brier score,
# bounded by 1 per sample, barely notices those mistakes.

# %%
# The figure: left, the fold scores of both scorers, including the fold where
# scikit-learn's fails; right, the grid search.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained")
folds = np.arange(1, 6)
ax1.bar(folds - 0.2, -ours_rare, 0.4, label="lossmetrics")
ax1.bar(folds + 0.2, -np.nan_to_num(theirs_rare), 0.4, label="scikit-learn")
for f, value in zip(folds, theirs_rare):
    if np.isnan(value):
        ax1.text(f + 0.2, 0.005, "failed", rotation=90, ha="center", va="bottom",
                 color="C1", fontweight="bold")
ax1.set_xticks(folds, [f"{f}\n({c[2]} of class 2)" for f, c in zip(folds, fold_counts)])
ax1.set(xlabel="test fold", ylabel="log-loss (negated score)",
        title="Folds of a data set with a rare class")
ax1.legend()

C = results["param_logisticregression__C"].astype(float)
for name, style in (("log_loss", "o-"), ("cross_entropy", "x--"), ("brier", "s-")):
    ax2.errorbar(C, -results[f"mean_test_{name}"], yerr=results[f"std_test_{name}"],
                 fmt=style, capsize=3, label=name)
ax2.axvline(search.best_params_["logisticregression__C"], color="0.5", ls=":",
            label="best C (log-loss)")
ax2.set(xscale="log", xlabel="C (inverse regularisation)",
        ylabel="mean loss over 5 folds",
        title="GridSearchCV on breast cancer, lossmetrics scorers")
ax2.legend()
plt.show()
