"""The SPADE layer: normalization modulated per pixel by a semantic map."""

import keras
from keras import ops

from kerasgen.checks import check_positive_int


def resize_map(label_map, height, width):
    """Nearest-neighbour resize of an NHWC map to `(height, width)` by an integer factor.

    A strided slice, `map[:, f // 2 :: f, f // 2 :: f]`: the pixel nearest each output
    pixel's centre (TensorFlow's half-pixel nearest resize for integer factors). It is
    the same op on every backend and in ONNX, where resize kernels differ.
    """
    map_height, map_width = label_map.shape[1], label_map.shape[2]
    if (map_height, map_width) == (height, width):
        return label_map
    if map_height % height or map_width % width or map_height // height != map_width // width:
        raise ValueError(
            f"the label map's size {(map_height, map_width)} must be an integer multiple of the "
            f"features' size {(height, width)} (the same factor on both axes)"
        )
    factor = map_height // height
    start = factor // 2
    return label_map[:, start::factor, start::factor, :]


def instance_normalize(x, epsilon):
    """(x - mean) / sqrt(var + epsilon) per example and channel, without affine parameters."""
    mean = ops.mean(x, axis=(1, 2), keepdims=True)
    variance = ops.mean(ops.square(x - mean), axis=(1, 2), keepdims=True)
    return (x - mean) * ops.rsqrt(variance + epsilon)


@keras.saving.register_keras_serializable(package="kerasgen")
class SPADE(keras.layers.Layer):
    """Spatially-adaptive denormalization: `norm(x) * (1 + gamma(m)) + beta(m)`.

    `x` is instance-normalized without learned affine parameters; `gamma` and `beta`
    are per-pixel, per-channel maps computed from the semantic map `m` (one-hot, resized
    nearest to `x`'s size) by a shared 3x3 convolution with ReLU and two 3x3 heads.
    A uniform map region then still gets its own scale and shift, which plain
    normalization of a map fed at the input would "wash away".

    Args:
        hidden: filters of the shared convolution.
        kernel_size: kernel size of the three convolutions.
        epsilon: added to the variance.

    Call arguments:
        inputs: `[x, label_map]`, `x` of shape `(batch, h, w, channels)` and the one-hot
            map `(batch, H, W, num_classes)` with `H` an integer multiple of `h`.

    Example:
    ```python
    spade = kerasgen.networks.SPADE(hidden=32)
    y = spade([features, one_hot_map])
    ```

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019.
    """

    def __init__(self, hidden=128, kernel_size=3, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.hidden = check_positive_int("hidden", hidden)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.epsilon = float(epsilon)
        self.shared = keras.layers.Conv2D(self.hidden, self.kernel_size, padding="same", activation="relu",
                                          name="shared")

    def build(self, input_shape):
        x_shape, map_shape = input_shape
        channels = int(x_shape[-1])
        height, width = x_shape[1], x_shape[2]
        self.shared.build((map_shape[0], height, width, map_shape[-1]))
        self.gamma = keras.layers.Conv2D(channels, self.kernel_size, padding="same", name="gamma")
        self.beta = keras.layers.Conv2D(channels, self.kernel_size, padding="same", name="beta")
        hidden_shape = (map_shape[0], height, width, self.hidden)
        self.gamma.build(hidden_shape)
        self.beta.build(hidden_shape)

    def modulation(self, x, label_map):
        """`(gamma, beta)` for features `x` from the one-hot `label_map`."""
        label_map = resize_map(ops.cast(label_map, x.dtype), x.shape[1], x.shape[2])
        hidden = self.shared(label_map)
        return self.gamma(hidden), self.beta(hidden)

    def call(self, inputs):
        x, label_map = inputs
        gamma, beta = self.modulation(x, label_map)
        return instance_normalize(x, self.epsilon) * (1.0 + gamma) + beta

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update({"hidden": self.hidden, "kernel_size": self.kernel_size, "epsilon": self.epsilon})
        return config
