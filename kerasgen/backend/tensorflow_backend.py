"""TensorFlow: a `GradientTape` per update."""

import tensorflow as tf


def minimize(loss_fn, variables, optimizer):
    with tf.GradientTape() as tape:
        loss, logs = loss_fn()
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return logs


def gradients(scalar_fn, tensor):
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        value = scalar_fn(tensor)
    return tape.gradient(value, tensor)
