"""TensorFlow: a `GradientTape` per update."""

import contextlib
import json
import os
import re

import numpy as np
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


def steps_per_execution(model, requested):
    # Keras's multi-step loop (a tf.while_loop over `get_next_as_optional`) cannot run a
    # distributed iterator over several replicas; one replica (one device, or a
    # one-device MirroredStrategy) runs it fine.
    return 1 if model.distribute_strategy.num_replicas_in_sync > 1 else requested


def _multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and getattr(
        strategy.extended, "_in_multi_worker_mode", lambda: False)()


@contextlib.contextmanager
def worker_failures(model, checkpoint_directory=None):
    # TensorFlow's health check aborts every collective once a peer stops sending
    # heartbeats; the aborted context cannot run another step ("Restart your program to
    # reset"), so the process stops, with one line instead of a collective-op traceback.
    try:
        yield
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.CancelledError) as error:
        if not _multi_worker(model.distribute_strategy):
            raise
        tasks = sorted(set(re.findall(r"/job:\w+/replica:\d+/task:\d+", error.message or "")))
        tasks = [task for task in tasks if not task.endswith(_own_task())]
        who = ", ".join(tasks) if tasks else "another worker"
        raise SystemExit(f"kerasgen: training stopped: {who} of this multi-worker run stopped "
                         f"({type(error).__name__}); {_checkpoint_note(checkpoint_directory)}") from None


def _own_task():
    config = json.loads(os.environ.get("TF_CONFIG") or "{}").get("task") or {}
    return f"/task:{config.get('index', 0)}" if config.get("type") == "worker" else "/task:-"


def _checkpoint_note(directory):
    # Imported here: kerasgen.callbacks imports kerasgen.backend (a circle at the top).
    from kerasgen.callbacks.epoch_checkpoint import read_state

    state = read_state(directory) if directory else None
    if not state:
        return "no checkpoint was committed"
    path = os.path.join(directory, state["file"])
    return (f"the last checkpoint, {path} (epoch {state['epoch']}), is intact: start every worker "
            f"again to continue from it")


# `fit` on in-memory arrays ----------------------------------------------------------

# Keras's array pipeline leaves tf.data autotuning on, and Keras starts a new iterator
# every epoch. Deleting the old one waits for its autotuning thread, which sleeps up to
# 10 s between rounds without waking when the iterator goes away (TensorFlow 2.21 on
# CPU: 0-10 s lost at every epoch boundary, as long as a whole mnist5k epoch of a DCGAN
# on 2 cores). The pipeline below has nothing to tune, so it runs without autotuning.
_LEFT_TO_KERAS = ("sample_weight", "class_weight", "steps_per_epoch")  # and a validation_split > 0


def array_dataset(arrays, batch_size, shuffle):
    """Batches of `arrays` (a tuple of equal-length arrays), as Keras batches them.

    Elements are a batch of the one array, or a tuple with a batch of each. Every
    example once per epoch, in a fresh order each epoch if `shuffle`; the last
    batch may be smaller. Indices are shuffled and the arrays gathered per batch, so the
    data is neither copied into a shuffle buffer nor embedded in the dataset's graph.
    """
    indices = tf.data.Dataset.range(len(arrays[0]))
    if shuffle:
        indices = indices.shuffle(len(arrays[0]), reshuffle_each_iteration=True)
    data = tf.data.Dataset.from_tensors(tuple(tf.convert_to_tensor(a) for a in arrays)).repeat()
    dataset = tf.data.Dataset.zip((indices.batch(batch_size), data))

    def gather(index, arrays):
        batch = tuple(tf.gather(a, index) for a in arrays)
        return batch[0] if len(batch) == 1 else batch  # Keras's element structure

    dataset = dataset.map(gather).prefetch(2)
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def fit_arrays(x, y, kwargs):
    """`fit`'s `(x, y, kwargs)` with NumPy inputs as an `array_dataset` where Keras's
    arguments allow; anything else (sample weights, validation splits, a fixed number of
    steps, batch-wise shuffling) goes to Keras unchanged."""
    if (
        any(kwargs.get(name) is not None for name in _LEFT_TO_KERAS)
        or kwargs.get("validation_split")
        or not isinstance(kwargs.get("shuffle", True), bool)
        or not (y is None or isinstance(y, np.ndarray))
    ):
        return x, y, kwargs
    kwargs = dict(kwargs)
    batch_size = kwargs.pop("batch_size", None) or 32
    shuffle = kwargs.pop("shuffle", True)
    validation = kwargs.get("validation_data")
    if isinstance(validation, np.ndarray):
        validation = (validation,)
    if isinstance(validation, tuple) and validation and all(isinstance(a, np.ndarray) for a in validation):
        validation_batch_size = kwargs.pop("validation_batch_size", None) or batch_size
        kwargs["validation_data"] = array_dataset(validation, validation_batch_size, shuffle=False)
    arrays = (x,) if y is None else (x, y)
    kwargs["shuffle"] = False  # the dataset shuffles; Keras warns if asked to as well
    return array_dataset(arrays, batch_size, shuffle), None, kwargs


def epoch_dataset(batches):
    """`batches` (a `kerasgen.data.ShuffledBatches` that only gathers rows) as a
    `tf.data` pipeline with the same batches: batch `i` of an epoch is
    `batches[i]`, gathered in the graph from the order `batches.order()` holds when
    the epoch's iterator starts (one Python call per epoch, none per batch). Keras
    starts an iterator per epoch after `on_epoch_begin`, where `EpochSync` sets
    `batches.epoch`. No autotuning (see above), so no wait at the epoch boundary."""
    arrays = tuple(tf.convert_to_tensor(a) for a in batches.arrays)
    count = len(batches.arrays[0])

    def current_order(_):
        order = tf.py_function(lambda: np.asarray(batches.order(), "int64"), [], tf.int64)
        order.set_shape([count])
        return order

    def gather(rows, arrays):
        batch = tuple(tf.gather(a, rows) for a in arrays)
        return batch[0] if len(batch) == 1 else batch  # the PyDataset's element structure

    rows = tf.data.Dataset.from_tensors(0).map(current_order).flat_map(
        lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batches.batch_size))
    data = tf.data.Dataset.from_tensors(arrays).repeat()
    dataset = tf.data.Dataset.zip((rows, data)).map(gather).prefetch(2)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(batches)))
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def is_chief():
    # TensorFlow's multi-worker guide: the "chief" task, else worker 0, writes files.
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    cluster, task = config.get("cluster") or {}, config.get("task") or {}
    if not cluster or not task:
        return True
    if task.get("type") == "chief":
        return True
    return "chief" not in cluster and task.get("type") == "worker" and int(task.get("index", 0)) == 0


def step_logs(logs):
    # Keras (3.15) reduces a multi-worker step's outputs with
    # `strategy.reduce("MEAN", value, axis=0)`, which fails on the scalars every step
    # returns ("Invalid reduction dimension 0 for input with 0 dimensions"). Giving each
    # replica's value one axis makes that reduction the mean over the replicas, a scalar.
    if not _multi_worker(tf.distribute.get_strategy()):
        return logs
    return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
