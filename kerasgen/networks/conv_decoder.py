
import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks import narrow_conv
from kerasgen.networks.network import Network, base_size


@keras.saving.register_keras_serializable(package="kerasgen")
class ConvDecoder(Network):
    """Convolutional decoder: dense to a small feature map, then stride-2 transposed convs.

    Args:
        latent_dim: size of the code.
        image_shape: `(height, width, channels)`; height and width must be divisible by
            `2 ** len(filters)`.
        filters: filters of each stride-2 transposed convolution.
        hidden_units: size of a dense layer after the input, 0 for none.
        output_activation: `"sigmoid"` for [0, 1] (Bernoulli), `"tanh"` for [-1, 1],
            `None` for unbounded.
        kernel_size: convolution kernel size.
        activation: hidden activation.

    Example:
    ```python
    decoder = kerasgen.networks.ConvDecoder(16, (28, 28, 1))
    images = decoder(z)
    ```
    """

    def __init__(
        self,
        latent_dim,
        image_shape,
        filters=(64, 32),
        hidden_units=0,
        output_activation="sigmoid",
        kernel_size=3,
        activation="relu",
        **kwargs,
    ):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        height, width = base_size(image_shape, len(filters))
        inputs = keras.Input(shape=(latent_dim,), name="z")
        x = inputs
        if hidden_units:
            x = keras.layers.Dense(hidden_units, activation=activation, name="hidden")(x)
        x = keras.layers.Dense(height * width * filters[0], activation=activation, name="project")(x)
        x = keras.layers.Reshape((height, width, filters[0]), name="reshape")(x)
        for index, count in enumerate(filters):
            x = keras.layers.Conv2DTranspose(
                count, kernel_size, strides=2, padding="same", activation=activation,
                name=f"deconv_{index}",
            )(x)
        x = narrow_conv.Conv2D(image_shape[2], kernel_size, padding="same", name="logits")(x)
        outputs = keras.layers.Activation(output_activation or "linear", name="x")(x)
        kwargs.setdefault("name", "conv_decoder")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        self.output_activation = output_activation
        self.remember(
            latent_dim=latent_dim, image_shape=image_shape, filters=filters,
            hidden_units=int(hidden_units), output_activation=output_activation,
            kernel_size=kernel_size, activation=activation,
        )


