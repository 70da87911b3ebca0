"""Reference statistics cached in `.npz` files, reused only for the same extractor.

A file holds `mean`, `cov`, `num_samples`, `extractor` (the id `"name@sha256:<hex>"`),
`source` (what the statistics were computed from, e.g. `"mnist5k:test"`) and optionally
the `features` themselves (needed by KID and precision/recall), and `checksum`: the
sha256 of every other field (dtype, shape and bytes of each array, the extractor and the
source). Files are written atomically and read without pickle; a file that cannot be
read, or whose checksum does not match, is never trusted: it is recomputed.
"""

import hashlib
import os
import warnings

import numpy as np

from kerasgen_runtime.files import atomic_path
from kerasgen.metrics.feature_statistics import FeatureStatistics

FORMAT_VERSION = 2
CHECKED = ("format_version", "mean", "cov", "num_samples", "extractor", "source", "features")


def save_statistics(path, statistics, source=""):
    """Writes `statistics` (a `FeatureStatistics`) to `path` (`.npz`) atomically."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"path must end with .npz, got {path!r}")
    arrays = {
        "format_version": np.asarray(FORMAT_VERSION),
        "mean": statistics.mean,
        "cov": statistics.cov,
        "num_samples": np.asarray(statistics.num_samples),
        "extractor": np.asarray(statistics.extractor or ""),
        "source": np.asarray(source),
    }
    if statistics.features is not None:
        arrays["features"] = np.asarray(statistics.features, dtype="float32")
    arrays["checksum"] = np.asarray(checksum(arrays))
    with atomic_path(path, cache=True) as tmp:  # a corrupted entry of ours is rewritten
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def load_statistics(path, extractor=None, source=None):
    """Reads statistics from `path`.

    Args:
        path: an `.npz` file written by `save_statistics`.
        extractor: if given, the extractor id the file must have been computed with.
        source: if given, the data source the file must describe.

    Raises:
        ValueError: if the file is not a statistics file or its extractor (or source)
            differs from the one requested.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as data:
            contents = {name: data[name] for name in data.files}
    except Exception as error:  # bad CRC, truncated, empty, not a zip: never trusted
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"path {path!r} is not a readable statistics .npz ({reason})") from None
    missing = {"mean", "cov", "num_samples", "extractor", "checksum"} - set(contents)
    if missing:
        raise ValueError(f"statistics file {path!r} lacks {sorted(missing)}")
    if str(contents["checksum"]) != checksum(contents):
        raise ValueError(f"statistics file {path!r} does not match its checksum (altered or "
                         "corrupted)")
    stored_extractor = str(contents["extractor"]) or None
    if extractor is not None and stored_extractor != extractor:
        raise ValueError(
            f"statistics file {path!r} was computed with extractor {stored_extractor!r}, "
            f"not {extractor!r}; statistics from different extractors are not comparable"
        )
    stored_source = str(contents.get("source", ""))
    if source is not None and stored_source != source:
        raise ValueError(
            f"statistics file {path!r} describes source {stored_source!r}, not {source!r}"
        )
    return FeatureStatistics(
        contents["mean"],
        contents["cov"],
        int(contents["num_samples"]),
        stored_extractor,
        contents.get("features"),
    )


def checksum(arrays):
    """sha256 of the checked fields: each one's name, dtype, shape and bytes."""
    digest = hashlib.sha256()
    for name in CHECKED:
        if name in arrays:
            array = np.ascontiguousarray(arrays[name])
            digest.update(f"{name}:{array.dtype.str}:{array.shape}:".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def cached_statistics(path, extractor, compute_features, source="", need_features=False):
    """Statistics from `path` if they match `extractor` and `source`, else recomputed.

    Args:
        path: the `.npz` cache file (created if missing, replaced if stale).
        extractor: the extractor id the statistics must come from.
        compute_features: `() -> (N, D) features`, called only on a cache miss.
        source: a string naming the data, e.g. `"mnist5k:test:1000"`.
        need_features: if True, a cached file must also hold the features.

    Returns:
        `(statistics, reused)` with `reused` True when the file was used.
    """
    if path is not None and os.path.exists(path):
        try:
            statistics = load_statistics(path, extractor=extractor, source=source)
        except ValueError as error:
            warnings.warn(f"Recomputing reference statistics: {error}", RuntimeWarning)
        else:
            if not need_features or statistics.features is not None:
                return statistics, True
    features = compute_features()
    statistics = FeatureStatistics.from_features(
        features, extractor, keep_features=need_features, name="reference features"
    )
    if path is not None:
        save_statistics(path, statistics, source=source)
    return statistics, False
