"""The demo of ``python -m lossmetrics``: a short demo on datasets scikit-learn ships.

Fits small models on digits (10 classes), breast cancer (binary) and
diabetes (regression), then prints every loss of lossmetrics next to
scikit-learn's value (or a NumPy reference with PyTorch semantics) and the
time each took.
"""
import sys
import time

import numpy as np

import lossmetrics as lm


def _best_time(fn, repeat=5):
    best = float("inf")
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return value, best


def _log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def _rows(fits):
    """(name, lossmetrics call, reference name, reference call) for the demo table."""
    import sklearn.metrics as skm

    digits, cancer, diabetes = fits
    y, proba, scores = digits
    yb, pb, zb = cancer
    yr, pred = diabetes
    yb_f = yb.astype(np.float64)
    uniform = np.full_like(proba, 1.0 / proba.shape[1])
    onehot = (y[:, None] == np.arange(proba.shape[1])).astype(np.float64)
    return [
        ("log_loss", lambda: lm.log_loss(y, proba),
         "sklearn", lambda: skm.log_loss(y, proba)),
        ("log_loss (binary)", lambda: lm.log_loss(yb, pb),
         "sklearn", lambda: skm.log_loss(yb, pb)),
        ("cross_entropy", lambda: lm.cross_entropy(y, scores),
         "numpy", lambda: -np.mean(_log_softmax(scores)[np.arange(y.size), y])),
        ("nll_loss", lambda: lm.nll_loss(y, np.log(proba)),
         "numpy", lambda: -np.mean(np.log(proba)[np.arange(y.size), y])),
        ("binary_cross_entropy", lambda: lm.binary_cross_entropy(yb_f, pb),
         "sklearn", lambda: skm.log_loss(yb, pb)),
        ("binary_cross_entropy_with_logits",
         lambda: lm.binary_cross_entropy_with_logits(yb_f, zb),
         "numpy", lambda: np.mean(np.logaddexp(0, zb) - yb_f * zb)),
        ("kl_divergence (vs uniform)", lambda: lm.kl_divergence(proba, uniform),
         "numpy", lambda: np.mean(np.sum(proba * np.log(proba / uniform), axis=1))),
        ("mean_squared_error", lambda: lm.mean_squared_error(yr, pred),
         "sklearn", lambda: skm.mean_squared_error(yr, pred)),
        ("root_mean_squared_error", lambda: lm.root_mean_squared_error(yr, pred),
         "sklearn", lambda: skm.root_mean_squared_error(yr, pred)),
        ("mean_absolute_error", lambda: lm.mean_absolute_error(yr, pred),
         "sklearn", lambda: skm.mean_absolute_error(yr, pred)),
        ("brier_score_loss", lambda: lm.brier_score_loss(y, proba),
         "sklearn", lambda: skm.brier_score_loss(y, proba)),
        ("brier_score_loss (binary)", lambda: lm.brier_score_loss(yb, pb),
         "sklearn", lambda: skm.brier_score_loss(yb, pb)),
        ("cosine_embedding_loss (proba vs one-hot)",
         lambda: lm.cosine_embedding_loss(np.ones(y.size), proba, onehot),
         "numpy", lambda: np.mean(1 - np.sum(proba * onehot, axis=1) / np.sqrt(
             (np.sum(proba**2, axis=1) + _COS_EPS) * (1 + _COS_EPS)))),
        ("huber_loss (delta=10)", lambda: lm.huber_loss(yr, pred, delta=10.0),
         "numpy", lambda: np.mean(_huber(pred - yr, 10.0))),
        ("smooth_l1_loss (beta=10)", lambda: lm.smooth_l1_loss(yr, pred, beta=10.0),
         "numpy", lambda: np.mean(_huber(pred - yr, 10.0)) / 10.0),
    ]


_COS_EPS = float(np.float32(1e-12))  # PyTorch's epsilon of cosine_embedding_loss


def _huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))


def _fit_models():
    import warnings

    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore", category=UserWarning)
    out = []
    for loader in (load_digits, load_breast_cancer):
        X, y = loader(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        model.fit(Xtr, ytr)
        proba = model.predict_proba(Xte)
        scores = model.decision_function(Xte)
        out.append((yte, proba if proba.shape[1] > 2 else proba[:, 1], scores))
    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    out.append((yte, Ridge(alpha=1.0).fit(Xtr, ytr).predict(Xte)))
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    lm.show_config()
    print("\nFitting LogisticRegression on digits and breast cancer, Ridge on diabetes "
          "(half of each held out)...\n")
    fits = _fit_models()
    header = f"{'loss':42s} {'lossmetrics':>14s} {'reference':>14s} {'ref':>8s} " \
             f"{'ours (us)':>10s} {'ref (us)':>10s} {'speed-up':>9s}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, ours, ref_name, ref in _rows(fits):
        v, t = _best_time(ours)
        r, tr = _best_time(ref)
        worst = max(worst, abs(v - r) / max(abs(r), 1e-300))
        print(f"{name:42s} {v:14.10f} {r:14.10f} {ref_name:>8s} {t * 1e6:10.1f} "
              f"{tr * 1e6:10.1f} {tr / t:8.1f}x")
    print(f"\nlargest relative difference from the references: {worst:.2e}")
    return 0
