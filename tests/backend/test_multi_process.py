"""Two real processes on 127.0.0.1 train like one process on the same global batch.

TensorFlow: `tf.distribute.MultiWorkerMirroredStrategy` with `TF_CONFIG` naming two
local ports (the tensorflow job). JAX: `keras.distribution.initialize` (which calls
`jax.distributed.initialize`) with two CPU processes and `DataParallel` over their two
devices (the jax job). Both processes must end with the same weights, equal to one
process's to float32 rounding; only the chief writes checkpoints, `.keras` files and
sample grids (`ImageGrid`), and the other process finishes without error.
"""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote

from tests.backend.processes import ROOT

BACKEND = keras.backend.backend()
TIMEOUT = 420


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start(args, backend, env=None):
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, environment.get("PYTHONPATH")]))
    if "TF_CONFIG" not in (env or {}):
        environment.pop("TF_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "tests.backend.multi_process", *map(str, args)],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(processes, outs):
    reports = []
    try:
        for process, out in zip(processes, outs):
            output, _ = process.communicate(timeout=TIMEOUT)
            assert process.returncode == 0, f"process for {out} failed:\n{output[-4000:]}"
            with open(os.path.join(out, "report.json")) as f:
                reports.append(json.load(f))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return reports


def difference(a, b):
    """Largest weight difference and largest relative difference of the logged losses."""
    weights = max(float(np.max(np.abs(np.asarray(x) - np.asarray(y))))
                  for x, y in zip(a["weights"], b["weights"]))
    loss = max(abs(x - y) / max(abs(x), 1e-6)
               for key in a["history"] for x, y in zip(a["history"][key], b["history"][key]))
    return weights, loss


def check_files(chief, other, name):
    grids = ["samples/epoch_001.png", "samples/epoch_002.png"] if name.endswith("vae") else []
    assert chief[name]["files"] == ["checkpoint-0001.keras", "checkpoint-0002.keras",
                                    "checkpoint.json", "model.keras", *grids], chief[name]["files"]
    assert other[name]["files"] == [], other  # wrote nothing (no checkpoint, no grid), did not crash


def check_checkpoint(out, name, expected_weights):
    import kerasgen  # noqa: F401  (registers the classes)
    from tests.backend import tiny_models  # noqa: F401  (registers the test classes)

    model = keras.saving.load_model(os.path.join(out, name, "model.keras"), safe_mode=True)
    weights = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
    for actual, expected in zip(weights, expected_weights):
        np.testing.assert_array_equal(actual, np.asarray(expected, dtype=actual.dtype))
    with open(os.path.join(out, name, "checkpoint.json")) as f:
        assert json.load(f)["epoch"] == 2


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, in the tensorflow job")
def test_tensorflow_multi_worker_matches_one_process(tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    outs = [tmp_path / "worker0", tmp_path / "worker1", tmp_path / "single"]
    processes = [
        start(["tensorflow", out], "tensorflow",
              {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
        for i, out in enumerate(outs[:2])
    ]
    processes.append(start(["single", outs[2], "fixed_noise_vae,fixed_noise_gan"], "tensorflow"))
    chief, other, single = finish(processes, outs)
    assert chief["replicas"] == other["replicas"] == 2
    assert (chief["chief"], other["chief"], single["chief"]) == (True, False, True)
    for name in ("fixed_noise_vae", "fixed_noise_gan", "vae", "gan"):
        weights, loss = difference(chief[name], other[name])
        assert weights == 0.0 and loss == 0.0, (name, weights, loss)  # in sync
        check_files(chief, other, name)
        check_checkpoint(outs[0], name, chief[name]["weights"])
    for name in ("fixed_noise_vae", "fixed_noise_gan"):
        weights, loss = difference(single[name], chief[name])
        assert weights < 1e-6 and loss < 1e-5, (name, weights, loss)
    assert "discriminator_loss" in chief["fixed_noise_gan"]["history"]
    assert "kl_loss" in chief["fixed_noise_vae"]["history"]


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "jax", reason="runs in the jax job")
def test_jax_two_processes_match_one_process(tmp_path):
    pytest.importorskip("jax")
    (port,) = free_ports(1)
    outs = [tmp_path / "process0", tmp_path / "process1", tmp_path / "single"]
    processes = [start(["jax", out, f"127.0.0.1:{port}", i], "jax") for i, out in enumerate(outs[:2])]
    processes.append(start(["single", outs[2], "vae,gan"], "jax"))
    chief, other, single = finish(processes, outs)
    assert chief["devices"] == other["devices"] == 2 and chief["processes"] == 2
    assert (chief["chief"], other["chief"]) == (True, False)
    for name in ("vae", "gan"):
        weights, loss = difference(chief[name], other[name])
        assert weights == 0.0 and loss == 0.0, (name, weights, loss)
        weights, loss = difference(single[name], chief[name])
        assert weights < 1e-6 and loss < 1e-5, (name, weights, loss)
        check_files(chief, other, name)
        check_checkpoint(outs[0], name, chief[name]["weights"])


def start_example(code, cwd, task_config, shrink=True):
    """`python -c code` in `cwd` as one worker of `task_config` (a TF_CONFIG dict), with
    the documentation's small sizes (tests/readme_blocks.py) if `shrink`."""
    from tests import readme_blocks

    os.makedirs(cwd, exist_ok=True)
    env = readme_blocks.environment({"TF_CONFIG": json.dumps(task_config), "KERAS_BACKEND": "tensorflow"})
    if not shrink:
        del env["KERASGEN_SHRINK"]
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def two_workers(code, folders, shrink=True):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    return [start_example(code, folder, {"cluster": cluster, "task": {"type": "worker", "index": i}}, shrink)
            for i, folder in enumerate(folders)]


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, in the tensorflow job")
@pytest.mark.parametrize("recipe", ["dcgan", "vae"])
def test_readme_multi_worker_example_trains_the_recipe(recipe, tmp_path):
    """The README's strategy example with `MultiWorkerMirroredStrategy()` in place of
    `MirroredStrategy()` (as the README says), two TF_CONFIG workers on 127.0.0.1,
    batch 256 on 512 mnist5k rows for one epoch (KERASGEN_SHRINK)."""
    from tests import readme_blocks

    code = readme_blocks.strategy_example(recipe, "tf.distribute.MultiWorkerMirroredStrategy()")
    folders = [tmp_path / "worker0", tmp_path / "worker1"]
    reports = []
    processes = two_workers(code, folders)
    try:
        for process in processes:
            output, _ = process.communicate(timeout=TIMEOUT)
            assert process.returncode == 0, output[-4000:]
            reports.append(readme_blocks.report_of(output))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for report in reports:
        assert report["replicas"] == 2 and report["recipe"] == recipe, report
        assert report["iterations"] == readme_blocks.ROWS // 256, report  # global batches of 256
    written = sorted(n for n in os.listdir(folders[0]) if n != MANIFEST)
    assert written == ["model.keras"]  # the chief writes (and records it in MANIFEST)
    assert os.listdir(folders[1]) == []  # worker 1 takes part in saving, writes nothing


# A run that a worker leaves: the recipe with EpochCheckpoint, many epochs.
LONG_RUN = """
import tensorflow as tf
import kerasgen

strategy = tf.distribute.MultiWorkerMirroredStrategy()
with strategy.scope():
    model = kerasgen.recipes.get("vae").build((28, 28, 1))
(x, _), _ = kerasgen.data.named_datasets.load("mnist5k")
model.fit(x[:512], epochs=1000, batch_size=256, verbose=0,
          callbacks=[kerasgen.callbacks.EpochCheckpoint(".")])
"""


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "tensorflow", reason="runs once, in the tensorflow job")
def test_a_dead_worker_stops_the_other_with_one_line_and_a_valid_checkpoint(tmp_path):
    import time

    from kerasgen.callbacks.epoch_checkpoint import latest_checkpoint, read_state
    from kerasgen_runtime.files import sha256_file

    folders = [tmp_path / "worker0", tmp_path / "worker1"]
    chief, other = processes = two_workers(LONG_RUN, folders, shrink=False)  # 1000 epochs: killed
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (folders[0] / "checkpoint.json").exists():
            assert chief.poll() is None and time.monotonic() < deadline, chief.communicate()[0][-4000:]
            time.sleep(0.5)
        time.sleep(2)  # mid-epoch, or mid-checkpoint
        other.kill()
        output, _ = chief.communicate(timeout=180)  # TensorFlow's health check: within ~30 s
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert chief.returncode == 1, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    lines = [line for line in output.splitlines() if line.startswith("kerasgen:")]
    assert len(lines) == 1 and "task:1" in lines[0] and "checkpoint" in lines[0], output[-4000:]
    state = read_state(str(folders[0]))
    path = folders[0] / state["file"]
    assert sha256_file(str(path)) == state["sha256"] and f"epoch {state['epoch']}" in lines[0]
    assert latest_checkpoint(str(folders[0]))[0] == str(path)
    import kerasgen  # noqa: F401  (registers the classes)

    keras.saving.load_model(str(path), safe_mode=True)  # a complete checkpoint
