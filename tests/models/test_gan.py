import keras
import numpy as np
import pytest

from kerasgen import backend as kg_backend
from kerasgen import models, networks
from kerasgen.data import named_datasets
from kerasgen_runtime.latents import draw_latents
from kerasgen.mode_coverage import mixture_coverage
from kerasgen.losses import discriminator_loss, generator_loss
from kerasgen.models.adversarial import pack
from tests import harness
from tests.models import gan_checks

KEYS = ["discriminator_loss", "generator_loss", "real_score", "fake_score"]


def small_gan(packing=1, latent_dim=4, hidden=(32, 32), rates=None, **kwargs):
    generator = networks.MLP(latent_dim, 2, hidden)
    discriminator = networks.MLP(2 * packing, 1, hidden, activation="leaky_relu")
    gan = models.GAN(generator, discriminator, packing=packing, seed=0, **kwargs)
    rates = rates or {"generator_optimizer": 1e-3, "discriminator_optimizer": 2e-3}
    gan.compile(**{name: keras.optimizers.Adam(rate, beta_1=0.5) for name, rate in rates.items()},
                run_eagerly=True)
    return gan


@pytest.fixture(scope="module")
def ring8():
    (x, _), _ = named_datasets.load("ring8", num_train=40000, num_test=10)
    return x


def test_losses_match_their_formulas():
    real = np.array([[1.5], [-0.5], [0.2]], "float32")
    fake = np.array([[-2.0], [0.3], [1.0]], "float32")
    softplus = lambda v: np.log1p(np.exp(v))  # noqa: E731
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731

    def value(tensor):
        return float(keras.ops.convert_to_numpy(tensor))

    cross_entropy = np.mean(-np.log(sigmoid(real))) + np.mean(-np.log(1 - sigmoid(fake)))
    for loss in ("minimax", "non_saturating"):
        assert value(discriminator_loss(real, fake, loss)) == pytest.approx(cross_entropy, rel=1e-5)
    assert value(generator_loss(fake, "minimax")) == pytest.approx(np.mean(np.log(1 - sigmoid(fake))), rel=1e-5)
    assert value(generator_loss(fake, "non_saturating")) == pytest.approx(np.mean(-np.log(sigmoid(fake))), rel=1e-5)
    smoothed = np.mean(0.9 * softplus(-real) + 0.1 * softplus(real)) + np.mean(softplus(fake))
    assert value(discriminator_loss(real, fake, "non_saturating", 0.1)) == pytest.approx(smoothed, rel=1e-5)
    hinge = np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake))
    assert value(discriminator_loss(real, fake, "hinge")) == pytest.approx(hinge, rel=1e-5)
    assert value(generator_loss(fake, "hinge")) == pytest.approx(-fake.mean(), rel=1e-5)
    squares = 0.5 * (np.mean((real - 1) ** 2) + np.mean(fake**2))
    assert value(discriminator_loss(real, fake, "least_squares")) == pytest.approx(squares, rel=1e-5)
    assert value(generator_loss(fake, "least_squares")) == pytest.approx(0.5 * np.mean((fake - 1) ** 2), rel=1e-5)


def test_minimax_generator_loss_saturates_where_non_saturating_does_not():
    # When the discriminator confidently rejects samples (logit -8), log(1 - D(G(z)))
    # has almost no gradient; -log D(G(z)) still has a slope of about -1.
    logits = keras.ops.convert_to_tensor(np.full((4, 1), -8.0, "float32"))
    slopes = {
        loss: keras.ops.convert_to_numpy(
            kg_backend.gradients(lambda t, loss=loss: generator_loss(t, loss) * 4, logits)
        ).mean()
        for loss in ("minimax", "non_saturating")
    }
    assert abs(slopes["minimax"]) < 1e-3
    assert slopes["non_saturating"] == pytest.approx(-1.0, abs=1e-3)


def test_packing_stacks_consecutive_samples_on_the_last_axis():
    points = np.arange(14, dtype="float32").reshape(7, 2)
    packed = keras.ops.convert_to_numpy(pack(points, 3))
    np.testing.assert_array_equal(packed, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    images = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype("float32")
    packed = keras.ops.convert_to_numpy(pack(images, 2))
    assert packed.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))


