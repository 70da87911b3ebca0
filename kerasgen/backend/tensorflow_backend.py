"""TensorFlow: a `GradientTape` per update."""

import tensorflow as tf


def _replica_mean(loss):
    # Under a tf.distribute strategy each replica sees its slice of the global batch and
    # the optimizer sums the replicas' gradients: scale so that the sum is the gradient
    # of the global-batch mean (as Keras does for compiled losses).
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / tf.cast(replicas, loss.dtype) if replicas > 1 else loss


def minimize(loss_fn, variables, optimizer):
    with tf.GradientTape() as tape:
        loss, logs = loss_fn()
        loss = _replica_mean(loss)
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return logs


def forward(fn, variables):
    tape = tf.GradientTape()
    with tape:
        output = fn()
    return output, (tape, output, variables)


def minimize_through(pass_, loss_fn, optimizer):
    tape, output, variables = pass_
    # Recording resumes on the forward pass's tape: what ran in between (other players'
    # updates) is not on it.
    with tape:
        loss, logs = loss_fn(output)
        loss = _replica_mean(loss)
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return logs


def gradients(scalar_fn, tensor):
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        value = scalar_fn(tensor)
    return tape.gradient(value, tensor)
