"""The GAN models' `augment` option: what the discriminator sees is augmented, real and
generated alike, in both players' updates; gradients reach the generator through it;
what `sample` returns is not augmented; ADA's p follows r_t and is saved and resumed."""

import keras
import numpy as np
import pytest
from keras import ops

from kerasgen import models, networks
from kerasgen.recipes import gans
from tests.harness import check_config_round_trip
from tests.models.gan_checks import changed, check_resume, snapshot

SHAPE = (8, 8, 1)


def images(count=16, seed=0, shape=SHAPE):
    return np.random.default_rng(seed).uniform(-1, 1, (count,) + shape).astype("float32")


def dcgan(shape=SHAPE):
    return networks.DCGANGenerator(2, shape, filters=(8, 4)), networks.DCGANDiscriminator(shape, filters=(4, 8))


def compiled(model, learning_rate=1e-3, **kwargs):
    model.compile(generator_optimizer=keras.optimizers.Adam(learning_rate),
                  discriminator_optimizer=keras.optimizers.Adam(learning_rate), **kwargs)
    return model


class Recorder(keras.layers.Layer):
    """Keeps (eagerly) every batch it is called on: what the discriminator sees."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x):
        self.seen.append(np.array(ops.convert_to_numpy(x)))
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


def recording_discriminator(shape=SHAPE):
    """A linear discriminator with a `Recorder` of its inputs (train it eagerly)."""
    recorder = Recorder()
    inputs = keras.Input(shape)
    outputs = keras.layers.Dense(1)(keras.layers.Flatten()(recorder(inputs)))
    return keras.Model(inputs, outputs), recorder


def zero_squares(batch):
    """Per image: the number of pixels exactly 0 in every channel."""
    return np.all(batch == 0, axis=-1).sum(axis=(1, 2))


def test_the_discriminator_sees_augmented_real_and_generated_batches_in_both_updates():
    discriminator, recorder = recording_discriminator()
    model = compiled(models.GAN(dcgan()[0], discriminator, augment="diffaugment", augment_policy="cutout",
                                share_fake_batch=False, seed=0), run_eagerly=True)
    real = np.ones((8,) + SHAPE, "float32")  # no pixel is 0 before cutout
    model.train_on_batch(real)
    discriminator_view, generator_view = recorder.seen  # one call per update
    assert discriminator_view.shape == (16,) + SHAPE and generator_view.shape == (8,) + SHAPE
    # Every image, real (first 8) and generated, lost a 4x4 square (half of 8 px), whole
    # or clipped at a border to at least 2x2; outside it the real images are untouched.
    assert np.all(zero_squares(discriminator_view) >= 4) and np.all(zero_squares(generator_view) >= 4)
    assert np.all(zero_squares(discriminator_view) <= 16)
    assert set(np.unique(discriminator_view[:8])) == {0.0, 1.0}
    # Evaluation shows the discriminator the raw batch.
    recorder.seen.clear()
    model.evaluate(real, batch_size=8, verbose=0)
    np.testing.assert_array_equal(recorder.seen[0][:8], real)


def test_wgan_gp_and_conditional_gan_augment_what_the_critic_sees():
    critic, recorder = recording_discriminator()
    model = compiled(models.WGANGP(dcgan()[0], critic, discriminator_steps=1, augment="diffaugment",
                                   augment_policy="cutout", seed=0), run_eagerly=True)
    model.train_on_batch(np.ones((8,) + SHAPE, "float32"))
    critic_view, penalty_view, generator_view = recorder.seen
    assert np.all(zero_squares(critic_view) >= 4) and np.all(zero_squares(generator_view) >= 4)
    # The penalty's interpolates lie between the augmented views: x_hat - fake_view is
    # epsilon * (real_view - fake_view), one epsilon per image.
    real_view, fake_view = critic_view[:8].reshape(8, -1), critic_view[8:].reshape(8, -1)
    step, span = penalty_view.reshape(8, -1) - fake_view, real_view - fake_view
    epsilon = (step * span).sum(axis=1) / (span * span).sum(axis=1)
    np.testing.assert_allclose(step, epsilon[:, None] * span, atol=1e-5)
    assert np.all((0 <= epsilon) & (epsilon <= 1))
    generator = networks.ConditionalDCGANGenerator(2, 3, SHAPE, filters=(8, 4), embedding_dim=2)
    cgan = compiled(models.ConditionalGAN(generator, networks.ConditionalDCGANDiscriminator(SHAPE, 3, filters=(4, 8)),
                                          augment="diffaugment", seed=0))
    logs = cgan.train_on_batch(images(8), np.arange(8) % 3, return_dict=True)
    assert set(logs) == set(cgan.metric_names) and "r_t" in logs


def test_gradients_reach_the_generator_through_the_augmentation():
    for policy in ("color", "translation", "cutout", "color,translation,cutout"):
        model = compiled(models.GAN(*dcgan(), augment="diffaugment", augment_policy=policy, seed=0))
        before = snapshot(model.generator)
        model.train_on_batch(images(8))
        after = [np.array(ops.convert_to_numpy(v)) for v in model.generator.variables]
        moved = [not np.array_equal(a, b) for a, b in zip(before, after)]
        assert all(moved[:1]) and sum(moved) >= len(model.generator.trainable_variables), policy


def test_sample_is_unchanged_by_the_option():
    generator, discriminator = dcgan()
    plain = models.GAN(generator, discriminator, seed=0)
    augmented = models.GAN(generator, dcgan()[1], augment="ada", seed=0)
    np.testing.assert_array_equal(augmented.sample(16, seed=3), plain.sample(16, seed=3))
    assert augmented.sampling_network() is generator


def build_same(seed, **options):
    keras.utils.set_random_seed(0)  # the same initial weights
    return compiled(models.GAN(*dcgan(), seed=seed, **options))


def test_training_is_deterministic_given_the_seed():
    x = images(32)
    runs = []
    for seed in (1, 1, 2):
        model = build_same(seed, augment="diffaugment")
        model.fit(x, epochs=1, batch_size=8, shuffle=False, verbose=0)
        runs.append(snapshot(model.generator))
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))


def ada_gan(bias, **options):
    """A GAN whose discriminator says "real" (bias > 0) or "generated" (bias < 0) to every
    image and barely learns: r_t is +1 or -1."""
    generator, discriminator = dcgan()
    discriminator.layers[-1].bias.assign([bias])
    return compiled(models.GAN(generator, discriminator, augment="ada", ada_adjustment_images=64,
                               ada_interval=1, seed=0, **options), learning_rate=1e-7)


def test_ada_p_rises_while_the_discriminator_overfits_and_falls_otherwise():
    confident = ada_gan(bias=5.0)
    history = confident.fit(images(32), epochs=3, batch_size=8, verbose=0).history
    assert history["r_t"] == [1.0, 1.0, 1.0]
    # 4 updates of 8 images an epoch, 64 images from 0 to 1: +0.5 an epoch, clipped at 1.
    assert history["augment_p"] == pytest.approx([0.5, 1.0, 1.0])
    doubting = ada_gan(bias=-5.0)
    doubting.augmentation.probability.assign(0.75)
    history = doubting.fit(images(32), epochs=2, batch_size=8, verbose=0).history
    assert history["r_t"] == [-1.0, -1.0] and history["augment_p"] == pytest.approx([0.25, 0.0])


def test_ada_p_survives_config_round_trip_save_load_and_resume(tmp_path):
    model = ada_gan(bias=5.0)
    model.fit(images(16), epochs=1, batch_size=8, verbose=0)
    p = float(ops.convert_to_numpy(model.augmentation.probability))
    assert p == pytest.approx(0.25)
    clone = check_config_round_trip(model)
    assert clone.get_config()["augment"] == "ada" and clone.augmentation.adjustment_images == 64
    path = str(tmp_path / "ada.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert float(ops.convert_to_numpy(loaded.augmentation.probability)) == p
    # Training a reloaded file continues exactly, p and its interval counters included.
    resumed = check_resume(model, (images(8),), tmp_path)
    np.testing.assert_array_equal(ops.convert_to_numpy(resumed.augmentation.probability),
                                  ops.convert_to_numpy(model.augmentation.probability))


def test_the_config_is_unchanged_without_the_option():
    model = models.GAN(*dcgan(), seed=0)
    assert not any(key.startswith(("augment", "ada_")) for key in model.get_config())
    assert model.augmentation is None and "r_t" not in model.metric_names


def test_the_recipes_take_the_option():
    model = gans.build_dcgan((16, 16, 3), latent_dim=4, augment="diffaugment")
    assert model.get_config()["augment"] == "diffaugment"
    assert model.get_config()["augment_policy"] == "color,translation,cutout"
    assert gans.build_wgan_gp((16, 16, 1), latent_dim=4, augment="diffaugment").augmentation is not None
    cgan = gans.build_cgan((16, 16, 1), num_classes=3, latent_dim=4, augment="ada", ada_adjustment_images=1000)
    assert cgan.augmentation.adaptive and cgan.augmentation.adjustment_images == 1000


@pytest.mark.parametrize("build, message", [
    (lambda: models.WGANGP(*dcgan(), augment="ada"),
     r"augment must be one of \[None, 'diffaugment'\] for WGANGP, got 'ada' \(ADA's r_t"),
    (lambda: models.GAN(*dcgan(), augment="mixup"),
     r"augment must be one of \[None, 'diffaugment', 'ada'\] for GAN, got 'mixup'"),
    (lambda: models.GAN(networks.MLP(2, 2, (8,)), networks.MLP(2, 1, (8,)), augment="diffaugment"),
     r"augment='diffaugment' needs image data \(height, width, channels\), got data shape \(2,\)"),
    (lambda: models.GAN(*dcgan(), augment="diffaugment", ada_target=0.7),
     r"ada_target apply with augment='ada' only, got augment='diffaugment'"),
    (lambda: models.GAN(*dcgan(), augment_policy="cutout"),
     r"augment_policy applies with an augment only, got augment=None and 'cutout'"),
    (lambda: models.GAN(*dcgan(), augment="diffaugment", augment_policy="flip"),
     r"augment_policy must be distinct names from \['color', 'translation', 'cutout'\]"),
    (lambda: models.VAEGAN(networks.ConvEncoder(SHAPE, 2, filters=(2,), variational=True), *dcgan(),
                           augment="diffaugment"),
     r"augment must be one of \[None\] for VAEGAN, got 'diffaugment'"),
])
def test_bad_options_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()
