"""The backend package's contract under the active backend: `minimize`, `gradients`,
`JointOptimizer`, and the JAX state checks."""

import keras
import numpy as np
import pytest

from kerasgen import backend as kg_backend
from kerasgen import losses, models
from tests.backend import tiny_models

BACKEND = keras.backend.backend()


def test_gradients_of_a_scalar_function_of_a_tensor():
    x = keras.ops.convert_to_tensor(np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32"))
    grad = kg_backend.gradients(lambda t: keras.ops.sum(t**3), x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grad), 3 * keras.ops.convert_to_numpy(x) ** 2, rtol=1e-6)


@pytest.mark.skipif(BACKEND == "jax", reason="JAX updates only inside a model's train step")
def test_minimize_updates_only_the_given_variables():
    a, b = keras.Variable(1.0), keras.Variable(2.0)
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.build([a])
    logs = kg_backend.minimize(lambda: (a * a * b, {"value": a * a * b}), [a], optimizer)
    assert float(keras.ops.convert_to_numpy(logs["value"])) == pytest.approx(2.0)
    assert float(keras.ops.convert_to_numpy(a)) == pytest.approx(1.0 - 0.1 * 2 * 1.0 * 2.0)
    assert float(keras.ops.convert_to_numpy(b)) == 2.0


@pytest.mark.skipif(BACKEND != "jax", reason="JAX only")
def test_jax_minimize_outside_a_train_step_says_where_it_must_run():
    a = keras.Variable(1.0)
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.build([a])
    with pytest.raises(RuntimeError, match="inside a kerasgen model's train_step"):
        kg_backend.minimize(lambda: (a * a, {}), [a], optimizer)


class UncompiledOptimizerAutoencoder(models.Autoencoder):
    """Trains with an optimizer that is not reachable from `model.optimizer`."""

    def train_step(self, data):
        x = self.unpack_inputs(data)

        def loss_fn():
            loss = losses.mean_reconstruction_error(x, self(x, training=True))
            return loss, {"loss": loss}

        return self.record(self.minimize(loss_fn, self.trainable_variables, self.other_optimizer))


@pytest.mark.skipif(BACKEND != "jax", reason="JAX only")
def test_jax_refuses_updates_that_would_be_lost_outside_the_state():
    model = UncompiledOptimizerAutoencoder(*tiny_models.conv_pair())
    model.compile("adam")
    model.other_optimizer = keras.optimizers.Adam()
    model.other_optimizer.build(model.trainable_variables)
    (x,) = tiny_models.data("images")
    with pytest.raises(RuntimeError, match="not part of the model's JAX training state"):
        model.fit(x, epochs=1, batch_size=8, verbose=0)


def test_jit_compile_auto_is_chosen_per_backend():
    model, _ = tiny_models.build("autoencoder")
    assert model.jit_compile == (BACKEND == "jax")  # this machine has no GPU


def test_joint_optimizer_counts_the_first_players_steps_and_routes_each_variable():
    generator, discriminator = tiny_models.mlp_players()
    first, second = tiny_models.adam(), tiny_models.adam()
    joint = kg_backend.JointOptimizer([(first, generator), (second, discriminator)])
    assert joint.iterations is first.iterations
    assert first.built and second.built
    # Every player's slots (two Adam moments per weight) are in `joint.variables`,
    # which is what Keras puts in the JAX training state as `model.optimizer`'s.
    players = first.variables + second.variables
    assert [id(v) for v in joint.variables[-len(players):]] == [id(v) for v in players]
    weights = len(generator.trainable_variables) + len(discriminator.trainable_variables)
    assert len(players) >= 2 * weights


def test_joint_optimizer_rejects_a_shared_instance_and_unknown_variables():
    generator, discriminator = tiny_models.mlp_players()
    shared = tiny_models.adam()
    with pytest.raises(ValueError, match="own optimizer instance"):
        kg_backend.JointOptimizer([(shared, generator), (shared, discriminator)])
    joint = kg_backend.JointOptimizer([(tiny_models.adam(), generator)])
    stranger = keras.Variable(np.zeros((2,), "float32"), name="stranger")
    joint.built = False
    with pytest.raises(ValueError, match="belongs to none of the networks"):
        joint.build([stranger])


@pytest.mark.skipif(BACKEND == "tensorflow", reason="the recipes' own tests cover TensorFlow")
def test_recipes_train_under_jax_and_torch():
    from kerasgen import recipes

    model = recipes.get("vae").build((8, 8, 1), latent_dim=2, hidden_units=(8,))
    # torch's trainer runs one step per call; the others keep the recipe's setting.
    assert model.steps_per_execution == (1 if BACKEND == "torch" else 8)
    (x,) = tiny_models.data("images")
    history = model.fit(x, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 4


@pytest.mark.parametrize("discriminator_steps", [1, 2])
def test_a_shared_fake_batch_gives_the_updates_of_generating_it_again(discriminator_steps):
    """`forward` + `minimize_through` against a second generator pass.

    FixedNoiseGAN's z is a fixed function of the real batch, so both phases see the
    same z: differentiating through the discriminator phase's recorded generator pass
    must give exactly the generator update of running the generator again.
    """
    (x,) = tiny_models.data("points")
    runs = []
    for share in (False, True):
        model = tiny_models.FixedNoiseGAN(
            *tiny_models.mlp_players(), discriminator_steps=discriminator_steps, share_fake_batch=share, seed=0
        )
        model.compile(generator_optimizer=tiny_models.adam(), discriminator_optimizer=tiny_models.adam())
        tiny_models.set_numpy_weights(model, seed=0)
        initial = [keras.ops.convert_to_numpy(v) for v in model.generator.trainable_variables]
        logs = [model.train_on_batch(x[i : i + 8], return_dict=True) for i in (0, 8)]
        runs.append((logs, [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]))
    (fresh_logs, fresh_weights), (shared_logs, shared_weights) = runs
    for expected, actual in zip(fresh_logs, shared_logs):
        for key, value in expected.items():
            assert float(actual[key]) == pytest.approx(float(value), rel=1e-5), key
    for expected, actual in zip(fresh_weights, shared_weights):
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)
    moved = max(np.max(np.abs(a - b)) for a, b in zip(initial, shared_weights))
    assert moved > 1e-4  # the generator was trained
