"""Memorization: are generated samples closer to the training images than new real images are?

A generator that copies its training set puts samples nearer to training images than
held-out real images (drawn from the same distribution, never trained on) lie. So for N
generated samples and M held-out images the check measures each one's distance to its
nearest training image, in two spaces:

- **pixels**: Euclidean (L2) distance between images in [0, 1] (all pixels and channels);
- **features**: Euclidean distance between feature vectors of an extractor (the data's
  domain classifier, the same one FID uses).

and compares the two distributions. The held-out distances give the scale of "as close
as a new real image gets": their 5th percentile `q05`. A generator distributed like the
data puts about 5% of its samples below `q05`; one that copies puts many more there.

Being close is not enough: a collapsed generator that draws one flat average image sits
near the flattest training images without copying any. So the second question, asked of
the samples below `q05` only: are the real images nearest to them (training and held-out
images pooled; each counted once, however many samples share it) training images more
often than chance? For samples that do not come from the training set, each of the T
training and M held-out images is equally likely to be the nearest, so a training image
is nearest with probability `p = T / (T + M)`; for copies it nearly always is one, and
for a collapsed generator the few distinct images it lands near are too few to tell.

Verdict rule: **copies training images** when, in pixel or feature space, both
(a) the fraction of samples closer than the held-out `q05` exceeds the larger of
`threshold` (default 0.10, twice the 5% expected of a generator that does not copy) and
`0.05 + 3 * sqrt(0.05 * 0.95 * (1/N + 1/M))` (three standard deviations of that fraction
for a non-copier, which matter when N or M is small), and (b) among those close samples,
the share of training images among their `n` distinct nearest real images exceeds
`p + 3 * sqrt(p (1 - p) / n)`; else **no sign of copying**. Also reported: the number of samples closer
than the closest held-out image (`below_held_out_min`), and the medians and 5th
percentiles of both distributions.

Reference: the nearest-neighbour test of memorization as in Webster et al. 2019
("Detecting overfitting of deep generative networks via latent recovery") and the
"authenticity" view of Alaa et al. 2022; this is the plain distance-distribution form.
"""

import numpy as np

from kerasgen.checks import check_positive_int
from kerasgen.metrics.metric_result import MetricResult

SPACES = ("pixel", "feature")
DEFAULT_THRESHOLD = 0.10
PERCENTILE = 5.0


def nearest_neighbours(queries, references, batch_size=256):
    """`(distances, indices)`: each query row's Euclidean distance to its nearest row of
    `references` and that row's index (rows flattened; float64 arithmetic, so an exact
    copy gives a distance of 0 up to rounding)."""
    queries = np.asarray(queries, dtype="float64").reshape(len(queries), -1)
    references = np.asarray(references, dtype="float64").reshape(len(references), -1)
    if queries.shape[1] != references.shape[1]:
        raise ValueError(f"queries must have the references' size per example "
                         f"({references.shape[1]}), got {queries.shape[1]}")
    if len(references) == 0:
        raise ValueError("references must hold at least one example, got none")
    batch_size = check_positive_int("batch_size", batch_size)
    reference_norms = np.sum(references**2, axis=1)
    distances, indices = [], []
    for start in range(0, len(queries), batch_size):
        batch = queries[start : start + batch_size]
        squared = np.sum(batch**2, axis=1)[:, None] + reference_norms[None, :] - 2.0 * batch @ references.T
        nearest = np.argmin(squared, axis=1)
        indices.append(nearest)
        distances.append(np.sqrt(np.maximum(squared[np.arange(len(batch)), nearest], 0.0)))
    return np.concatenate(distances), np.concatenate(indices)


def compare_distances(generated, held_out, to_held_out, num_train, threshold=DEFAULT_THRESHOLD,
                      nearest=None):
    """The summary of one space: both distributions of distances to the nearest training
    image (`generated`, `held_out`), the fraction of samples below the held-out 5th
    percentile, and for those the share of training images among the distinct real
    images nearest to them (`to_held_out`: each sample's distance to its nearest
    held-out image; `nearest`: `(train index, held-out index)` of each sample's
    nearest images, default all distinct)."""
    generated, held_out = np.asarray(generated, "float64"), np.asarray(held_out, "float64")
    q05 = float(np.percentile(held_out, PERCENTILE))
    close = generated < q05
    fraction = float(np.mean(close))
    limit = flag_limit(threshold, len(generated), len(held_out))
    p = num_train / (num_train + len(held_out))
    train_index, held_index = nearest if nearest is not None else (np.arange(len(generated)),) * 2
    nearer_train = generated < np.asarray(to_held_out)
    pooled = np.where(nearer_train, train_index, num_train + np.asarray(held_index))[close]
    distinct = np.unique(pooled)  # one real image that many samples land near counts once
    share = float(np.mean(distinct < num_train)) if len(distinct) else 0.0
    share_limit = float(p + 3.0 * np.sqrt(p * (1 - p) / max(len(distinct), 1)))
    return {
        "fraction_below_held_out_q05": fraction,
        "generated_median": float(np.median(generated)),
        "generated_q05": float(np.percentile(generated, PERCENTILE)),
        "held_out_median": float(np.median(held_out)),
        "held_out_q05": q05,
        "held_out_min": float(held_out.min()),
        "below_held_out_min": int(np.sum(generated < held_out.min())),
        "flag_above": limit,
        "close_distinct_nearest": int(len(distinct)),
        "close_nearer_train": share,
        "close_nearer_train_chance": p,
        "close_nearer_train_flag_above": share_limit,
        "copies": bool(fraction > limit and share > share_limit),
    }


