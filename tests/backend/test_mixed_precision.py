"""Mixed precision under the active Keras backend (the jax and torch CI jobs run
`KERAS_BACKEND=jax python -m pytest tests/backend -q`; TensorFlow is covered, family by
family, by tests/test_precision.py). Kept tiny: XLA compiles every step on CPU."""

import keras
import numpy as np
import pytest

from kerasgen import precision
from tests.backend import tiny_models

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "tensorflow", reason="tests/test_precision.py covers TensorFlow"
)


def value(variable):
    return keras.ops.convert_to_numpy(variable)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name", ["vae", "wgan_gp"])
def test_trains_with_finite_losses_and_reloads(name, policy, tmp_path):
    with precision.dtype_policy(policy):
        model, inputs = tiny_models.build(name)
    history = model.fit(*inputs, epochs=1, batch_size=8, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values()), history.history
    optimizer = getattr(model, "generator_optimizer", model.optimizer)
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == (policy == "mixed_float16")
    assert int(value(optimizer.iterations)) >= 1
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert precision.policy_of(loaded) == policy
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(value(a), value(b))


def test_an_overflowing_float16_step_is_skipped_inside_the_train_step():
    with precision.dtype_policy("mixed_float16"):
        model, inputs = tiny_models.build("vae")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.dynamic_scale.assign(2.0**40)  # float16 gradients overflow
    weights = [np.array(w) for w in model.get_weights()]
    model.train_on_batch(inputs[0][:8])
    assert float(value(model.optimizer.dynamic_scale)) == 2.0**39
    assert int(value(model.optimizer.iterations)) == 0
    for old, new in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(old, new)
