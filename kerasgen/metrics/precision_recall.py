"""Precision/recall (Kynkaanniemi et al. 2019) and density/coverage (Naeem et al. 2020).

Both approximate the support ("manifold") of a sample set by the union of balls around
each point whose radius is the distance to its k-th nearest other point. Precision is
the fraction of generated points inside the real manifold (quality), recall the fraction
of real points inside the generated manifold (diversity). Density counts how many real
balls hold each generated point (divided by k, about 1 for identical distributions);
coverage is the fraction of real balls that hold at least one generated point.
Balls are closed (`<=`), as in Kynkaanniemi et al.'s code. Distances are computed in
float64 in row blocks, so memory stays at `batch_size * N` floats.
"""

import numpy as np

from kerasgen.checks import check_features, check_int_at_least, check_same_dim
from kerasgen.metrics.metric_result import MetricResult


def precision_recall(real_features, generated_features, k=3, extractor=None, batch_size=1024):
    """Improved precision and recall with k-NN manifolds.

    Args:
        real_features: `(N_real, D)` features of real data.
        generated_features: `(N_generated, D)` features of samples.
        k: neighbourhood size of the manifold radii (3 as in the paper).
        extractor: the id of the extractor both came from.
        batch_size: rows per distance block.

    Returns:
        `{"precision": MetricResult, "recall": MetricResult}`.

    Reference:
        Kynkaanniemi et al., "Improved Precision and Recall Metric for Assessing
        Generative Models", NeurIPS 2019.
    """
    results = prdc(real_features, generated_features, k, None, extractor, batch_size)
    return {name: results[name] for name in ("precision", "recall")}


def density_coverage(real_features, generated_features, k=5, extractor=None, batch_size=1024):
    """Density and coverage with k-NN balls around real points only.

    Returns:
        `{"density": MetricResult, "coverage": MetricResult}`.

    Reference:
        Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative Models",
        ICML 2020.
    """
    results = prdc(real_features, generated_features, None, k, extractor, batch_size)
    return {name: results[name] for name in ("density", "coverage")}


def prdc(
    real_features,
    generated_features,
    precision_recall_k=3,
    density_coverage_k=5,
    extractor=None,
    batch_size=1024,
):
    """Precision, recall, density and coverage sharing one pass over the distances.

    Either k may be `None` to skip that pair. Returns a dict of `MetricResult`s.
    """
    real = check_features(real_features, "real_features")
    generated = check_features(generated_features, "generated_features")
    check_same_dim(real, generated)
    batch_size = check_int_at_least("batch_size", batch_size, 1)
    pr_k = _check_k("precision_recall_k", precision_recall_k, real, generated)
    dc_k = _check_k("density_coverage_k", density_coverage_k, real, generated)
    real_radii = knn_squared_radii(real, [k for k in (pr_k, dc_k) if k], batch_size)
    if pr_k:
        generated_radii = knn_squared_radii(generated, [pr_k], batch_size)[pr_k]
        generated_in_real = np.zeros(len(generated), dtype=bool)
        real_in_generated = np.zeros(len(real), dtype=bool)
    if dc_k:
        density_count = 0
        covered = np.zeros(len(real), dtype=bool)
    for rows, squared in squared_distance_blocks(real, generated, batch_size):
        if pr_k:
            generated_in_real |= np.any(squared <= real_radii[pr_k][rows, None], axis=0)
            real_in_generated[rows] = np.any(squared <= generated_radii[None, :], axis=1)
        if dc_k:
            inside = squared <= real_radii[dc_k][rows, None]
            density_count += int(inside.sum())
            covered[rows] = np.any(inside, axis=1)

    def result(name, value, k):
        return MetricResult(
            name, float(value), len(real), len(generated), extractor, details={"k": k}
        )

    results = {}
    if pr_k:
        results["precision"] = result("precision", generated_in_real.mean(), pr_k)
        results["recall"] = result("recall", real_in_generated.mean(), pr_k)
    if dc_k:
        results["density"] = result("density", density_count / (dc_k * len(generated)), dc_k)
        results["coverage"] = result("coverage", covered.mean(), dc_k)
    return results


def _check_k(name, k, real, generated):
    if k is None:
        return None
    k = check_int_at_least(name, k, 1)
    smallest = min(len(real), len(generated))
    if k >= smallest:
        raise ValueError(
            f"{name} must be < the number of samples on each side ({smallest}), got {k}"
        )
    return k


def squared_distance_blocks(first, second, batch_size):
    """Yields `(rows, D)` with `D[i, j] = |first[rows][i] - second[j]|^2`, clipped at 0."""
    second_norms = np.einsum("ij,ij->i", second, second)
    for start in range(0, len(first), batch_size):
        block = first[start : start + batch_size]
        norms = np.einsum("ij,ij->i", block, block)
        squared = norms[:, None] + second_norms[None, :] - 2.0 * (block @ second.T)
        yield slice(start, start + len(block)), np.maximum(squared, 0.0)


def knn_squared_radii(features, ks, batch_size=1024):
    """Squared distance of each point to its k-th nearest *other* point, for each k."""
    ks = sorted(set(ks))
    radii = {k: np.empty(len(features)) for k in ks}
    for rows, squared in squared_distance_blocks(features, features, batch_size):
        count = rows.stop - rows.start
        squared[np.arange(count), np.arange(rows.start, rows.stop)] = np.inf  # not itself
        nearest = np.partition(squared, [k - 1 for k in ks], axis=1)
        for k in ks:
            radii[k][rows] = nearest[:, k - 1]
    return radii
