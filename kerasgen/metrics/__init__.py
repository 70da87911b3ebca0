"""Evaluation of generative models: FID, KID, IS, precision/recall, density/coverage.

The metrics take models and files, never names of zoo entries: `kerasgen evaluate`
turns a zoo name into a model (`kerasgen.commands.models`) and a zoo classifier's name
into an extractor (`kerasgen.zoo.extractors`).

Example:
```python
import keras
import kerasgen

vae = keras.saving.load_model("vae.keras", safe_mode=True)
results = kerasgen.metrics.evaluate(vae, "mnist5k", metrics="fid,kid,nll",
                                    extractor="classifier.keras")
print(results["fid"])  # value with num_real, num_generated and the extractor id
```
"""

from kerasgen.metrics.domain_classifier import DomainClassifier, train_domain_classifier
from kerasgen.metrics.evaluate import evaluate
from kerasgen.metrics.extractors import get_extractor, register_extractor
from kerasgen.metrics.feature_extractor import FeatureExtractor, weights_sha256
from kerasgen.metrics.feature_statistics import FeatureStatistics
from kerasgen.metrics.features import extract_features
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
from kerasgen.metrics.residual_classifier import ResidualClassifier
from kerasgen.metrics.stats_cache import cached_statistics, load_statistics, save_statistics
