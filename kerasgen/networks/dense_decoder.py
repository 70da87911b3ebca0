import math

import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class DenseDecoder(Network):
    """Fully connected decoder to images or vectors.

    Args:
        latent_dim: size of the code.
        output_shape: per-example output shape, `(height, width, channels)` or `(dim,)`.
        hidden_units: sizes of the hidden dense layers.
        output_activation: `"sigmoid"`, `"tanh"` or `None`.
        activation: hidden activation.

    Example:
    ```python
    decoder = kerasgen.networks.DenseDecoder(4, (8, 8, 1))
    ```
    """

    def __init__(
        self,
        latent_dim,
        output_shape,
        hidden_units=(256, 512),
        output_activation="sigmoid",
        activation="relu",
        **kwargs,
    ):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        output_shape = check_shape("output_shape", output_shape)
        hidden_units = check_units("hidden_units", hidden_units)
        inputs = keras.Input(shape=(latent_dim,), name="z")
        x = inputs
        for index, units in enumerate(hidden_units):
            x = keras.layers.Dense(units, activation=activation, name=f"dense_{index}")(x)
        x = keras.layers.Dense(math.prod(output_shape), name="logits")(x)
        x = keras.layers.Activation(output_activation or "linear", name="activation")(x)
        outputs = keras.layers.Reshape(output_shape, name="x")(x)
        kwargs.setdefault("name", "dense_decoder")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = latent_dim
        self.image_shape = output_shape
        self.output_activation = output_activation
        self.remember(
            latent_dim=latent_dim, output_shape=output_shape, hidden_units=hidden_units,
            output_activation=output_activation, activation=activation,
        )