def test_each_phase_changes_only_its_own_network(ring8):
    gan_checks.check_only_trained_players_change(
        lambda rates: small_gan(rates=rates, discriminator_steps=2),
        (ring8[:64],),
        {"generator_optimizer": "generator", "discriminator_optimizer": "discriminator"},
    )


def test_discriminator_steps_per_generator_step(ring8):
    gan = small_gan(discriminator_steps=3)
    gan.train_on_batch(ring8[:64])
    assert int(gan.discriminator_optimizer.iterations) == 3
    assert int(gan.generator_optimizer.iterations) == 1
    assert int(gan.optimizer.iterations) == 1


def test_short_run_on_ring8_covers_most_modes():
    (x, _), _ = named_datasets.load("ring8", num_train=51200, num_test=10, seed=0)
    schedule = lambda: keras.optimizers.schedules.CosineDecay(1e-3, 800, alpha=0.01)  # noqa: E731
    gan = models.GAN(networks.MLP(2, 2, (128, 128, 128)), networks.MLP(2, 1, (128, 128, 128)), seed=0)
    gan.compile(
        generator_optimizer=keras.optimizers.Adam(schedule(), beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(schedule(), beta_1=0.5),
        steps_per_execution=100,
    )
    history = gan.fit(x, epochs=8, batch_size=512, verbose=0)  # 800 steps
    assert set(history.history) == set(KEYS)
    coverage = mixture_coverage(gan.sample(2500, seed=1), "ring8")
    assert coverage["modes_captured"] >= 6, coverage
    # 800 steps leave many samples between modes: seeds 0-2 gave 18-60% high quality
    # (Keras's and kerasgen's input pipelines alike); points spread over the data's
    # bounding box would score under 1%.
    assert coverage["high_quality_fraction"] > 0.1, coverage


def test_keras_round_trip_resumes_training_exactly(ring8, tmp_path):
    gan = small_gan(packing=2, instance_noise=0.05, label_smoothing=0.1)
    harness.check_config_round_trip(gan)
    loaded = gan_checks.check_resume(gan, (ring8[:64],), tmp_path)
    z = draw_latents(5, 4, seed=0)
    harness.check_fit_step(loaded, ring8[:32], KEYS)
    np.testing.assert_array_equal(gan.sample(5, seed=0), keras.ops.convert_to_numpy(gan.generator(z)))


def test_sampling_is_seeded_and_uses_host_latents():
    gan = small_gan()
    first, again, other = gan.sample(6, seed=3), gan.sample(6, seed=3), gan.sample(6, seed=4)
    assert first.shape == (6, 2) and gan.data_shape == (2,) and gan.latent_dim == 4
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert gan.sampling_network() is gan.generator
    assert gan.output_range == (None, None)
    image_gan = models.GAN(networks.DCGANGenerator(4, (8, 8, 1), filters=(8,)),
                           networks.DCGANDiscriminator((8, 8, 1), filters=(8,)))
    assert image_gan.output_range == (-1.0, 1.0)
    assert image_gan.sample(3, seed=0).shape == (3, 8, 8, 1)


def test_evaluate_reports_both_players_without_training(ring8):
    gan = small_gan()
    before = gan_checks.snapshot(gan.generator) + gan_checks.snapshot(gan.discriminator)
    result = gan.evaluate(ring8[:128], batch_size=64, verbose=0, return_dict=True)
    assert set(result) == set(KEYS) and all(np.isfinite(v) for v in result.values())
    after = gan_checks.snapshot(gan.generator) + gan_checks.snapshot(gan.discriminator)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_bad_inputs_raise_clear_errors():
    generator = networks.MLP(4, 2, (8,))
    discriminator = networks.MLP(2, 1, (8,))
    with pytest.raises(ValueError, match=r"discriminator input shape must equal .*\(2,\), got \(3,\)"):
        models.GAN(generator, networks.MLP(3, 1, (8,)))
    with pytest.raises(ValueError, match=r"2 samples packed .*\(4,\), got \(2,\)"):
        models.GAN(generator, discriminator, packing=2)
    with pytest.raises(ValueError, match="discriminator_steps must be a positive int, got 0"):
        models.GAN(generator, discriminator, discriminator_steps=0)
    with pytest.raises(ValueError, match="loss must be one of .*got 'wasserstein'"):
        models.GAN(generator, discriminator, loss="wasserstein")
    with pytest.raises(ValueError, match="label_smoothing must be 0 with loss='hinge'"):
        models.GAN(generator, discriminator, loss="hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing must be a float in \[0, 1\), got 1.5"):
        models.GAN(generator, discriminator, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"one logit per example, shape \(1,\)"):
        models.GAN(generator, networks.MLP(2, 2, (8,)))
    with pytest.raises(ValueError, match=r"noise vector of shape \(latent_dim,\), got input shape \(8, 8, 1\)"):
        models.GAN(networks.ConvEncoder((8, 8, 1), 2, filters=(4,)), discriminator)
    gan = models.GAN(generator, discriminator)
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="must be different optimizer instances"):
        gan.compile(generator_optimizer=shared, discriminator_optimizer=shared)
    image_gan = models.GAN(networks.DCGANGenerator(4, (8, 8, 1), filters=(8,)),
                           networks.DCGANDiscriminator((8, 8, 1), filters=(8,)))
    image_gan.compile()
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\] for this model, got values in \[0, 255\]; convert with kerasgen.data.to_signed_range"):
        image_gan.fit(np.full((4, 8, 8, 1), 255.0, "float32") * np.arange(2).reshape(2, 1, 1, 1).repeat(2, 0))
    with pytest.raises(ValueError, match=r"per-example shape \(2,\)"):
        gan.compile()
        gan.fit(np.zeros((4, 3), "float32"))


