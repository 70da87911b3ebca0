import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network, base_size
from kerasgen.networks.resnet_blocks import up_block


@keras.saving.register_keras_serializable(package="kerasgen")
class ResNetGenerator(Network):
    """ResNet generator of SNGAN / BigGAN-lite shape for RGB images.

    A dense projection of `z` to a `(height / 2**k, width / 2**k, filters[0])` map
    (4x4 for 32x32 images with `k = 3` blocks, 4x4 for 64x64 with `k = 4`), `k =
    len(filters)` residual up-blocks (BN, ReLU, nearest x2 upsampling, conv3x3, BN,
    ReLU, conv3x3; a conv1x1 shortcut), then BN, ReLU, conv3x3 to the image channels
    and tanh. SNGAN's CIFAR-10 generator used 256 channels in every block
    (`filters=(256, 256, 256)`, latent 128); the defaults here are half that width,
    a quarter of the compute, for CPU training.

    Args:
        latent_dim: size of the noise vector `z`.
        image_shape: `(height, width, channels)`; height and width divisible by
            `2 ** len(filters)`.
        filters: output filters of each up-block.

    Example:
    ```python
    generator = kerasgen.networks.ResNetGenerator(128, (32, 32, 3))
    images = generator(z)  # (batch, 32, 32, 3) in [-1, 1]
    ```

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial Networks",
        2018 (Appendix B.4); Brock et al., "Large Scale GAN Training for High Fidelity
        Natural Image Synthesis", 2019.
    """

    def __init__(self, latent_dim, image_shape, filters=(128, 128, 128), **kwargs):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        height, width = base_size(image_shape, len(filters))
        inputs = keras.Input(shape=(latent_dim,), name="z")
        x = keras.layers.Dense(height * width * filters[0], name="project")(inputs)
        x = keras.layers.Reshape((height, width, filters[0]), name="reshape")(x)
        for index, count in enumerate(filters):
            x = up_block(x, count, f"block_{index}")
        x = keras.layers.BatchNormalization(name="output_bn")(x)
        x = keras.layers.ReLU(name="output_relu")(x)
        x = keras.layers.Conv2D(image_shape[-1], 3, padding="same", name="output_conv")(x)
        outputs = keras.layers.Activation("tanh", name="output")(x)
        kwargs.setdefault("name", "resnet_generator")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        self.output_activation = "tanh"
        self.remember(latent_dim=latent_dim, image_shape=image_shape, filters=filters)
