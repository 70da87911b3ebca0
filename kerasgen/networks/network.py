"""Base of kerasgen networks: functional Keras models built from hyperparameters only."""

import keras


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


def latent_head(x, latent_dim, variational=True):
    """An encoder's dense head on features `x`: `[mean, log_var]` layers (named "mean"
    and "log_var") of a diagonal Gaussian if `variational`, else one "z" layer."""
    if variational:
        return [
            keras.layers.Dense(latent_dim, name="mean")(x),
            keras.layers.Dense(latent_dim, name="log_var")(x),
        ]
    return keras.layers.Dense(latent_dim, name="z")(x)


def spectral(layer, spectral_norm):
    """`layer` wrapped in `keras.layers.SpectralNormalization` (named as the layer was,
    the layer itself renamed `<name>_layer`) if `spectral_norm`, else `layer` unchanged.

    The wrapper divides the kernel by its largest singular value, estimated by one
    power iteration per training call; its vector `u` is a non-trainable weight, so it
    is saved, restored and resumed with the model. At inference the wrapper is the
    plain layer (the kernel it holds is already normalized), so exports see a plain
    Conv2D / Dense.
    """
    if not spectral_norm:
        return layer
    name = layer.name
    layer.name = f"{name}_layer"
    return keras.layers.SpectralNormalization(layer, name=name)


def check_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value
