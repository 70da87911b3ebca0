import keras
from keras import ops

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class MultiscaleDiscriminator(Network):
    """Multi-scale PatchGAN over the image concatenated with the one-hot map.

    `num_scales` PatchGANs see the input at full size, then average-pooled by 2 (3x3,
    stride 2) each time (pix2pixHD / SPADE). Each PatchGAN: 4x4 convolutions, stride 2
    except the last hidden one, instance normalization after the first, LeakyReLU(0.2),
    then a 4x4 convolution to one logit per patch. The network returns every
    PatchGAN's intermediate features followed by its logits, scale after scale: a flat
    list of `num_scales * (len(filters) + 1)` tensors (`outputs_per_scale` each), the
    features serving SPADE's feature-matching loss.

    Inputs are `[x, label_map]`, the map an int map `(height, width)` of class indices.

    Args:
        image_shape: `(height, width, channels)` of the images.
        num_classes: number of semantic classes.
        filters: filters of each hidden convolution of a PatchGAN.
        num_scales: number of PatchGANs.
        spectral_norm: spectral normalization on the convolutions (NVlabs's default).

    Example:
    ```python
    discriminator = kerasgen.networks.MultiscaleDiscriminator((32, 32, 3), num_classes=4)
    outputs = discriminator([images, label_map])
    logits_full, logits_half = outputs[3], outputs[7]
    ```

    Reference:
        Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
        Conditional GANs", CVPR 2018; Park et al., CVPR 2019.
    """

    def __init__(self, image_shape, num_classes, filters=(64, 128, 256), num_scales=2, spectral_norm=True,
                 **kwargs):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        num_classes = check_positive_int("num_classes", num_classes)
        filters = check_units("filters", filters)
        num_scales = check_positive_int("num_scales", num_scales)
        height, width, channels = image_shape
        x_input = keras.Input(shape=image_shape, name="x")
        label_map = keras.Input(shape=(height, width), dtype="int32", name="label_map")
        x = keras.layers.Concatenate(name="x_and_map")([x_input, ops.one_hot(label_map, num_classes)])
        outputs = []
        for scale in range(num_scales):
            if scale:
                x = keras.layers.AveragePooling2D(3, strides=2, padding="same", name=f"downsample_{scale}")(x)
            outputs.extend(patch_gan(x, filters, spectral_norm, prefix=f"scale_{scale}"))
        kwargs.setdefault("name", "multiscale_discriminator")
        super().__init__([x_input, label_map], outputs, **kwargs)
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.num_scales = num_scales
        self.outputs_per_scale = len(filters) + 1
        self.remember(image_shape=image_shape, num_classes=num_classes, filters=filters,
                      num_scales=num_scales, spectral_norm=bool(spectral_norm))


def patch_gan(x, filters, spectral_norm, prefix):
    """One PatchGAN's hidden features and its per-patch logits."""

    def conv(count, strides, name):
        layer = keras.layers.Conv2D(count, 4, strides=strides, padding="same", name=name)
        return keras.layers.SpectralNormalization(layer, name=f"{name}_sn") if spectral_norm else layer

    features = []
    for index, count in enumerate(filters):
        strides = 1 if index == len(filters) - 1 and index else 2
        x = conv(count, strides, f"{prefix}_conv_{index}")(x)
        if index:
            x = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{prefix}_norm_{index}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{prefix}_activation_{index}")(x)
        features.append(x)
    logits = conv(1, 1, f"{prefix}_logits")(x)
    return features + [logits]
