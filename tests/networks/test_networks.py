import keras
import numpy as np
import pytest

from kerasgen import networks


@pytest.mark.parametrize("image_shape,filters", [((28, 28, 1), (8, 16)), ((32, 32, 3), (8, 16)), ((64, 64, 3), (4, 8, 8)), ((8, 8, 1), (8,))])
def test_conv_encoder_decoder_shapes(image_shape, filters):
    encoder = networks.ConvEncoder(image_shape, 5, filters=filters, variational=True)
    decoder = networks.ConvDecoder(5, image_shape, filters=tuple(reversed(filters)))
    x = np.random.default_rng(0).random((3, *image_shape)).astype("float32")
    mean, log_var = encoder(x)
    assert mean.shape == (3, 5) and log_var.shape == (3, 5)
    images = keras.ops.convert_to_numpy(decoder(mean))
    assert images.shape == (3, *image_shape) and 0 <= images.min() and images.max() <= 1


def test_dense_networks_and_mlp():
    encoder = networks.DenseEncoder((8, 8, 1), 4, hidden_units=(16,))
    decoder = networks.DenseDecoder(4, (8, 8, 1), hidden_units=(16,), output_activation="tanh")
    out = keras.ops.convert_to_numpy(decoder(encoder(np.zeros((2, 8, 8, 1), "float32"))))
    assert out.shape == (2, 8, 8, 1) and np.abs(out).max() <= 1
    mlp = networks.MLP(2, 1, hidden_units=(8, 8))
    assert mlp(np.zeros((5, 2), "float32")).shape == (5, 1)


@pytest.mark.parametrize(
    "network",
    [
        lambda: networks.ConvEncoder((28, 28, 1), 3, filters=(4,), hidden_units=8, variational=True),
        lambda: networks.ConvDecoder(3, (28, 28, 1), filters=(4, 4), output_activation=None),
        lambda: networks.DenseEncoder((2,), 3, hidden_units=(4,)),
        lambda: networks.DenseDecoder(3, (2,), hidden_units=(4,)),
        lambda: networks.MLP(3, 2, hidden_units=(4,)),
    ],
)
def test_config_round_trip_rebuilds_the_same_network(network, tmp_path):
    original = network()
    clone = original.__class__.from_config(original.get_config())
    assert clone.get_config() == original.get_config()
    assert [w.shape for w in clone.weights] == [w.shape for w in original.weights]
    path = str(tmp_path / "network.keras")
    original.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(1).random((2, *original.input_shape[1:])).astype("float32")
    expected = original(x)
    actual = loaded(x)
    for a, b in zip(keras.tree.flatten(actual), keras.tree.flatten(expected)):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="latent_dim must be a positive int, got 0"):
        networks.ConvEncoder((28, 28, 1), 0)
    with pytest.raises(ValueError, match="divisible by 2\\*\\*len\\(filters\\) = 8"):
        networks.ConvDecoder(4, (28, 28, 1), filters=(8, 8, 8))
    with pytest.raises(ValueError, match="image_shape must be a tuple of 3 positive ints"):
        networks.ConvEncoder((28, 28), 4)
    with pytest.raises(ValueError, match="hidden_units must be a sequence of positive ints"):
        networks.MLP(2, 2, hidden_units=(0,))
