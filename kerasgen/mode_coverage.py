"""Mode-collapse measurements (NumPy only).

2-D mixtures follow the PacGAN / VEEGAN protocol: a generated point is *high quality*
if it lies within `threshold` (3) standard deviations of its nearest mode; a mode is
*captured* if at least one high-quality point is nearest to it; the *reverse KL* is
KL(p || uniform) of the histogram of high-quality points over the modes (0 when the
modes are equally covered, log K when all points sit in one mode).

Labelled images use a classifier instead: the histogram of predicted classes of
generated images, the classes covered and the same reverse KL.
"""

import numpy as np

from kerasgen.checks import check_positive_int


def mixture_coverage(samples, mixture, threshold=3.0):
    """Modes captured, share of high-quality samples and reverse KL for 2-D points.

    Args:
        samples: generated points, shape `(N, 2)`.
        mixture: `"ring8"`, `"grid25"` or a `(modes, std)` pair (`modes` shape `(K, 2)`).
        threshold: a point is high quality within `threshold * std` of its nearest mode.

    Returns:
        A dict with `modes_captured`, `num_modes`, `high_quality_fraction`,
        `reverse_kl` and `mode_counts` (high-quality points per mode).
    """
    modes, std = _mixture(mixture)
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != modes.shape[1] or len(samples) == 0:
        raise ValueError(
            f"samples must have shape (N, {modes.shape[1]}) with N > 0, got {samples.shape}"
        )
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= threshold * std
    counts = np.bincount(nearest[high_quality], minlength=len(modes))
    return {
        "modes_captured": int(np.count_nonzero(counts)),
        "num_modes": len(modes),
        "high_quality_fraction": float(high_quality.mean()),
        "reverse_kl": reverse_kl_to_uniform(counts),
        "mode_counts": counts,
    }


def class_coverage(probabilities, min_count=1):
    """Class histogram of generated images from a classifier's probabilities.

    Args:
        probabilities: `(N, K)` class probabilities (or logits) of generated images.
        min_count: a class is covered when at least this many images are assigned to it.

    Returns:
        A dict with `classes_covered`, `num_classes`, `reverse_kl` and `class_counts`.
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) == 0:
        raise ValueError(f"probabilities must have shape (N, num_classes), got {probabilities.shape}")
    min_count = check_positive_int("min_count", min_count)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    return {
        "classes_covered": int(np.count_nonzero(counts >= min_count)),
        "num_classes": probabilities.shape[1],
        "reverse_kl": reverse_kl_to_uniform(counts),
        "class_counts": counts,
    }


def reverse_kl_to_uniform(counts):
    """KL(p || uniform) in nats of the histogram `counts`; inf if it is empty."""
    counts = np.asarray(counts, dtype="float64")
    total = counts.sum()
    if total == 0:
        return float("inf")
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * len(counts))))


def diversity(samples, num_pairs=2000, seed=0):
    """Mean Euclidean distance between random pairs of samples (any shape per sample).

    A collapsed generator has a much smaller diversity than the real data; compare
    `diversity(generated) / diversity(real)`.
    """
    samples = np.asarray(samples, dtype="float64").reshape(len(samples), -1)
    if len(samples) < 2:
        raise ValueError(f"samples must hold at least 2 samples, got {len(samples)}")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(samples), num_pairs)
    second = (first + rng.integers(1, len(samples), num_pairs)) % len(samples)
    return float(np.linalg.norm(samples[first] - samples[second], axis=1).mean())


def _mixture(mixture):
    if isinstance(mixture, str):
        from kerasgen.data.named_datasets import mixture_modes

        return mixture_modes(mixture)
    try:
        modes, std = mixture
        modes = np.asarray(modes, dtype="float64")
        std = float(std)
    except (TypeError, ValueError):
        raise ValueError(
            f"mixture must be 'ring8', 'grid25' or a (modes, std) pair, got {mixture!r}"
        ) from None
    if modes.ndim != 2 or len(modes) == 0 or not std > 0:
        raise ValueError(
            f"mixture must hold modes of shape (K, D) and a std > 0, got shape {modes.shape}, std {std}"
        )
    return modes, std
