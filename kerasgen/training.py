"""Runs a training recipe: data, preprocessing, validation slice, early stopping, resume.

A *spec* is a plain dict (a zoo entry's `recipe.json`, or a registered recipe's
defaults) with these keys:

| key                 | meaning                                                         |
|---------------------|-----------------------------------------------------------------|
| `recipe`            | registered builder name (`kerasgen.recipes`)                    |
| `hyperparameters`   | keyword arguments of the builder                                |
| `data`              | dataset name (`kerasgen.data.NAMES`) or a folder of images     |
| `color_mode`, `image_size` | how a folder is read (`kerasgen.data.folders.from_folder`)   |
| `preprocessing`     | `unit` ([0, 1]), `signed` ([-1, 1]), `dynamic_binarization`     |
|                     | (a fresh binary sample each epoch) or `none` (2-D points)      |
| `validation_per_class` | hold out the last N training rows of each class of a named |
|                     | dataset (0: none); on a folder or unlabelled data, a seeded     |
|                     | random `validation_fraction` (default 0.1, stratified by class) |
| `early_stopping_patience` | stop when `val_loss` has not improved for N epochs and  |
|                     | restore the best weights (0: off; needs a validation slice)     |
| `augmentation_shift` | random shifts of up to N pixels each batch (labelled images) |
| `epochs`, `batch_size`, `seed` | as in `fit`                                          |
| `mixed_precision`   | `float32` (default), `mixed_float16` or `mixed_bfloat16`: the   |
|                     | dtype policy the model is built under (`kerasgen.precision`);  |
|                     | a resumed run keeps its recorded one                            |

A run folder holds `run.json` (what the run is: the fields of `RUN_FIELDS`), the
committed checkpoint (`checkpoint.json` naming `checkpoint-NNNN.keras`, see
`EpochCheckpoint`) and `metrics.csv`. Every random choice (the order of the batches,
dynamic binarization, augmentation, the model's noise) is a function of the seed and
the epoch, or saved in the checkpoint, so a resumed run ends with the weights of the
uninterrupted one.

This module runs the steps; the data (reading, the validation slice, preprocessing, the
batches) is `kerasgen.training_data`'s, the callbacks beside the checkpoint (monitors and
sample grids the model declares, early stopping) `kerasgen.training_callbacks`'s.
"""

import importlib.util
import os

import keras
from kerasgen_runtime.files import write_json

from kerasgen import backend, precision, recipes
from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint, latest_checkpoint, uncommitted_checkpoint
from kerasgen.data import tables
from kerasgen.run_folder import read_metrics_log, remove_run, rewrite_metrics_log, run_lock, start_run
from kerasgen.run_record import OPTION_FIELDS, RUN_FILE, check_same_run, option_record, run_record
from kerasgen.training_callbacks import EpochSync, StepProgress, autopilot, early_stopping, monitoring_callbacks
from kerasgen.training_data import prepare_data, split_held_out, training_inputs


def default_spec(recipe_name):
    """The spec of a registered recipe with its default settings."""
    recipe = recipes.get(recipe_name)
    value_range = recipe.value_range
    if value_range is None:
        preprocessing = "none"
    else:
        preprocessing = "signed" if tuple(value_range) == (-1.0, 1.0) else "unit"
    return {
        "recipe": recipe_name,
        "hyperparameters": {},
        "data": recipe.data,
        "preprocessing": preprocessing,
        "validation_per_class": 0,
        "early_stopping_patience": 0,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "seed": 0,
    }


def build_model(spec, x, y, recipe=None):
    """The spec's untrained, compiled model for training data `(x, y)` (`recipe`: the
    spec's, when the caller has looked it up)."""
    recipe = recipes.get(spec["recipe"]) if recipe is None else recipe
    if recipe.labels and y is None:
        raise ValueError(
            f"recipe {spec['recipe']!r} trains on labelled images, got data "
            f"{spec.get('data')!r} without labels (an image folder needs one sub-folder per class)"
        )
    num_classes = int(y.max()) + 1 if recipe.labels else None
    if recipe.value_range is not None:
        recipe.check_image_shape(x.shape[1:])
    with precision.dtype_policy(spec.get("mixed_precision")):  # the previous one restored after
        return recipe.build(x.shape[1:], num_classes=num_classes, **spec.get("hyperparameters", {}),
                            **table_settings(spec, recipe, x))


