"""Runs `tests.backend.worker` in a fresh process with its own backend and environment."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_worker(task, out, *args, backend="tensorflow", env=None, timeout=300):
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, environment.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "tests.backend.worker", task, str(out), *map(str, args)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout,
    )
    assert result.returncode == 0, f"worker {task} under {backend} failed:\n{result.stderr[-4000:]}"
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)
