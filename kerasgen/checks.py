"""Argument checks shared by kerasgen's modules: every bad value is a ValueError that
names the argument, the value received and what was expected.

`check_positive_int` is the runtime distribution's (`kerasgen_runtime.latents`, which
cannot import kerasgen); the others are kerasgen's own. `int_at_least` makes the
command-line flavour: an argparse `type=` whose error argparse prints after the flag.
"""

import numpy as np
from kerasgen_runtime.latents import check_positive_int

__all__ = [
    "check_features", "check_int_at_least", "check_non_negative", "check_positive_int", "check_rate",
    "check_same_dim", "check_same_extractor", "check_shape", "check_units", "int_at_least",
]


def check_non_negative(name, value):
    """A number >= 0 (not a bool), as a float: a loss weight, a noise level."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a float >= 0, got {value!r}")
    return float(value)


def check_int_at_least(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def int_at_least(minimum):
    """An argparse `type=` reading an int >= `minimum`; argparse prints its error after the
    flag's name: `argument --epochs: must be a positive int, got 0`."""
    import argparse

    expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {expected}, got {value}")
        return value

    parse.__name__ = f"int_at_least_{minimum}"
    return parse


def check_rate(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a float in [0, 1), got {value!r}")
    return float(value)


def check_shape(name, value, ranks=(1, 3)):
    """Validates an image or vector shape, returns it as a tuple of ints."""
    try:
        shape = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a tuple of positive ints, got {value!r}") from None
    if len(shape) not in ranks or any(v <= 0 for v in shape):
        ranks_text = " or ".join(str(r) for r in ranks)
        raise ValueError(
            f"{name} must be a tuple of {ranks_text} positive ints, got {value!r}"
        )
    return shape


def check_units(name, value):
    """Validates a sequence of positive layer sizes, returns a tuple of ints."""
    if isinstance(value, (int, np.integer)):
        value = (value,)
    units = tuple(value)
    if any(isinstance(u, bool) or not isinstance(u, (int, np.integer)) or u <= 0 for u in units):
        raise ValueError(f"{name} must be a sequence of positive ints, got {value!r}")
    return tuple(int(u) for u in units)


def check_features(features, name="features", min_samples=2):
    """Returns `features` as a finite float64 `(N, D)` array with `N >= min_samples`."""
    array = np.asarray(features)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (num_samples, feature_dim), got shape {array.shape}"
        )
    if array.shape[0] < min_samples:
        raise ValueError(
            f"{name} must hold at least {min_samples} samples (rows), got {array.shape[0]}"
        )
    if array.shape[1] < 1:
        raise ValueError(f"{name} must have feature_dim >= 1, got shape {array.shape}")
    array = array.astype("float64", copy=False)
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    return array


def check_same_dim(first, second, first_name="real_features", second_name="generated_features"):
    if first.shape[1] != second.shape[1]:
        raise ValueError(
            f"{first_name} and {second_name} must have the same feature dimension, got "
            f"{first.shape[1]} and {second.shape[1]}"
        )


def check_same_extractor(first, second, first_name="real", second_name="generated"):
    """Raises if two extractor ids are both known and differ: such numbers never mix."""
    if first is not None and second is not None and first != second:
        raise ValueError(
            f"{first_name} and {second_name} features come from different extractors "
            f"({first!r} vs {second!r}); numbers from different extractors are not comparable"
        )
    return first if first is not None else second
