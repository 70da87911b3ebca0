"""What a run is: the fields `kerasgen fit` records in a run folder's `run.json`
(`RUN_FIELDS`), and the comparison by which `--resume` refuses a folder holding another run."""

import hashlib
import json
import os

import numpy as np

RUN_FILE = "run.json"
# What a run is; `--resume` refuses a run folder whose record differs in any of them.
RUN_FIELDS = ("recipe", "hyperparameters", "data", "data_sha256", "num_examples", "limit",
              "color_mode", "image_size", "image_shape", "preprocessing", "validation_per_class",
              "validation_fraction", "augmentation_shift", "batch_size", "seed", "labels_per_class",
              "columns", "categorical", "impute", "label_column", "autopilot", "mixed_precision")
# The command-line flags of run fields, named when a resume differs in one.
RUN_FLAGS = {"labels_per_class": "--labels-per-class", "categorical": "--categorical",
             "impute": "--impute", "label_column": "--label-column", "mixed_precision": "--mixed-precision"}
# The value of a field a `run.json` written before the field existed stands for.
FIELD_DEFAULTS = {"mixed_precision": "float32"}


def data_digest(x, y):
    digest = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    if y is not None:
        digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()


def run_record(spec, x, y, limit, report):
    """What a run is (`RUN_FIELDS`): recorded in `run.json`, compared by `--resume`.
    A table's options (`columns` as read, `categorical`, `impute`, `label_column`) are
    recorded too, so `kerasgen encode` / `evaluate` on the run read files the same way."""
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
        "columns": report.get("columns"),
        "autopilot": spec.get("autopilot"),  # --select-by and its settings (None: off)
        "mixed_precision": spec.get("mixed_precision") or "float32",
        **option_record(spec),
        "class_names": report.get("class_names"),  # a class folder's sorted sub-folders
    }


# The run fields a spec states without its data (compared before the data is read).
OPTION_FIELDS = ("labels_per_class", "categorical", "impute", "label_column")


def option_record(spec):
    """The `OPTION_FIELDS` of a spec: a table's options (None for images) and the
    semi-supervised `labels_per_class`."""
    table = spec.get("table")
    return {
        "labels_per_class": spec.get("labels_per_class"),
        "categorical": list(table.get("categorical", [])) if table is not None else None,
        "impute": table.get("impute", "refuse") if table is not None else None,
        "label_column": table.get("label_column") if table is not None else None,
    }


def check_same_run(out, record, fields=RUN_FIELDS):
    """Raises a ValueError naming every field (of `fields`) in which `out`'s recorded run
    differs."""
    with open(os.path.join(out, RUN_FILE)) as f:
        saved = json.load(f)
    saved = {**FIELD_DEFAULTS, **json.loads(json.dumps(saved))}
    current = json.loads(json.dumps(record))  # tuples -> lists, as saved
    differing = [name for name in fields if saved.get(name) != current.get(name)]
    if differing:
        details = "; ".join(f"{name}{f' ({RUN_FLAGS[name]})' if name in RUN_FLAGS else ''}: run has "
                            f"{saved.get(name)!r}, now {current.get(name)!r}" for name in differing)
        raise ValueError(
            f"--resume: {out!r} holds a different run ({details}); use another --out, or "
            "--overwrite to replace that run"
        )
