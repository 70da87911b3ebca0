import keras
import numpy as np
import pytest

from kerasgen import models, networks
from kerasgen.data import named_datasets
from tests import harness
from tests.models import gan_checks

KEYS = ["discriminator_loss", "generator_loss", "real_score", "fake_score", "gradient_penalty"]


def small_wgan(critic_hidden=(16,), rates=None, **kwargs):
    generator = networks.MLP(3, 2, (16,))
    critic = networks.MLP(2, 1, critic_hidden)
    wgan = models.WGANGP(generator, critic, seed=0, **kwargs)
    rates = rates or {"generator_optimizer": 1e-3, "discriminator_optimizer": 1e-3}
    wgan.compile(
        **{name: keras.optimizers.Adam(rate, beta_1=0.0, beta_2=0.9) for name, rate in rates.items()},
        run_eagerly=True,
    )
    return wgan


@pytest.fixture(scope="module")
def ring8():
    (x, _), _ = named_datasets.load("ring8", num_train=256, num_test=10)
    return x


def penalty(wgan, real, fake, epsilon):
    value = wgan.gradient_penalty(keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake), epsilon)
    return float(keras.ops.convert_to_numpy(value))


def test_gradient_penalty_matches_a_direct_computation(ring8):
    wgan = small_wgan()
    rng = np.random.default_rng(0)
    real, fake = ring8[:16], rng.normal(size=(16, 2)).astype("float32")
    epsilon = rng.random(16).astype("float32")
    # The critic is relu(x W1 + b1) w2 + b2, so grad_x D = W1 (w2 * 1[x W1 + b1 > 0]).
    w1, b1 = wgan.discriminator.get_layer("dense_0").get_weights()
    w2, _ = wgan.discriminator.get_layer("logits").get_weights()
    x_hat = epsilon[:, None] * real + (1 - epsilon[:, None]) * fake
    gradients = ((x_hat @ w1 + b1 > 0) * w2[:, 0]) @ w1.T
    expected = np.mean((np.linalg.norm(gradients, axis=1) - 1) ** 2)
    assert penalty(wgan, real, fake, epsilon) == pytest.approx(expected, rel=1e-4)
    # A linear critic D(x) = x w + b has gradient w everywhere: penalty (||w|| - 1)^2.
    linear = small_wgan(critic_hidden=())
    w, _ = linear.discriminator.get_layer("logits").get_weights()
    assert penalty(linear, real, fake, epsilon) == pytest.approx((np.linalg.norm(w) - 1) ** 2, rel=1e-4)


def test_defaults_follow_the_paper_and_critic_steps_are_counted(ring8):
    wgan = small_wgan()
    assert wgan.discriminator_steps == 5 and wgan.gradient_penalty_weight == 10.0
    assert wgan.critic is wgan.discriminator
    history = harness.check_fit_step(wgan, ring8[:64], KEYS, batch_size=64)
    assert history.history["gradient_penalty"][-1] >= 0
    assert int(wgan.discriminator_optimizer.iterations) == 5
    assert int(wgan.generator_optimizer.iterations) == 1


def test_each_phase_changes_only_its_own_network(ring8):
    gan_checks.check_only_trained_players_change(
        lambda rates: small_wgan(rates=rates, discriminator_steps=2),
        (ring8[:32],),
        {"generator_optimizer": "generator", "discriminator_optimizer": "discriminator"},
    )


def test_critic_learns_to_separate_real_from_generated(ring8):
    # With the generator frozen (learning rate 0), the critic's Wasserstein estimate
    # E[D(real)] - E[D(fake)] grows from about 0.
    wgan = small_wgan(critic_hidden=(32, 32), rates={"generator_optimizer": 0.0, "discriminator_optimizer": 1e-2})
    first = wgan.train_on_batch(ring8[:128], return_dict=True)
    for _ in range(3):
        last = wgan.train_on_batch(ring8[:128], return_dict=True)
    assert last["real_score"] - last["fake_score"] > first["real_score"] - first["fake_score"] + 0.1


def test_keras_round_trip_resumes_training_exactly(ring8, tmp_path):
    wgan = small_wgan(discriminator_steps=2)
    harness.check_config_round_trip(wgan)
    gan_checks.check_resume(wgan, (ring8[:32],), tmp_path)


def test_bad_inputs_raise_clear_errors():
    generator = networks.MLP(3, 2, (8,))
    with pytest.raises(ValueError, match=r"discriminator \(critic\) input shape must equal .*\(2,\), got \(5,\)"):
        models.WGANGP(generator, networks.MLP(5, 1, (8,)))
    with pytest.raises(ValueError, match="discriminator_steps must be a positive int, got 0"):
        models.WGANGP(generator, networks.MLP(2, 1, (8,)), discriminator_steps=0)
    with pytest.raises(ValueError, match="gradient_penalty_weight must be a float >= 0, got -1"):
        models.WGANGP(generator, networks.MLP(2, 1, (8,)), gradient_penalty_weight=-1)
