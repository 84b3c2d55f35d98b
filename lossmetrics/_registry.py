"""Every loss, declared once.

A declaration names the loss, the kind of prediction it takes, its
validator (the ``check_inputs`` branch), the function computing its reduced
state from validated inputs, its options, the estimator method a scorer
would call, and the independent reference its tests compare with.  The
public ``check_inputs``, the demo and the test registry read this table.
"""
from dataclasses import dataclass
from typing import Callable

from lossmetrics import _brier as _br
from lossmetrics import _classification as _cls
from lossmetrics import _embedding as _emb
from lossmetrics import _regression as _reg
from lossmetrics import _robust_regression as _rob
from lossmetrics import _state
from lossmetrics import _torch_losses as _tl


@dataclass(frozen=True)
class LossSpec:
    name: str
    function: Callable
    check: Callable
    state: Callable
    prediction: str          # probabilities, log-probabilities, logits, values, distributions
    response_method: str     # estimator method a scorer calls
    options: tuple
    reference: str           # what its tests compare with
    scorer: str = ""         # name of its scikit-learn scorer ("" if none)
    # The value from a reduced state: result(state, params, name), where params
    # holds the validated options named in result_keys (what an Accumulator keeps).
    result: Callable = _state.torch_result
    result_keys: tuple = ("reduction",)
    batch_arrays: tuple = ()  # per-sample arrays passed as options (not options)


LOSSES = {spec.name: spec for spec in (
    LossSpec("log_loss", _cls.log_loss, _cls.check_log_loss, _cls.log_loss_state,
             "probabilities", "predict_proba", ("normalize", "labels"),
             "sklearn.metrics.log_loss", "neg_log_loss",
             _cls.log_loss_result, ("normalize",)),
    LossSpec("mean_squared_error", _reg.mean_squared_error,
             _reg.check_mean_squared_error, _reg.regression_state, "values", "predict",
             ("multioutput",), "sklearn.metrics.mean_squared_error",
             "neg_mean_squared_error",
             _reg.regression_result, ("multioutput",)),
    LossSpec("root_mean_squared_error", _reg.root_mean_squared_error,
             _reg.check_root_mean_squared_error, _reg.regression_state, "values",
             "predict", ("multioutput",), "sklearn.metrics.root_mean_squared_error",
             "neg_root_mean_squared_error",
             _reg.regression_result, ("multioutput",)),
    LossSpec("mean_absolute_error", _reg.mean_absolute_error,
             _reg.check_mean_absolute_error, _reg.regression_state, "values", "predict",
             ("multioutput",), "sklearn.metrics.mean_absolute_error",
             "neg_mean_absolute_error",
             _reg.regression_result, ("multioutput",)),
    LossSpec("cross_entropy", _tl.cross_entropy, _tl.check_cross_entropy,
             _tl.class_scores_state, "logits", "decision_function",
             ("class_weight", "ignore_index", "label_smoothing", "reduction"),
             "torch.nn.functional.cross_entropy", "neg_cross_entropy"),
    LossSpec("nll_loss", _tl.nll_loss, _tl.check_nll_loss, _tl.class_scores_state,
             "log-probabilities", "predict_log_proba",
             ("class_weight", "ignore_index", "reduction"),
             "torch.nn.functional.nll_loss"),
    LossSpec("binary_cross_entropy", _tl.binary_cross_entropy,
             _tl.check_binary_cross_entropy, _tl.binary_state, "probabilities",
             "predict_proba", ("reduction",), "torch.nn.functional.binary_cross_entropy",
             "neg_binary_cross_entropy"),
    LossSpec("binary_cross_entropy_with_logits", _tl.binary_cross_entropy_with_logits,
             _tl.check_binary_cross_entropy_with_logits, _tl.binary_state, "logits",
             "decision_function", ("pos_weight", "reduction"),
             "torch.nn.functional.binary_cross_entropy_with_logits"),
    LossSpec("kl_divergence", _tl.kl_divergence, _tl.check_kl_divergence, _tl.kl_state,
             "distributions", "predict_proba", ("log_true", "log_pred", "reduction"),
             "torch.nn.functional.kl_div(reduction='batchmean') / scipy.special.rel_entr",
             result_keys=("reduction", "rows_per_sample")),
    LossSpec("brier_score_loss", _br.brier_score_loss, _br.check_brier_score_loss,
             _cls.log_loss_state, "probabilities", "predict_proba",
             ("pos_label", "labels", "scale_by_half"), "sklearn.metrics.brier_score_loss",
             "neg_brier_score", _br.brier_result, ("scale_by_half",)),
    LossSpec("huber_loss", _rob.huber_loss, _rob.check_huber_loss, _rob.robust_state,
             "values", "predict", ("delta", "reduction"), "torch.nn.functional.huber_loss",
             "neg_huber_loss"),
    LossSpec("smooth_l1_loss", _rob.smooth_l1_loss, _rob.check_smooth_l1_loss,
             _rob.robust_state, "values", "predict", ("beta", "reduction"),
             "torch.nn.functional.smooth_l1_loss", "neg_smooth_l1_loss"),
    LossSpec("cosine_embedding_loss", _emb.cosine_embedding_loss,
             _emb.check_cosine_embedding_loss, _emb.cosine_state, "embeddings", "",
             ("x2", "margin", "reduction"),
             "torch.nn.functional.cosine_embedding_loss", batch_arrays=("x2",)),
)}
