"""One process of the several-process tests (started by test_multi_process.py).

    TF_CONFIG=... KERAS_BACKEND=tensorflow python -m tests.backend.multi_process tensorflow OUT
    KERAS_BACKEND=jax python -m tests.backend.multi_process jax OUT ADDRESS PROCESS_ID
    python -m tests.backend.multi_process single OUT     # one process, the reference

Every process trains the same tiny models from NumPy-seeded weights on the same global
batches with `kerasgen.callbacks.EpochCheckpoint` (and, for image models,
`kerasgen.callbacks.ImageGrid`) writing into OUT, and writes
`OUT/report.json`: its weights and history per model, whether it is the chief, and
which files it found in OUT afterwards.
"""

import json
import os
import sys

import keras
import numpy as np

from tests.backend import tiny_models

EPOCHS = 2
BATCH_SIZE = tiny_models.BATCH_SIZE  # the global batch (8 of the 16 examples): 2 steps an epoch
# name -> (builder, data kind). TensorFlow's strategies repeat the training noise on
# every replica, so there the one-process comparison needs noise that is a function of
# the example (the fixed-noise twins); the real models are compared under JAX, and
# checked for sync under TensorFlow.
MODELS = {
    "fixed_noise_vae": (tiny_models.fixed_noise_vae, "images"),
    "fixed_noise_gan": (tiny_models.fixed_noise_gan, "points"),
    "vae": (lambda: tiny_models.build("vae")[0], "images"),
    "gan": (lambda: tiny_models.build("gan")[0], "points"),
}


def weights_of(model):
    return [np.asarray(keras.ops.convert_to_numpy(v)).tolist() for v in model.trainable_variables]


def train(name, out, scope=None, shard=None):
    """Fits `name` for EPOCHS epochs; `shard(x) -> x or dataset` feeds this process's part."""
    from kerasgen.callbacks import ImageGrid
    from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint

    builder, kind = MODELS[name]
    with scope or _null():
        model = builder()
        tiny_models.set_numpy_weights(model, seed=0)
    (x,) = tiny_models.data(kind)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)  # as `kerasgen fit` makes its run folder
    callbacks = [EpochCheckpoint(folder)]
    if kind == "images":  # sample grids: every process samples, the chief alone writes
        callbacks.append(ImageGrid(os.path.join(folder, "samples"), num_images=4, seed=0))
    inputs, batch_size = (x, BATCH_SIZE) if shard is None else shard(x)
    history = model.fit(inputs, batch_size=batch_size, epochs=EPOCHS, shuffle=False, verbose=0,
                        callbacks=callbacks)
    from kerasgen import backend

    backend.save_on_chief(model, os.path.join(folder, "model.keras"))  # every process calls it
    return {"history": history.history, "weights": weights_of(model),
            "files": sorted(os.path.relpath(os.path.join(root, name), folder)
                            for root, _, names in os.walk(folder) for name in names
                            if name != ".kerasgen-files.json")}  # kerasgen's record of its files


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def tensorflow_workers(out):
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    report = {"replicas": strategy.num_replicas_in_sync}
    for name in MODELS:
        report[name] = train(name, out, scope=strategy.scope())
    return report


def jax_processes(out, address, process_id):
    import jax

    keras.distribution.initialize(address, num_processes=2, process_id=int(process_id))
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
    report = {"devices": len(jax.devices()), "processes": jax.process_count()}

    def shard(x):
        # The global batches as a tf.data pipeline: Keras's DataParallel shards it, each
        # process feeding its part of every global batch (the README's way).
        import tensorflow as tf

        return tf.data.Dataset.from_tensor_slices(x).batch(BATCH_SIZE), None

    for name in ("vae", "gan"):
        report[name] = train(name, out, shard=shard)
    return report


def single(out, names):
    return {name: train(name, out) for name in names}


def main(argv):
    task, out = argv[0], argv[1]
    os.makedirs(out, exist_ok=True)
    from kerasgen import backend

    if task == "tensorflow":
        report = tensorflow_workers(out)
    elif task == "jax":
        report = jax_processes(out, *argv[2:4])
    elif task == "single":
        report = single(out, argv[2].split(","))
    else:
        raise ValueError(f"task must be tensorflow, jax or single, got {task!r}")
    report.update(backend=keras.backend.backend(), chief=backend.is_chief())
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main(sys.argv[1:])
