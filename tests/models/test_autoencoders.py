import keras
import numpy as np
import pytest

from kerasgen import models, networks
from tests import harness


def test_gradient_training_reaches_the_svd_solution_within_one_percent(mnist5k, tmp_path):
    (x, _), _ = mnist5k
    svd = models.LinearAutoencoder((28, 28, 1), latent_dim=16).solve_pca(x)
    reference = svd.reconstruction_mse(x)
    # PCA is optimal: random directions must do clearly worse.
    untrained = models.LinearAutoencoder((28, 28, 1), latent_dim=16)
    assert untrained.reconstruction_mse(x) > 2 * reference
    linear = models.LinearAutoencoder((28, 28, 1), latent_dim=16)
    linear.compile(optimizer=keras.optimizers.Adam(3e-3), steps_per_execution=16)
    linear.fit(x, epochs=30, batch_size=256, verbose=0)
    trained = linear.reconstruction_mse(x)
    assert trained >= reference * (1 - 1e-4)  # no model beats PCA
    assert trained <= 1.01 * reference, (trained, reference)
    harness.check_config_round_trip(linear)
    harness.check_saved_model_round_trip(linear, tmp_path, x[:4])


def test_denoising_autoencoder_beats_the_identity_on_noisy_inputs(mnist5k):
    (x, _), (x_test, _) = mnist5k
    encoder = networks.DenseEncoder((28, 28, 1), 32, hidden_units=(256,))
    decoder = networks.DenseDecoder(32, (28, 28, 1), hidden_units=(256,))
    dae = models.DenoisingAutoencoder(encoder, decoder, loss="bce", noise="gaussian", noise_level=0.4, seed=0)
    dae.compile(optimizer=keras.optimizers.Adam(2e-3))
    harness.check_fit_step(dae, x, ["loss"], batch_size=64)
    dae.fit(x, epochs=3, batch_size=64, verbose=0)
    clean = x_test[:300]
    noisy = np.clip(clean + 0.4 * np.random.default_rng(0).standard_normal(clean.shape), 0, 1).astype("float32")
    identity_error = np.mean((noisy - clean) ** 2)
    denoised_error = np.mean((dae.reconstruct(noisy) - clean) ** 2)
    assert denoised_error < 0.5 * identity_error, (denoised_error, identity_error)
    clone = harness.check_config_round_trip(dae)
    assert clone.noise == "gaussian" and clone.noise_level == pytest.approx(0.4)


def test_masking_corruption_applies_in_training_only():
    encoder = networks.DenseEncoder((8, 8, 1), 4, hidden_units=(8,))
    decoder = networks.DenseDecoder(4, (8, 8, 1), hidden_units=(8,))
    dae = models.DenoisingAutoencoder(encoder, decoder, noise="masking", noise_level=0.5, seed=1)
    x = np.ones((64, 8, 8, 1), "float32")
    corrupted = keras.ops.convert_to_numpy(dae.corrupt(x))
    assert 0.35 < (corrupted == 0).mean() < 0.65
    # Inference sees the inputs as given: call is deterministic.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(dae(x)), keras.ops.convert_to_numpy(dae(x)))
    with pytest.raises(ValueError, match="noise_level must be >= 0 \\(and < 1 for masking\\), got 1.0"):
        models.DenoisingAutoencoder(encoder, decoder, noise="masking", noise_level=1.0)


@pytest.mark.parametrize("loss", ["mse", "l1", "bce"])
def test_conv_autoencoder_trains_and_round_trips(loss, mnist5k, tmp_path):
    (x, _), _ = mnist5k
    encoder = networks.ConvEncoder((28, 28, 1), 8, filters=(8, 8))
    decoder = networks.ConvDecoder(8, (28, 28, 1), filters=(8, 8))
    autoencoder = models.Autoencoder(encoder, decoder, loss=loss)
    autoencoder.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = autoencoder.fit(x[:512], epochs=3, batch_size=64, verbose=0).history["loss"]
    assert history[-1] < history[0]
    harness.check_saved_model_round_trip(autoencoder, tmp_path, x[:4])


def test_bad_autoencoder_arguments():
    encoder = networks.DenseEncoder((8, 8, 1), 4, hidden_units=(8,))
    with pytest.raises(ValueError, match="loss must be one of \\['mse', 'l1', 'bce', 'table'\\], got 'l3'"):
        models.Autoencoder(encoder, networks.DenseDecoder(4, (8, 8, 1)), loss="l3")
    with pytest.raises(ValueError, match="decoder output shape \\(7, 7, 1\\) must equal the encoder input shape"):
        models.Autoencoder(encoder, networks.DenseDecoder(4, (7, 7, 1)))
    with pytest.raises(ValueError, match="latent_dim must be <= the input size 64, got 65"):
        models.LinearAutoencoder((8, 8, 1), 65)
