"""ResNet generator and discriminator (SNGAN shapes) and the spectral-norm option."""

import os

import keras
import numpy as np
import pytest

from kerasgen import networks


def noise(count, dim, seed=0):
    return np.random.default_rng(seed).normal(size=(count, dim)).astype("float32")


@pytest.mark.parametrize("image_shape, filters", [((32, 32, 3), (8, 8, 4)), ((64, 64, 3), (8, 8, 4, 4))])
def test_resnet_networks_fit_32_and_64_pixel_rgb_images(image_shape, filters):
    generator = networks.ResNetGenerator(16, image_shape, filters=filters)
    discriminator = networks.ResNetDiscriminator(image_shape, filters=tuple(reversed(filters)))
    images = keras.ops.convert_to_numpy(generator(noise(2, 16)))
    assert images.shape == (2,) + image_shape
    assert np.all(np.abs(images) <= 1.0) and generator.output_activation == "tanh"
    assert tuple(discriminator(images).shape) == (2, 1)
    # 3 up-blocks from 4x4 for 32x32 images, 4 for 64x64.
    assert generator.get_layer("reshape").output.shape[1:3] == (4, 4)
    assert discriminator.get_layer("block_0_conv_0").__class__.__name__ == "SpectralNormalization"
    for network in (generator, discriminator):
        clone = network.__class__.from_config(network.get_config())
        assert clone.get_config() == network.get_config()


def test_features_are_a_sum_over_positions():
    discriminator = networks.ResNetDiscriminator((32, 32, 3), filters=(4, 4, 4), spectral_norm=False)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    relu = keras.Model(discriminator.input, discriminator.get_layer("output_relu").output)
    features = keras.Model(discriminator.input, discriminator.get_layer("features").output)
    summed = keras.ops.convert_to_numpy(relu(x)).sum(axis=(1, 2))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(features(x)), summed, rtol=1e-5)


def spectral_layers(network):
    return [layer for layer in network.layers if isinstance(layer, keras.layers.SpectralNormalization)]


@pytest.mark.parametrize("make", [
    lambda: networks.DCGANDiscriminator((8, 8, 3), filters=(4, 8), spectral_norm=True),
    lambda: networks.ConditionalDCGANDiscriminator((8, 8, 3), 3, filters=(4, 8), spectral_norm=True),
    lambda: networks.ResNetDiscriminator((32, 32, 3), filters=(4, 4, 4)),
])
def test_spectral_norm_normalizes_and_saves_its_power_iteration_vector(make, tmp_path):
    discriminator = make()
    conditional = isinstance(discriminator, networks.ConditionalDCGANDiscriminator)
    wrapped = spectral_layers(discriminator)
    assert len(wrapped) >= 3  # every convolution and the logit layer
    x = np.random.default_rng(0).uniform(-1, 1, (4,) + discriminator.image_shape).astype("float32")
    inputs = [x, np.array([0, 1, 2, 0], "int32")] if conditional else x
    u_before = [np.array(layer.vector_u) for layer in wrapped]
    for _ in range(30):  # power iterations converge to the largest singular value
        discriminator(inputs, training=True)
    for layer, u in zip(wrapped, u_before):
        assert not np.allclose(np.array(layer.vector_u), u)  # u is state that training moves
        kernel = np.array(layer.layer.kernel).reshape(-1, layer.layer.kernel.shape[-1])
        assert np.linalg.norm(kernel, 2) == pytest.approx(1.0, abs=0.02), layer.name
    path = os.path.join(tmp_path, "discriminator.keras")
    discriminator.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(inputs)),
                                  keras.ops.convert_to_numpy(discriminator(inputs)))
    for a, b in zip(spectral_layers(loaded), wrapped):
        np.testing.assert_array_equal(np.array(a.vector_u), np.array(b.vector_u))
    # The next training call continues the same power iteration in both.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(inputs, training=True)),
                                  keras.ops.convert_to_numpy(discriminator(inputs, training=True)))


def test_spectral_norm_off_keeps_the_plain_layers_and_old_configs_load():
    plain = networks.DCGANDiscriminator((8, 8, 1), filters=(4,))
    assert not spectral_layers(plain)
    config = plain.get_config()
    assert config.pop("spectral_norm") is False
    assert networks.DCGANDiscriminator.from_config(config).count_params() == plain.count_params()


def test_bad_hyperparameters_raise():
    with pytest.raises(ValueError, match="spectral_norm must be True or False, got 'yes'"):
        networks.DCGANDiscriminator((8, 8, 1), spectral_norm="yes")
    with pytest.raises(ValueError, match=r"divisible by 2\*\*len\(filters\) = 8"):
        networks.ResNetGenerator(8, (36, 36, 3))
    with pytest.raises(ValueError, match="filters must be a sequence of positive ints"):
        networks.ResNetDiscriminator((32, 32, 3), filters=(8, 0))


def test_spectral_norm_holds_through_gan_training():
    """Inside kerasgen's own train_step (each backend's) the wrapper still renormalizes:
    after 80 updates every wrapped kernel's largest singular value is 1."""
    from kerasgen import models

    keras.utils.set_random_seed(0)
    discriminator = networks.DCGANDiscriminator((8, 8, 1), filters=(4, 8), spectral_norm=True)
    model = models.GAN(networks.DCGANGenerator(2, (8, 8, 1), filters=(8, 4)), discriminator, loss="hinge", seed=0)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-3), discriminator_optimizer=keras.optimizers.Adam(1e-3))
    wrapped = spectral_layers(discriminator)
    u_before = [np.array(layer.vector_u) for layer in wrapped]
    x = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    model.fit(x, epochs=20, batch_size=16, verbose=0)
    for layer, u in zip(wrapped, u_before):
        assert not np.allclose(np.array(layer.vector_u), u)
        kernel = np.array(layer.layer.kernel).reshape(-1, layer.layer.kernel.shape[-1])
        assert np.linalg.norm(kernel, 2) == pytest.approx(1.0, abs=0.02), layer.name
