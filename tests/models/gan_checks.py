"""Checks shared by the GAN family's tests: per-player updates and resumable training."""

import os

import keras
import numpy as np


def snapshot(network):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in network.variables]


def changed(before, network):
    return any(not np.array_equal(a, keras.ops.convert_to_numpy(b)) for a, b in zip(before, network.variables))


def check_only_trained_players_change(build, fit_inputs, players):
    """For each player, a step with every *other* optimizer at learning rate 0 changes
    that player's network only: no update leaks into another network's weights.

    `build(learning_rates)` returns a compiled model given `{optimizer_name: lr}`;
    `players` maps optimizer names to network attribute names.
    """
    for trained in players:
        rates = {name: (1e-2 if name == trained else 0.0) for name in players}
        model = build(rates)
        before = {name: snapshot(getattr(model, network)) for name, network in players.items()}
        model.train_on_batch(*fit_inputs)
        for name, network in players.items():
            assert changed(before[name], getattr(model, network)) == (name == trained), (trained, network)


def check_resume(model, fit_inputs, tmp_path, steps=2):
    """Training a reloaded `.keras` file continues exactly: identical next-step losses.

    Also checks that the optimizers' state is what makes it so: the same weights with
    fresh optimizers give different losses.
    """
    for _ in range(steps):
        model.train_on_batch(*fit_inputs)
    path = os.path.join(tmp_path, "resume.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    fresh = model.__class__.from_config(model.get_config())
    fresh.compile(**{
        name: getattr(model, name).__class__.from_config(getattr(model, name).get_config())
        for name in model.get_compile_config() if name.endswith("optimizer")
    }, run_eagerly=True)
    fresh.set_weights(model.get_weights())
    fresh.seed_generator.state.assign(model.seed_generator.state)
    for name in model.get_compile_config():
        if name.endswith("optimizer"):
            original, restored = getattr(model, name), getattr(loaded, name)
            assert int(restored.iterations) == int(original.iterations) >= steps
            assert float(restored.learning_rate) == float(original.learning_rate)
    expected = [model.train_on_batch(*fit_inputs, return_dict=True) for _ in range(2)]
    resumed = [loaded.train_on_batch(*fit_inputs, return_dict=True) for _ in range(2)]
    restarted = [fresh.train_on_batch(*fit_inputs, return_dict=True) for _ in range(2)]
    assert resumed == expected
    assert restarted != expected
    return loaded
