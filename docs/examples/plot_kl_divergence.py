"""
================================================
KL divergence: a family of fits, both directions
================================================

:func:`~lossmetrics.kl_divergence` computes :math:`\\mathrm{KL}(P \\,\\|\\, Q) =
\\sum_c p_c \\log(p_c / q_c)` along the last axis, for a whole batch of
distributions in one call.  Here the reference :math:`P` has two modes and the
candidates :math:`Q` are single bumps of every position and width.  Which
bump is "closest" depends on the direction of the divergence.
"""

# %%
# A reference and 3,600 candidates
# --------------------------------
#
# Distributions over 200 bins: :math:`P` is a mixture of two bumps, each
# candidate :math:`Q_{\mu,\sigma}` one bump.  A tiny uniform floor keeps every
# probability positive, so that both directions are finite (a bin with
# :math:`p > 0` and :math:`q = 0` makes the divergence infinite).
import matplotlib.pyplot as plt
import numpy as np

import lossmetrics as lm

bins = np.linspace(-6, 6, 200)


def bump(mu, sigma):
    d = np.exp(-0.5 * ((bins - mu) / sigma) ** 2)
    return d / d.sum()


def floor(d, tiny=1e-9):
    d = d + tiny
    return d / d.sum(axis=-1, keepdims=True)


p = floor(0.5 * bump(-2.0, 0.6) + 0.5 * bump(2.0, 0.6))
mus = np.linspace(-4, 4, 60)
sigmas = np.linspace(0.3, 4, 60)
Q = floor(np.array([[bump(m, s) for m in mus] for s in sigmas]))  # (60, 60, 200)
P = np.broadcast_to(p, Q.shape)  # a view: the same P for every candidate

# %%
# One call per direction: with the batch shape ``(60, 60)`` in front of the
# class axis, ``reduction="none"`` returns one divergence per candidate.
forward = lm.kl_divergence(P, Q, reduction="none")   # KL(P || Q), shape (60, 60)
reverse = lm.kl_divergence(Q, P, reduction="none")   # KL(Q || P)

i_f = np.unravel_index(np.argmin(forward), forward.shape)
i_r = np.unravel_index(np.argmin(reverse), reverse.shape)
print(f"min KL(P || Q) = {forward[i_f]:.3f} at mu = {mus[i_f[1]]:+.2f}, "
      f"sigma = {sigmas[i_f[0]]:.2f}")
print(f"min KL(Q || P) = {reverse[i_r]:.3f} at mu = {mus[i_r[1]]:+.2f}, "
      f"sigma = {sigmas[i_r[0]]:.2f}")

fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
for ax, values, where, name in ((axes[0], forward, i_f, "KL(P || Q)"),
                                (axes[1], reverse, i_r, "KL(Q || P)")):
    im = ax.pcolormesh(mus, sigmas, np.log10(values), shading="auto", cmap="viridis")
    ax.plot(mus[where[1]], sigmas[where[0]], "w*", ms=14, mec="k")
    ax.set(xlabel="position mu of Q", ylabel="width sigma of Q", title=name)
    fig.colorbar(im, ax=ax, label="log10 divergence")
axes[2].fill_between(bins, p, color="0.8", label="P (two modes)")
axes[2].plot(bins, Q[i_f], "C0", lw=2, label="best Q for KL(P || Q)")
axes[2].plot(bins, Q[i_r], "C3", lw=2, label="best Q for KL(Q || P)")
axes[2].set(xlabel="x", ylabel="probability per bin", title="The two best fits")
axes[2].legend(fontsize=9)
plt.show()

# %%
# :math:`\mathrm{KL}(P \,\|\, Q)` weighs the log-ratio by :math:`P`: wherever
# :math:`P` has mass and :math:`Q` has little, the cost explodes.  Its best
# single bump is wide and centred, **covering** both modes.
# :math:`\mathrm{KL}(Q \,\|\, P)` weighs by :math:`Q`: it does not mind
# ignoring a mode of :math:`P`, but punishes putting mass where :math:`P` has
# none, so its best bump **picks one mode** (the other, at the mirrored
# position, is as good).  The divergence is not symmetric, and which
# direction you minimise decides the fit.
#
# The mean and the edge cases
# ---------------------------
#
# ``reduction="mean"`` is PyTorch's ``'batchmean'``: the sum over everything
# divided by the number of samples (the first axis), here 60 -- not by the
# 3,600 distributions.  Terms with :math:`p = 0` contribute 0
# (:math:`0 \log 0 = 0`), whatever :math:`q`; :math:`p > 0` with
# :math:`q = 0` gives ``inf``.
print("mean over the first axis:", lm.kl_divergence(P, Q), "=", forward.sum() / 60)
print("0 log 0 = 0:", lm.kl_divergence([[0.0, 1.0]], [[0.5, 0.5]]), "= log 2")
print("p > 0, q = 0:", lm.kl_divergence([[0.5, 0.5]], [[1.0, 0.0]]))
