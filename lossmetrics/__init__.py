"""lossmetrics: fast, exact loss metrics with scikit-learn and PyTorch semantics.

Every loss validates its inputs (:func:`check_inputs`), runs one parallel
Cython/OpenMP kernel that reduces inside the kernel with deterministic
compensated sums, and returns a Python float (or a per-sample array).
Each loss is declared once (``LOSSES``); see ``docs/design.md``.
"""
__version__ = "0.1.0"

from lossmetrics._adapters.accumulator import Accumulator
from lossmetrics._adapters.grouped import grouped
from lossmetrics._adapters.groups import GroupWarning
from lossmetrics._adapters.scorers import get_scorer, get_scorer_names
from lossmetrics._core.config import get_config, show_config
from lossmetrics._core.errors import InvalidParameterError
from lossmetrics._core.validation import CheckedInputs
from lossmetrics._losses import LOSSES, check_inputs
from lossmetrics._losses.brier import brier_score_loss
from lossmetrics._losses.class_scores import cross_entropy, nll_loss
from lossmetrics._losses.distributions import jensen_shannon_divergence, kl_divergence
from lossmetrics._losses.elementwise import (
    binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, l1_loss, mse_loss,
    poisson_nll_loss, sigmoid_focal_loss, smooth_l1_loss, soft_margin_loss,
)
from lossmetrics._losses.embeddings import cosine_embedding_loss, hinge_embedding_loss
from lossmetrics._losses.gaussian import gaussian_nll_loss
from lossmetrics._losses.log_loss import log_loss
from lossmetrics._losses.margins import multi_margin_loss
from lossmetrics._losses.multilabel import (
    multilabel_margin_loss, multilabel_soft_margin_loss,
)
from lossmetrics._losses.ranking import margin_ranking_loss, triplet_margin_loss
from lossmetrics._losses.regression import (
    max_error, mean_absolute_error, mean_absolute_percentage_error, mean_gamma_deviance,
    mean_pinball_loss, mean_poisson_deviance, mean_squared_error, mean_squared_log_error,
    mean_tweedie_deviance, root_mean_squared_error, root_mean_squared_log_error,
)
from lossmetrics._losses.variance_scores import explained_variance_score, r2_score
from lossmetrics._losses.classification import hinge_loss, zero_one_loss
from lossmetrics._losses.d2_scores import d2_brier_score, d2_log_loss_score
from lossmetrics._losses.deviance_scores import d2_tweedie_score
from lossmetrics._losses.quantiles import (
    d2_absolute_error_score, d2_pinball_score, median_absolute_error,
)

from lossmetrics._core.threads import load_openmp

# The OpenMP runtime is loaded now, not at the first call, so that a
# threadpoolctl limit around the first call applies to it.
load_openmp()

__all__ = [
    "Accumulator",
    "CheckedInputs",
    "GroupWarning",
    "InvalidParameterError",
    "LOSSES",
    "check_inputs",
    "get_config",
    "get_scorer",
    "get_scorer_names",
    "grouped",
    "show_config",
    # The losses, one per declaration (tests/test_demo_and_docs.py checks).
    "log_loss",
    "brier_score_loss",
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "mean_squared_log_error",
    "root_mean_squared_log_error",
    "mean_absolute_percentage_error",
    "mean_pinball_loss",
    "mean_poisson_deviance",
    "mean_gamma_deviance",
    "mean_tweedie_deviance",
    "max_error",
    "r2_score",
    "explained_variance_score",
    "median_absolute_error",
    "d2_pinball_score",
    "d2_absolute_error_score",
    "d2_tweedie_score",
    "zero_one_loss",
    "hinge_loss",
    "d2_log_loss_score",
    "d2_brier_score",
    "cross_entropy",
    "nll_loss",
    "multi_margin_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "poisson_nll_loss",
    "sigmoid_focal_loss",
    "gaussian_nll_loss",
    "multilabel_soft_margin_loss",
    "multilabel_margin_loss",
    "kl_divergence",
    "jensen_shannon_divergence",
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
]
