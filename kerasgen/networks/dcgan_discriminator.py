import keras

from kerasgen.checks import check_positive_int, check_rate, check_shape, check_units
from kerasgen.networks.network import Network, check_bool, spectral


@keras.saving.register_keras_serializable(package="kerasgen")
class DCGANDiscriminator(Network):
    """DCGAN discriminator: stride-2 convolutions with LeakyReLU, then one logit.

    The flattened output of the last convolution is the layer named `"features"`,
    which `kerasgen.models.VAEGAN` uses as its learned similarity measure. With
    `packing=m` the network judges `m` images at once, stacked along the channel axis
    (PacGAN), so its input has `channels * m` channels.

    Args:
        image_shape: `(height, width, channels)` of one image.
        filters: filters of each stride-2 convolution.
        kernel_size: convolution kernel size.
        dropout: dropout rate before the output layer.
        packing: number of images judged together (1: a plain discriminator).
        spectral_norm: wrap each convolution and the output layer in
            `keras.layers.SpectralNormalization` (Miyato et al. 2018: one power
            iteration per training call; its vector `u` is saved and resumed).

    Example:
    ```python
    discriminator = kerasgen.networks.DCGANDiscriminator((28, 28, 1))
    logits = discriminator(images)  # (batch, 1), unbounded
    ```

    Reference:
        Radford et al., 2016; Miyato et al., "Spectral Normalization for Generative
        Adversarial Networks", 2018; Lin et al., "PacGAN: The power of two samples in
        generative adversarial networks", 2018.
    """

    def __init__(
        self,
        image_shape,
        filters=(64, 128),
        kernel_size=4,
        dropout=0.0,
        packing=1,
        spectral_norm=False,
        **kwargs,
    ):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        packing = check_positive_int("packing", packing)
        dropout = check_rate("dropout", dropout)
        spectral_norm = check_bool("spectral_norm", spectral_norm)
        height, width, channels = image_shape
        inputs = keras.Input(shape=(height, width, channels * packing), name="x")
        features = downsampling_stack(inputs, filters, kernel_size, spectral_norm)
        x = keras.layers.Dropout(dropout, name="dropout")(features) if dropout else features
        outputs = spectral(keras.layers.Dense(1, name="logits"), spectral_norm)(x)
        kwargs.setdefault("name", "dcgan_discriminator")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.packing = packing
        self.remember(
            image_shape=image_shape, filters=filters, kernel_size=kernel_size,
            dropout=dropout, packing=packing, spectral_norm=spectral_norm,
        )


def downsampling_stack(x, filters, kernel_size, spectral_norm=False):
    """Stride-2 convolutions with LeakyReLU; returns the flattened `"features"`."""
    for index, count in enumerate(filters):
        convolution = keras.layers.Conv2D(
            count, kernel_size, strides=2, padding="same", name=f"conv_{index}"
        )
        x = spectral(convolution, spectral_norm)(x)
        x = keras.layers.LeakyReLU(0.2, name=f"conv_{index}_activation")(x)
    return keras.layers.Flatten(name="features")(x)
