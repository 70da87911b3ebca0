import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network, latent_head


@keras.saving.register_keras_serializable(package="kerasgen")
class SPADEEncoder(Network):
    """SPADE's style encoder, the VAE part: stride-2 3x3 convolutions with instance
    normalization and LeakyReLU(0.2), then dense heads giving the mean and log-variance
    of q(z|x) (NVlabs's `ConvEncoder`).

    Args:
        image_shape: `(height, width, channels)` of the images, values in [-1, 1].
        latent_dim: size of the style code.
        filters: filters of each stride-2 convolution (each halves the size).

    Example:
    ```python
    encoder = kerasgen.networks.SPADEEncoder((32, 32, 3), latent_dim=32)
    mean, log_var = encoder(images)
    ```

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019.
    """

    def __init__(self, image_shape, latent_dim, filters=(32, 64, 128), **kwargs):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        latent_dim = check_positive_int("latent_dim", latent_dim)
        filters = check_units("filters", filters)
        inputs = keras.Input(shape=image_shape, name="x")
        x = inputs
        for index, count in enumerate(filters):
            x = keras.layers.Conv2D(count, 3, strides=2, padding="same", name=f"conv_{index}")(x)
            x = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"norm_{index}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"conv_{index}_activation")(x)
        x = keras.layers.Flatten(name="flatten")(x)
        outputs = latent_head(x, latent_dim)
        kwargs.setdefault("name", "spade_encoder")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.variational = True
        self.remember(image_shape=image_shape, latent_dim=latent_dim, filters=filters)
