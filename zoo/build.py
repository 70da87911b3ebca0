"""Trains a zoo entry from its recipe and writes a complete entry folder."""

import argparse
import importlib.metadata
import json
import os
import platform

import keras
from kerasgen_runtime import __version__
from kerasgen_runtime.files import atomic_path, sha256_file, write_json, written_by_kerasgen

from kerasgen import recipes, training, training_data
from kerasgen.data import sources
from kerasgen.run_folder import foreign_names, remove_run, remove_temporaries, run_lock
from kerasgen.zoo.card import write_card
from kerasgen.zoo.entry import ENTRY_FILE, RECIPE_FILE, ZOO_DIR, Entry
from kerasgen.zoo.evaluation import evaluate_model, write_samples

WEIGHTS_FILE = "model.weights.h5"
SCRATCH_DIR = ".training"  # the build's run folder inside --out, removed once the entry is written


def installed_version(package):
    """The installed version of `package`, or None where it is not installed (a run
    under the JAX or PyTorch backend needs no TensorFlow)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions():
    return {
        "kerasgen": __version__,
        "keras": keras.__version__,
        "tensorflow": installed_version("tensorflow"),
        "keras_backend": keras.backend.backend(),
        "python": platform.python_version(),
    }


def save_inference_weights(model, path):
    """Writes the model's weights without optimizer state (an uncompiled twin's file).

    `save_weights` of a compiled model also stores the optimizer's moments (3x the
    size for Adam); zoo entries ship what inference and `kerasgen.zoo.load` need.
    """
    twin = model.__class__.from_config(model.get_config())
    twin.set_weights(model.get_weights())
    with atomic_path(path) as tmp:
        twin.save_weights(tmp)


# The files of an entry folder that a build writes.
ENTRY_OUTPUTS = (WEIGHTS_FILE, RECIPE_FILE, ENTRY_FILE, "README.md", "samples.png", "samples.csv")


def check_entry_folder(out):
    """Refuses, before training, an entry folder holding a user's file (one kerasgen did
    not record) where the build writes; such a file is never replaced."""
    if os.path.lexists(out) and not os.path.isdir(out):
        raise ValueError(f"--out {out!r} is an existing file; expected a folder for the zoo entry")
    clashing = [name for name in ENTRY_OUTPUTS if os.path.lexists(os.path.join(out, name))
                and not written_by_kerasgen(os.path.join(out, name))]
    if clashing:
        raise ValueError(f"--out {out!r} holds {', '.join(sorted(clashing))} that kerasgen did not write "
                         "(or that changed since); they are never replaced: move them away or "
                         "choose another --out")


def check_scratch(work):
    """Refuses a scratch run folder `work` that holds anything a kerasgen run does not write
    (the build removes that folder when it ends, so it must hold nothing of the user's)."""
    if os.path.islink(work) or (os.path.lexists(work) and not os.path.isdir(work)):
        raise ValueError(f"--out: {work!r} exists and is not a folder of ours (the build trains "
                         "there and removes it); move it away or choose another --out")
    if os.path.isdir(work):
        remove_temporaries(work)  # what killed builds left
    foreign = foreign_names(work) if os.path.isdir(work) else []
    if foreign:
        raise ValueError(f"--out: {work!r} holds files kerasgen did not write ({', '.join(foreign[:3])}); "
                         "the build trains there and removes it, so move them away or choose another --out")


def remove_scratch(work):
    """Removes what the build's run wrote in `work`, then `work` if that left it empty."""
    remove_run(work)
    remove_temporaries(work)
    try:
        os.rmdir(work)
    except OSError:  # something else appeared there meanwhile: it is not ours to delete
        pass


def find_recipe(source):
    """Path of the recipe.json of a zoo entry name or an entry folder, or None."""
    for directory in (os.path.join(ZOO_DIR, str(source)), str(source)):
        path = os.path.join(directory, RECIPE_FILE)
        if os.path.isfile(path):
            return path
    return None


def resolve_spec(source):
    """`(name, spec)` from a zoo entry (its recipe.json) or a registered recipe name."""
    path = find_recipe(source)
    if path is not None:
        with open(path) as f:
            spec = json.load(f)
        return os.path.basename(os.path.dirname(os.path.abspath(path))), spec
    return source, training.default_spec(source)


def build_entry(source, out, data=None, epochs=None, seed=None, limit=None, resume=False,
                evaluate=True, verbose=1, description=None, overwrite=False, hyperparameters=None,
                batch_size=None, color_mode="auto", image_size=None, tensorboard=False):
    """Runs the recipe of `source` and writes an entry folder at `out` that `load` accepts.

    `data`, `epochs`, `seed`, `limit`, `batch_size`, `hyperparameters` and the folder
    options override the recipe (e.g. your own images). On a folder the recipe's
    validation slice becomes a seeded random hold-out and the entry's evaluation
    protocol (written for its named dataset) is skipped. An `out` that already holds an
    entry is refused unless `resume` or `overwrite`. Returns the entry config dict.
    """
    name, spec = resolve_spec(source)
    for key, value in (("data", data), ("epochs", epochs), ("seed", seed), ("batch_size", batch_size)):
        if value is not None:
            spec[key] = value
    if hyperparameters:
        spec["hyperparameters"] = {**spec.get("hyperparameters", {}), **hyperparameters}
    if color_mode != "auto" or image_size:
        spec.update(color_mode=color_mode, image_size=list(image_size) if image_size else None)
    if limit:
        spec["limit"] = limit
    from kerasgen.data.tables import is_table_path

    # A table (a bundled one by name, `sklearn:breast_cancer`, or a .csv / .npy file).
    kind = "table" if is_table_path(spec["data"]) else sources.resolve_source(spec["data"])[0]
    if kind == "folder":
        spec.pop("split", None)
        if spec.get("validation_per_class"):
            spec["validation_fraction"] = spec.get("validation_fraction") or 0.1
    check_entry_folder(out)
    if os.path.isfile(os.path.join(out, ENTRY_FILE)) and not (resume or overwrite):
        raise ValueError(f"--out {out!r} already holds a zoo entry ({ENTRY_FILE}); pass --overwrite "
                         "to replace it (or --resume to continue its interrupted training)")
    with run_lock(out):  # the entry folder is written by one build at a time
        return _build_entry(name, spec, kind, out, resume, overwrite, verbose, tensorboard,
                            evaluate, description)


def _build_entry(name, spec, kind, out, resume, overwrite, verbose, tensorboard, evaluate,
                 description):
    work = os.path.join(out, SCRATCH_DIR)
    check_scratch(work)
    model, history, seconds, (x_train, _) = training.train(
        spec, work, resume=resume, limit=spec.get("limit"), verbose=verbose,
        overwrite=overwrite, tensorboard=tensorboard,
    )
    weights = os.path.join(out, WEIGHTS_FILE)
    save_inference_weights(model, weights)
    config = {
        "name": os.path.basename(os.path.abspath(out)),
        "description": description or spec.get("description", ""),
        "class_name": model.__class__.__name__,
        "registered_name": f"kerasgen>{model.__class__.__name__}",
        "config": model.get_config(),
        "weights": {"file": WEIGHTS_FILE, "sha256": sha256_file(weights), "size": os.path.getsize(weights)},
        "parameters": int(model.count_params()),
        "training": {
            "seconds": round(seconds, 1),
            "epochs_run": len(next(iter(history.values()), [])),
            "device": "CPU (" + (platform.processor() or platform.machine()) + f", {os.cpu_count()} cores)",
            "command": f"kerasgen fit {name} --out zoo/{name} --overwrite",
            "final_logs": {k: round(v[-1], 4) for k, v in history.items()},
        },
        "versions": versions(),
        "metrics": {},
    }
    write_json(os.path.join(out, RECIPE_FILE), spec)
    # The entry is complete and loadable before it is evaluated: an evaluation that
    # fails leaves a usable entry (re-run it with `python -m kerasgen.zoo.build --evaluate`).
    write_json(os.path.join(out, ENTRY_FILE), config)
    if kind == "table":  # rows in the table's units and categories
        write_table_samples(model, spec, out)
    else:  # sample grids of your own data show your images, not the recipe's dataset
        write_samples(model, spec, out, x_reference=x_train if kind == "folder" else None)
    write_card(out)
    remove_scratch(work)
    if evaluate and spec.get("evaluation") and kind == "folder":
        print(f"Skipped the {spec['evaluation']['protocol']} protocol of {name!r} (written for its "
              "named dataset); measure your model with kerasgen evaluate OUT --data FOLDER")
    elif evaluate and spec.get("evaluation"):
        config = evaluate_entry(out, model)
    return config


def write_table_samples(model, spec, out, count=100):
    """`samples.csv`: `count` rows a table VAE draws from its prior (seed 0), or an
    autoencoder's reconstructions of a seeded random `count` of the training rows, with
    the table's header."""
    from kerasgen.data import subsets, tables

    if model.prior is not None:
        rows = model.sample(count, seed=0)
    else:
        x, _ = training_data.load_spec_data(spec)
        rows = model.reconstruct(x[subsets.subset_rows(len(x), min(count, len(x)), seed=0)])
    tables.write_csv(os.path.join(out, "samples.csv"), model.columns, rows)


def write_recipe_entry(directory, data_shape, num_classes=None):
    """Writes `entry.json` and the card of a recipe-only entry (no weights).

    The model is built from the recipe (untrained) only to record its exact config and
    parameter count; `kerasgen fit ENTRY` trains it where the data can be downloaded.
    """
    with open(os.path.join(directory, RECIPE_FILE)) as f:
        spec = json.load(f)
    model = recipes.get(spec["recipe"]).build(tuple(data_shape), num_classes=num_classes,
                                              **spec.get("hyperparameters", {}))
    config = {
        "name": os.path.basename(os.path.abspath(directory)),
        "description": spec.get("description", ""),
        "class_name": model.__class__.__name__,
        "registered_name": f"kerasgen>{model.__class__.__name__}",
        "config": model.get_config(),
        "weights": None,
        "parameters": int(model.count_params()),
        "versions": versions(),
        "metrics": {},
    }
    write_json(os.path.join(directory, ENTRY_FILE), config)
    write_card(directory)
    return config


def evaluate_entry(name_or_path, model=None):
    """Runs the entry's protocol on its shipped weights and records the numbers.

    Updates `metrics` in `entry.json` and rewrites the card. Returns the entry config.
    """
    entry = Entry.open(name_or_path)
    model = model if model is not None else entry.load_model()
    entry.config["metrics"] = evaluate_model(model, entry.recipe)
    write_json(os.path.join(entry.directory, ENTRY_FILE), entry.config)
    write_card(entry.directory)
    return entry.config


def main(argv=None):
    parser = argparse.ArgumentParser(description="Re-evaluate zoo entries on their shipped weights, "
                                     "or write recipe-only entries.")
    parser.add_argument("--evaluate", nargs="+", default=[], metavar="ENTRY")
    parser.add_argument("--recipe-only", nargs=2, action="append", default=[],
                        metavar=("ENTRY_DIR", "H,W,C"), help="write a recipe-only entry")
    args = parser.parse_args(argv)
    for directory, shape in args.recipe_only:
        write_recipe_entry(directory, [int(v) for v in shape.split(",")])
        print("wrote", directory)
    for name in args.evaluate:
        config = evaluate_entry(name)
        print(name, {k: v["value"] for k, v in config["metrics"].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
