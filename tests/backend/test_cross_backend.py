"""One training step from identical weights and data gives the same losses and weights
under JAX or torch as under TensorFlow, and the files each backend saves load on the
other and export to ONNX through TensorFlow.

Runs in the jax and torch CI jobs (`KERAS_BACKEND=jax python -m pytest tests/backend`):
this process trains under that backend, a TensorFlow worker process trains the
reference and loads this process's files. What is compared:
- Autoencoder and FixedNoiseGAN (GAN's algorithm with z a fixed function of each real
  example): every logged loss of two steps, and the weights after them.
- VAE: only the first step's KL term. Its reconstruction term and everything after the
  first update depend on the reparameterization noise, which each backend's RNG draws
  differently from the same seed.
"""

import json
import os

import keras
import numpy as np
import pytest

from tests.backend import worker
from tests.backend.processes import run_worker

BACKEND = keras.backend.backend()
pytestmark = pytest.mark.skipif(
    BACKEND == "tensorflow", reason="compares jax/torch against TensorFlow; runs in those jobs"
)
LOSS_RTOL = 1e-5
WEIGHTS_ATOL = 1e-6


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cross_backend")
    ours, reference = root / BACKEND, root / "tensorflow"
    models = {name: worker.train_two_steps(name, ours) for name in worker.COMPARED}
    report = run_worker("reference", reference, ours)
    return models, ours, reference, report


def logs(directory, name):
    with open(os.path.join(directory, f"{name}_logs.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("name", ["autoencoder", "fixed_noise_gan"])
def test_two_steps_give_tensorflows_losses_and_weights(runs, name):
    _, ours, reference, _ = runs
    expected, actual = logs(reference, name), logs(ours, name)
    for step_expected, step_actual in zip(expected, actual):
        assert set(step_actual) == set(step_expected)
        for key, value in step_expected.items():
            assert step_actual[key] == pytest.approx(value, rel=LOSS_RTOL), (name, key)
    expected = np.load(os.path.join(reference, f"{name}_weights.npz"))
    actual = np.load(os.path.join(ours, f"{name}_weights.npz"))
    assert len(expected.files) == len(actual.files) > 0
    for key in expected.files:
        np.testing.assert_allclose(actual[key], expected[key], rtol=0, atol=WEIGHTS_ATOL, err_msg=key)
    # The update moved the weights by far more than the tolerance.
    initial = worker.build(name)[0]
    from tests.backend.tiny_models import set_numpy_weights

    set_numpy_weights(initial, seed=0)
    moved = max(np.max(np.abs(a - b)) for a, b in zip(worker.to_numpy(initial.trainable_variables), actual.values()))
    assert moved > 100 * WEIGHTS_ATOL


def test_vae_first_step_kl_term_matches_tensorflow(runs):
    _, ours, reference, _ = runs
    expected, actual = logs(reference, "vae")[0], logs(ours, "vae")[0]
    assert actual["kl_loss"] == pytest.approx(expected["kl_loss"], rel=LOSS_RTOL)
    assert np.isfinite(actual["reconstruction_loss"])


@pytest.mark.parametrize("name", worker.COMPARED)
def test_files_saved_here_load_under_tensorflow(runs, name):
    report = runs[3][name]
    assert report["keras_file"] < 1e-6 and report["weights_file"] < 1e-6, report
    assert report["iterations"] == 2  # optimizer state came along


@pytest.mark.parametrize("name", worker.EXPORTED)
def test_files_saved_here_export_to_onnx_through_tensorflow(runs, name):
    report = runs[3][name]
    assert report["onnx_parity"] <= 1e-5, report  # to_onnx's own Keras-vs-ONNX check
    assert report["onnx_vs_other"] < 1e-5, report  # ONNX runtime vs this backend's outputs


@pytest.mark.parametrize("name", worker.COMPARED)
def test_files_saved_by_tensorflow_load_here(runs, name):
    _, _, reference, _ = runs
    expected = np.load(os.path.join(reference, f"{name}_samples.npy"))
    loaded = keras.saving.load_model(os.path.join(reference, f"{name}.keras"), safe_mode=True)
    np.testing.assert_allclose(worker.samples(loaded), expected, rtol=0, atol=1e-6)
    assert int(keras.ops.convert_to_numpy(loaded.optimizer.iterations)) == 2
