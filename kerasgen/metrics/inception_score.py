"""Inception Score (Salimans et al. 2016) from a classifier's class probabilities."""

import numpy as np

from kerasgen.checks import check_features, check_int_at_least
from kerasgen.metrics.metric_result import MetricResult


def inception_score(probabilities, splits=10, extractor=None, tolerance=1e-3):
    """IS = exp(E_x KL(p(y|x) || p(y))), mean and std over `splits` equal parts.

    High when each prediction is confident (low entropy of p(y|x)) and the predictions
    spread over the classes (high entropy of the marginal p(y)). It ranges from 1 (all
    predictions uniform, or all identical) to the number of classes.

    Args:
        probabilities: `(N, num_classes)` rows of class probabilities (softmax output).
        splits: number of parts the N rows are divided into (in order, like the
            reference implementation); each part gives one score. Rows ordered by class
            give each part a single class: shuffle such data first.
        extractor: the classifier's extractor id, carried into the result.
        tolerance: how far a row may sum from 1.

    Returns:
        A `MetricResult` named `"is"` with `std` over splits.
    """
    p = check_features(probabilities, "probabilities")
    splits = check_int_at_least("splits", splits, 1)
    if splits > len(p):
        raise ValueError(f"splits must be <= the number of rows {len(p)}, got {splits}")
    if p.min() < 0.0 or np.max(np.abs(p.sum(axis=1) - 1.0)) > tolerance:
        raise ValueError(
            "probabilities must be non-negative rows summing to 1 (softmax outputs, not "
            f"logits), got values in [{p.min():.4g}, {p.max():.4g}] and row sums in "
            f"[{p.sum(axis=1).min():.4g}, {p.sum(axis=1).max():.4g}]"
        )
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        # 0 log 0 = 0: entries with p = 0 contribute nothing to the KL divergence.
        positive = part > 0
        log_ratio = np.log(np.where(positive, part, 1.0)) - np.log(
            np.where(positive, marginal, 1.0)
        )
        kl = np.sum(part * log_ratio, axis=1)
        scores.append(np.exp(kl.mean()))
    scores = np.asarray(scores)
    return MetricResult(
        "is", float(scores.mean()), None, len(p), extractor, std=float(scores.std()),
        details={"splits": splits, "num_classes": p.shape[1]},
    )
