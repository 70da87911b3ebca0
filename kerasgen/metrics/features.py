"""Batched feature extraction from any image source, and the extractor registry.

Sources: NumPy arrays, `tf.data.Dataset`s, image folders, Keras `PyDataset`s /
generators / Python iterables of batches, and generative models: any object with
`sample(num_samples, seed)` and `latent_dim` (kerasgen models, the ONNX runtime
`kerasgen_runtime.Sampler`). Elements may be `x` or `(x, y, ...)`.
"""

import os
import sys
import time
import warnings

import numpy as np

from kerasgen.datasets import IMAGE_EXTENSIONS
from kerasgen.checks import check_positive_int

# name -> factory(**options) returning a FeatureExtractor: the built-in extractors,
# filled below when this module is imported, and any the user adds (`register_extractor`).
# Zoo classifiers are found by name in the zoo itself (`zoo_classifiers`), not registered.
EXTRACTORS = {}
# dataset name -> extractor name used when none is given (set by the user; the zoo's
# classifier for a dataset is its default otherwise).
DEFAULT_EXTRACTORS = {}


def register_extractor(name, factory, datasets=()):
    """Makes `factory(**options) -> FeatureExtractor` available as `name`.

    `datasets` lists dataset names for which this extractor is the default, ahead of
    the zoo's classifier for that dataset.
    """
    EXTRACTORS[name] = factory
    for dataset in datasets:
        DEFAULT_EXTRACTORS[dataset] = name


def get_extractor(spec="inception_v3", layer_name=None, sha256=None):
    """Returns a `FeatureExtractor` from a name, a file or a Keras model.

    Args:
        spec: a built-in or registered name (`"inception_v3"`, `"identity"`), the name
            of a zoo entry that is a classifier (`"classifier_mnist5k"`), a
            `.keras` file (a `DomainClassifier`, or any model with `layer_name`), an
            InceptionV3 weights file (`.h5`), a Keras model, or a `FeatureExtractor`.
        layer_name: for a generic Keras model, the layer whose output are the features.
        sha256: expected sha256 of a weights / model file (checked before loading).
    """
    from kerasgen.metrics.feature_extractor import FeatureExtractor

    if isinstance(spec, FeatureExtractor):
        return spec
    if isinstance(spec, str) and spec in EXTRACTORS:
        return EXTRACTORS[spec](**({"sha256": sha256} if sha256 else {}))
    if isinstance(spec, str) and spec in zoo_classifiers():
        return _zoo_extractor(spec, sha256)
    if isinstance(spec, (str, os.PathLike)) and os.path.isfile(spec):
        return _extractor_from_file(os.fspath(spec), layer_name, sha256)
    if hasattr(spec, "get_layer") and hasattr(spec, "inputs"):
        return _extractor_from_model(spec, layer_name)
    raise ValueError(
        f"extractor must be one of {sorted(EXTRACTORS) + sorted(zoo_classifiers())}, an "
        f"existing .keras / .h5 file or a Keras model, got {spec!r}"
    )


def zoo_classifiers():
    """`{entry name: dataset name}` of the zoo entries that are classifiers.

    An entry is a classifier when its registered class gives a `feature_extractor()`;
    the dataset is its recipe's. Read from the entries' files and Keras's registry,
    which `import kerasgen` fills, so the answer does not depend on import order.
    """
    import keras

    from kerasgen.zoo.entry import Entry, list_entries

    classifiers = {}
    for name in list_entries():
        entry = Entry.open(name)
        cls = keras.saving.get_registered_object(entry.config.get("registered_name", ""))
        if entry.has_weights and callable(getattr(cls, "feature_extractor", None)):
            classifiers[name] = (entry.recipe or {}).get("data")
    return classifiers


def _zoo_extractor(name, sha256=None):
    from kerasgen import zoo

    if sha256 is not None:
        raise ValueError(
            f"sha256 does not apply to zoo entry {name!r} (its weights are verified against "
            f"its entry.json), got {sha256!r}"
        )
    return zoo.load(name).feature_extractor()


def default_extractor_name(data_name=None, data_shape=None):
    """The extractor used for `data_name` when none is given: one registered for it,
    else the zoo's primary judge of that data (`kerasgen.zoo.evaluation.JUDGES`, whose
    numbers the model cards report), else a zoo classifier trained on it, `"identity"`
    for points, else `"inception_v3"`."""
    from kerasgen.zoo.evaluation import JUDGES

    if data_name in DEFAULT_EXTRACTORS:
        return DEFAULT_EXTRACTORS[data_name]
    if data_name in JUDGES:
        return JUDGES[data_name][0]
    for name, dataset in sorted(zoo_classifiers().items()):
        if dataset is not None and dataset == data_name:
            return name
    if data_shape is not None and len(data_shape) == 1:
        return "identity"
    return "inception_v3"


