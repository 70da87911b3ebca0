"""InceptionV3 pool features (2048-d) for FID, with verified weights.

The standard FID network: `keras.applications.InceptionV3` without its classifier and
with global average pooling, images resized to 299x299 (bilinear), grayscale tiled to
three channels and pixels mapped from [0, 1] to [-1, 1] (`inception_v3.preprocess_input`).

Weights are never used unverified. A local file is checked against the sha256 you give,
or, without one, against the MD5 that Keras pins for the official file. The ImageNet
weights are downloaded only when allowed (`allow_download`, or the environment variable
`KERASGEN_OFFLINE=1` to forbid it) and Keras checks their MD5 on download.
"""

import hashlib
import os

import keras

from kerasgen_runtime.files import sha256_file
from kerasgen.metrics.feature_extractor import FeatureExtractor

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
# include_top -> (file name, MD5 pinned by keras.applications.inception_v3)
OFFICIAL_FILES = {
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "bcbd6486424b2319ff4ef7d526e38f63"),
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
           "9a0d58056eeedaa3f26cb7ebd46da564"),
}
IMAGE_SIZE = (299, 299)


def inception_v3(weights="imagenet", sha256=None, include_top=False, allow_download=None,
                 cache_dir=None):
    """The InceptionV3 feature extractor (2048-d pool features).

    Args:
        weights: `"imagenet"` (the Keras cache, downloaded if allowed) or the path of a
            weights file (`.h5` as published by keras-applications, or `.weights.h5`).
        sha256: expected sha256 of the weights file; without it the file must be the
            official one (its MD5 as pinned by Keras).
        include_top: if True, also output the 1000 ImageNet class probabilities (for the
            Inception Score); features come from the `avg_pool` layer. Keras's classifier
            has 1000 classes, the original IS graph 1008, so IS values are close to but
            not identical with the TF-slim numbers in papers.
        allow_download: download missing ImageNet weights; default: unless the
            environment variable `KERASGEN_OFFLINE` is `1`.
        cache_dir: where the Keras cache lives (default `$KERAS_HOME` or `~/.keras`).

    Returns:
        A `kerasgen.metrics.FeatureExtractor` named `"inception_v3"` (or
        `"inception_v3_top"`) whose id carries the sha256 of the weights.

    Example:
    ```python
    extractor = kerasgen.metrics.inception_v3(weights="/data/inception_notop.h5",
                                              sha256="<sha256 of that file>")
    features = extractor(images)  # (N, 2048)
    ```

    Reference:
        Szegedy et al., "Rethinking the Inception Architecture for Computer Vision",
        CVPR 2016; Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
        Converge to a Local Nash Equilibrium", NeurIPS 2017 (FID).
    """
    if weights == "imagenet":
        path = imagenet_weights_path(include_top, sha256, allow_download, cache_dir)
    else:
        path = os.fspath(weights)
        verify_weights_file(path, sha256, include_top)
    return _build(path, include_top)


def verify_weights_file(path, sha256=None, include_top=False):
    """Raises `ValueError` unless `path` exists and matches its expected hash."""
    if not os.path.isfile(path):
        raise ValueError(f"weights must be an existing file or 'imagenet', got {path!r}")
    actual = sha256_file(path)
    if sha256 is not None:
        if actual != str(sha256).lower():
            raise ValueError(
                f"weights file {path!r} has sha256 {actual}, expected {sha256}; refusing "
                "to use a file that does not match its hash"
            )
        return actual
    file_name, md5 = OFFICIAL_FILES[bool(include_top)]
    if _md5_file(path) != md5:
        raise ValueError(
            f"weights file {path!r} is not the official {file_name} (its MD5 differs from "
            f"the one Keras pins) and no sha256 was given; its sha256 is {actual}. If you "
            "trust this file, pass sha256=<that hex> (CLI: --extractor-sha256)."
        )
    return actual


def imagenet_weights_path(include_top=False, sha256=None, allow_download=None, cache_dir=None):
    """The verified path of the official weights in the Keras cache, downloading them
    if allowed; a RuntimeError saying how to provide them otherwise."""
    file_name, md5 = OFFICIAL_FILES[bool(include_top)]
    cache_dir = cache_dir or os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")
    path = os.path.join(cache_dir, "models", file_name)
    if os.path.isfile(path):
        verify_weights_file(path, sha256, include_top)
        return path
    if allow_download is None:
        allow_download = os.environ.get("KERASGEN_OFFLINE", "") not in ("1", "true", "yes")
    reason = "downloading is disabled (allow_download=False or KERASGEN_OFFLINE=1)"
    if allow_download:
        try:
            downloaded = keras.utils.get_file(
                file_name, BASE_URL + file_name, file_hash=md5, cache_subdir="models",
                cache_dir=cache_dir,
            )
        except Exception as error:  # network errors differ by platform and proxy
            reason = f"the download failed ({type(error).__name__}: {error})"
        else:
            verify_weights_file(downloaded, sha256, include_top)
            return downloaded
    raise RuntimeError(
        f"InceptionV3 ImageNet weights are not available: there is no {path} and {reason}. "
        f"Fetch {BASE_URL + file_name} on a machine with internet (its MD5 is {md5}), then "
        f"either copy it to {path} or pass its path: "
        "kerasgen.metrics.inception_v3(weights='/path/to/file.h5', sha256=...) or "
        "`kerasgen evaluate ... --extractor /path/to/file.h5 [--extractor-sha256 HEX]`. "
        "For MNIST-like data prefer a domain classifier (kerasgen.metrics.DomainClassifier)."
    )


def _build(path, include_top):
    model = keras.applications.InceptionV3(
        include_top=include_top,
        weights=None,
        input_shape=IMAGE_SIZE + (3,),
        pooling=None if include_top else "avg",
    )
    try:
        model.load_weights(path)
    except Exception as error:  # h5py / Keras raise many types for a foreign file
        raise ValueError(
            f"weights file {path!r} could not be loaded into InceptionV3 "
            f"(include_top={include_top}): {type(error).__name__}: {error}"
        ) from error
    return FeatureExtractor(
        model,
        "inception_v3_top" if include_top else "inception_v3",
        features_layer="avg_pool" if include_top else None,
        probabilities_layer="predictions" if include_top else None,
        image_size=IMAGE_SIZE,
        network_range=(-1.0, 1.0),
    )


def _md5_file(path, chunk_size=1 << 20):
    # MD5 only to recognise the official file by the hash Keras publishes for it.
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()
