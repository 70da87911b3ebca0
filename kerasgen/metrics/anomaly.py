"""Anomaly detection with a model's `anomaly_score`: AUROC and the threshold at a chosen
false-positive rate."""

import inspect

import numpy as np
from sklearn.metrics import roc_auc_score


def auroc(normal_scores, anomaly_scores):
    """Area under the ROC curve with anomalies as positives (higher score: anomalous)."""
    labels = np.r_[np.zeros(len(normal_scores)), np.ones(len(anomaly_scores))]
    return float(roc_auc_score(labels, np.r_[normal_scores, anomaly_scores]))


def threshold_at(normal_scores, false_positive_rate):
    """The score above which at most `false_positive_rate` of the normal examples lie."""
    if not 0.0 < false_positive_rate < 1.0:
        raise ValueError(f"false_positive_rate must be in (0, 1), got {false_positive_rate!r}")
    return float(np.quantile(normal_scores, 1.0 - false_positive_rate, method="higher"))


def anomaly_report(model, x_normal, x_anomalies, false_positive_rate=0.05, methods=None, **options):
    """Per score method: `auroc`, the `threshold` at `false_positive_rate` on the normal
    examples, the measured false-positive and detection (true-positive) rates there.

    `methods` defaults to every method the model declares in `anomaly_scores`;
    `options` go to `model.anomaly_score` (e.g. `num_samples`, `seed` for a VAE).
    """
    declared = tuple(getattr(type(model), "anomaly_scores", ()))
    if not declared:
        raise ValueError(f"{type(model).__name__} has no anomaly_score (VAEs and autoencoders do)")
    methods = declared if methods is None else tuple(methods)
    unknown = sorted(set(methods) - set(declared))
    if unknown:
        raise ValueError(f"methods must be among {list(declared)}, got {unknown}")
    accepted = inspect.signature(model.anomaly_score).parameters
    options = {key: value for key, value in options.items() if key in accepted}
    report = {}
    for method in methods:
        normal = model.anomaly_score(x_normal, method=method, **options)
        anomalous = model.anomaly_score(x_anomalies, method=method, **options)
        threshold = threshold_at(normal, false_positive_rate)
        report[method] = {
            "auroc": auroc(normal, anomalous), "threshold": threshold,
            "false_positive_rate": float(np.mean(normal > threshold)),
            "detection_rate": float(np.mean(anomalous > threshold)),
            "num_normal": int(len(normal)), "num_anomalies": int(len(anomalous)),
        }
    return report
