import keras
import numpy as np
import pytest

from kerasgen import models, networks
from kerasgen.data import named_datasets, value_ranges
from tests import harness
from tests.models import gan_checks

KEYS = [
    "encoder_loss", "generator_loss", "discriminator_loss", "kl_loss",
    "reconstruction_loss", "real_score", "fake_score",
]
PLAYERS = {
    "encoder_optimizer": "encoder",
    "generator_optimizer": "generator",
    "discriminator_optimizer": "discriminator",
}


def small_vae_gan(rates=None, latent_dim=4, **kwargs):
    encoder = networks.ConvEncoder((8, 8, 1), latent_dim, filters=(8, 16), variational=True)
    generator = networks.DCGANGenerator(latent_dim, (8, 8, 1), filters=(16, 8))
    discriminator = networks.DCGANDiscriminator((8, 8, 1), filters=(8, 16))
    model = models.VAEGAN(encoder, generator, discriminator, seed=0, **kwargs)
    rates = rates or {name: 1e-3 for name in PLAYERS}
    model.compile(**{name: keras.optimizers.Adam(rate, beta_1=0.5) for name, rate in rates.items()},
                  run_eagerly=True)
    return model


@pytest.fixture(scope="module")
def digits():
    (x, _), _ = named_datasets.load("digits")
    return value_ranges.to_signed_range(x[:256])


def test_reconstruction_is_measured_in_the_discriminator_feature_space(digits):
    model = small_vae_gan()
    real, fake = digits[:6], digits[6:18]
    reconstruction, real_logits, fake_logits = model.judge(real, fake)
    features = keras.Model(model.discriminator.inputs[0], model.discriminator.get_layer("features").output)
    difference = keras.ops.convert_to_numpy(features(real)) - keras.ops.convert_to_numpy(features(fake[:6]))
    expected = np.mean(0.5 * np.sum(difference**2, axis=1))
    assert float(keras.ops.convert_to_numpy(reconstruction)) == pytest.approx(expected, rel=1e-5)
    assert tuple(real_logits.shape) == (6, 1) and tuple(fake_logits.shape) == (12, 1)
    # Identical images have zero feature distance, pixels apart or not.
    same, _, _ = model.judge(real, real)
    assert float(keras.ops.convert_to_numpy(same)) == 0.0


def test_three_players_each_change_only_their_own_network(digits):
    gan_checks.check_only_trained_players_change(
        lambda rates: small_vae_gan(rates=rates), (digits[:32],), PLAYERS
    )


def test_training_logs_every_player_and_reconstructs(digits):
    model = small_vae_gan()
    history = harness.check_fit_step(model, digits[:128], KEYS, batch_size=64)
    assert history.history["kl_loss"][-1] >= 0
    result = model.evaluate(digits[:64], verbose=0, return_dict=True)
    assert set(result) == set(KEYS)
    assert model.reconstruct(digits[:3]).shape == (3, 8, 8, 1)
    assert model.sample(5, seed=0).shape == (5, 8, 8, 1)
    assert model.output_range == (-1.0, 1.0) and model.latent_dim == 4
    assert model.sampling_network() is model.generator
    mean, log_var = model.encode(digits[:3])
    assert mean.shape == log_var.shape == (3, 4)


def test_keras_round_trip_resumes_training_exactly(digits, tmp_path):
    model = small_vae_gan(kl_weight=0.5, reconstruction_weight=0.1)
    harness.check_config_round_trip(model)
    loaded = gan_checks.check_resume(model, (digits[:32],), tmp_path)
    harness.check_saved_model_round_trip(loaded, tmp_path, digits[:4])


def test_bad_inputs_raise_clear_errors():
    encoder = networks.ConvEncoder((8, 8, 1), 4, filters=(8,), variational=True)
    generator = networks.DCGANGenerator(4, (8, 8, 1), filters=(8,))
    discriminator = networks.DCGANDiscriminator((8, 8, 1), filters=(8,))
    with pytest.raises(ValueError, match="decoder input size must equal the encoder's latent_dim 4, got 6"):
        models.VAEGAN(encoder, networks.DCGANGenerator(6, (8, 8, 1), filters=(8,)), discriminator)
    with pytest.raises(ValueError, match=r"encoder must output \[mean, log_var\]"):
        models.VAEGAN(networks.ConvEncoder((8, 8, 1), 4, filters=(8,)), generator, discriminator)
    with pytest.raises(ValueError, match="feature_layer must name a layer of the discriminator"):
        models.VAEGAN(encoder, generator, discriminator, feature_layer="penultimate")
    with pytest.raises(ValueError, match=r"discriminator input shape must equal .*\(8, 8, 1\), got \(8, 8, 2\)"):
        models.VAEGAN(encoder, generator, networks.DCGANDiscriminator((8, 8, 1), filters=(8,), packing=2))
    with pytest.raises(ValueError, match="kl_weight must be a float >= 0, got -1"):
        models.VAEGAN(encoder, generator, discriminator, kl_weight=-1)
