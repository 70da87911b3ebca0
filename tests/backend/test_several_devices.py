"""Training on 2 devices gives one device's results for the same global batch.

TensorFlow: `tf.distribute.MirroredStrategy` over 2 logical CPUs, with the models'
custom train steps (the GAN's two optimizers included). JAX:
`keras.distribution.DataParallel` over 2 host devices
(`XLA_FLAGS=--xla_force_host_platform_device_count=2`). Each runs in its own process,
since the device count is fixed when the runtime starts; the TensorFlow test runs in
the default (tensorflow) job, the JAX one in the jax job.
"""

import os

import keras
import pytest

from tests import readme_blocks
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


@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, in the tensorflow job")
@pytest.mark.parametrize("recipe", [
    "dcgan",  # the block as written
    # Slow (minutes on 2 cores): the block's "or vae" line. Default-run coverage of a
    # one-optimizer train step under MirroredStrategy: test_mirrored_strategy_matches_one_device
    # (its autoencoder), and of the block itself: the dcgan case above.
    pytest.param("vae", marks=pytest.mark.slow),
])
def test_readme_mirrored_strategy_example_trains_the_recipe(recipe, tmp_path):
    """The README's MirroredStrategy block as written (its recipe and batch size 256), on 2
    logical CPUs, with mnist5k cut to 512 rows and one epoch (KERASGEN_SHRINK)."""
    code = readme_blocks.strategy_example(recipe, 'tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])')
    result = readme_blocks.run("python", code, tmp_path, prelude=readme_blocks.TWO_LOGICAL_CPUS, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
    report = readme_blocks.report_of(result.stdout)
    assert report["replicas"] == 2 and report["recipe"] == recipe, report
    assert report["rows"] == readme_blocks.ROWS
    assert report["iterations"] == readme_blocks.ROWS // 256  # global batches of 256: 2 steps
    import kerasgen  # noqa: F401  (registers the classes the file names)

    model = keras.saving.load_model(os.path.join(tmp_path, "model.keras"), safe_mode=True)
    assert type(model).__name__ == {"dcgan": "GAN", "vae": "VAE"}[recipe]


@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, in the tensorflow job")
def test_one_device_keeps_the_recipes_steps_per_execution():
    import tensorflow as tf

    import kerasgen

    assert kerasgen.recipes.get("dcgan").build((28, 28, 1)).steps_per_execution == 8
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():  # one replica: Keras's loop works
        assert kerasgen.recipes.get("vae").build((28, 28, 1)).steps_per_execution == 8


@pytest.mark.skipif(BACKEND != "jax", reason="runs in the jax job")
def test_readme_jax_data_parallel_example_trains_the_recipe(tmp_path):
    """The README's JAX block as written, on 2 host devices, at KERASGEN_SHRINK sizes."""
    pytest.importorskip("jax")
    code = readme_blocks.block("README.md", "keras.distribution.DataParallel()").code + (
        "\nimport jax, json\n"
        "print('REPORT', json.dumps({'devices': len(jax.devices()), 'rows': len(x),"
        " 'iterations': int(model.optimizer.iterations.numpy()),"
        " 'variable_devices': len(model.trainable_variables[0].value.sharding.device_set)}))\n")
    env = readme_blocks.environment({"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    result = readme_blocks.run("python", code, tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
    report = readme_blocks.report_of(result.stdout)
    assert report["devices"] == 2 and report["variable_devices"] == 2, report
    assert report["iterations"] == readme_blocks.ROWS // 256, report  # global batches of 256
