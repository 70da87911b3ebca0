"""Frechet distance between Gaussians, and FID from features or statistics.

The distance between N(mu1, S1) and N(mu2, S2) is
    |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2).
The last trace equals tr((S1 S2)^1/2), the form of the reference implementations, which
compute `scipy.linalg.sqrtm(S1 @ S2)` of a non-symmetric matrix in complex arithmetic
and drop an imaginary part. Here both roots are of symmetric positive semi-definite
matrices, so two `eigh` calls in float64 suffice: no complex numbers, no Schur form.
"""

import warnings

import numpy as np

from kerasgen.checks import check_features, check_same_dim, check_same_extractor
from kerasgen.metrics.feature_statistics import FeatureStatistics
from kerasgen.metrics.metric_result import MetricResult


def sqrtm_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix by eigen-decomposition.

    Eigenvalues that round-off makes slightly negative are clipped to zero.
    """
    matrix = np.asarray(matrix, dtype="float64")
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    return (eigenvectors * roots) @ eigenvectors.T


def trace_sqrt_product(cov1, cov2):
    """tr((S1 S2)^1/2) = tr((S1^1/2 S2 S1^1/2)^1/2), from symmetric eigenproblems only.

    With S1 = U diag(l) U^T and R = diag(sqrt(l)), S1^1/2 S2 S1^1/2 = U (R U^T S2 U R) U^T
    has the eigenvalues of the symmetric R (U^T S2 U) R, which saves forming S1^1/2.
    """
    cov1 = np.asarray(cov1, dtype="float64")
    cov2 = np.asarray(cov2, dtype="float64")
    eigenvalues, eigenvectors = np.linalg.eigh((cov1 + cov1.T) / 2.0)
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    rotated = eigenvectors.T @ cov2 @ eigenvectors
    middle = roots[:, None] * rotated * roots[None, :]
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def frechet_distance(mean1, cov1, mean2, cov2):
    """Frechet (2-Wasserstein squared) distance between two Gaussians, in float64.

    Args:
        mean1, mean2: `(D,)` means.
        cov1, cov2: `(D, D)` symmetric positive semi-definite covariances.

    Returns:
        A float >= 0 (tiny negative round-off is clipped to 0).
    """
    mean1, mean2 = (np.asarray(m, dtype="float64") for m in (mean1, mean2))
    cov1, cov2 = (np.asarray(c, dtype="float64") for c in (cov1, cov2))
    for name, mean, cov in (("1", mean1, cov1), ("2", mean2, cov2)):
        if mean.ndim != 1 or cov.shape != (mean.shape[0], mean.shape[0]):
            raise ValueError(
                f"mean{name} must have shape (D,) and cov{name} shape (D, D), got "
                f"{mean.shape} and {cov.shape}"
            )
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
            raise ValueError(f"mean{name} and cov{name} must be finite, got NaN or inf")
    if mean1.shape != mean2.shape:
        raise ValueError(
            f"mean1 and mean2 must have the same feature dimension, got {mean1.shape[0]} "
            f"and {mean2.shape[0]}"
        )
    difference = mean1 - mean2
    distance = (
        difference @ difference
        + np.trace(cov1)
        + np.trace(cov2)
        - 2.0 * trace_sqrt_product(cov1, cov2)
    )
    return max(float(distance), 0.0)


def frechet_distance_from_statistics(real, generated, name="fid"):
    """FID between two `FeatureStatistics`; raises if their extractors differ."""
    extractor = check_same_extractor(real.extractor, generated.extractor)
    if real.feature_dim != generated.feature_dim:
        raise ValueError(
            "real and generated statistics must have the same feature dimension, got "
            f"{real.feature_dim} and {generated.feature_dim}"
        )
    warn_if_rank_deficient(real.num_samples, generated.num_samples, real.feature_dim)
    value = frechet_distance(real.mean, real.cov, generated.mean, generated.cov)
    return MetricResult(
        name, value, real.num_samples, generated.num_samples, extractor,
        details={"feature_dim": real.feature_dim},
    )


def frechet_distance_from_features(real_features, generated_features, extractor=None):
    """FID from two `(N, D)` feature arrays of one extractor.

    Args:
        real_features: `(N_real, D)` features of real data.
        generated_features: `(N_generated, D)` features of samples.
        extractor: the extractor id both came from (carried into the result).

    Returns:
        A `MetricResult` named `"fid"`.
    """
    real = check_features(real_features, "real_features")
    generated = check_features(generated_features, "generated_features")
    check_same_dim(real, generated)
    return frechet_distance_from_statistics(
        FeatureStatistics.from_features(real, extractor),
        FeatureStatistics.from_features(generated, extractor),
    )


def warn_if_rank_deficient(num_real, num_generated, feature_dim):
    smallest = min(num_real, num_generated)
    if smallest <= feature_dim:
        warnings.warn(
            f"FID with N={smallest} samples and feature_dim={feature_dim}: the covariance "
            "is rank-deficient (N <= D), so FID is strongly biased upwards and not "
            "comparable across N; use more samples or report KID, which is unbiased.",
            RuntimeWarning,
            stacklevel=3,
        )
