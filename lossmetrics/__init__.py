"""lossmetrics: fast, exact loss metrics with scikit-learn and PyTorch semantics.

Every loss validates its inputs (:func:`check_inputs`), runs one parallel
Cython/OpenMP kernel that reduces inside the kernel with deterministic
compensated sums, and returns a Python float (or a per-sample array).
"""
__version__ = "0.1.0"

from lossmetrics._accumulator import Accumulator
from lossmetrics._brier import brier_score_loss
from lossmetrics._classification import log_loss
from lossmetrics._embedding import cosine_embedding_loss
from lossmetrics._config import get_config, show_config
from lossmetrics._errors import InvalidParameterError
from lossmetrics._regression import (
    mean_absolute_error, mean_squared_error, root_mean_squared_error,
)
from lossmetrics._registry import LOSSES
from lossmetrics._robust_regression import huber_loss, smooth_l1_loss
from lossmetrics._scorers import get_scorer, get_scorer_names
from lossmetrics._torch_losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
    kl_divergence, nll_loss,
)
from lossmetrics._validation import CheckedInputs, check_inputs

__all__ = [
    "Accumulator",
    "LOSSES",
    "CheckedInputs",
    "InvalidParameterError",
    "binary_cross_entropy",
    "brier_score_loss",
    "cosine_embedding_loss",
    "get_scorer",
    "get_scorer_names",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy_with_logits",
    "check_inputs",
    "cross_entropy",
    "get_config",
    "kl_divergence",
    "log_loss",
    "mean_absolute_error",
    "mean_squared_error",
    "nll_loss",
    "root_mean_squared_error",
    "show_config",
]
