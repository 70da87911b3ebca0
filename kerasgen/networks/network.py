"""Base of kerasgen networks: functional Keras models built from hyperparameters only."""

import keras
import numpy as np


class Network(keras.Model):
    """A functional `keras.Model` whose config is its hyperparameters (KerasHub style).

    Subclasses build their graph in `__init__`, call `super().__init__(inputs, outputs,
    ...)` and then `self.remember(**hyperparameters)`; `get_config` returns those values
    and `from_config` calls the constructor with them.
    """

    def remember(self, **hyperparameters):
        self._hyperparameters = hyperparameters

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        config.update(self._hyperparameters)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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


def base_size(image_shape, num_stages):
    """Spatial size after `num_stages` stride-2 stages; each must divide evenly."""
    height, width = image_shape[:2]
    factor = 2**num_stages
    if height % factor or width % factor:
        raise ValueError(
            f"image_shape {tuple(image_shape)} must have height and width divisible by "
            f"2**len(filters) = {factor}; use fewer filters stages"
        )
    return height // factor, width // factor
