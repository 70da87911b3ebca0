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

A run folder holds `run.json` (what the run is: the fields of `RUN_FIELDS`), the
committed checkpoint (`checkpoint.json` naming `checkpoint-NNNN.keras`, see
`EpochCheckpoint`) and `metrics.csv`. Every random choice (the order of the batches,
dynamic binarization, augmentation, the model's noise) is a function of the seed and
the epoch, or saved in the checkpoint, so a resumed run ends with the weights of the
uninterrupted one.
"""

import os

import numpy as np

from kerasgen.checks import check_positive_int
from kerasgen.data import dynamic_binarization, folders, image_files, named_datasets, sources, subsets, value_ranges
from kerasgen.run_folder import (RUN_FILE, check_same_run, read_metrics_log, remove_run,
                                 rewrite_metrics_log, run_lock, run_record, start_run)

PREPROCESSING = ("unit", "signed", "dynamic_binarization", "none")


def default_spec(recipe_name):
    """The spec of a registered recipe with its default settings."""
    from kerasgen import recipes

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


def split_validation(x, y, per_class):
    """Moves the last `per_class` rows of each class from training to validation."""
    if not per_class:
        return (x, y), None
    if y is None:
        raise ValueError("validation_per_class needs labelled data, got a dataset without labels")
    held_out = np.zeros(len(x), dtype=bool)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        if len(rows) <= per_class:
            raise ValueError(
                f"validation_per_class must be smaller than every class size, got {per_class} "
                f"for class {label} with {len(rows)} rows"
            )
        held_out[rows[-per_class:]] = True
    return (x[~held_out], y[~held_out]), (x[held_out], y[held_out])


def split_random_validation(x, y, fraction, seed):
    """A seeded random hold-out of `fraction` of the rows (stratified by `y` if given)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction!r}")
    count = max(1, int(round(fraction * len(x))))
    if count >= len(x):
        raise ValueError(f"validation_fraction {fraction} leaves no training data of {len(x)} rows")
    held_out = np.zeros(len(x), dtype=bool)
    held_out[subsets.subset_rows(len(x), count, y, seed)] = True
    validation = (x[held_out], None if y is None else y[held_out])
    return (x[~held_out], None if y is None else y[~held_out]), validation


def load_spec_data(spec, report=None):
    """`(x, y)` of the spec's data (a dataset name's training split, a folder, or a table
    file read by `kerasgen.data.read_table` with the spec's `table` options); `report`
    (a dict) receives `"data"`, one line about what was read (`kerasgen.data.summary`)."""
    from kerasgen.data import layouts
    from kerasgen.data import summary, tables

    report = {} if report is None else report
    if tables.is_table_path(spec["data"]):
        table = tables.read_table(spec["data"], **spec.get("table", {}))
        return table.x, table.y
    kind, source = sources.resolve_source(spec["data"])
    color_mode, image_size = spec.get("color_mode", "auto"), spec.get("image_size")
    if kind == "folder":
        x, y = folders.from_folder(source, image_size=image_size, color_mode=color_mode)
        if not layouts.is_paired_folder(source):
            modes, skipped = summary.folder_facts(source)
            report["data"] = summary.describe(source, x, y, image_files.list_images(source)[2],
                                              modes=modes, skipped=skipped)
        return x, y
    if color_mode != "auto" or image_size is not None:
        raise ValueError(f"--color-mode and --image-size apply to image folders, got the dataset "
                         f"name {source!r} (a named dataset's images have a fixed size and colour mode)")
    (x, y), _ = named_datasets.load(source)
    report["data"] = summary.describe(source, x, y)
    return x, y


