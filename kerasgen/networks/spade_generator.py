import keras
from keras import ops

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network
from kerasgen.networks.spade_res_block import SPADEResBlock


@keras.saving.register_keras_serializable(package="kerasgen")
class SPADEGenerator(Network):
    """SPADE generator: the style code z -> dense -> small feature map -> SPADE
    ResBlocks with nearest upsampling -> LeakyReLU -> 3x3 conv -> tanh.

    Inputs are `[z, label_map]`: `z` of shape `(latent_dim,)` and `label_map` an int
    map of class indices `(height, width)`, one-hot encoded inside the network (so an
    exported file takes the map as users store it). The first block works at
    `height / 2**(len(filters) - 1)`; each later block doubles the size.

    Args:
        latent_dim: size of the style code z.
        num_classes: number of semantic classes in the map.
        image_shape: `(height, width, channels)` of the images.
        filters: output channels of each ResBlock.
        hidden: filters of each SPADE's shared convolution.
        spectral_norm: spectral normalization on the blocks' convolutions.
        conditioning: `"spade"`, or `"concat"` for the paper's ablation baseline (the
            map concatenated to each block's convolution inputs, plain instance norm).

    Example:
    ```python
    generator = kerasgen.networks.SPADEGenerator(32, num_classes=4, image_shape=(32, 32, 3))
    images = generator([z, label_map])  # (batch, 32, 32, 3) in [-1, 1]
    ```

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019.
    """

    def __init__(self, latent_dim, num_classes, image_shape, filters=(128, 128, 64, 32), hidden=64,
                 spectral_norm=False, conditioning="spade", **kwargs):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        num_classes = check_positive_int("num_classes", num_classes)
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        hidden = check_positive_int("hidden", hidden)
        height, width, channels = image_shape
        factor = 2 ** (len(filters) - 1)
        if height % factor or width % factor:
            raise ValueError(
                f"image_shape {image_shape} must have height and width divisible by "
                f"2**(len(filters) - 1) = {factor}; use fewer filters stages"
            )
        z = keras.Input(shape=(latent_dim,), name="z")
        label_map = keras.Input(shape=(height, width), dtype="int32", name="label_map")
        one_hot = ops.one_hot(label_map, num_classes)
        x = keras.layers.Dense((height // factor) * (width // factor) * filters[0], name="dense")(z)
        x = keras.layers.Reshape((height // factor, width // factor, filters[0]), name="reshape")(x)
        for index, count in enumerate(filters):
            if index:
                x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"upsample_{index}")(x)
            x = SPADEResBlock(count, hidden=hidden, spectral_norm=spectral_norm, conditioning=conditioning,
                              name=f"block_{index}")([x, one_hot])
        x = keras.layers.LeakyReLU(0.2, name="output_activation_in")(x)
        outputs = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh", name="image")(x)
        kwargs.setdefault("name", "spade_generator")
        super().__init__([z, label_map], outputs, **kwargs)
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.image_shape = image_shape
        self.output_activation = "tanh"
        self.conditioning = conditioning
        self.remember(
            latent_dim=latent_dim, num_classes=num_classes, image_shape=image_shape, filters=filters,
            hidden=hidden, spectral_norm=bool(spectral_norm), conditioning=conditioning,
        )
