"""Shared checks every model test runs: config round trip, `.keras` round trip, one fit step."""

import os

import keras
import numpy as np


def check_config_round_trip(model):
    config = model.get_config()
    clone = model.__class__.from_config(config)
    assert clone.get_config() == config
    return clone


def check_saved_model_round_trip(model, tmp_path, inputs):
    """Saves to `.keras`, reloads with safe_mode, and compares outputs on `inputs`."""
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    expected = keras.ops.convert_to_numpy(model(inputs, training=False))
    actual = keras.ops.convert_to_numpy(loaded(inputs, training=False))
    np.testing.assert_array_equal(actual, expected)
    return loaded


def check_fit_step(model, x, expected_keys, batch_size=16):
    """One epoch over a tiny batch gives finite losses under the expected log keys."""
    history = model.fit(x, epochs=1, batch_size=batch_size, verbose=0)
    assert set(history.history) == set(expected_keys)
    for key in expected_keys:
        assert np.isfinite(history.history[key][-1]), key
    return history
