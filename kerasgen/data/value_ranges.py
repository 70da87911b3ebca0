"""Value ranges of images: mapping between [0, 1] and [-1, 1], and the checks that data
suits the range a model was trained on."""

import numpy as np


def to_unit_range(x):
    """Maps images from [-1, 1] (tanh generators) to [0, 1] (sigmoid / Bernoulli)."""
    return (np.asarray(x, dtype="float32") + 1.0) / 2.0


def to_signed_range(x):
    """Maps images from [0, 1] to [-1, 1] for tanh generators."""
    return np.asarray(x, dtype="float32") * 2.0 - 1.0


def check_value_range(x, value_range, name="x", tolerance=1e-3):
    """Raises if `x` falls outside `value_range` (a `(low, high)` pair)."""
    low, high = value_range
    x_min, x_max = float(np.min(x)), float(np.max(x))
    if x_min < low - tolerance or x_max > high + tolerance:
        raise ValueError(
            f"{name} must lie in [{low}, {high}], got values in [{x_min:.4g}, {x_max:.4g}]"
        )


# The helper that maps data to each range, named in the errors below.
RANGE_HELPERS = {
    (0.0, 1.0): "kerasgen.data.to_unit_range (from [-1, 1]) or x / 255.0 (from 0-255 pixels)",
    (-1.0, 1.0): "kerasgen.data.to_signed_range (from [0, 1]) or x / 127.5 - 1 (from 0-255 pixels)",
}


def check_training_range(x, value_range, name="x", tolerance=1e-3):
    """Raises a ValueError unless `x` suits a model trained on `value_range`.

    Values outside the range are refused; so is [0, 1] data for a [-1, 1] model (no
    negative value at all: almost surely images that were not mapped to [-1, 1]). The
    message names the range seen, the range expected and the helper that converts.
    """
    low, high = (float(v) for v in value_range)
    x_min, x_max = float(np.min(x)), float(np.max(x))
    outside = x_min < low - tolerance or x_max > high + tolerance
    unsigned = low < 0 and x_min >= 0 and x_max > tolerance
    if outside or unsigned:
        seen = "[0, 1] data" if unsigned and not outside else "values"
        raise ValueError(
            f"{name} must lie in [{low:g}, {high:g}] for this model, got {seen} in "
            f"[{x_min:.4g}, {x_max:.4g}]; convert with {RANGE_HELPERS.get((low, high), 'a rescaling')}"
        )
