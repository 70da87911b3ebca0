"""A JointOptimizer player may hold several networks: one optimizer updates them all."""

import keras
import numpy as np

from kerasgen.backend import JointOptimizer


def dense(units, name):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)], name=name)
    return model


def test_a_player_of_two_networks_routes_both_to_its_optimizer():
    first, second, other = dense(2, "first"), dense(2, "second"), dense(1, "other")
    together, alone = keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)
    joint = JointOptimizer([(together, [first, second]), (alone, other)])
    # Each optimizer's state holds its own networks' variables (SGD: the iteration count and
    # the learning rate, built for the variables it updates).
    variables = first.trainable_variables + second.trainable_variables + other.trainable_variables
    before = [np.array(v) for v in variables]
    joint.apply([keras.ops.ones_like(v) for v in variables], variables)
    for old, variable in zip(before, variables):
        np.testing.assert_allclose(np.array(variable), old - 0.1, rtol=1e-6)
    assert int(joint.iterations) == int(together.iterations) == 1


def test_one_optimizer_keeps_the_state_of_all_its_networks():
    first, second, other = dense(2, "first"), dense(2, "second"), dense(1, "other")
    together, alone = keras.optimizers.Adam(), keras.optimizers.Adam()
    JointOptimizer([(together, (first, second)), (alone, other)])
    # Adam: two moments per variable (and its iteration count and learning rate).
    moments = [v for v in together.variables if v.name not in ("iteration", "learning_rate")]
    assert len(moments) == 2 * len(first.trainable_variables + second.trainable_variables)
    assert len([v for v in alone.variables if v.name not in ("iteration", "learning_rate")]) == 4
