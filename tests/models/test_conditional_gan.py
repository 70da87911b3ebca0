import keras
import numpy as np
import pytest

from kerasgen import models, networks
from kerasgen.data import named_datasets, value_ranges
from tests import harness
from tests.models import gan_checks

KEYS = ["discriminator_loss", "generator_loss", "real_score", "fake_score"]


def small_cgan(rates=None, num_classes=10, **kwargs):
    generator = networks.ConditionalDCGANGenerator(8, num_classes, (8, 8, 1), filters=(16, 8), embedding_dim=4)
    discriminator = networks.ConditionalDCGANDiscriminator((8, 8, 1), num_classes, filters=(8, 16))
    cgan = models.ConditionalGAN(generator, discriminator, seed=0, **kwargs)
    rates = rates or {"generator_optimizer": 2e-3, "discriminator_optimizer": 2e-3}
    cgan.compile(**{name: keras.optimizers.Adam(rate, beta_1=0.5) for name, rate in rates.items()},
                 run_eagerly=True)
    return cgan


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = named_datasets.load("digits")
    return value_ranges.to_signed_range(x[:256]), y[:256]


def test_conditional_sampling_returns_the_requested_labels_and_uses_them(digits):
    x, y = digits
    cgan = small_cgan()
    cgan.fit(x, y, epochs=1, batch_size=64, verbose=0)
    assert cgan.num_classes == 10 and cgan.latent_dim == 8 and cgan.data_shape == (8, 8, 1)
    assert cgan.sample(7, seed=0, labels=3).shape == (7, 8, 8, 1)
    assert cgan.sample(12, seed=0).shape == (12, 8, 8, 1)  # classes in turn
    threes = cgan.sample(5, seed=0, labels=3)
    np.testing.assert_array_equal(threes, cgan.sample(5, seed=0, labels=[3] * 5))
    sevens = cgan.sample(5, seed=0, labels=7)
    assert np.abs(threes - sevens).max() > 1e-3  # same z, different label: different image
    mixed = cgan.sample(4, seed=0, labels=[3, 7, 3, 7])
    np.testing.assert_allclose(mixed[[0, 2]], threes[[0, 2]], atol=1e-6)
    np.testing.assert_allclose(mixed[[1, 3]], sevens[[1, 3]], atol=1e-6)
    # The sampling network takes [z, label] with int32 labels of shape ().
    network = cgan.sampling_network()
    assert [tuple(t.shape[1:]) for t in network.inputs] == [(8,), ()]
    assert network.inputs[1].dtype == "int32"


def test_fit_logs_and_evaluate(digits):
    x, y = digits
    cgan = small_cgan()
    history = cgan.fit(x, y, epochs=1, batch_size=64, verbose=0)
    assert set(history.history) == set(KEYS)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    result = cgan.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    assert set(result) == set(KEYS)


def test_each_phase_changes_only_its_own_network(digits):
    x, y = digits
    gan_checks.check_only_trained_players_change(
        lambda rates: small_cgan(rates=rates),
        (x[:32], y[:32]),
        {"generator_optimizer": "generator", "discriminator_optimizer": "discriminator"},
    )


def test_keras_round_trip_resumes_training_exactly(digits, tmp_path):
    x, y = digits
    cgan = small_cgan(label_smoothing=0.1, instance_noise=0.1)
    harness.check_config_round_trip(cgan)
    loaded = gan_checks.check_resume(cgan, (x[:32], y[:32]), tmp_path)
    np.testing.assert_array_equal(loaded.sample(4, seed=1, labels=2), cgan.sample(4, seed=1, labels=2))


def test_bad_inputs_raise_clear_errors(digits):
    x, y = digits
    generator = networks.ConditionalDCGANGenerator(8, 10, (8, 8, 1), filters=(8,))
    with pytest.raises(ValueError, match="discriminator.num_classes must equal num_classes 10, got 5"):
        models.ConditionalGAN(generator, networks.ConditionalDCGANDiscriminator((8, 8, 1), 5, filters=(8,)))
    with pytest.raises(ValueError, match=r"discriminator input shape must equal .*\(8, 8, 1\), got \(16, 16, 1\)"):
        models.ConditionalGAN(generator, networks.ConditionalDCGANDiscriminator((16, 16, 1), 10, filters=(8,)))
    with pytest.raises(ValueError, match=r"discriminator must take two inputs \(\[z or x, label\]\)"):
        models.ConditionalGAN(generator, networks.DCGANDiscriminator((8, 8, 1), filters=(8,)))
    cgan = small_cgan()
    with pytest.raises(ValueError, match=r"labels must be ints in \[0, 10\), got values in \[10, 10\]"):
        cgan.sample(3, labels=10)
    with pytest.raises(ValueError, match=r"labels must be an int or 3 ints"):
        cgan.sample(3, labels=[1, 2])
    with pytest.raises(ValueError, match=r"y must be ints in \[0, 10\), got values in \[-1, 9\]"):
        cgan.fit(x, np.where(y == 0, -1, y), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y must hold one int label per example"):
        cgan.fit(x, epochs=1, verbose=0)
