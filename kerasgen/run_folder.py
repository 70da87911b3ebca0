"""A run folder: what the run is (`run.json`), what it wrote, and what a killed run left.

`kerasgen fit` records every field of `RUN_FIELDS` in `run.json`; `--resume` compares
them, `--overwrite` removes only `RUN_OUTPUTS`, `RUN_FOLDERS` and checkpoints, and every
run first removes the temporaries (`kerasgen.io.atomic_path` names) a killed run left.
"""

import csv
import hashlib
import json
import os
import re
import shutil

import numpy as np
from kerasgen.io import temporary_pattern

RUN_FILE = "run.json"
# What a run is; `--resume` refuses a run folder whose record differs in any of them.
RUN_FIELDS = ("recipe", "hyperparameters", "data", "data_sha256", "num_examples", "limit",
              "color_mode", "image_size", "image_shape", "preprocessing", "validation_per_class",
              "validation_fraction", "augmentation_shift", "batch_size", "seed")
# Files a run writes: `--overwrite` removes these and nothing else.
RUN_OUTPUTS = (RUN_FILE, "checkpoint.json", "metrics.csv", "model.keras", "samples.png", "samples.csv",
               "history.png", "history.json")
RUN_FOLDERS = ("samples", "tensorboard")
_CHECKPOINT = re.compile(r"^checkpoint-\d+\.keras$")
_SAMPLE_GRID = re.compile(r"^epoch_\d{3,}\.png$")  # kerasgen.callbacks.ImageGrid's names
# The temporaries `kerasgen.io.atomic_path` makes for exactly those files (a user's
# `.notes.tmp.txt` is not one of them).
_TEMPORARY = re.compile("^(?:" + "|".join(
    [temporary_pattern(re.escape(name), os.path.splitext(name)[1]) for name in RUN_OUTPUTS]
    + [temporary_pattern(_CHECKPOINT.pattern[1:-1], ".keras")]) + ")$")
_SAMPLE_TEMPORARY = re.compile("^" + temporary_pattern(_SAMPLE_GRID.pattern[1:-1], ".png") + "$")


def data_digest(x, y):
    digest = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    if y is not None:
        digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()


def run_record(spec, x, y, limit, report):
    """What a run is (`RUN_FIELDS`): recorded in `run.json`, compared by `--resume`."""
    return {
        "recipe": spec["recipe"],
        "hyperparameters": spec.get("hyperparameters", {}),
        "data": os.path.abspath(spec["data"]) if os.path.isdir(str(spec["data"])) else spec["data"],
        "data_sha256": data_digest(x, y),
        "num_examples": int(len(x)),
        "limit": limit or None,
        "subset": report.get("subset", "all examples"),
        "color_mode": spec.get("color_mode", "auto"),
        "image_size": list(spec["image_size"]) if spec.get("image_size") else None,
        "image_shape": list(x.shape[1:]),
        "preprocessing": spec["preprocessing"],
        "validation_per_class": spec.get("validation_per_class", 0),
        "validation_fraction": spec.get("validation_fraction"),
        "augmentation_shift": spec.get("augmentation_shift", 0),
        "batch_size": spec["batch_size"],
        "seed": spec.get("seed", 0),
    }


def check_same_run(out, record):
    """Raises a ValueError naming every field in which `out`'s recorded run differs."""
    with open(os.path.join(out, RUN_FILE)) as f:
        saved = json.load(f)
    saved = json.loads(json.dumps(saved))
    current = json.loads(json.dumps(record))  # tuples -> lists, as saved
    differing = [name for name in RUN_FIELDS if saved.get(name) != current.get(name)]
    if differing:
        details = "; ".join(f"{name}: run has {saved.get(name)!r}, now {current.get(name)!r}"
                            for name in differing)
        raise ValueError(
            f"--resume: {out!r} holds a different run ({details}); use another --out, or "
            "--overwrite to replace that run"
        )


def holds_run(out):
    names = os.listdir(out) if os.path.isdir(out) else []
    return any(name in (RUN_FILE, "checkpoint.json") or _CHECKPOINT.match(name) for name in names)


def foreign_names(out):
    """Names in the run folder `out` (and `out/samples`) that no run of ours writes."""
    foreign = []
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        if name == "samples" and os.path.isdir(path) and not os.path.islink(path):
            foreign += [os.path.join(name, inner) for inner in sorted(os.listdir(path))
                        if not (_SAMPLE_GRID.match(inner) or _SAMPLE_TEMPORARY.match(inner))]
        elif not (name in RUN_OUTPUTS or name in RUN_FOLDERS or _CHECKPOINT.match(name)
                  or _TEMPORARY.match(name)):
            foreign.append(name)
    return foreign


def remove_run(out):
    """Deletes the files a run wrote in `out` (`RUN_OUTPUTS`, checkpoints, samples/epoch_*.png)."""
    for name in os.listdir(out):
        path = os.path.join(out, name)
        if (name in RUN_OUTPUTS or _CHECKPOINT.match(name)) and os.path.isfile(path):
            os.remove(path)
    for folder in RUN_FOLDERS:
        path = os.path.join(out, folder)
        if os.path.isdir(path):
            shutil.rmtree(path)


def remove_temporaries(out):
    """Removes the temporaries of the run's own files (`atomic_path`'s names of `RUN_OUTPUTS`,
    checkpoints and sample grids) that killed runs left in `out` (and `out/samples`), and
    checkpoint files that the committed state does not name; returns their names."""
    from kerasgen.callbacks.epoch_checkpoint import checkpoint_files, read_state

    named = checkpoint_files(read_state(out))
    removed = []
    for folder in (out, os.path.join(out, "samples")):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if folder == out:
                stale = _TEMPORARY.match(name) or (_CHECKPOINT.match(name) and name not in named)
            else:
                stale = _SAMPLE_TEMPORARY.match(name)
            if stale and os.path.isfile(path):
                os.remove(path)
                removed.append(name)
            elif stale and os.path.isdir(path):  # a SavedModel temp
                shutil.rmtree(path)
                removed.append(name)
    return removed


def start_run(out, resume, overwrite):
    """Creates the run folder or refuses one that holds a run (unless `resume` or
    `overwrite`); removes what killed runs left. Returns the names removed."""
    os.makedirs(out, exist_ok=True)
    if holds_run(out) and not resume and not overwrite:
        raise ValueError(
            f"--out {out!r} already holds a kerasgen run ({RUN_FILE} / checkpoints); pass "
            "--resume to continue it or --overwrite to replace it"
        )
    return remove_temporaries(out)


def rewrite_metrics_log(path, history):
    """`metrics.csv` as `keras.callbacks.CSVLogger` writes it, from a checkpoint's history
    (a resumed run appends to it; rows after the checkpoint are dropped)."""
    from kerasgen.io import atomic_path

    keys = sorted(history)
    if keys and not any(key.startswith("val_") for key in keys):
        keys += [f"val_{key}" for key in keys]  # CSVLogger's columns without validation
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["epoch", *keys])
            writer.writeheader()
            for epoch in range(len(next(iter(history.values()), []))):
                writer.writerow({"epoch": epoch, **{k: history[k][epoch] if k in history else "NA"
                                                    for k in keys}})
