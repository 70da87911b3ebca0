"""TensorFlow: a `GradientTape` per update."""

import tensorflow as tf


def minimize(loss_fn, variables, optimizer):
    with tf.GradientTape() as tape:
        loss, logs = loss_fn()
        # Under a tf.distribute strategy each replica sees its slice of the global batch
        # and the optimizer sums the replicas' gradients: scale so that the sum is the
        # gradient of the global-batch mean (as Keras does for compiled losses).
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss / tf.cast(replicas, loss.dtype)
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return logs


def gradients(scalar_fn, tensor):
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        value = scalar_fn(tensor)
    return tape.gradient(value, tensor)
