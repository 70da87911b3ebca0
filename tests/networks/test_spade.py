import keras
import numpy as np
import pytest

from kerasgen import networks
from kerasgen.networks.spade import resize_map


def conv_same(x, kernel, bias):
    """NumPy 'same' convolution (stride 1, odd kernel), NHWC."""
    size = kernel.shape[0]
    pad = size // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],))
    for i in range(size):
        for j in range(size):
            out += np.einsum("nhwc,cd->nhwd", padded[:, i : i + x.shape[1], j : j + x.shape[2]], kernel[i, j])
    return out + bias


def randomize(layer, rng):
    for variable in layer.weights:
        variable.assign(rng.normal(scale=0.3, size=variable.shape).astype("float32"))


def test_spade_layer_matches_a_numpy_reference():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=2.0, scale=3.0, size=(2, 4, 4, 5)).astype("float32")
    labels = rng.integers(0, 3, size=(2, 8, 8))
    one_hot = np.eye(3, dtype="float32")[labels]
    layer = networks.SPADE(hidden=6)
    layer([x, one_hot])
    randomize(layer, rng)
    actual = keras.ops.convert_to_numpy(layer([x, one_hot]))

    resized = one_hot[:, 1::2, 1::2]  # nearest: the pixel at each 2x2 cell's centre
    hidden = np.maximum(conv_same(resized, layer.shared.kernel.numpy(), layer.shared.bias.numpy()), 0)
    gamma = conv_same(hidden, layer.gamma.kernel.numpy(), layer.gamma.bias.numpy())
    beta = conv_same(hidden, layer.beta.kernel.numpy(), layer.beta.bias.numpy())
    mean = x.mean(axis=(1, 2), keepdims=True)
    variance = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-5) * (1 + gamma) + beta
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4)


def test_resize_map_takes_the_nearest_pixel_and_rejects_other_factors():
    label_map = np.arange(2 * 8 * 8).reshape(2, 8, 8, 1).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(resize_map(label_map, 2, 2)), label_map[:, 2::4, 2::4])
    assert resize_map(label_map, 8, 8) is label_map
    with pytest.raises(ValueError, match="integer multiple"):
        resize_map(label_map, 3, 3)


def test_res_block_learns_a_shortcut_only_when_channels_change():
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 6)).astype("float32")
    one_hot = np.eye(3, dtype="float32")[np.random.default_rng(1).integers(0, 3, size=(2, 8, 8))]
    changing = networks.SPADEResBlock(8, hidden=4)
    same = networks.SPADEResBlock(6, hidden=4)
    assert tuple(changing([x, one_hot]).shape) == (2, 4, 4, 8)
    assert tuple(same([x, one_hot]).shape) == (2, 4, 4, 6)
    assert changing.learned_shortcut and not same.learned_shortcut
    concat = networks.SPADEResBlock(8, hidden=4, conditioning="concat", spectral_norm=True)
    assert tuple(concat([x, one_hot]).shape) == (2, 4, 4, 8)
    assert concat.conv_0.layer.kernel.shape[2] == 6 + 3  # the map joins the convolution's input
    with pytest.raises(ValueError, match="conditioning must be one of"):
        networks.SPADEResBlock(8, conditioning="film")


def test_generator_follows_the_map_and_the_style_code():
    generator = networks.SPADEGenerator(8, 3, (16, 16, 3), filters=(16, 8, 8), hidden=8)
    rng = np.random.default_rng(0)
    z = keras.ops.convert_to_tensor(rng.normal(size=(2, 8)).astype("float32"))
    maps = keras.ops.convert_to_tensor(np.stack([np.zeros((16, 16)), np.ones((16, 16))]).astype("int32"))
    images = keras.ops.convert_to_numpy(generator([z, maps]))
    assert images.shape == (2, 16, 16, 3) and np.all(np.abs(images) <= 1)
    same_z = keras.ops.convert_to_tensor(np.repeat(rng.normal(size=(1, 8)), 2, 0).astype("float32"))
    by_map = keras.ops.convert_to_numpy(generator([same_z, maps]))
    assert not np.allclose(by_map[0], by_map[1], atol=1e-3)  # the map changes the image
    clone = networks.SPADEGenerator.from_config(generator.get_config())
    assert clone.count_params() == generator.count_params()
    with pytest.raises(ValueError, match="divisible"):
        networks.SPADEGenerator(8, 3, (10, 10, 3), filters=(16, 8, 8))


def test_encoder_and_multiscale_discriminator_shapes():
    encoder = networks.SPADEEncoder((16, 16, 3), 8, filters=(8, 16))
    images = np.zeros((2, 16, 16, 3), "float32")
    mean, log_var = encoder(images)
    assert tuple(mean.shape) == (2, 8) and tuple(log_var.shape) == (2, 8)
    discriminator = networks.MultiscaleDiscriminator((16, 16, 3), 3, filters=(8, 16, 16))
    outputs = discriminator([keras.ops.convert_to_tensor(images), keras.ops.zeros((2, 16, 16), "int32")])
    assert len(outputs) == 2 * discriminator.outputs_per_scale == 8
    # Scale 0 at full size (patch logits 4x4), scale 1 on the half-size input (2x2).
    assert tuple(outputs[3].shape) == (2, 4, 4, 1) and tuple(outputs[7].shape) == (2, 2, 2, 1)
    assert networks.MultiscaleDiscriminator.from_config(discriminator.get_config()).count_params() == discriminator.count_params()


def test_layout_segmenter_gives_per_pixel_logits_and_pooled_features():
    segmenter = networks.LayoutSegmenter((16, 16, 3), 4, filters=(8, 8))
    images = np.zeros((2, 16, 16, 3), "float32")
    assert tuple(segmenter(images).shape) == (2, 16, 16, 4)
    features, logits = segmenter.feature_extractor()(images)
    assert tuple(features.shape) == (2, 8) and tuple(logits.shape) == (2, 16, 16, 4)
