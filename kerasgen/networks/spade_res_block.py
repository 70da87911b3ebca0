"""The residual block of SPADE's generator, or of its concatenation baseline."""

import keras
from keras import ops

from kerasgen.checks import check_positive_int
from kerasgen.networks.spade import SPADE, resize_map

CONDITIONINGS = ("spade", "concat")


@keras.saving.register_keras_serializable(package="kerasgen")
class SPADEResBlock(keras.layers.Layer):
    """SPADE -> LeakyReLU(0.2) -> 3x3 conv, twice, plus a shortcut.

    When the channel count changes, the shortcut is learned: SPADE then a 1x1
    convolution without bias (NVlabs's `SPADEResnetBlock`); otherwise the identity.
    The middle width is `min(input channels, filters)`.

    With `conditioning="concat"` the block is the paper's ablation instead: each SPADE
    becomes instance normalization with learned scale and shift, and the map (resized
    to the block) is concatenated to the input of each convolution, so the layout
    enters the network as ordinary input channels.

    Args:
        filters: output channels.
        hidden: filters of each SPADE's shared convolution.
        spectral_norm: wrap the convolutions in `keras.layers.SpectralNormalization`.
        conditioning: `"spade"` or `"concat"`.

    Call arguments:
        inputs: `[x, label_map]`, the map one-hot `(batch, H, W, num_classes)`.

    Example:
    ```python
    block = kerasgen.networks.SPADEResBlock(64, hidden=32)
    y = block([features, one_hot_map])
    ```

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019.
    """

    def __init__(self, filters, hidden=128, spectral_norm=False, conditioning="spade", **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int("filters", filters)
        self.hidden = check_positive_int("hidden", hidden)
        self.spectral_norm = bool(spectral_norm)
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {list(CONDITIONINGS)}, got {conditioning!r}")
        self.conditioning = conditioning

    def _conv(self, filters, kernel_size, name, use_bias=True):
        conv = keras.layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias, name=name)
        return keras.layers.SpectralNormalization(conv, name=f"{name}_sn") if self.spectral_norm else conv

    def _norm(self, name):
        if self.conditioning == "spade":
            return SPADE(self.hidden, name=name)
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)  # instance norm

    def build(self, input_shape):
        x_shape, map_shape = input_shape
        channels = int(x_shape[-1])
        middle = min(channels, self.filters)
        self.learned_shortcut = channels != self.filters
        self.norm_0, self.norm_1 = self._norm("norm_0"), self._norm("norm_1")
        self.conv_0 = self._conv(middle, 3, "conv_0")
        self.conv_1 = self._conv(self.filters, 3, "conv_1")
        extra = int(map_shape[-1]) if self.conditioning == "concat" else 0
        batch, height, width = x_shape[0], x_shape[1], x_shape[2]

        def norm_shape(channels):  # SPADE also takes the map
            shape = (batch, height, width, channels)
            return [shape, map_shape] if self.conditioning == "spade" else shape

        self.norm_0.build(norm_shape(channels))
        self.conv_0.build((batch, height, width, channels + extra))
        self.norm_1.build(norm_shape(middle))
        self.conv_1.build((batch, height, width, middle + extra))
        if self.learned_shortcut:
            self.norm_s = self._norm("norm_s")
            self.conv_s = self._conv(self.filters, 1, "conv_s", use_bias=False)
            self.norm_s.build(norm_shape(channels))
            self.conv_s.build((batch, height, width, channels + extra))

    def _branch(self, norm, conv, x, label_map, activate=True):
        if self.conditioning == "spade":
            x = norm([x, label_map])
        else:
            x = norm(x)
        if activate:
            x = ops.leaky_relu(x, 0.2)
        if self.conditioning == "concat":
            x = ops.concatenate([x, resize_map(label_map, x.shape[1], x.shape[2])], axis=-1)
        return conv(x)

    def call(self, inputs):
        x, label_map = inputs
        label_map = ops.cast(label_map, x.dtype)
        shortcut = self._branch(self.norm_s, self.conv_s, x, label_map, activate=False) if self.learned_shortcut else x
        dx = self._branch(self.norm_0, self.conv_0, x, label_map)
        dx = self._branch(self.norm_1, self.conv_1, dx, label_map)
        return shortcut + dx

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "hidden": self.hidden, "spectral_norm": self.spectral_norm,
            "conditioning": self.conditioning,
        })
        return config