def table_settings(spec, recipe, x):
    """`{"table": {columns, mean, std}}` for a table file (statistics of the training
    rows `x`, stored in the model), `{}` for images."""
    if not tables.is_table_path(spec.get("data")):
        return {}
    if not recipe.tables:
        takers = [name for name in recipes.names() if recipes.get(name).tables]
        raise ValueError(f"recipe {spec['recipe']!r} does not train on tables, got data "
                         f"{spec['data']!r}; use {', '.join(takers[:-1])} or {takers[-1]}")
    columns = tables.read_table(spec["data"], **spec.get("table", {})).columns
    mean, std = tables.feature_statistics(columns, x)
    return {"table": {"columns": columns, "mean": mean.tolist(), "std": std.tolist()}}


def train(spec, out, resume=False, limit=None, verbose=1, callbacks=(), overwrite=False,
          tensorboard=False, monitor=True, checkpoint_every=1):
    """Builds (or resumes) the spec's model, trains it, checkpoints every epoch.

    A folder that already holds a run is refused unless `resume` (the run must be the
    same: `RUN_FIELDS`) or `overwrite`; a folder with a user's file where the run writes
    is always refused, and so is a folder another run is writing (`run_lock`).
    `monitor`: when the model's monitors and the sample grid run: True (every epoch),
    N (every N epochs, and after the last), "auto" (when their cost is a small share of
    the training time since they last ran, measured: `kerasgen.callbacks.EpochCadence`;
    `kerasgen fit`'s default) or False (never). Which epochs they ran is metrics.csv's
    `monitored` column; the weights are the same either way. `checkpoint_every`: 1, N or
    "auto" (`EpochCheckpoint`'s `every`; one process only, else 1). Returns `(model, history, seconds, (x_train, y_train))`.
    """
    with run_lock(out):
        return _train(spec, out, resume, limit, verbose, callbacks, overwrite, tensorboard, monitor,
                      checkpoint_every)


def resume_point(out, spec, recipe, x, y, record):
    """`(checkpoint path, state)` to resume the run in `out` from: the committed one, else
    (no committed state) the newest checkpoint that loads and matches `run.json`."""
    check_same_run(out, record)
    checkpoint, state = latest_checkpoint(out)
    if checkpoint is None:
        checkpoint, state = uncommitted_checkpoint(out, build_model(spec, x, y, recipe))
        state["history"] = read_metrics_log(os.path.join(out, "metrics.csv"), state["epoch"])
        print(f"{out} has no committed checkpoint state; using {state['file']}, the newest "
              "checkpoint that loads and matches run.json")
    return checkpoint, state


