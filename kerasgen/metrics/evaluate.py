"""One entry point: the requested metrics of a generative model against a dataset."""

import functools
import hashlib
import os
import warnings

import numpy as np

from kerasgen.latents import check_positive_int
from kerasgen.metrics.feature_statistics import FeatureStatistics
from kerasgen.metrics.features import (
    _ProgressBar,
    default_extractor_name,
    extract_features,
    get_extractor,
)
from kerasgen.metrics.frechet import frechet_distance_from_statistics
from kerasgen.metrics.inception_score import inception_score
from kerasgen.metrics.kid import kernel_inception_distance
from kerasgen.metrics.metric_result import MetricResult
from kerasgen.metrics.precision_recall import prdc
from kerasgen.metrics.stats_cache import cached_statistics

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
# functions `spec -> model or None`, tried before file paths (the zoo adds entry names)
MODEL_RESOLVERS = []


def register_model_resolver(resolver):
    """Lets `evaluate` / `kerasgen evaluate` accept more model specs (e.g. zoo names).

    `resolver(spec)` returns a model (or sampler) for specs it knows, else `None`.
    """
    MODEL_RESOLVERS.append(resolver)


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


def load_generator(spec):
    """A model from a registered resolver, a `.keras` file, an `.onnx` file (runtime
    sampler), a zoo entry name or folder, or the object itself."""
    if not isinstance(spec, (str, os.PathLike)):
        return spec
    for resolver in MODEL_RESOLVERS:
        model = resolver(spec)
        if model is not None:
            return model
    path = os.fspath(spec)
    if path.endswith((".keras", ".onnx")) and not os.path.isfile(path):
        raise ValueError(f"model file {path!r} does not exist")
    if path.endswith(".keras"):
        import keras

        import kerasgen.models  # noqa: F401  (registers the model classes)

        return keras.saving.load_model(path, safe_mode=True)
    if path.endswith(".onnx"):
        from kerasgen.export.runtime import Sampler

        return Sampler(path)
    from kerasgen import zoo

    try:
        entry = zoo.Entry.open(path)
    except ValueError:
        raise ValueError(
            f"model must be a .keras or .onnx file or a zoo entry ({', '.join(zoo.list_entries())}), "
            f"got {path!r}"
        ) from None
    return entry.load_model()


def load_real_data(data, split="test", num_samples=None, seed=0, color_mode="auto",
                   image_size=None, report=None):
    """Real images of a dataset name's `split` or of an image folder, as an array.

    Fewer than all of them (`num_samples`) are a seeded random subset, stratified by
    class where there are labels (a class-sorted folder or split keeps every class in
    proportion). A folder is read with `color_mode` / `image_size` as
    `kerasgen.datasets.from_folder` reads it. `report` (a dict) receives `real_subset`.
    """
    from kerasgen import datasets

    labels = None
    if isinstance(data, np.ndarray):
        x = data
    elif isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
        image_size = datasets.check_image_options(color_mode, image_size)
        files, labels, _ = datasets.list_images(os.fspath(data))
        total = len(files)  # what the folder holds, labelled or not
        rows = datasets.subset_rows(total, num_samples or total, labels, seed)
        files = [files[i] for i in rows]
        if color_mode == "auto":
            color_mode = datasets.folder_color_mode(files)
        if report is not None:
            report["real_subset"] = _subset_text(len(rows), total, labels is not None, seed)
            report.update(real_rows=rows, real_total=total, all_labels=labels,
                          color_mode=color_mode)  # for the floor (kerasgen.metrics.scale)
        return datasets.load_images(files, image_size, color_mode)
    elif isinstance(data, str) and data in datasets.NAMES:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        x, labels = _dataset_images(data, split)
    else:
        datasets.resolve_source(data)  # names a missing folder or an unknown dataset
        raise ValueError(f"data must be a dataset name, an image folder or an array, got {data!r}")
    total, rows = len(x), np.arange(len(x))
    if num_samples is not None and num_samples < len(x):
        rows = datasets.subset_rows(len(x), num_samples, labels, seed)
        x = x[rows]
    if report is not None:
        report["real_subset"] = _subset_text(len(x), total, labels is not None, seed)
        if not isinstance(data, np.ndarray):  # for the floor (kerasgen.metrics.scale)
            report.update(real_rows=rows, real_total=total, all_labels=labels)
    return x