def test_recipes_build_compiled_gan_family_models():
    from kerasgen import recipes

    gan = recipes.get("gan").build((2,))
    assert isinstance(gan.discriminator, networks.PackedMLPDiscriminator) and gan.packing == 4
    assert gan.label_smoothing == 0.1 and recipes.get("gan").value_range is None
    expected = {"dcgan": models.GAN, "wgan_gp": models.WGANGP, "cgan": models.ConditionalGAN, "vae_gan": models.VAEGAN}
    for name, cls in expected.items():
        recipe = recipes.get(name)
        model = recipe.build((28, 28, 1), num_classes=10 if recipe.labels else None)
        assert isinstance(model, cls) and model.compiled
        assert recipe.value_range == model.output_range == (-1.0, 1.0)
        assert model.data_shape == (28, 28, 1)
    assert recipes.get("cgan").labels and not recipes.get("dcgan").labels
    assert recipes.get("dcgan").build((32, 32, 3)).sample(2, seed=0).shape == (2, 32, 32, 3)


def test_generator_ema_ends_fit_with_averaged_weights_and_survives_round_trip(ring8, tmp_path):
    from kerasgen import recipes

    gan = recipes.get("gan").build((2,), hidden_units=(16, 16), generator_ema=0.9, decay_steps=0)
    assert gan.generator_optimizer.use_ema and not gan.discriminator_optimizer.use_ema
    gan.fit(ring8[:2048], batch_size=256, epochs=1, verbose=0)
    averages = gan.generator_optimizer._model_variables_moving_average
    for variable, average in zip(gan.generator.trainable_variables, averages):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), keras.ops.convert_to_numpy(average))
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras", safe_mode=True)
    assert loaded.generator_optimizer.use_ema and loaded.generator_optimizer.ema_momentum == 0.9
    for saved, average in zip(loaded.generator_optimizer._model_variables_moving_average, averages):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(saved), keras.ops.convert_to_numpy(average))
    with pytest.raises(ValueError, match=r"generator_ema must be in \[0, 1\), got 1.5"):
        recipes.get("dcgan").build((28, 28, 1), generator_ema=1.5)
