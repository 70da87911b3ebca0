import math
import warnings

import keras
import numpy as np
import pytest

from kerasgen import callbacks, models, networks
from kerasgen.data import named_datasets


def linear_gan(scale, shift=(0.0, 0.0), packing=1):
    """A GAN whose generator is the fixed linear map z -> scale * z + shift."""
    generator = networks.MLP(2, 2, ())
    generator.get_layer("logits").set_weights([scale * np.eye(2, dtype="float32"), np.array(shift, "float32")])
    gan = models.GAN(generator, networks.MLP(2 * packing, 1, (16,)), packing=packing, seed=0)
    return gan


def quadrant_classifier():
    """Class probabilities of 2-D points: which quadrant (4 classes)."""
    inputs = keras.Input((2,))
    layer = keras.layers.Dense(4, activation="softmax")
    outputs = layer(inputs)
    layer.set_weights([10 * np.array([[1, 1, -1, -1], [1, -1, 1, -1]], "float32"), np.zeros(4, "float32")])
    return keras.Model(inputs, outputs)


def test_mode_collapse_monitor_warns_when_coverage_and_diversity_drop():
    reference, _ = named_datasets.sample_mixture("grid25", 2500, seed=0)
    monitor = callbacks.ModeCollapseMonitor(mixture="grid25", classifier=quadrant_classifier(), reference=reference)
    spread = linear_gan(3.0)
    monitor.set_model(spread)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a spread-out generator raises no warning
        logs = {}
        monitor.on_epoch_end(0, logs)
    first = monitor.history[0]
    assert first["modes_captured"] > 10 and first["classes_covered"] == 4
    assert logs["modes_captured"] == first["modes_captured"] and "diversity_ratio" in logs
    assert not monitor.collapsed
    # The generator collapses onto the mode (2, 2): one mode, one quadrant, no diversity.
    collapsed = linear_gan(0.001, shift=(2.0, 2.0))
    monitor.set_model(collapsed)
    with pytest.warns(UserWarning, match=r"coverage dropped from \d+ to 1 .*diversity is 0.00"):
        monitor.on_epoch_end(1, {})
    last = monitor.history[-1]
    assert last["modes_captured"] == 1 and last["high_quality_fraction"] == 1.0
    assert last["mode_kl"] == pytest.approx(math.log(25))
    assert last["classes_covered"] == 1 and last["class_kl"] == pytest.approx(math.log(4))
    assert monitor.collapsed and len(monitor.warnings) == 1


def test_mode_collapse_monitor_logs_into_fit_history():
    (x, _), _ = named_datasets.load("ring8", num_train=256, num_test=10)
    gan = linear_gan(1.0)
    gan.compile(run_eagerly=True)
    monitor = callbacks.ModeCollapseMonitor(mixture="ring8", num_samples=500, every=2)
    history = gan.fit(x, epochs=2, batch_size=128, verbose=0, callbacks=[monitor])
    assert history.history["modes_captured"] == [monitor.history[0]["modes_captured"]]
    assert monitor.history[0]["epoch"] == 2
    with pytest.raises(ValueError, match="needs mixture, classifier or reference data"):
        callbacks.ModeCollapseMonitor()
    with pytest.raises(ValueError, match="every must be a positive int, got 0"):
        callbacks.ModeCollapseMonitor(mixture="ring8", every=0)


def test_balance_monitor_warns_when_the_discriminator_wins():
    (x, _), _ = named_datasets.load("ring8", num_train=2560, num_test=10)
    # A frozen generator far from the data (all samples near (3, 3)) against a fast
    # discriminator: D(real) -> 1, D(fake) -> 0 within a few dozen steps.
    gan = linear_gan(0.01, shift=(3.0, 3.0))
    gan.compile(
        generator_optimizer=keras.optimizers.Adam(0.0),
        discriminator_optimizer=keras.optimizers.Adam(1e-2),
        steps_per_execution=4,
    )
    monitor = callbacks.BalanceMonitor(patience=40)
    with pytest.warns(UserWarning, match="the discriminator has been winning for"):
        gan.fit(x, epochs=2, batch_size=32, verbose=0, callbacks=[monitor])
    assert len(monitor.events) == 1
    event = monitor.events[0]
    assert event["winner"] == "discriminator" and event["real_score"] > 0.95 and event["fake_score"] < 0.05
    assert event["step"] - event["start_step"] >= 40


def test_balance_monitor_recovers_per_step_values_from_running_means():
    monitor = callbacks.BalanceMonitor(patience=3, loss_floor=0.05)
    monitor.set_model(linear_gan(1.0))
    monitor.on_train_begin()
    monitor.on_epoch_begin(0)
    values = [1.3, 1.2, 0.01, 0.01, 0.01, 0.01]  # per-step discriminator losses
    with pytest.warns(UserWarning, match="discriminator has been winning for 3 steps"):
        for step in range(len(values)):
            running = float(np.mean(values[: step + 1]))  # what Keras reports
            monitor.on_train_batch_end(step, {"discriminator_loss": running, "real_score": 0.6, "fake_score": 0.4})
    assert [e["start_step"] for e in monitor.events] == [2]
    assert monitor.events[0]["discriminator_loss"] == pytest.approx(0.01)
    # The generator winning (D(fake) ~ 1) is reported too.
    monitor.on_epoch_begin(1)
    with pytest.warns(UserWarning, match="the generator has been winning"):
        for step in range(4):
            monitor.on_train_batch_end(step, {"discriminator_loss": 2.0, "real_score": 0.9, "fake_score": 0.99})


def test_balance_monitor_rejects_models_without_a_floored_loss():
    monitor = callbacks.BalanceMonitor()
    monitor.set_model(models.WGANGP(networks.MLP(2, 2, (4,)), networks.MLP(2, 1, (4,))))
    with pytest.raises(ValueError, match="BalanceMonitor needs a model whose discriminator loss has a floor"):
        monitor.on_train_begin()
    with pytest.raises(ValueError, match="patience must be a positive int or .epoch., got 0"):
        callbacks.BalanceMonitor(patience=0)


def test_balance_monitor_logs_each_epochs_winning_steps_within_the_epoch():
    """With steps_per_execution 8 and 4 steps an epoch Keras reports batch 7: 4 steps
    are counted, and the epoch's logs (metrics.csv) get them."""
    monitor = callbacks.BalanceMonitor(patience=2)
    monitor.set_model(linear_gan(1.0))
    monitor.set_params({"epochs": 2, "steps": 4, "verbose": 0})
    monitor.on_train_begin()
    logs = {}
    for epoch in range(2):
        monitor.on_epoch_begin(epoch)
        winning = {"discriminator_loss": 0.01 if epoch else 1.0, "real_score": 0.6, "fake_score": 0.4}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            monitor.on_train_batch_end(7, winning)
        logs[epoch] = {}
        monitor.on_epoch_end(epoch, logs[epoch])
    assert logs[0] == {"discriminator_winning_steps": 0.0, "generator_winning_steps": 0.0}
    assert logs[1] == {"discriminator_winning_steps": 4.0, "generator_winning_steps": 0.0}
    assert monitor.events[0]["step"] == 8