def _subset_text(n, total, stratified, seed):
    if n >= total:
        return f"all {total} real examples"
    return (f"a seeded random subset of {n} of {total} real examples "
            f"({'stratified by class, ' if stratified else ''}seed {seed})")


@functools.lru_cache(maxsize=2)
def _dataset_images(name, split):
    # Loading a dataset (parsing mnist5k takes seconds) once per process serves repeated
    # evaluations, e.g. of every zoo entry. Callers never modify the arrays.
    from kerasgen import datasets

    (x_train, y_train), (x_test, y_test) = datasets.load(name)
    return (x_test, y_test) if split == "test" else (x_train, y_train)


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
        model: a kerasgen model, a runtime sampler, or a spec for `load_generator`
            (`.keras`, `.onnx`, or a zoo entry name).
        data: a dataset name (`kerasgen.datasets.NAMES`), an image folder, or an array.
        metrics: names among `fid, kid, is, prd, nll, recon` (a list or `"fid,kid"`).
        num_samples: generated samples, and real samples (a seeded subset of `split`).
        extractor: extractor spec for `get_extractor`; default: the zoo's classifier for
            `data` (`classifier_mnist5k` for mnist5k), `"identity"` for 2-D points, else
            `"inception_v3"`.
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
    model = load_generator(model)
    for metric, method, kind in (("nll", "log_likelihood", "a kerasgen VAE"),
                                 ("recon", "reconstruct", "an autoencoder or VAE")):
        if metric in metrics and not hasattr(model, method):
            raise ValueError(
                f"metric {metric!r} needs a model with {method} ({kind}), got "
                f"{type(model).__name__}"
            )
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
        results["nll"] = negative_log_likelihood(model, _as_array(real), nll_samples, seed,
                                                 progress)
    if "recon" in metrics:
        results["reconstruction_mse"] = reconstruction_error(model, _as_array(real))
    return results


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


def source_key(data, real, split, num_samples, seed=0):
    """A string naming the real data exactly: a dataset name and split, else a content
    hash of the array, or of the folder's file names, sizes and modification times."""
    if isinstance(data, str) and not os.path.isdir(data):
        # The subset is seeded and stratified (see load_real_data): the key names both.
        return f"{data}:{split}:{num_samples}:stratified-seed{seed}"
    digest = hashlib.sha256()
    if isinstance(real, np.ndarray):
        digest.update(np.ascontiguousarray(real).tobytes())
        return f"array:{digest.hexdigest()}:{num_samples}"
    for root, _, names in sorted(os.walk(real)):
        for name in sorted(names):
            info = os.stat(os.path.join(root, name))
            digest.update(f"{root}/{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return f"{os.path.abspath(real)}:{digest.hexdigest()}:{num_samples}"


def negative_log_likelihood(model, x, num_samples=100, seed=0, progress=False):
    """Mean importance-weighted -log p(x) in nats (`model.log_likelihood`, VAEs);
    `progress` shows a bar on stderr, like feature extraction."""
    if not hasattr(model, "log_likelihood"):
        raise ValueError(
            "metric 'nll' needs a model with log_likelihood (a kerasgen VAE), got "
            f"{type(model).__name__}"
        )
    bar = _ProgressBar(len(x), "nll", enabled=progress, unit="examples")
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
    if not hasattr(model, "reconstruct"):
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


def _as_array(real):
    if isinstance(real, np.ndarray):
        return real
    from kerasgen.datasets import from_folder

    x, _ = from_folder(real)
    return x


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
