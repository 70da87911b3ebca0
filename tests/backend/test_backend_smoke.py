"""Every model trains under the active Keras backend: the jax and torch CI jobs run

    KERAS_BACKEND=jax python -m pytest tests/backend -q

(the models' own tests already train every model under TensorFlow, the default job).
"""

import keras
import numpy as np
import pytest

from tests.backend import tiny_models
from tests.models.gan_checks import changed, check_only_trained_players_change, snapshot

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "tensorflow", reason="the models' own tests cover TensorFlow"
)


def numpy_values(variables):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


@pytest.mark.parametrize("name", list(tiny_models.MODELS))
def test_one_fit_epoch_trains_every_player(name):
    model, inputs = tiny_models.build(name)
    players = tiny_models.players(name) or {"optimizer": None}
    networks = {optimizer: getattr(model, attribute) if attribute else model for optimizer, attribute in players.items()}
    before = {optimizer: snapshot(network) for optimizer, network in networks.items()}
    statistics = [v for v in model.non_trainable_variables if "moving_" in v.path]
    statistics_before = numpy_values(statistics)

    history = model.fit(*inputs, epochs=1, batch_size=tiny_models.BATCH_SIZE, verbose=0)
    assert set(history.history) == set(model.metric_names)
    assert all(np.isfinite(values[-1]) for values in history.history.values()), history.history

    steps = len(inputs[0]) // tiny_models.BATCH_SIZE
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == steps
    for optimizer, network in networks.items():
        assert changed(before[optimizer], network), f"{name}: {optimizer} did not update its network"
    # The noise state and batch-norm statistics (updated inside a loss function) moved
    # on: JAX returns them through the functional state.
    if hasattr(model, "seed_generator"):
        assert keras.ops.convert_to_numpy(model.seed_generator.state)[1] > 0
    for variable, old, new in zip(statistics, statistics_before, numpy_values(statistics)):
        assert not np.array_equal(old, new), variable.path


@pytest.mark.parametrize("name", ["gan", "vae_gan"])
def test_each_update_changes_only_its_players_network(name):
    _, inputs = tiny_models.build(name)
    check_only_trained_players_change(
        lambda rates: tiny_models.build(name, rates)[0], inputs, tiny_models.players(name)
    )


def test_train_on_batch_and_evaluate_carry_the_state_between_calls():
    model, (x,) = tiny_models.build("vae")
    before = snapshot(model)
    for _ in range(2):
        logs = model.train_on_batch(x, return_dict=True)
    assert set(logs) == set(model.metric_names)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2
    assert changed(before, model)
    # One noise draw per step: the seed state advanced once per call, not reset.
    assert keras.ops.convert_to_numpy(model.seed_generator.state)[1] == 2
    logs = model.evaluate(x, batch_size=tiny_models.BATCH_SIZE, verbose=0, return_dict=True)
    assert all(np.isfinite(list(logs.values())))
    assert keras.ops.convert_to_numpy(model.seed_generator.state)[1] == 2 + len(x) // tiny_models.BATCH_SIZE


def test_sequence_vae_samples_strings_and_saves_under_this_backend(tmp_path):
    model, (ids,) = tiny_models.build("sequence_vae")
    model.fit(ids, epochs=1, batch_size=tiny_models.BATCH_SIZE, verbose=0)
    samples = model.sample(5, seed=0, temperature=1.0)
    assert len(samples) == 5 and set("".join(samples)) <= set("abcde")
    assert model.sample(5, seed=0, temperature=1.0) == samples
    path = str(tmp_path / "sequence_vae.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.sample(5, seed=0, temperature=1.0) == samples
    assert loaded.interpolate("ab", "cde", steps=3)[0] == model.reconstruct(["ab"])[0]