def _train(spec, out, resume, limit, verbose, callbacks, overwrite, tensorboard, monitor, checkpoint_every):
    recipe = recipes.get(spec["recipe"])  # the one look-up of the run
    check_settings(spec, tensorboard)
    spec = dict(spec, mixed_precision=precision.run_policy(spec, out, resume))  # resumed: as recorded
    removed = start_run(out, resume, overwrite)
    if removed:
        print(f"Removed {len(removed)} temporary file(s) an interrupted run left in {out}")
    if resume and os.path.isfile(os.path.join(out, RUN_FILE)):
        # The options first: they say how the data is read (a table's --impute, ...).
        check_same_run(out, option_record(spec), OPTION_FIELDS)
    keras.utils.set_random_seed(spec.get("seed", 0))
    report = {}
    (x, y), validation = prepare_data(spec, limit, report)
    (x, y), held_out = split_held_out(spec, x, y)  # the autopilot's; no batch holds them
    if "data" in report:
        print(f"Data: {report['data']}")
    if "subset" in report:
        print(f"Training on {report['subset']}")
    record = run_record(spec, x, y, limit, report)
    # When the monitors and grids run (metrics.csv's `monitored` column: which epochs).
    record["monitor_every"] = (1 if monitor is True else monitor) if monitor else None
    # Each process timing its own saves would not agree on when to save together.
    record["checkpoint_every"] = checkpoint_every if backend.is_single_process() else 1
    model, state = start_model(out, spec, recipe, x, y, record, resume, overwrite)
    write_json(os.path.join(out, RUN_FILE), record)
    rewrite_metrics_log(os.path.join(out, "metrics.csv"), state["history"])
    pilot = autopilot(out, spec, model, x, y, held_out, state)

    inputs = training_inputs(spec, recipe, x, y, state["epoch"])
    patience = spec.get("early_stopping_patience", 0) if validation is not None else 0
    stopping = early_stopping(out, patience, state) if patience else None
    saver = EpochCheckpoint(out, state["history"], state["seconds"], early_stopping=stopping,
                            metrics_log=os.path.join(out, "metrics.csv"), autopilot=pilot,
                            every=record["checkpoint_every"])
    monitors, others = (monitoring_callbacks(model, out, spec, x, validation, tensorboard, record["monitor_every"])
                        if monitor else ([], []))
    # Early stopping and the autopilot update their counters before the checkpoint
    # records them; the monitors (their cadence first) add their logs before the
    # checkpoint, the CSV and the autopilot (it reads the balance monitor's) read them,
    # after early stopping, so an epoch that early stopping ends is measured.
    first = [c for c in (stopping, *monitors, pilot) if c is not None]
    all_callbacks = [EpochSync(inputs), *first, saver, *others, *callbacks]
    if verbose and not any(isinstance(c, keras.callbacks.ProgbarLogger) for c in all_callbacks):
        all_callbacks.append(StepProgress())
    fit_kwargs = {"shuffle": False}  # the order is the dataset's: a function of (seed, epoch)
    if validation is not None:
        fit_kwargs["validation_data"] = validation if recipe.labels else (validation[0],)
        fit_kwargs["validation_batch_size"] = spec["batch_size"]
    stopped = stopping is not None and (stopping.resumed_state or {}).get("stopped_epoch", 0) > 0
    stopped = stopped or (pilot is not None and pilot.stopped)
    if state["epoch"] < spec["epochs"] and not stopped:
        model.fit(backend.fit_batches(inputs), epochs=spec["epochs"], initial_epoch=state["epoch"], verbose=verbose,
                  callbacks=all_callbacks, **fit_kwargs)
    elif stopping is not None and stopped and stopping.resumed_best_weights is not None:  # as it ended
        model.set_weights(stopping.resumed_best_weights)
    if pilot is not None:  # the run's model is the autopilot's best checkpoint
        pilot.finish(model)
    return model, saver.history, saver.seconds, (x, y)


def check_settings(spec, tensorboard):
    """Refuses epochs and batch sizes that are not positive ints, and `--tensorboard`
    without the tensorboard package, before anything is read or written."""
    for key in ("epochs", "batch_size"):
        value = spec[key]
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{key} must be a positive int, got {value!r}")
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise ValueError("--tensorboard needs the tensorboard package, which is not installed "
                         "(pip install tensorboard)")


def start_model(out, spec, recipe, x, y, record, resume, overwrite):
    """`(model, state)`: the model resumed from the run's checkpoint (`resume`), else a
    new one (a previous run in `out` removed if `overwrite`); `state` holds `history`,
    `epoch` and `seconds` so far (and, resumed, the checkpoint's early-stopping state)."""
    checkpoint, state = resume_point(out, spec, recipe, x, y, record) if resume else (None, None)
    if checkpoint is not None:
        print(f"Resuming from epoch {state['epoch']} ({checkpoint})")
        return keras.saving.load_model(checkpoint, safe_mode=True), state
    model = build_model(spec, x, y, recipe)
    model.class_names = record["class_names"] and tuple(record["class_names"])
    if overwrite:  # only now that the new run's data and model are good
        remove_run(out)
    return model, {"history": {}, "epoch": 0, "seconds": 0.0}
