"""
======================================================
Binary cross-entropy near saturation: logits are exact
======================================================

A confident wrong prediction should cost a lot: the loss of a logit ``x`` for
a target of 0 is :math:`\\operatorname{softplus}(x) \\approx x`.  Computed from
a probability, it cannot be: the probability rounds to 1 long before the loss
is large.  This example shows where each route stops following the exact
loss.
"""

# %%
# Four ways to compute one loss
# -----------------------------
#
# For logits from 0 to 45 and a target of 0 we compute:
#
# * :func:`~lossmetrics.binary_cross_entropy_with_logits` of the logits: the
#   softplus form :math:`\max(x, 0) + \log(1 + e^{-|x|})`, exact for any logit;
# * :func:`~lossmetrics.binary_cross_entropy` of :math:`\sigma(x)` in float64
#   and in float32: the probability is clipped to ``[eps, 1 - eps]`` of its
#   dtype, as scikit-learn's ``log_loss`` does, so the loss stops at
#   :math:`-\log(\mathrm{eps})`: 36.04 in float64, 15.94 in float32;
# * PyTorch's formula for ``binary_cross_entropy`` in float32, which clamps
#   each logarithm at -100 (emulated with NumPy here, so that the example does
#   not need PyTorch; it matches ``torch.nn.functional.binary_cross_entropy``).
import matplotlib.pyplot as plt
import numpy as np

import lossmetrics as lm

x = np.linspace(0, 45, 901)
target = np.zeros_like(x)
p64 = 1 / (1 + np.exp(-x))
p32 = (1 / (1 + np.exp(-x.astype(np.float32)))).astype(np.float32)

exact = lm.binary_cross_entropy_with_logits(target, x, reduction="none")
from_p64 = lm.binary_cross_entropy(target, p64, reduction="none")
from_p32 = lm.binary_cross_entropy(target.astype(np.float32), p32, reduction="none")
with np.errstate(divide="ignore"):
    torch_p32 = -np.maximum(np.log1p(-p32), np.float32(-100))

print("first grid logit where the float32 probability is exactly 1:", x[p32 == 1][0])
print("first grid logit where the float64 probability is exactly 1:", x[p64 == 1][0])

# %%
# The float32 probability, computed in float32 as PyTorch's ``torch.sigmoid``
# computes it, reaches exactly 1.0 at :math:`x = 16.64` (the grid's 16.65;
# the correctly rounded :math:`\sigma(x)` only beyond 17.33), the float64 one
# near :math:`x = 36.7`.  From there on a probability carries no information
# about how wrong the prediction was.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.8), layout="constrained")
ax1.plot(x, exact, "k", lw=2.5, label="with logits (exact)")
ax1.plot(x, from_p64, "C0--", lw=2, label="from float64 probability")
ax1.plot(x, from_p32, "C1--", lw=2, label="from float32 probability")
ax1.plot(x, torch_p32, "C3:", lw=2, label="PyTorch's clamp, float32")
for cap, color in ((-np.log(np.finfo(np.float64).eps), "C0"),
                   (-np.log(np.finfo(np.float32).eps), "C1")):
    ax1.axhline(cap, color=color, lw=0.8, alpha=0.6)
    ax1.text(0.5, cap + 1.5, f"-log(eps) = {cap:.2f}", color=color, fontsize=9)
ax1.set(xlabel="logit x (target 0)", ylabel="loss", ylim=(0, 105),
        title="Loss of a confident wrong prediction")
ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, fontsize=9)

err = {"float64 probability": np.abs(from_p64 - exact) / exact,
       "float32 probability": np.abs(from_p32 - exact) / exact}
for (name, e), color in zip(err.items(), ("C0", "C1")):
    ax2.semilogy(x[1:], np.maximum(e[1:], 1e-17), color=color, lw=2, label=name)
ax2.semilogy(x[1:], np.maximum(np.abs(torch_p32 - exact)[1:] / exact[1:], 1e-17),
             "C3:", lw=2, label="PyTorch's clamp, float32")
ax2.set(xlabel="logit x (target 0)", ylabel="relative error vs. the exact loss",
        ylim=(1e-17, 10), title="How far each route is from the exact loss")
ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, fontsize=9)
plt.show()

# %%
# Reading the figure:
#
# * Near :math:`x = 0` all routes agree (float32 to about :math:`10^{-7}`
#   relative).
# * As :math:`x` grows, :math:`1 - \sigma(x) \approx e^{-x}` becomes small
#   against float32's spacing near 1 (:math:`6 \times 10^{-8}`): the loss
#   from a float32 probability is off in the fifth digit at :math:`x = 10`,
#   then stuck at 15.94 (lossmetrics, like scikit-learn) or, once the
#   probability is exactly 1, jumps to 100 (PyTorch's clamp).
#   Neither is the true loss, which keeps growing like :math:`x`.
# * float64 probabilities hold out until about 36, then stop at 36.04.
# * The logits route is exact everywhere: use
#   :func:`~lossmetrics.binary_cross_entropy_with_logits` (and
#   :func:`~lossmetrics.cross_entropy` for several classes) whenever the model
#   gives logits.
#
# At three logits:
for xi in (10.0, 20.0, 40.0):
    i = np.searchsorted(x, xi)
    print(f"x = {xi:4.0f}: exact {exact[i]:.6f}   float64 proba {from_p64[i]:.6f}   "
          f"float32 proba {from_p32[i]:.6f}   PyTorch clamp {torch_p32[i]:.6f}")
