"""Batched feature extraction from any image source.

Sources: NumPy arrays, `tf.data.Dataset`s, image folders, Keras `PyDataset`s /
generators / Python iterables of batches, and generative models: any object with
`sample(num_samples, seed)` and `latent_dim` (kerasgen models, the ONNX runtime
`kerasgen_runtime.Sampler`). Elements may be `x` or `(x, y, ...)`. The extractors by
name: `kerasgen.metrics.extractors`.
"""

import os
import warnings

import numpy as np
from kerasgen_runtime.images import read_image

from kerasgen.data.image_files import IMAGE_EXTENSIONS
from kerasgen.checks import check_positive_int
from kerasgen.metrics.progress import ProgressBar


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
    bar = ProgressBar(total, description, enabled=progress)
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
