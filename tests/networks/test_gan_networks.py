import keras
import numpy as np
import pytest

from kerasgen import networks


@pytest.mark.parametrize(
    "image_shape, filters",
    [((28, 28, 1), (128, 64)), ((32, 32, 3), (64, 32, 16)), ((64, 64, 3), (32, 16, 8, 8))],
)
def test_dcgan_networks_fit_28_32_and_64_pixel_images(image_shape, filters):
    generator = networks.DCGANGenerator(16, image_shape, filters=filters)
    discriminator = networks.DCGANDiscriminator(image_shape, filters=tuple(reversed(filters)))
    images = keras.ops.convert_to_numpy(generator(np.random.default_rng(0).normal(size=(2, 16)).astype("float32")))
    assert images.shape == (2,) + image_shape
    assert np.all(np.abs(images) <= 1.0)  # tanh
    assert tuple(discriminator(images).shape) == (2, 1)
    assert discriminator.get_layer("features") is not None
    clone = networks.DCGANGenerator.from_config(generator.get_config())
    assert clone.count_params() == generator.count_params()


def test_packed_and_conditional_inputs():
    packed = networks.DCGANDiscriminator((8, 8, 1), filters=(8,), packing=3)
    assert packed.input_shape == (None, 8, 8, 3)
    generator = networks.ConditionalDCGANGenerator(4, 5, (8, 8, 1), filters=(8,))
    discriminator = networks.ConditionalDCGANDiscriminator((8, 8, 1), 5, filters=(8,))
    assert generator.inputs[1].dtype == "int32" and tuple(generator.inputs[1].shape) == (None,)
    z = np.zeros((3, 4), "float32")
    images = keras.ops.convert_to_numpy(generator([z, np.array([0, 1, 4], "int32")]))
    assert not np.allclose(images[0], images[1])  # the label changes the image
    assert tuple(discriminator([images, np.array([0, 1, 4], "int32")]).shape) == (3, 1)


def test_packed_mlp_discriminator_shares_its_per_sample_layers():
    discriminator = networks.PackedMLPDiscriminator(2, packing=4, hidden_units=(8, 8), head_units=(8,))
    assert discriminator.input_shape == (None, 8)
    # One kernel of shape (2, 8) applied to each of the 4 samples.
    assert discriminator.get_layer("shared_0").kernel.shape == (2, 8)
    features = keras.Model(discriminator.inputs[0], discriminator.get_layer("features").output)
    points = np.random.default_rng(0).normal(size=(1, 8)).astype("float32")
    swapped = points.reshape(1, 4, 2)[:, [1, 0, 2, 3]].reshape(1, 8)
    a = keras.ops.convert_to_numpy(features(points)).reshape(4, 8)
    b = keras.ops.convert_to_numpy(features(swapped)).reshape(4, 8)
    np.testing.assert_allclose(a[[1, 0, 2, 3]], b, rtol=1e-6)
    assert networks.PackedMLPDiscriminator.from_config(discriminator.get_config()).count_params() == (
        discriminator.count_params()
    )


def test_bad_hyperparameters_raise():
    with pytest.raises(ValueError, match=r"divisible by 2\*\*len\(filters\) = 4"):
        networks.DCGANGenerator(8, (30, 30, 1))
    with pytest.raises(ValueError, match=r"dropout must be a float in \[0, 1\), got 1.5"):
        networks.DCGANDiscriminator((28, 28, 1), dropout=1.5)
    with pytest.raises(ValueError, match="packing must be a positive int, got 0"):
        networks.PackedMLPDiscriminator(2, packing=0)
    with pytest.raises(ValueError, match="num_classes must be a positive int, got 0"):
        networks.ConditionalDCGANGenerator(8, 0, (28, 28, 1))
