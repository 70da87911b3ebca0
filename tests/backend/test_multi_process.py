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