def flag_limit(threshold, num_generated, num_held_out):
    """The fraction above which samples are judged copies (see the module docstring)."""
    p = PERCENTILE / 100.0
    noise = 3.0 * np.sqrt(p * (1 - p) * (1.0 / num_generated + 1.0 / num_held_out))
    return float(max(threshold, p + noise))


def memorization(generated, train, held_out, extractor=None, threshold=DEFAULT_THRESHOLD,
                 batch_size=256, features=None):
    """Nearest-training-image distances of generated samples against held-out images.

    Args:
        generated: `(N, H, W, C)` samples in [0, 1].
        train: `(T, H, W, C)` the training images in [0, 1].
        held_out: `(M, H, W, C)` real images in [0, 1] that were not trained on.
        extractor: a `FeatureExtractor` for the feature space, or None (pixels only).
        threshold: the verdict's fraction (see the module docstring).
        batch_size: rows per distance block and per extractor call.
        features: optional precomputed `{"generated", "train", "held_out"}` features.

    Returns:
        `(results, pairs)`: `results` a dict of `MetricResult`s, `memorization_pixel`
        and `memorization_feature` (value: the fraction of samples closer than the
        held-out 5th percentile; details: both distributions) and `memorization` (value
        1.0 for "copies training images", else 0.0; details: the verdict and its rule);
        `pairs` the pixel-space `(distances, indices)` of each sample's nearest
        training image.
    """
    generated, train, held_out = (_images(name, value) for name, value in
                                  (("generated", generated), ("train", train), ("held_out", held_out)))
    for name, images in (("generated", generated), ("held_out", held_out)):
        if images.shape[1:] != train.shape[1:]:
            raise ValueError(f"{name} must have the training images' shape {train.shape[1:]}, "
                             f"got {images.shape[1:]}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be a fraction in (0, 1), got {threshold!r}")
    spaces = {"pixel": (generated, train, held_out)}
    extractor_id = None
    if features is None and extractor is not None:
        features = {name: extractor.extract(images, batch_size)[0] for name, images in
                    (("generated", generated), ("train", train), ("held_out", held_out))}
    if features is not None:
        spaces["feature"] = (features["generated"], features["train"], features["held_out"])
        extractor_id = getattr(extractor, "extractor_id", None)
    results, summaries, pairs = {}, {}, None
    for space, (queries, references, real) in spaces.items():
        generated_distances, indices = nearest_neighbours(queries, references, batch_size)
        held_out_distances, _ = nearest_neighbours(real, references, batch_size)
        to_held_out, held_index = nearest_neighbours(queries, real, batch_size)
        if space == "pixel":
            pairs = (generated_distances, indices)
        summary = compare_distances(generated_distances, held_out_distances, to_held_out,
                                    len(references), threshold, (indices, held_index))
        summaries[space] = summary
        results[f"memorization_{space}"] = MetricResult(
            f"memorization_{space}", summary["fraction_below_held_out_q05"], len(held_out),
            len(generated), extractor_id if space == "feature" else None,
            details={**summary, "num_train": len(train), "distance": _DISTANCES[space]},
        )
    copies = any(summary["copies"] for summary in summaries.values())
    results["memorization"] = MetricResult(
        "memorization", float(copies), len(held_out), len(generated), extractor_id,
        details={"verdict": "copies training images" if copies else "no sign of copying",
                 "rule": rule_text(threshold, tuple(summaries))},
    )
    return results, pairs


_DISTANCES = {"pixel": "L2 between images in [0, 1]", "feature": "L2 between extractor features"}


def rule_text(threshold=DEFAULT_THRESHOLD, spaces=SPACES):
    return (f"copies training images when, in {' or '.join(spaces)} space, (a) more than "
            f"max({threshold:.0%}, 5% + 3 sqrt(0.05 * 0.95 * (1/N + 1/M))) of the N samples are "
            f"closer to their nearest training image than the {PERCENTILE:.0f}th percentile of "
            f"the M held-out images' distances (a generator that does not copy puts about "
            f"{PERCENTILE:.0f}% there) and (b) of the n distinct real images nearest to those "
            f"samples, more than p + 3 sqrt(p (1 - p) / n) are training images, p = T / (T + M) "
            f"the chance share for T training images")


def closest_pairs(generated, train, pairs, count=16):
    """`(2 * count, H, W, C)` images: the `count` samples nearest to a training image
    (pixel space), each followed by that training image, closest first."""
    distances, indices = pairs
    order = np.argsort(distances, kind="stable")[:check_positive_int("count", count)]
    return np.stack([image for i in order for image in (generated[i], train[indices[i]])])


def _images(name, value):
    images = np.asarray(value, dtype="float32")
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"{name} must be images (N, height, width, channels) with N >= 1, "
                         f"got shape {images.shape}")
    if images.min() < -1e-3 or images.max() > 1 + 1e-3:
        raise ValueError(f"{name} must hold pixels in [0, 1], got values in "
                         f"[{images.min():.3g}, {images.max():.3g}]")
    return images
