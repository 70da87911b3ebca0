"""Mean and covariance of a feature set, the sufficient statistics of FID."""

import numpy as np

from kerasgen.checks import check_features


class FeatureStatistics:
    """Mean, covariance and sample count of features from one extractor (float64).

    Args:
        mean: `(D,)` feature mean.
        cov: `(D, D)` unbiased covariance (`N - 1` in the denominator, as `numpy.cov`).
        num_samples: number of feature vectors behind the statistics.
        extractor: extractor id `"name@sha256:<hex>"` or `None` if unknown.
        features: optionally the features themselves (for KID and precision/recall).

    Example:
    ```python
    stats = kerasgen.metrics.FeatureStatistics.from_features(features, extractor=id)
    fid = kerasgen.metrics.frechet_distance(stats.mean, stats.cov, mu, sigma)
    ```
    """

    def __init__(self, mean, cov, num_samples, extractor=None, features=None):
        mean = np.asarray(mean, dtype="float64")
        cov = np.asarray(cov, dtype="float64")
        if mean.ndim != 1 or cov.shape != (mean.shape[0], mean.shape[0]):
            raise ValueError(
                f"mean must have shape (D,) and cov shape (D, D), got {mean.shape} and "
                f"{cov.shape}"
            )
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
            raise ValueError("mean and cov must be finite, got NaN or infinite values")
        self.mean = mean
        self.cov = cov
        self.num_samples = int(num_samples)
        self.extractor = extractor
        self.features = features

    @classmethod
    def from_features(cls, features, extractor=None, keep_features=False, name="features"):
        features = check_features(features, name)
        mean = features.mean(axis=0)
        centered = features - mean
        cov = centered.T @ centered / (len(features) - 1)
        return cls(mean, cov, len(features), extractor, features if keep_features else None)

    @property
    def feature_dim(self):
        return self.mean.shape[0]

    def __repr__(self):
        return (
            f"FeatureStatistics(num_samples={self.num_samples}, feature_dim="
            f"{self.feature_dim}, extractor={self.extractor!r})"
        )
