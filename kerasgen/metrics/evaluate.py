"""One entry point: the requested metrics of a generative model against a dataset."""

import hashlib
import os
import warnings

import numpy as np

from kerasgen.checks import check_positive_int
from kerasgen.metrics.extractors import default_extractor_name, get_extractor
from kerasgen.metrics.feature_statistics import FeatureStatistics
from kerasgen.metrics.features import extract_features
from kerasgen.metrics.frechet import frechet_distance_from_statistics
from kerasgen.metrics.inception_score import inception_score
from kerasgen.metrics.kid import kernel_inception_distance
from kerasgen.metrics.metric_result import MetricResult
from kerasgen.metrics.precision_recall import prdc
from kerasgen.metrics.progress import ProgressBar
from kerasgen.metrics.real_data import as_array, load_real_data, source_key
from kerasgen.metrics.stats_cache import cached_statistics
from kerasgen.models import GenerativeModel

# metric name -> what it reports
METRICS = {
    "fid": "Frechet distance of extractor features",
    "kid": "kernel (cubic polynomial) MMD^2 of extractor features, mean and std",
    "is": "Inception Score of the extractor's class probabilities",
    "prd": "precision, recall (k=3), density and coverage (k=5) of extractor features",
    "nll": "importance-weighted -log p(x) in nats on real data (VAEs)",
    "recon": "mean squared reconstruction error per pixel on real data (autoencoders)",
}
FEATURE_METRICS = ("fid", "kid", "is", "prd")
def parse_metrics(metrics):
    """`"fid,kid"` or a sequence -> a tuple of known metric names, in request order."""
    names = metrics.split(",") if isinstance(metrics, str) else list(metrics)
    names = [str(name).strip().lower() for name in names if str(name).strip()]
    unknown = [name for name in names if name not in METRICS]
    if unknown or not names:
        raise ValueError(
            f"metrics must be a comma-separated subset of {','.join(METRICS)}, got "
            f"{metrics!r}" + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    return tuple(dict.fromkeys(names))


def evaluate(
    model,
    data,
    metrics=("fid",),
    num_samples=1000,
    extractor=None,
    extractor_layer=None,
    extractor_sha256=None,
    split="test",
    seed=0,
    batch_size=256,
    cache_dir=None,
    kid_subsets=100,
    kid_subset_size=1000,
    is_splits=10,
    nll_samples=100,
    progress=True,
    color_mode="auto",
    image_size=None,
    report=None,
):
    """Computes `metrics` for `model` against real `data`.

    Args:
        model: a kerasgen model or a runtime sampler (`kerasgen_runtime.Sampler`); load
            a file or a zoo entry first (`keras.saving.load_model`, `kerasgen.zoo.load`).
        data: a dataset name (`kerasgen.data.named_datasets.NAMES`), an image folder, or an array.
        metrics: names among `fid, kid, is, prd, nll, recon` (a list or `"fid,kid"`).
        num_samples: generated samples, and real samples (a seeded subset of `split`).
        extractor: a `FeatureExtractor` or a spec for `get_extractor`; default: one
            registered for `data`, `"identity"` for 2-D points, else `"inception_v3"`
            (`kerasgen evaluate` uses the data's zoo judge, e.g. `classifier_mnist5k`).
        extractor_layer: feature layer when `extractor` is a generic Keras model.
        extractor_sha256: expected sha256 of the extractor's weights file.
        split: `"test"` or `"train"` for dataset names.
        seed: seed of the generated samples (and of KID's subsets).
        batch_size: images per extractor call.
        cache_dir: folder of cached reference statistics (`None` disables caching).
        kid_subsets, kid_subset_size: KID's subset settings.
        is_splits: Inception Score splits.
        nll_samples: importance samples per image for `nll`.
        progress: progress bars on stderr.
        color_mode, image_size: how an image folder is read (`datasets.from_folder`).
        report: a dict that receives `real_subset` (which real examples were used).

    Returns:
        A dict of `MetricResult`s keyed `fid`, `kid`, `is`, `precision`, `recall`,
        `density`, `coverage`, `nll`, `reconstruction_mse` (those requested), each with
        its N and extractor id.
    """
    metrics = parse_metrics(metrics)
    num_samples = check_positive_int("num_samples", num_samples)
    check_model(model, metrics)
    report = {} if report is None else report
    real = load_real_data(data, split, num_samples, seed, color_mode, image_size, report)
    _check_shapes(model, real, data)
    results = {}
    if any(name in FEATURE_METRICS for name in metrics):
        extractor = _resolve_extractor(
            extractor, extractor_layer, extractor_sha256, data, real, metrics
        )
        real_statistics = reference_statistics(
            extractor, real, source_key(data, real, split, num_samples, seed), num_samples,
            cache_dir, need_features="kid" in metrics or "prd" in metrics,
            batch_size=batch_size, progress=progress,
        )
        generated, probabilities = extract_features(
            extractor, model, num_samples, batch_size, seed, progress, description="generated"
        )
        results.update(
            feature_metrics(
                metrics, real_statistics, generated, probabilities, seed=seed,
                kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, is_splits=is_splits,
            )
        )
        results = _with_scale(results, metrics, extractor, real, real_statistics, data, split,
                              num_samples, seed, color_mode, image_size, report, batch_size,
                              dict(kid_subsets=kid_subsets, kid_subset_size=kid_subset_size,
                                   is_splits=is_splits))
    if "nll" in metrics:
        results["nll"] = negative_log_likelihood(model, as_array(real), nll_samples, seed,
                                                 progress)
    if "recon" in metrics:
        results["reconstruction_mse"] = reconstruction_error(model, as_array(real))
    return results


def check_model(model, metrics=()):
    """`model` must be a model object (this function loads no file and no zoo entry)
    that declares what `nll` and `recon`, if among `metrics`, need."""
    if isinstance(model, (str, os.PathLike)):
        raise ValueError(
            "model must be a loaded model or sampler (keras.saving.load_model, "
            f"kerasgen.zoo.load, kerasgen_runtime.Sampler), got the name {os.fspath(model)!r}"
        )
    for metric, declaration, method, kind in (
            ("nll", "scores_likelihood", "log_likelihood", "a kerasgen VAE"),
            ("recon", "reconstructs", "reconstruct", "an autoencoder or VAE")):
        if metric in metrics and not declares(model, declaration):
            raise ValueError(
                f"metric {metric!r} needs a model with {method} ({kind}), got "
                f"{type(model).__name__}"
            )


def _with_scale(results, metrics, extractor, real, real_statistics, data, split, num_samples,
                seed, color_mode, image_size, report, batch_size, options):
    """`results` with each one's scale (`kerasgen.metrics.scale`); `report["judge"]` is
    the extractor's own quality."""
    from kerasgen.metrics import scale

    def score(features, probabilities, reference=None):
        statistics = real_statistics if reference is None else FeatureStatistics.from_features(
            reference, real_statistics.extractor, keep_features=True)
        return feature_metrics(metrics, statistics, features, probabilities, seed=seed, **options)

    scales, report["judge"] = scale.of_run(score, extractor, real, data, split, num_samples,
                                           seed, color_mode, image_size, report, batch_size)
    return scale.attach(results, scales)


def reference_statistics(extractor, real, source, num_samples=None, cache_dir=None,
                         need_features=True, batch_size=256, progress=True):
    """Feature statistics of real data, read from `cache_dir` when cached for this
    extractor and this data.

    Args:
        extractor: a `FeatureExtractor`.
        real: images (array) or an image folder.
        source: a string identifying the data exactly (see `source_key`); a cache file
            is reused only when both it and the extractor id match.
        num_samples: at most this many images.
        cache_dir: folder of `.npz` caches, or `None`.
        need_features: keep the features (KID and precision/recall need them).
    """
    def compute():
        return extract_features(
            extractor, real, num_samples, batch_size, progress=progress, description="real"
        )[0]

    path = None
    if cache_dir is not None:
        digest = extractor.extractor_id.rsplit(":", 1)[-1][:12]
        slug = "".join(c if c.isalnum() else "-" for c in source.split(":")[0])[-40:]
        key = hashlib.sha256(source.encode()).hexdigest()[:12]
        path = os.path.join(cache_dir, f"{slug}_{key}_{extractor.name}_{digest}.npz")
    statistics, _ = cached_statistics(
        path, extractor.extractor_id, compute, source=source, need_features=need_features
    )
    return statistics


def feature_metrics(metrics, real_statistics, generated, probabilities=None, seed=0,
                    kid_subsets=100, kid_subset_size=1000, is_splits=10):
    """FID / KID / IS / precision-recall-density-coverage from real statistics (with
    features) and generated features, all from the extractor of `real_statistics`."""
    extractor_id = real_statistics.extractor
    results = {}
    if "fid" in metrics:
        generated_statistics = FeatureStatistics.from_features(
            generated, extractor_id, name="generated features"
        )
        results["fid"] = frechet_distance_from_statistics(real_statistics, generated_statistics)
    if "kid" in metrics:
        results["kid"] = kernel_inception_distance(
            real_statistics.features, generated, kid_subsets, kid_subset_size, seed, extractor_id
        )
    if "is" in metrics:
        results["is"] = inception_score(probabilities, is_splits, extractor_id)
    if "prd" in metrics:
        results.update(prdc(real_statistics.features, generated, extractor=extractor_id))
    return results


def declares(model, what):
    """Whether `model` is a kerasgen model that declares `what` (`reconstructs`,
    `scores_likelihood`: see `kerasgen.models.GenerativeModel`)."""
    return isinstance(model, GenerativeModel) and bool(getattr(model, what))


def negative_log_likelihood(model, x, num_samples=100, seed=0, progress=False):
    """Mean importance-weighted -log p(x) in nats (`model.log_likelihood`, VAEs);
    `progress` shows a bar on stderr, like feature extraction."""
    if not declares(model, "scores_likelihood"):
        raise ValueError(
            "metric 'nll' needs a model with log_likelihood (a kerasgen VAE), got "
            f"{type(model).__name__}"
        )
    bar = ProgressBar(len(x), "nll", enabled=progress, unit="examples")
    values = np.asarray(
        model.log_likelihood(x, num_samples=num_samples, seed=seed, progress=bar.update)
    )
    bar.close()
    return MetricResult(
        "nll", float(values.mean()), len(x), None, None,
        std=float(values.std()),
        details={"importance_samples": num_samples, "unit": "nats per example"},
    )


def reconstruction_error(model, x, batch_size=256):
    """Mean squared error per pixel between `x` and `model.reconstruct(x)`."""
    if not declares(model, "reconstructs"):
        raise ValueError(
            "metric 'recon' needs a model with reconstruct (an autoencoder or VAE), got "
            f"{type(model).__name__}"
        )
    x = np.asarray(x, dtype="float32")
    errors = []
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        reconstruction = np.asarray(model.reconstruct(batch), dtype="float32")
        errors.append(np.mean((reconstruction - batch).reshape(len(batch), -1) ** 2, axis=1))
    errors = np.concatenate(errors)
    return MetricResult(
        "reconstruction_mse", float(errors.mean()), len(x), None, None,
        std=float(errors.std()), details={"unit": "squared error per pixel"},
    )


def _resolve_extractor(spec, layer_name, sha256, data, real, metrics):
    if spec is None:
        shape = real.shape[1:] if isinstance(real, np.ndarray) else None
        data_label = data if isinstance(data, str) else "array"
        spec = default_extractor_name(data_label, shape)
        if spec.startswith("inception_v3") and shape is not None and shape[-1] == 1:
            warnings.warn(
                f"no domain classifier is registered or in the zoo for data {data_label!r}; using "
                "ImageNet InceptionV3 features, which describe grayscale digits poorly. "
                "Pass extractor= (CLI --extractor) a trained DomainClassifier.",
                RuntimeWarning,
            )
    extractor = get_extractor(spec, layer_name, sha256)
    if "is" in metrics and not extractor.has_probabilities:
        raise ValueError(
            "metric 'is' needs an extractor with class probabilities (a DomainClassifier, "
            f"or inception_v3_top), got extractor {extractor.name!r}"
        )
    return extractor


def _check_shapes(model, real, data):
    """Generated and real samples must have one shape; compares what is known."""
    try:
        model_shape = getattr(model, "data_shape", None) or getattr(model, "image_shape", None)
    except NotImplementedError:
        model_shape = None
    if isinstance(model, np.ndarray):  # images (e.g. a folder's) in place of samples
        model_shape = model.shape[1:]
    if model_shape is None or not isinstance(real, np.ndarray):
        return
    if tuple(model_shape) != tuple(real.shape[1:]):
        raise ValueError(
            f"data {data!r} has per-example shape {tuple(real.shape[1:])} but the model "
            f"generates shape {tuple(model_shape)}; evaluate a model against its own data "
            "(an image folder is read to the model's shape with --color-mode grayscale|rgb "
            "and --image-size H W)"
        )
