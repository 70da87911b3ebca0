import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgen")
class Conv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` for the few output channels of an image layer, faster to
    train on CPU.

    Same weights, same outputs (up to float rounding) as `keras.layers.Conv2D`. Under
    TensorFlow with `training=True`, a stride-1 convolution to at most
    `max_taps_filters` channels is computed as one matrix product, `x @ kernel` for
    every kernel tap at once, followed by a sum of the taps' shifted maps.
    TensorFlow's CPU convolution is slow for one output channel, as in the 28x28x64 ->
    28x28x1 output layer of the DCGAN generator; benchmarks/dcgan_throughput.py has a
    control row without this form. Inference (`training=False`, and so exported
    graphs) keeps the plain convolution, and so do JAX and PyTorch, whose own
    convolutions were faster than this form on that layer.

    The class keeps Keras's name because Keras names a layer's group in a weights
    file after its class: files saved from networks built with `keras.layers.Conv2D`
    load unchanged.

    Example:
    ```python
    layer = kerasgen.networks.narrow_conv.Conv2D(1, 5, padding="same")
    images = layer(features, training=True)  # == keras.layers.Conv2D(...)(features)
    ```
    """

    max_taps_filters = 4

    def call(self, inputs, training=None):
        if not training or not self._uses_taps():
            return super().call(inputs)
        outputs = self._taps_convolution(inputs, self.kernel)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def _uses_taps(self):
        return (
            keras.backend.backend() == "tensorflow"
            and self.filters <= self.max_taps_filters
            and self.groups == 1
            and self.data_format == "channels_last"
            and tuple(self.strides) == (1, 1)
            and tuple(self.dilation_rate) == (1, 1)
            and self.padding in ("same", "valid")
        )

    def _taps_convolution(self, inputs, kernel):
        kernel_height, kernel_width, channels, filters = kernel.shape
        taps = kernel_height * kernel_width
        # products[..., t * filters + f] = inputs @ kernel[tap t][:, f], for all taps at once.
        kernel = ops.reshape(ops.transpose(kernel, (2, 0, 1, 3)), (channels, taps * filters))
        products = ops.matmul(inputs, kernel)
        # Shift each tap's map into place: a depthwise convolution whose kernel for the
        # channels of tap (a, b) is 1 at (a, b), 0 elsewhere (it has the convolution's
        # padding). Its backward pass is fast, unlike slicing each tap out.
        shifts = np.zeros((kernel_height, kernel_width, taps * filters, 1), dtype="float32")
        for tap in range(taps):
            row, column = divmod(tap, kernel_width)
            shifts[row, column, tap * filters : (tap + 1) * filters] = 1.0
        shifted = ops.depthwise_conv(products, ops.cast(shifts, products.dtype), padding=self.padding)
        height, width = ops.shape(shifted)[1], ops.shape(shifted)[2]
        return ops.sum(ops.reshape(shifted, (-1, height, width, taps, filters)), axis=3)