def _extractor_from_file(path, layer_name, sha256):
    from kerasgen_runtime.files import sha256_file
    from kerasgen.metrics.inception import inception_v3

    if path.endswith(".keras"):
        if sha256 is not None and sha256_file(path) != sha256.lower():
            raise ValueError(
                f"extractor file {path!r} has sha256 {sha256_file(path)}, expected {sha256}"
            )
        import keras

        import kerasgen.metrics.domain_classifier  # noqa: F401  (registers the class)

        model = keras.saving.load_model(path, safe_mode=True, compile=False)
        return _extractor_from_model(model, layer_name)
    if path.endswith(".h5"):
        return inception_v3(weights=path, sha256=sha256)
    raise ValueError(f"extractor file must end with .keras or .h5, got {path!r}")


def _extractor_from_model(model, layer_name):
    from kerasgen.metrics.feature_extractor import FeatureExtractor

    if hasattr(model, "feature_extractor") and layer_name is None:
        return model.feature_extractor()
    if layer_name is None:
        raise ValueError(
            f"layer_name must name the feature layer of model {model.name!r}, got None"
        )
    return FeatureExtractor(model, f"{model.name}.{layer_name}", features_layer=layer_name)


def _identity_extractor(sha256=None):
    if sha256 is not None:
        raise ValueError(f"sha256 does not apply to the identity extractor, got {sha256!r}")
    from kerasgen.metrics.feature_extractor import FeatureExtractor

    return FeatureExtractor(None, "identity")


def _inception_extractor(**options):
    from kerasgen.metrics.inception import inception_v3

    return inception_v3(**options)


def _inception_top_extractor(**options):
    from kerasgen.metrics.inception import inception_v3

    return inception_v3(include_top=True, **options)


register_extractor("identity", _identity_extractor)
register_extractor("inception_v3", _inception_extractor)
register_extractor("inception_v3_top", _inception_top_extractor)


# ---------------------------------------------------------------------------------------
# Extraction


def extract_features(
    extractor,
    source,
    num_samples=None,
    batch_size=256,
    seed=0,
    progress=True,
    description="features",
):
    """Runs `extractor` over `source` in batches.

    Args:
        extractor: a `FeatureExtractor`.
        source: images (array), a `tf.data.Dataset`, an image folder, a Keras
            `PyDataset` / generator / iterable of batches, or a generative model or
            runtime sampler (then `num_samples` is required).
        num_samples: stop after this many images; `None` takes the whole source.
        batch_size: images per extractor call.
        seed: seed of a generative source (`sample(n, seed)`).
        progress: show a progress bar on stderr.
        description: label of the progress bar.

    Returns:
        `(features, probabilities)`: float32 `(N, D)` and `(N, num_classes)` or `None`.
    """
    batch_size = check_positive_int("batch_size", batch_size)
    if num_samples is not None:
        num_samples = check_positive_int("num_samples", num_samples)
    total = num_samples if num_samples is not None else _known_length(source)
    bar = _ProgressBar(total, description, enabled=progress)
    features, probabilities, count = [], [], 0
    image_shape = extractor.input_shape
    if image_shape is not None and extractor.image_size is not None:
        image_shape = (None, None, image_shape[-1])  # the extractor resizes itself
    for batch in iter_batches(source, num_samples, batch_size, seed, image_shape):
        if num_samples is not None:
            batch = batch[: num_samples - count]
        batch_features, batch_probabilities = extractor.extract(batch, batch_size)
        features.append(batch_features)
        if batch_probabilities is not None:
            probabilities.append(batch_probabilities)
        count += len(batch)
        bar.update(count)
        if num_samples is not None and count >= num_samples:
            break
    bar.close()
    if count == 0:
        raise ValueError(f"source must yield at least one image, got none from {source!r}")
    if num_samples is not None and count < num_samples:
        warnings.warn(
            f"source yielded {count} images, fewer than num_samples={num_samples}",
            RuntimeWarning,
        )
    return np.concatenate(features), (np.concatenate(probabilities) if probabilities else None)


