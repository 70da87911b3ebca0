"""SPADE trains under the active Keras backend (the jax and torch CI jobs run
`KERAS_BACKEND=jax python -m pytest tests/backend -q`; TensorFlow is covered by
tests/models/test_spade.py)."""

import os

import keras
import numpy as np
import pytest

from tests.models.gan_checks import changed, snapshot
from tests.models.spade_checks import tiny_data, tiny_spade

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "tensorflow", reason="tests/models/test_spade.py covers TensorFlow"
)


def test_spade_fit_trains_all_three_networks_and_reloads(tmp_path):
    model = tiny_spade()
    x, maps = tiny_data()
    before = {name: snapshot(getattr(model, name)) for name in ("generator", "encoder", "discriminator")}
    history = model.fit(x, maps, epochs=1, batch_size=4, verbose=0)
    assert set(history.history) == set(model.metric_names)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    for name, old in before.items():
        assert changed(old, getattr(model, name)), f"{name} did not update"
    assert int(keras.ops.convert_to_numpy(model.generator_optimizer.iterations)) == 2
    assert keras.ops.convert_to_numpy(model.seed_generator.state)[1] > 0

    path = os.path.join(tmp_path, "spade.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        loaded.sample(2, seed=0, label_maps=maps[:2]), model.sample(2, seed=0, label_maps=maps[:2]), atol=1e-6
    )
    assert int(keras.ops.convert_to_numpy(loaded.generator_optimizer.iterations)) == 2  # optimizers restored
