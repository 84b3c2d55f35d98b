"""The demo of ``python -m lossmetrics``: a short demo on datasets scikit-learn ships.

Fits small models on digits (10 classes), breast cancer (binary) and
diabetes (regression), then prints every loss of lossmetrics next to
scikit-learn's value (or a NumPy reference with PyTorch semantics) and the
time each took.
"""
import sys
import time


import lossmetrics as lm
from lossmetrics._losses import LOSSES


def _best_time(fn, repeat=5):
    best = float("inf")
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return value, best


class DemoData:
    """What the declarations' ``demo`` functions get: the held-out labels and the
    fitted models' outputs on digits (10 classes), breast cancer (binary) and
    diabetes (regression)."""

    def __init__(self, fits):
        digits, cancer, diabetes = fits
        self.labels, self.proba, self.scores = digits
        self.binary_labels, self.binary_proba, self.binary_logits = cancer
        self.targets, self.predictions = diabetes


def _rows(fits):
    """(name, lossmetrics call, reference name, reference call) for the demo table:
    the rows every declaration's ``demo`` gives."""
    data = DemoData(fits)
    return [row for loss in LOSSES.values() if loss.demo is not None
            for row in loss.demo(data)]


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