def iter_batches(source, num_samples=None, batch_size=256, seed=0, image_shape=None):
    """Yields NumPy batches of images (or points) from any supported source.

    `image_shape` `(height, width, channels)` (entries may be None) is what images read
    from a folder are converted to: 1 channel means grayscale, else RGB.
    """
    if isinstance(source, np.ndarray):
        for start in range(0, len(source), batch_size):
            yield source[start : start + batch_size]
    elif isinstance(source, (str, os.PathLike)):
        yield from _folder_batches(os.fspath(source), batch_size, image_shape)
    elif hasattr(source, "sample") and hasattr(source, "latent_dim"):
        if num_samples is None:
            raise ValueError("num_samples must be given to draw from a generative model")
        yield from _generated_batches(source, num_samples, seed)
    elif type(source).__module__.startswith("tensorflow") and hasattr(
        source, "as_numpy_iterator"
    ):
        yield from _rebatch(source.as_numpy_iterator(), batch_size)
    elif hasattr(source, "__getitem__") and hasattr(source, "__len__"):  # PyDataset
        yield from _rebatch((source[index] for index in range(len(source))), batch_size)
    elif hasattr(source, "__iter__"):
        yield from _rebatch(iter(source), batch_size)
    else:
        raise ValueError(
            "source must be an array, an image folder, a tf.data.Dataset, a PyDataset, an "
            f"iterable of batches or a generative model, got {type(source).__name__}"
        )


def _rebatch(elements, batch_size):
    """Batches of `batch_size` from elements that are batches or single images."""
    pending = []
    for element in elements:
        if isinstance(element, dict):
            raise ValueError("source elements must be x or (x, y) tuples, got a dict")
        x = np.asarray(element[0] if isinstance(element, (tuple, list)) else element)
        # A single image is (H, W, C) or (D,) for points; batches add one axis.
        pending.append(x[None] if x.ndim in (1, 3) else x)
        if sum(len(p) for p in pending) >= batch_size:
            yield np.concatenate(pending)
            pending = []
    if pending:
        yield np.concatenate(pending)


def _generated_batches(model, num_samples, seed, chunk_size=2000):
    """Samples in chunks; chunk i uses seed + i, so the first chunk equals
    `model.sample(min(num_samples, chunk_size), seed)`."""
    value_range = getattr(model, "value_range", None) or getattr(model, "output_range", None)
    num_classes = getattr(model, "num_classes", None)
    for index, start in enumerate(range(0, num_samples, chunk_size)):
        count = min(chunk_size, num_samples - start)
        chunk_seed = None if seed is None else seed + index
        if num_classes:  # balanced labels for conditional models
            labels = (np.arange(start, start + count) % num_classes).astype("int32")
            samples = model.sample(count, seed=chunk_seed, labels=labels)
        else:
            samples = model.sample(count, seed=chunk_seed)
        yield to_unit_interval(np.asarray(samples), value_range)


def to_unit_interval(samples, value_range):
    """Maps samples from the generator's `value_range` to [0, 1] for the extractor."""
    if samples.ndim == 2:  # points: no pixel range
        return samples
    low, high = value_range if value_range is not None else (None, None)
    if low is None or high is None:
        # Unbounded decoders (Gaussian likelihood) are judged on the data's range.
        return np.clip(samples, 0.0, 1.0)
    return (samples.astype("float32") - low) / (high - low)


def _folder_batches(directory, batch_size, image_shape):
    from kerasgen_runtime.images import read_image

    if not os.path.isdir(directory):
        raise ValueError(f"source must be an existing image folder, got {directory!r}")
    files = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(directory)
        for name in names
        if name.lower().endswith(IMAGE_EXTENSIONS)
    )
    if not files:
        raise ValueError(f"folder {directory!r} holds no {'/'.join(IMAGE_EXTENSIONS)} images")
    channels = 1 if image_shape is not None and image_shape[-1] == 1 else 3
    size = None
    if image_shape is not None and None not in image_shape[:2]:
        size = tuple(image_shape[:2])  # (height, width)
    for start in range(0, len(files), batch_size):
        batch = []
        for path in files[start : start + batch_size]:
            # The one image reader: regular files only, decompression bombs refused,
            # a ValueError naming the file it cannot read.
            batch.append(read_image(path, channels, size))
        shapes = sorted({a.shape for a in batch})
        if len(shapes) > 1:
            raise ValueError(f"images in {directory!r} must share one size, got {shapes}")
        yield np.stack(batch)


def _known_length(source):
    if isinstance(source, np.ndarray):
        return len(source)
    return None


class _ProgressBar:
    """A minimal progress bar on stderr (stdout stays clean for `--json`)."""

    def __init__(self, total, description, enabled=True, width=30, unit="images"):
        self.total = total
        self.unit = unit
        self.description = description
        self.enabled = enabled
        self.width = width
        self.start = time.perf_counter()

    def update(self, count):
        if not self.enabled:
            return
        rate = count / max(time.perf_counter() - self.start, 1e-9)
        if self.total:
            filled = int(self.width * min(count, self.total) / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{self.description} [{bar}] {count}/{self.total}"
        else:
            text = f"{self.description} {count}"
        sys.stderr.write(f"\r{text} ({rate:.0f} {self.unit}/s)")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
