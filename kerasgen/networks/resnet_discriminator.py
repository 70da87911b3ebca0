import keras

from kerasgen.checks import check_shape, check_units
from kerasgen.networks.network import Network, base_size, check_bool, spectral
from kerasgen.networks.resnet_blocks import down_block


@keras.saving.register_keras_serializable(package="kerasgen")
class ResNetDiscriminator(Network):
    """ResNet discriminator of SNGAN shape: residual down-blocks, global sum pooling, logit.

    `len(filters)` residual blocks, each halving height and width with 2x2 average
    pooling (the first is SNGAN's "optimized" block that starts with a convolution),
    then ReLU, a sum over positions (the layer `"features"`) and a dense logit. With
    `spectral_norm` (default) every convolution and the dense layer are wrapped in
    `keras.layers.SpectralNormalization`. SNGAN's CIFAR-10 discriminator used 128
    channels in four blocks, the last two without pooling; here every block pools, so
    32x32 images take 3 blocks and 64x64 take 4 to reach 4x4.

    Args:
        image_shape: `(height, width, channels)`; height and width divisible by
            `2 ** len(filters)`.
        filters: output filters of each down-block.
        spectral_norm: spectral normalization of every convolution and the logit layer.

    Example:
    ```python
    discriminator = kerasgen.networks.ResNetDiscriminator((32, 32, 3))
    logits = discriminator(images)  # (batch, 1), unbounded
    ```

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial Networks",
        2018 (Appendix B.4).
    """

    def __init__(self, image_shape, filters=(128, 128, 128), spectral_norm=True, **kwargs):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        spectral_norm = check_bool("spectral_norm", spectral_norm)
        height, width = base_size(image_shape, len(filters))
        inputs = keras.Input(shape=image_shape, name="x")
        x = inputs
        for index, count in enumerate(filters):
            x = down_block(x, count, f"block_{index}", spectral_norm, first=index == 0)
        x = keras.layers.ReLU(name="output_relu")(x)
        # Sum pooling is mean pooling times the number of positions (SNGAN sums).
        x = keras.layers.GlobalAveragePooling2D(name="mean_pool")(x)
        features = keras.layers.Rescaling(float(height * width), name="features")(x)
        outputs = spectral(keras.layers.Dense(1, name="logits"), spectral_norm)(features)
        kwargs.setdefault("name", "resnet_discriminator")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.packing = 1
        self.remember(image_shape=image_shape, filters=filters, spectral_norm=spectral_norm)
