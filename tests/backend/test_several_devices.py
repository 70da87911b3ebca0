"""Training on 2 devices gives one device's results for the same global batch.

TensorFlow: `tf.distribute.MirroredStrategy` over 2 logical CPUs, with the models'
custom train steps (the GAN's two optimizers included). JAX:
`keras.distribution.DataParallel` over 2 host devices
(`XLA_FLAGS=--xla_force_host_platform_device_count=2`). Each runs in its own process,
since the device count is fixed when the runtime starts; the TensorFlow test runs in
the default (tensorflow) job, the JAX one in the jax job.
"""

import keras
import pytest

from tests.backend.processes import run_worker

BACKEND = keras.backend.backend()


@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, in the tensorflow job")
def test_mirrored_strategy_matches_one_device(tmp_path):
    report = run_worker("mirrored", tmp_path)
    assert report["replicas"] == 2
    for name in ("autoencoder", "fixed_noise_gan"):
        assert report[name]["loss_rel"] < 1e-5, report
        assert report[name]["weights_abs"] < 1e-6, report
    assert "discriminator_loss" in report["fixed_noise_gan"]["keys"]


@pytest.mark.skipif(BACKEND != "jax", reason="runs in the jax job")
def test_jax_data_parallel_matches_one_device(tmp_path):
    pytest.importorskip("jax")
    report = run_worker(
        "data_parallel", tmp_path, backend="jax",
        env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
    )
    assert report["devices"] == 2
    for name in ("vae", "gan"):
        assert report[f"{name}_variable_devices"] == 2, report  # replicated on both
        assert report[name]["loss_rel"] < 1e-5, report
        assert report[name]["weights_abs"] < 1e-6, report
