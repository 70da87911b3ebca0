import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network, latent_head


@keras.saving.register_keras_serializable(package="kerasgen")
class ConvEncoder(Network):
    """Convolutional encoder: stride-2 convolutions, then dense heads.

    Args:
        image_shape: `(height, width, channels)`, e.g. `(28, 28, 1)`.
        latent_dim: size of the code.
        filters: filters of each stride-2 convolution (each halves the size).
        hidden_units: size of a dense layer before the heads, 0 for none.
        variational: if True, outputs `[mean, log_var]` of a diagonal Gaussian;
            otherwise the code `z`.
        kernel_size: convolution kernel size.
        activation: hidden activation.

    Example:
    ```python
    encoder = kerasgen.networks.ConvEncoder((28, 28, 1), latent_dim=16, variational=True)
    mean, log_var = encoder(x)
    ```
    """

    def __init__(
        self,
        image_shape,
        latent_dim,
        filters=(32, 64),
        hidden_units=0,
        variational=False,
        kernel_size=3,
        activation="relu",
        **kwargs,
    ):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        latent_dim = check_positive_int("latent_dim", latent_dim)
        filters = check_units("filters", filters)
        inputs = keras.Input(shape=image_shape, name="x")
        x = inputs
        for index, count in enumerate(filters):
            x = keras.layers.Conv2D(
                count, kernel_size, strides=2, padding="same", activation=activation,
                name=f"conv_{index}",
            )(x)
        x = keras.layers.Flatten(name="flatten")(x)
        if hidden_units:
            x = keras.layers.Dense(hidden_units, activation=activation, name="hidden")(x)
        outputs = latent_head(x, latent_dim, variational)
        kwargs.setdefault("name", "conv_encoder")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.variational = bool(variational)
        self.remember(
            image_shape=image_shape, latent_dim=latent_dim, filters=filters,
            hidden_units=int(hidden_units), variational=bool(variational),
            kernel_size=kernel_size, activation=activation,
        )
