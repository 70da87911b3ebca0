"""`kerasgen fit` under the JAX or PyTorch backend in a process where TensorFlow cannot be
imported (a machine with jax or torch and no TensorFlow wheel: a GPU box, say). Runs in
the jax and torch CI jobs (`KERAS_BACKEND=... python -m pytest tests/backend -q`)."""

import os
import subprocess
import sys

import keras
import pytest

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "tensorflow", reason="TensorFlow's own backend needs TensorFlow"
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Imported by `site` at start-up (first on PYTHONPATH): `import tensorflow` then fails as
# it does where the wheel is not installed, and `importlib.util.find_spec` finds nothing.
NO_TENSORFLOW = 'import sys\nfor name in ("tensorflow", "tf2onnx"):\n    sys.modules[name] = None\n'


def test_fit_runs_where_tensorflow_cannot_be_imported(tmp_path):
    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(NO_TENSORFLOW)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker), ROOT]),
               KERAS_BACKEND=keras.backend.backend())
    probe = subprocess.run([sys.executable, "-c", "import tensorflow"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "tensorflow" in probe.stderr  # the blocker works
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "kerasgen_cli", "fit", "vae", "--data", "mnist5k", "--limit", "64",
         "--epochs", "1", "--out", str(out), "--verbose", "0"],
        env=env, capture_output=True, text=True, cwd=str(tmp_path), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "model.keras").is_file() and (out / "samples.png").is_file()