def prepare_data(spec, limit=None, report=None):
    """Returns `((x_train, y_train), validation_data)` for `fit`.

    `limit` takes a seeded random subset (stratified by class where there are labels);
    `report` (a dict) receives what was used: N, the seed, the subset rule.
    """
    preprocessing = spec["preprocessing"]
    if preprocessing not in PREPROCESSING:
        raise ValueError(f"preprocessing must be one of {list(PREPROCESSING)}, got {preprocessing!r}")
    seed = spec.get("seed", 0)
    report = {} if report is None else report
    x, y = load_spec_data(spec, report)
    report["num_available"] = len(x)
    if limit:
        x, y = subsets.random_subset(x, y, check_positive_int("limit", limit), seed=seed)
        report["subset"] = (f"a seeded random subset of {len(x)} of {report['num_available']} "
                            f"examples ({'stratified by class, ' if y is not None else ''}seed {seed})")
    if spec.get("labels_per_class"):  # semi-supervised: a seeded N labels per class, -1 the rest
        from kerasgen.data.labelled_batches import hide_labels

        if y is None:
            raise ValueError(f"--labels-per-class needs labelled data, got {spec['data']!r} without labels")
        y = hide_labels(y, spec["labels_per_class"], seed)
    per_class = spec.get("validation_per_class", 0)
    if per_class and y is not None and not os.path.isdir(str(spec["data"])):
        (x, y), validation = split_validation(x, y, per_class)
    elif per_class or spec.get("validation_fraction"):
        # A folder (any class sizes) or unlabelled data: a seeded random hold-out.
        (x, y), validation = split_random_validation(x, y, spec.get("validation_fraction") or 0.1, seed + 1)
    else:
        validation = None
    if preprocessing == "signed":
        x = value_ranges.to_signed_range(x)
        validation = None if validation is None else (value_ranges.to_signed_range(validation[0]), validation[1])
    if preprocessing == "dynamic_binarization" and validation is not None:
        # A fixed binary sample of the validation images, so val_loss is comparable.
        validation = (dynamic_binarization.binarize(validation[0], seed=seed + 1), validation[1])
    return (x, y), validation


def check_image_shape(recipe_name, shape):
    """Refuses an image size the recipe's networks cannot take, naming the flag to fix it."""
    if len(shape) != 3:
        return
    height, width = shape[:2]
    if recipe_name in ("dcgan", "wgan_gp", "cgan", "vae_gan") or (recipe_name == "gan"):
        from kerasgen.recipes.gans import dcgan_filters

        factor = 2 ** len(dcgan_filters(shape))
    else:
        factor = 4  # the conv autoencoders' two stride-2 stages (dense ones take any size)
    if height % factor or width % factor:
        fit = [max(factor, int(round(v / factor)) * factor) for v in (height, width)]
        raise ValueError(
            f"image size {height}x{width} does not fit recipe {recipe_name!r}, whose networks "
            f"need height and width divisible by {factor}; resize the images with "
            f"--image-size {fit[0]} {fit[1]} (kerasgen.data.folders.from_folder(image_size=...))"
        )


def build_model(spec, x, y):
    """The spec's untrained, compiled model for training data `(x, y)`."""
    from kerasgen import recipes

    recipe = recipes.get(spec["recipe"])
    if recipe.labels and y is None:
        raise ValueError(
            f"recipe {spec['recipe']!r} trains on labelled images, got data "
            f"{spec.get('data')!r} without labels (an image folder needs one sub-folder per class)"
        )
    num_classes = int(y.max()) + 1 if recipe.labels else None
    if recipe.labels and y is None:
        raise ValueError(f"recipe {spec['recipe']!r} needs labelled data (one sub-folder per "
                         "class), got data without labels")
    if recipe.value_range is not None:
        check_image_shape(spec["recipe"], x.shape[1:])
    return recipe.build(x.shape[1:], num_classes=num_classes, **spec.get("hyperparameters", {}),
                        **table_settings(spec, recipe, x))


def table_settings(spec, recipe, x):
    """`{"table": {columns, mean, std}}` for a table file (statistics of the training
    rows `x`, stored in the model), `{}` for images."""
    import inspect

    from kerasgen.data import tables

    if not tables.is_table_path(spec.get("data")):
        return {}
    if "table" not in inspect.signature(recipe.build).parameters:
        raise ValueError(f"recipe {spec['recipe']!r} does not train on tables, got data "
                         f"{spec['data']!r}; use vae, beta_vae or ae")
    columns = tables.read_table(spec["data"], **spec.get("table", {})).columns
    mean, std = tables.feature_statistics(columns, x)
    return {"table": {"columns": columns, "mean": mean.tolist(), "std": std.tolist()}}


