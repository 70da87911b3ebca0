import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network, latent_head


@keras.saving.register_keras_serializable(package="kerasgen")
class DenseEncoder(Network):
    """Fully connected encoder for images or vectors.

    Args:
        input_shape: per-example shape, `(height, width, channels)` or `(dim,)`.
        latent_dim: size of the code.
        hidden_units: sizes of the hidden dense layers.
        variational: if True, outputs `[mean, log_var]`; otherwise the code `z`.
        activation: hidden activation.

    Example:
    ```python
    encoder = kerasgen.networks.DenseEncoder((8, 8, 1), latent_dim=4, variational=True)
    ```
    """

    def __init__(
        self,
        input_shape,
        latent_dim,
        hidden_units=(512, 256),
        variational=False,
        activation="relu",
        **kwargs,
    ):
        input_shape = check_shape("input_shape", input_shape)
        latent_dim = check_positive_int("latent_dim", latent_dim)
        hidden_units = check_units("hidden_units", hidden_units)
        inputs = keras.Input(shape=input_shape, name="x")
        x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
        for index, units in enumerate(hidden_units):
            x = keras.layers.Dense(units, activation=activation, name=f"dense_{index}")(x)
        outputs = latent_head(x, latent_dim, variational)
        kwargs.setdefault("name", "dense_encoder")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = input_shape
        self.latent_dim = latent_dim
        self.variational = bool(variational)
        self.remember(
            input_shape=input_shape, latent_dim=latent_dim, hidden_units=hidden_units,
            variational=bool(variational), activation=activation,
        )
