"""The code blocks of README.md and the zoo cards, and how tests run them as written.

A fenced block (```bash, ```python, ```json) is one `Block`. The nearest non-blank line
before its fence may mark it:

    <!-- readme-test: slow: REASON -->   runs only with `-m slow` (several minutes)
    <!-- readme-test: skip: REASON -->   never run here; the reason is printed (-rs)

Unmarked blocks run in the default suite, so a block added without a marker runs (and
fails if it cannot run offline in a few seconds). Blocks run as written, in a
working folder holding a copy of the checkout's tracked files plus the placeholders
the text names (`FIXTURES`), with `KERASGEN_SHRINK` set (see tests/shrink/sitecustomize.py:
datasets cut to a seeded random 512 rows, `fit` to one epoch, `VAE.log_likelihood` to
200 importance samples).
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHRINK = os.path.join(ROOT, "tests", "shrink")
ROWS = 512
MARKER = re.compile(r"<!--\s*readme-test:\s*(slow|skip)\s*:\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Block:
    path: str  # relative to ROOT
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    mark: str = None  # None, "slow" or "skip"
    reason: str = ""

    @property
    def name(self):
        return f"{self.path}:{self.line}"


def documents():
    """README.md, then every zoo card, relative to the checkout."""
    cards = sorted(os.path.join("zoo", name, "README.md") for name in os.listdir(os.path.join(ROOT, "zoo"))
                   if os.path.isfile(os.path.join(ROOT, "zoo", name, "README.md")))
    return ["README.md", *cards]


def blocks(path):
    """The fenced blocks of `path` (relative to ROOT), in order, with their markers."""
    with open(os.path.join(ROOT, path)) as f:
        lines = f.read().splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"), None)
        if end is None:
            raise ValueError(f"{path}:{index + 1}: a code block that is never closed")
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.search(before)
        found.append(Block(path, index + 1, opening.group(1) or "text", "\n".join(lines[index + 1:end]) + "\n",
                           *(marker.groups() if marker else (None, ""))))
        index = end + 1
    return found


def block(path, containing):
    """The one block of `path` whose code contains `containing`."""
    matches = [b for b in blocks(path) if containing in b.code]
    if len(matches) != 1:
        raise ValueError(f"{path}: {len(matches)} blocks contain {containing!r}, expected 1")
    return matches[0]


def environment(extra=None):
    """The environment blocks run in: this venv's `kerasgen` first on PATH, shrunk sizes."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERASGEN_SHRINK=str(ROWS), MPLBACKEND="Agg")
    if not os.environ.get("KERASGEN_NETWORK"):  # .ci/run's slow job sets it: InceptionV3 weights
        env["KERASGEN_OFFLINE"] = "1"
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SHRINK, env.get("PYTHONPATH")]))
    env.pop("KERAS_BACKEND", None)  # blocks choose theirs, as a user's shell would not set one
    env.update(extra or {})
    return env


def run(language, code, cwd, env=None, timeout=900, prelude=""):
    """Runs `code` in a fresh process (bash, or a fresh Python interpreter) in `cwd`.

    Returns the `CompletedProcess` (stdout and stderr together in `.stdout`).
    """
    if language == "bash":
        command = ["bash", "-e", "-x", "-o", "pipefail", "-c", code]  # -x: each command as it runs
    elif language == "python":
        command = [sys.executable, "-c", prelude + code]
    else:
        raise ValueError(f"language must be bash or python, got {language!r}")
    return subprocess.run(command, cwd=cwd, env=env or environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout)


def copy_checkout(destination):
    """Copies the checkout's tracked files (the state a user's clone has) to `destination`."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            target = os.path.join(destination, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
    node_modules = os.path.join(ROOT, "node_modules")
    if os.path.isdir(node_modules):  # what `npm ci` installed once in the checkout
        os.symlink(os.path.realpath(node_modules), os.path.join(destination, "node_modules"))


def write_fixtures(folder):
    """The placeholders the documentation names, as real files made from real data.

    `path/to/images`, `my_images`, `DIR`: 120 mnist5k digits as PNG (a seeded random
    sample, 12 per class sub-folder); `my_rgb`: 60 procedural `layouts` scenes in colour (32x32);
    `map.png`: a procedural layout label map; `ref.png`: a layout image.
    """
    import numpy as np
    from PIL import Image

    from kerasgen.data import named_datasets, subsets

    (x, y), _ = named_datasets.load("mnist5k")
    rows = subsets.subset_rows(len(x), 120, labels=y, seed=0)
    for folder_name in ("path/to/images", "my_images", "DIR"):
        for row in rows:
            target = os.path.join(folder, folder_name, str(y[row]), f"{row}.png")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            Image.fromarray((x[row, :, :, 0] * 255).round().astype(np.uint8)).save(target)
    (images, label_maps), _ = named_datasets.load("layouts")
    os.makedirs(os.path.join(folder, "my_rgb"), exist_ok=True)
    for i in range(60):
        pixels = (np.asarray(images[i]) * 255).round().astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, "my_rgb", f"{i}.png"))
    Image.fromarray(label_maps[0].astype(np.uint8)).save(os.path.join(folder, "map.png"))
    Image.fromarray((np.asarray(images[1]) * 255).round().astype(np.uint8)).save(os.path.join(folder, "ref.png"))


# The README's TensorFlow strategy example, as the distribution tests run it. On a machine
# without GPUs `MirroredStrategy()` has one replica, so the tests give TensorFlow two
# logical CPUs and name them: the one change to the text, which `strategy_example` checks.
TWO_LOGICAL_CPUS = (
    "import tensorflow as tf\n"
    "_cpu = tf.config.list_physical_devices('CPU')[0]\n"
    "tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n"
)
STRATEGY = "tf.distribute.MirroredStrategy()"
RECIPE = 'kerasgen.recipes.get("dcgan")'
# Printed after the example: what the tests check (replicas, steps taken, file written).
STRATEGY_REPORT = (
    "\nimport json as _json\n"
    "print('REPORT', _json.dumps({'replicas': strategy.num_replicas_in_sync, 'recipe': recipe.name,"
    " 'steps_per_execution': model.steps_per_execution, 'rows': len(x),"
    " 'iterations': int(model.optimizer.iterations.numpy())}))\n"
)


def strategy_example(recipe="dcgan", strategy=STRATEGY):
    """The README's `MirroredStrategy` block for `recipe` ("dcgan" as written, or one of
    those its comment names) with `strategy` in place of `MirroredStrategy()`."""
    code = block("README.md", STRATEGY).code
    for old, new in ((STRATEGY, strategy), (RECIPE, f'kerasgen.recipes.get("{recipe}")')):
        if code.count(old) != 1:
            raise ValueError(f"README.md's strategy example must contain {old!r} once")
        code = code.replace(old, new)
    return code + STRATEGY_REPORT


def report_of(output):
    """The `REPORT {...}` line an example printed, as a dict."""
    import json

    lines = [line for line in output.splitlines() if line.startswith("REPORT ")]
    if len(lines) != 1:
        raise AssertionError(f"expected one REPORT line, got {len(lines)}:\n{output[-4000:]}")
    return json.loads(lines[0][len("REPORT "):])