def training_inputs(spec, recipe, x, y, initial_epoch):
    """The batches `fit` trains on, each a function of (seed, epoch, batch index)."""
    from kerasgen.data.dynamic_binarization import DynamicBinarization
    from kerasgen.data.random_shift import RandomShift
    from kerasgen.data.shuffled_batches import ShuffledBatches

    batch_size, seed = spec["batch_size"], spec.get("seed", 0)
    if spec.get("labels_per_class"):
        from kerasgen.data import LabelledBatches

        return LabelledBatches(x, y, batch_size, max_shift=spec.get("augmentation_shift", 0),
                               seed=seed, initial_epoch=initial_epoch)
    if spec["preprocessing"] == "dynamic_binarization":
        return DynamicBinarization(x, batch_size, seed=seed, initial_epoch=initial_epoch)
    if spec.get("augmentation_shift"):
        return RandomShift(x, y, batch_size, spec["augmentation_shift"], seed=seed,
                           initial_epoch=initial_epoch)
    return ShuffledBatches((x, y) if recipe.labels else x, batch_size, seed=seed,
                           initial_epoch=initial_epoch)


def epoch_sync(dataset):
    """A callback that tells `dataset` the epoch `fit` is in (Keras's epoch number, so
    the batches of epoch `e` do not depend on how many epochs ran in this process)."""
    import keras

    class EpochSync(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            dataset.epoch = epoch

    return EpochSync()


def step_progress():
    """Keras's progress bar, counting steps up to the epoch's total.

    With `steps_per_execution` > 1 Keras reports the last step of each group of steps
    as `begin + steps_per_execution - 1` even past the epoch's end (`8/5`, a negative
    ETA); this bar counts no further than the steps there are."""
    import keras

    class StepProgress(keras.callbacks.ProgbarLogger):
        def _update_progbar(self, batch, logs=None):
            if self.target is not None:
                batch = min(batch, self.target - 1)
            super()._update_progbar(batch, logs)

    return StepProgress()


def monitoring_callbacks(model, out, spec, x, validation, initial_epoch, tensorboard):
    """Sample grids each epoch, the CSV log, TensorBoard, the posterior-collapse watch."""
    import keras

    from kerasgen.callbacks import ImageGrid, PosteriorCollapseMonitor

    seed = spec.get("seed", 0)
    callbacks = []
    probe = validation[0] if validation is not None else x
    probe = probe[subsets.subset_rows(len(probe), 500, seed=seed)]
    if hasattr(model, "encode") and hasattr(model, "log_likelihood"):  # a VAE
        callbacks.append(PosteriorCollapseMonitor(probe))
    # Image models (not classifiers, nor SPADE, whose samples need label maps)
    if x.ndim == 4 and hasattr(model, "sample") and getattr(model, "map_shape", None) is None:
        if getattr(model, "prior", "standard_normal") is not None:
            images = None  # samples from the prior
        else:  # deterministic autoencoders: reconstructions instead
            images = probe[:16] if hasattr(model, "reconstruct") else False
        if images is not False:
            callbacks.append(ImageGrid(os.path.join(out, "samples"), seed=seed, images=images))
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(os.path.join(out, "tensorboard")))
    return callbacks


def train(spec, out, resume=False, limit=None, verbose=1, callbacks=(), overwrite=False,
          tensorboard=False, monitor=True):
    """Builds (or resumes) the spec's model, trains it, checkpoints every epoch.

    A folder that already holds a run is refused unless `resume` (the run must be the
    same: `RUN_FIELDS`) or `overwrite`; a folder with a user's file where the run writes
    is always refused, and so is a folder another run is writing (`run_lock`).
    Returns `(model, history, seconds, (x_train, y_train))`.
    """
    with run_lock(out):
        return _train(spec, out, resume, limit, verbose, callbacks, overwrite, tensorboard, monitor)


def resume_point(out, spec, x, y, record):
    """`(checkpoint path, state)` to resume the run in `out` from: the committed one, else
    (no committed state) the newest checkpoint that loads and matches `run.json`."""
    from kerasgen.callbacks.epoch_checkpoint import latest_checkpoint, uncommitted_checkpoint

    check_same_run(out, record)
    checkpoint, state = latest_checkpoint(out)
    if checkpoint is None:
        checkpoint, state = uncommitted_checkpoint(out, build_model(spec, x, y))
        state["history"] = read_metrics_log(os.path.join(out, "metrics.csv"), state["epoch"])
        print(f"{out} has no committed checkpoint state; using {state['file']}, the newest "
              "checkpoint that loads and matches run.json")
    return checkpoint, state


