"""`narrow_conv.Conv2D`'s training form against `keras.layers.Conv2D`, under the active
backend: same outputs, same gradients, same weights files."""

import keras
import numpy as np
import pytest

from kerasgen import backend as kg_backend
from kerasgen.networks import narrow_conv


@pytest.mark.parametrize("filters,kernel_size,padding", [(1, 5, "same"), (3, 4, "same"), (2, 3, "valid")])
def test_training_form_matches_the_convolution_and_its_gradients(filters, kernel_size, padding):
    rng = np.random.default_rng(0)
    x = keras.ops.convert_to_tensor(rng.normal(size=(2, 9, 7, 6)).astype("float32"))
    kernel = keras.ops.convert_to_tensor(rng.normal(size=(kernel_size, kernel_size, 6, filters)).astype("float32"))
    layer = narrow_conv.Conv2D(filters, kernel_size, padding=padding)
    layer.build(x.shape)
    assert layer._uses_taps() == (keras.backend.backend() == "tensorflow")

    def plain(x, kernel):
        return keras.ops.conv(x, kernel, padding=padding)

    def taps(x, kernel):
        return layer._taps_convolution(x, kernel)

    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(taps(x, kernel)), keras.ops.convert_to_numpy(plain(x, kernel)), atol=1e-4
    )
    weights = keras.ops.convert_to_tensor(rng.normal(size=plain(x, kernel).shape).astype("float32"))

    def gradients(convolution):
        grad_x = kg_backend.gradients(lambda t: keras.ops.sum(convolution(t, kernel) * weights), x)
        grad_kernel = kg_backend.gradients(lambda t: keras.ops.sum(convolution(x, t) * weights), kernel)
        return keras.ops.convert_to_numpy(grad_x), keras.ops.convert_to_numpy(grad_kernel)

    (expected_x, expected_kernel), (grad_x, grad_kernel) = gradients(plain), gradients(taps)
    np.testing.assert_allclose(grad_x, expected_x, atol=1e-4)
    np.testing.assert_allclose(grad_kernel, expected_kernel, atol=1e-3)


def test_layer_uses_the_training_form_only_when_training_and_loads_keras_conv2d_weights(tmp_path):
    def network(conv_class):
        inputs = keras.Input((6, 6, 4))
        return keras.Model(inputs, conv_class(1, 5, padding="same", activation="tanh", name="logits")(inputs))

    plain, narrow = network(keras.layers.Conv2D), network(narrow_conv.Conv2D)
    plain.save_weights(tmp_path / "plain.weights.h5")
    narrow.load_weights(tmp_path / "plain.weights.h5")
    x = np.random.default_rng(1).normal(size=(3, 6, 6, 4)).astype("float32")
    expected = keras.ops.convert_to_numpy(plain(x))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(narrow(x, training=False)), expected)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(narrow(x, training=True)), expected, atol=1e-5)


def test_wide_or_strided_convolutions_keep_the_plain_form():
    assert not narrow_conv.Conv2D(8, 3)._uses_taps()
    assert not narrow_conv.Conv2D(1, 3, strides=2)._uses_taps()
