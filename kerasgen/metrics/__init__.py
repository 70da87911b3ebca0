"""Evaluation of generative models: FID, KID, IS, precision/recall, density/coverage.

Importing this package does not import Keras: `FeatureExtractor` and `DomainClassifier`
(which need it) are loaded on first use, so `kerasgen --help` stays fast.

Example:
```python
import kerasgen

results = kerasgen.metrics.evaluate("vae.keras", "mnist5k", metrics="fid,kid,nll",
                                    extractor="classifier.keras")
print(results["fid"])  # value with num_real, num_generated and the extractor id
```
"""

import importlib

from kerasgen.metrics.evaluate import evaluate, load_generator, register_model_resolver
from kerasgen.metrics.feature_statistics import FeatureStatistics
from kerasgen.metrics.features import extract_features, get_extractor, register_extractor
from kerasgen.metrics.frechet import (
    frechet_distance,
    frechet_distance_from_features,
    frechet_distance_from_statistics,
    sqrtm_psd,
    trace_sqrt_product,
)
from kerasgen.metrics.inception import inception_v3
from kerasgen.metrics.inception_score import inception_score
from kerasgen.metrics.kid import kernel_inception_distance, mmd2_unbiased, polynomial_kernel
from kerasgen.metrics.metric_result import MetricResult
from kerasgen.metrics.precision_recall import density_coverage, prdc, precision_recall
from kerasgen.metrics.stats_cache import cached_statistics, load_statistics, save_statistics

# public name -> module, imported when first used (they import Keras)
_LAZY = {
    "DomainClassifier": "domain_classifier",
    "ResidualClassifier": "residual_classifier",
    "train_domain_classifier": "domain_classifier",
    "FeatureExtractor": "feature_extractor",
    "weights_sha256": "feature_extractor",
}


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f"kerasgen.metrics.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'kerasgen.metrics' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
