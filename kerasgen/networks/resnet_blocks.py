"""The residual blocks of `ResNetGenerator` and `ResNetDiscriminator` (SNGAN shapes).

Functional blocks of plain Keras layers (no custom layer), so a network built from them
saves, loads and exports like any functional model.
"""

import keras

from kerasgen.networks.network import spectral


def up_block(x, filters, name):
    """BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3, plus an upsampled conv1x1 shortcut.

    Upsampling is nearest-neighbour x2 (Miyato et al. 2018, Appendix B.4).
    """
    shortcut = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_shortcut_up")(x)
    shortcut = keras.layers.Conv2D(filters, 1, name=f"{name}_shortcut_conv")(shortcut)
    h = keras.layers.BatchNormalization(name=f"{name}_bn_0")(x)
    h = keras.layers.ReLU(name=f"{name}_relu_0")(h)
    h = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up")(h)
    h = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv_0")(h)
    h = keras.layers.BatchNormalization(name=f"{name}_bn_1")(h)
    h = keras.layers.ReLU(name=f"{name}_relu_1")(h)
    h = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv_1")(h)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def down_block(x, filters, name, spectral_norm=True, first=False):
    """(ReLU)-conv3x3-ReLU-conv3x3-avgpool, plus a conv1x1 + avgpool shortcut.

    The first block of a discriminator (`first=True`) starts with the convolution (its
    input is the image, not a ReLU output) and pools its shortcut before the 1x1
    convolution, SNGAN's "optimized" block.
    """

    def conv(count, size, suffix):
        layer = keras.layers.Conv2D(count, size, padding="same", name=f"{name}_{suffix}")
        return spectral(layer, spectral_norm)

    pool = keras.layers.AveragePooling2D
    if first:
        shortcut = pool(2, name=f"{name}_shortcut_pool")(x)
        shortcut = conv(filters, 1, "shortcut_conv")(shortcut)
        h = x
    else:
        shortcut = conv(filters, 1, "shortcut_conv")(x)
        shortcut = pool(2, name=f"{name}_shortcut_pool")(shortcut)
        h = keras.layers.ReLU(name=f"{name}_relu_0")(x)
    h = conv(filters, 3, "conv_0")(h)
    h = keras.layers.ReLU(name=f"{name}_relu_1")(h)
    h = conv(filters, 3, "conv_1")(h)
    h = pool(2, name=f"{name}_pool")(h)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])
