import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks import narrow_conv
from kerasgen.networks.network import Network, base_size


@keras.saving.register_keras_serializable(package="kerasgen")
class DCGANGenerator(Network):
    """DCGAN generator: dense projection, then stride-2 transposed convolutions.

    The shape of Radford et al. (2016) as the keras.io MNIST GAN examples write it:
    a dense layer to a `(height / 2**k, width / 2**k, filters[0])` map, `k =
    len(filters)` upsampling stages with LeakyReLU, and a final convolution to the
    image channels. 28x28 images take two stages (`filters=(128, 64)`), 32x32 and
    64x64 images three or four.

    Args:
        latent_dim: size of the noise vector `z`.
        image_shape: `(height, width, channels)`; height and width divisible by
            `2 ** len(filters)`.
        filters: filters of each stride-2 transposed convolution.
        kernel_size: kernel size of the transposed convolutions.
        batch_norm: batch normalization after each hidden layer (the DCGAN paper
            uses it; off by default so that a discriminator update never changes the
            generator's moving statistics).
        output_activation: `"tanh"` for data in [-1, 1], `"sigmoid"` for [0, 1].

    Example:
    ```python
    generator = kerasgen.networks.DCGANGenerator(64, (28, 28, 1))
    images = generator(z)  # (batch, 28, 28, 1) in [-1, 1]
    ```

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep Convolutional
        Generative Adversarial Networks", 2016.
    """

    def __init__(
        self,
        latent_dim,
        image_shape,
        filters=(128, 64),
        kernel_size=4,
        batch_norm=False,
        output_activation="tanh",
        **kwargs,
    ):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        inputs = keras.Input(shape=(latent_dim,), name="z")
        outputs = upsampling_stack(
            inputs, image_shape, filters, kernel_size, batch_norm, output_activation
        )
        kwargs.setdefault("name", "dcgan_generator")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        self.output_activation = output_activation
        self.remember(
            latent_dim=latent_dim, image_shape=image_shape, filters=filters,
            kernel_size=kernel_size, batch_norm=bool(batch_norm),
            output_activation=output_activation,
        )


def upsampling_stack(x, image_shape, filters, kernel_size, batch_norm, output_activation):
    """Dense projection and transposed convolutions from a vector to an image."""
    height, width = base_size(image_shape, len(filters))
    x = keras.layers.Dense(height * width * filters[0], use_bias=not batch_norm, name="project")(x)
    x = _normalize_and_activate(x, batch_norm, "project")
    x = keras.layers.Reshape((height, width, filters[0]), name="reshape")(x)
    for index, count in enumerate(filters):
        x = keras.layers.Conv2DTranspose(
            count, kernel_size, strides=2, padding="same", use_bias=not batch_norm,
            name=f"deconv_{index}",
        )(x)
        x = _normalize_and_activate(x, batch_norm, f"deconv_{index}")
    x = narrow_conv.Conv2D(image_shape[2], 5, padding="same", name="logits")(x)
    return keras.layers.Activation(output_activation or "linear", name="x")(x)


def _normalize_and_activate(x, batch_norm, name):
    if batch_norm:
        x = keras.layers.BatchNormalization(name=f"{name}_norm")(x)
    return keras.layers.LeakyReLU(0.2, name=f"{name}_activation")(x)
