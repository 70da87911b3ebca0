import warnings

import keras
import numpy as np
import pytest

from kerasgen import callbacks, losses, models, networks, schedules
from kerasgen.data import dynamic_binarization
from tests import harness


def small_vae(latent_dim=8, beta=1.0, seed=0, image_shape=(28, 28, 1)):
    encoder = networks.ConvEncoder(image_shape, latent_dim, filters=(8, 16), hidden_units=64, variational=True)
    decoder = networks.ConvDecoder(latent_dim, image_shape, filters=(16, 8), hidden_units=64)
    vae = models.VAE(encoder, decoder, beta=beta, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    return vae


def test_kl_term_equals_the_analytic_formula():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 7)).astype("float32")
    log_var = rng.normal(size=(5, 7)).astype("float32")
    expected = 0.5 * np.sum(mean**2 + np.exp(log_var) - log_var - 1, axis=1)
    actual = keras.ops.convert_to_numpy(losses.kl_divergence(mean, log_var))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    # KL of the prior to itself is zero.
    zero = losses.kl_divergence(np.zeros((1, 3), "float32"), np.zeros((1, 3), "float32"))
    assert float(keras.ops.convert_to_numpy(zero)[0]) == 0.0


def test_training_lowers_the_loss_and_keeps_kl_positive(mnist5k, tmp_path):
    (x, _), (x_test, _) = mnist5k
    vae = small_vae()
    history = vae.fit(x[:2000], epochs=4, batch_size=100, verbose=0)
    loss = history.history["loss"]
    assert set(history.history) == {"loss", "reconstruction_loss", "kl_loss"}
    assert loss[-1] < 0.75 * loss[0]
    assert history.history["kl_loss"][-1] > 1.0
    evaluated = vae.evaluate(x_test[:200], verbose=0, return_dict=True)
    assert evaluated["loss"] < loss[0]
    # Round trip of the trained, compiled model: same outputs, and training continues.
    loaded = harness.check_saved_model_round_trip(vae, tmp_path, x_test[:8])
    np.testing.assert_array_equal(loaded.sample(4, seed=3), vae.sample(4, seed=3))
    harness.check_fit_step(loaded, x[:32], ["loss", "reconstruction_loss", "kl_loss"])
    # Importance weighting tightens the bound: IW -log p(x) <= -ELBO (Monte Carlo).
    binary = dynamic_binarization.binarize(x_test[:20], seed=0)
    iw = vae.log_likelihood(binary, num_samples=200, seed=1)
    mean, log_var = vae.encode(binary)
    eps = np.random.default_rng(2).standard_normal((200, *mean.shape))
    z = (mean + np.exp(0.5 * log_var) * eps).reshape(-1, mean.shape[1]).astype("float32")
    probs = np.clip(vae.decode(z).reshape(200, 20, -1), 1e-6, 1 - 1e-6)
    flat = binary.reshape(1, 20, -1)
    reconstruction = -np.mean(np.sum(flat * np.log(probs) + (1 - flat) * np.log(1 - probs), axis=2), axis=0)
    kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - log_var - 1, axis=1)
    negative_elbo = reconstruction + kl
    assert np.all(np.isfinite(iw))
    assert iw.mean() < negative_elbo.mean()
    assert np.all(iw <= negative_elbo + 1.0)


def test_seeded_sampling_is_deterministic_and_config_round_trips():
    vae = small_vae(latent_dim=4, beta=schedules.LinearWarmup(2.0, 100))
    a = vae.sample(6, seed=11)
    np.testing.assert_array_equal(a, vae.sample(6, seed=11))
    assert not np.array_equal(a, vae.sample(6, seed=12))
    clone = harness.check_config_round_trip(vae)
    assert isinstance(clone.beta, schedules.LinearWarmup) and clone.beta.warmup_steps == 100


def test_interpolation_and_reconstruction_shapes(mnist5k):
    (x, _), _ = mnist5k
    vae = small_vae(latent_dim=4)
    for method in ("linear", "slerp"):
        path = vae.interpolate(x[0], x[1], steps=5, method=method)
        assert path.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(path[0], vae.reconstruct(x[:1])[0], atol=1e-5)
    with pytest.raises(ValueError, match="method must be 'linear' or 'slerp'"):
        vae.interpolate(x[0], x[1], method="cubic")


def test_beta_schedules():
    warmup = schedules.LinearWarmup(2.0, 10)
    assert float(warmup(0)) == 0.0 and float(warmup(5)) == pytest.approx(1.0) and float(warmup(50)) == 2.0
    cyclical = schedules.Cyclical(1.0, cycle_steps=10, ratio=0.5)
    assert [float(cyclical(s)) for s in (0, 2, 5, 9, 10)] == pytest.approx([0.0, 0.4, 1.0, 1.0, 0.0])


def test_bad_inputs_raise_clear_errors():
    encoder = networks.DenseEncoder((8, 8, 1), 4, hidden_units=(8,), variational=True)
    decoder = networks.DenseDecoder(4, (8, 8, 1), hidden_units=(8,))
    with pytest.raises(ValueError, match="beta must be >= 0, got -1"):
        models.VAE(encoder, decoder, beta=-1.0)
    with pytest.raises(ValueError, match="likelihood must be one of"):
        models.VAE(encoder, decoder, likelihood="poisson")
    with pytest.raises(ValueError, match="encoder must output \\[mean, log_var\\]"):
        models.VAE(networks.DenseEncoder((8, 8, 1), 4), decoder)
    with pytest.raises(ValueError, match="decoder input size must equal the encoder's latent_dim 4, got 3"):
        models.VAE(encoder, networks.DenseDecoder(3, (8, 8, 1)))
    vae = models.VAE(encoder, decoder)
    vae.compile(optimizer="adam")
    bad = np.zeros((4, 8, 8, 1), "float32")
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="x must be finite"):
        vae.fit(bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="per-example shape \\(8, 8, 1\\)"):
        vae.fit(np.zeros((4, 28, 28, 1), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="num_samples must be a positive int, got 0"):
        vae.sample(0)
    with pytest.raises(ValueError, match="z must have shape \\(N, 4\\)"):
        vae.decode(np.zeros((2, 5)))


def test_posterior_collapse_monitor_fires_on_collapse_and_not_on_a_healthy_model(mnist5k):
    (x, _), (x_test, _) = mnist5k
    collapsed = small_vae(beta=200.0)
    monitor = callbacks.PosteriorCollapseMonitor(x_test[:200], kl_threshold=0.5, patience=2, stop_training=True)
    with pytest.warns(UserWarning, match="Posterior collapse"):
        history = collapsed.fit(x[:1500], epochs=6, batch_size=100, verbose=0, callbacks=[monitor])
    assert monitor.collapsed and len(history.history["loss"]) < 6
    assert monitor.history[-1]["active_units"] == 0

    healthy = small_vae(beta=1.0)
    monitor = callbacks.PosteriorCollapseMonitor(x_test[:200], kl_threshold=0.5, patience=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        healthy.fit(x[:1500], epochs=3, batch_size=100, verbose=0, callbacks=[monitor])
    assert not monitor.collapsed
    assert monitor.history[-1]["active_units"] >= 2
    assert len(monitor.history[-1]["kl_per_dimension"]) == 8
