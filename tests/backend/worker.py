"""One backend's side of the cross-backend and several-device tests, in its own process
(a Keras backend, and TensorFlow's or XLA's device count, are fixed at start-up).

    KERAS_BACKEND=tensorflow python -m tests.backend.worker reference OUT OTHER
    KERAS_BACKEND=tensorflow python -m tests.backend.worker mirrored OUT
    KERAS_BACKEND=jax XLA_FLAGS=--xla_force_host_platform_device_count=2 \\
        python -m tests.backend.worker data_parallel OUT

Each writes `OUT/report.json`; the tests assert on it.
"""

import json
import os
import sys

import keras
import kerasgen_runtime
import numpy as np

from kerasgen_runtime.latents import draw_latents
from tests.backend import tiny_models

# Compared across backends: deterministic steps (the VAE only up to its noise, see
# test_cross_backend.py).
COMPARED = ("autoencoder", "vae", "fixed_noise_gan")
EXPORTED = ("vae", "fixed_noise_gan")


def build(name):
    if name == "fixed_noise_gan":
        return tiny_models.fixed_noise_gan(), tiny_models.data("points")
    return tiny_models.build(name)


def to_numpy(values):
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in values]


def samples(model):
    z = draw_latents(8, model.latent_dim, seed=0)
    return keras.ops.convert_to_numpy(model.sampling_network()(z, training=False))


def train_two_steps(name, directory):
    """Two `train_on_batch` steps from NumPy-seeded weights; saves the results."""
    model, inputs = build(name)
    tiny_models.set_numpy_weights(model, seed=0)
    logs = [
        {key: float(value) for key, value in model.train_on_batch(*inputs, return_dict=True).items()}
        for _ in range(2)
    ]
    os.makedirs(directory, exist_ok=True)
    model.save(os.path.join(directory, f"{name}.keras"))
    model.save_weights(os.path.join(directory, f"{name}.weights.h5"))
    np.savez(os.path.join(directory, f"{name}_weights.npz"), *to_numpy(model.trainable_variables))
    np.save(os.path.join(directory, f"{name}_samples.npy"), samples(model))
    with open(os.path.join(directory, f"{name}_logs.json"), "w") as f:
        json.dump(logs, f)
    return model


def load_other(name, other):
    """Loads `other`'s `.keras` and `.weights.h5` files; max |diff| of their samples."""
    expected = np.load(os.path.join(other, f"{name}_samples.npy"))
    loaded = keras.saving.load_model(os.path.join(other, f"{name}.keras"), safe_mode=True)
    fresh, _ = build(name)
    fresh.load_weights(os.path.join(other, f"{name}.weights.h5"))
    return loaded, {
        "keras_file": float(np.max(np.abs(samples(loaded) - expected))),
        "weights_file": float(np.max(np.abs(samples(fresh) - expected))),
        "iterations": int(keras.ops.convert_to_numpy(loaded.optimizer.iterations)),
    }


def reference(out, other):
    """TensorFlow: the reference steps, and loading + exporting the other backend's files."""
    from kerasgen import export

    report = {}
    for name in COMPARED:
        train_two_steps(name, out)
        loaded, report[name] = load_other(name, other)
        if name in EXPORTED:
            onnx = export.to_onnx(loaded, os.path.join(out, f"{name}_from_other.onnx"))
            sampler = kerasgen_runtime.Sampler(onnx["path"])
            expected = np.load(os.path.join(other, f"{name}_samples.npy"))
            runtime = sampler.sample(8, seed=0)
            report[name]["onnx_parity"] = max(onnx["max_abs_diff"].values())
            report[name]["onnx_vs_other"] = float(np.max(np.abs(runtime - expected)))
    return report


def fit_and_record(name, scope=None):
    model, inputs = build(name)
    tiny_models.set_numpy_weights(model, seed=0)
    history = model.fit(*inputs, batch_size=tiny_models.BATCH_SIZE, epochs=2, shuffle=False, verbose=0)
    return model, {
        "history": history.history,
        "weights": [w.tolist() for w in to_numpy(model.trainable_variables)],
    }


def compare(single, several):
    """Largest relative difference of the logged losses and largest weight difference."""
    loss = max(
        abs(a - b) / max(abs(a), 1e-6)
        for key in single["history"]
        for a, b in zip(single["history"][key], several["history"][key])
    )
    weights = max(
        float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
        for a, b in zip(single["weights"], several["weights"])
    )
    return {"loss_rel": loss, "weights_abs": weights, "keys": sorted(several["history"])}


def mirrored(out):
    """TensorFlow MirroredStrategy over 2 logical CPUs against one device."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    report = {"replicas": strategy.num_replicas_in_sync}
    # The AE is deterministic; the GAN's noise is a function of each example, so the
    # two replicas see the same z as one device does (GAN draws z per replica).
    for name in ("autoencoder", "fixed_noise_gan"):
        _, single = fit_and_record(name)
        with strategy.scope():
            _, several = fit_and_record(name)
        report[name] = compare(single, several)
    return report


def data_parallel(out):
    """JAX keras.distribution.DataParallel over 2 host devices against one device."""
    import jax

    devices = jax.devices()
    report = {"devices": len(devices)}
    # Noise is drawn for the whole global batch either way, so the real models compare.
    for name in ("vae", "gan"):
        _, single = fit_and_record(name)
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        try:
            model, several = fit_and_record(name)
            sharding = model.trainable_variables[0].value.sharding
            report[f"{name}_variable_devices"] = len(sharding.device_set)
        finally:
            keras.distribution.set_distribution(None)
        report[name] = compare(single, several)
    return report


def main(argv):
    task, out = argv[0], argv[1]
    os.makedirs(out, exist_ok=True)
    if task == "reference":
        report = reference(out, argv[2])
    elif task == "mirrored":
        report = mirrored(out)
    elif task == "data_parallel":
        report = data_parallel(out)
    else:
        raise ValueError(f"task must be reference, mirrored or data_parallel, got {task!r}")
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump({"backend": keras.backend.backend(), **report}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