def _train(spec, out, resume, limit, verbose, callbacks, overwrite, tensorboard, monitor):
    import keras

    from kerasgen import recipes
    from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint
    from kerasgen_runtime.files import write_json

    recipe = recipes.get(spec["recipe"])
    epochs, batch_size, seed = spec["epochs"], spec["batch_size"], spec.get("seed", 0)
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if tensorboard:
        import importlib.util

        if importlib.util.find_spec("tensorboard") is None:
            raise ValueError("--tensorboard needs the tensorboard package, which is not installed "
                             "(pip install tensorboard)")
    removed = start_run(out, resume, overwrite)
    if removed:
        print(f"Removed {len(removed)} temporary file(s) an interrupted run left in {out}")
    keras.utils.set_random_seed(seed)
    report = {}
    (x, y), validation = prepare_data(spec, limit, report)
    if "data" in report:
        print(f"Data: {report['data']}")
    if "subset" in report:
        print(f"Training on {report['subset']}")
    record = run_record(spec, x, y, limit, report)

    checkpoint, state = resume_point(out, spec, x, y, record) if resume else (None, None)
    history, initial_epoch, seconds = {}, 0, 0.0
    if checkpoint is not None:
        model = keras.saving.load_model(checkpoint, safe_mode=True)
        history, initial_epoch, seconds = state["history"], state["epoch"], state["seconds"]
        print(f"Resuming from epoch {initial_epoch} ({checkpoint})")
    else:
        model = build_model(spec, x, y)
        if overwrite:  # only now that the new run's data and model are good
            remove_run(out)
    write_json(os.path.join(out, RUN_FILE), record)
    rewrite_metrics_log(os.path.join(out, "metrics.csv"), history)

    inputs = training_inputs(spec, recipe, x, y, initial_epoch)
    patience = spec.get("early_stopping_patience", 0) if validation is not None else 0
    stopping = early_stopping(out, patience, state) if patience else None
    saver = EpochCheckpoint(out, history, seconds, early_stopping=stopping,
                            metrics_log=os.path.join(out, "metrics.csv"))
    extra = monitoring_callbacks(model, out, spec, x, validation, initial_epoch, tensorboard) if monitor else []
    # The collapse monitor adds its logs before the checkpoint and the CSV record them;
    # early stopping updates its counters before the checkpoint records them.
    first = [c for c in extra if type(c).__name__ == "PosteriorCollapseMonitor"]
    first += [stopping] if stopping is not None else []
    all_callbacks = [epoch_sync(inputs), *first, saver, *[c for c in extra if c not in first], *callbacks]
    if verbose and not any(isinstance(c, keras.callbacks.ProgbarLogger) for c in all_callbacks):
        all_callbacks.append(step_progress())
    fit_kwargs = {"shuffle": False}  # the order is the dataset's: a function of (seed, epoch)
    if validation is not None:
        fit_kwargs["validation_data"] = validation if recipe.labels else (validation[0],)
        fit_kwargs["validation_batch_size"] = batch_size
    stopped = stopping is not None and (stopping.resumed_state or {}).get("stopped_epoch", 0) > 0
    if initial_epoch < epochs and not stopped:
        model.fit(inputs, epochs=epochs, initial_epoch=initial_epoch, verbose=verbose,
                  callbacks=all_callbacks, **fit_kwargs)
    elif stopped and stopping.resumed_best_weights is not None:  # it had stopped: as it ended
        model.set_weights(stopping.resumed_best_weights)
    return model, saver.history, saver.seconds, (x, y)


def early_stopping(out, patience, state):
    """Early stopping on `val_loss` that restores the best weights, resumed from the
    committed checkpoint `state` (its counters, and the best epoch's checkpoint)."""
    import keras

    from kerasgen.callbacks import ResumableEarlyStopping
    from kerasgen_runtime.files import sha256_file

    resumed = (state or {}).get("early_stopping")
    best_weights = None
    best = (resumed or {}).get("best_checkpoint")
    if best:
        path = os.path.join(out, os.path.basename(best["file"]))
        if not (os.path.isfile(path) and sha256_file(path) == best.get("sha256")):
            raise ValueError(f"--resume: the best epoch's checkpoint {path!r} that early stopping "
                             "restores is missing or damaged (sha256 mismatch); pass --overwrite "
                             "to start again")
        best_weights = keras.saving.load_model(path, safe_mode=True).get_weights()
    return ResumableEarlyStopping(state=resumed, best_weights=best_weights, monitor="val_loss",
                                  patience=patience, restore_best_weights=True)
