"""Runs a training recipe: data, preprocessing, validation slice, early stopping, resume.

A *spec* is a plain dict (a zoo entry's `recipe.json`, or a registered recipe's
defaults) with these keys:

| key                 | meaning                                                         |
|---------------------|-----------------------------------------------------------------|
| `recipe`            | registered builder name (`kerasgen.recipes`)                    |
| `hyperparameters`   | keyword arguments of the builder                                |
| `data`              | dataset name (`kerasgen.datasets`) or a folder of images        |
| `preprocessing`     | `unit` ([0, 1]), `signed` ([-1, 1]), `dynamic_binarization`     |
|                     | (a fresh binary sample each epoch) or `none` (2-D points)      |
| `validation_per_class` | hold out the last N training rows of each class (0: none)   |
| `early_stopping_patience` | stop when `val_loss` has not improved for N epochs and  |
|                     | restore the best weights (0: off; needs a validation slice)     |
| `augmentation_shift` | random shifts of up to N pixels each batch (labelled images) |
| `epochs`, `batch_size`, `seed` | as in `fit`                                          |
"""

import json
import os

import numpy as np

from kerasgen import datasets

CHECKPOINT = "checkpoint.keras"
CHECKPOINT_STATE = "checkpoint.json"
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


def prepare_data(spec, limit=None):
    """Returns `(train_inputs, validation_data, (x_train, y_train))` for `fit`."""
    preprocessing = spec["preprocessing"]
    if preprocessing not in PREPROCESSING:
        raise ValueError(f"preprocessing must be one of {list(PREPROCESSING)}, got {preprocessing!r}")
    data = spec["data"]
    if os.path.isdir(str(data)):
        x, y = datasets.from_folder(data)
    else:
        (x, y), _ = datasets.load(data)
    if limit:
        x, y = x[:limit], None if y is None else y[:limit]
    (x, y), validation = split_validation(x, y, spec.get("validation_per_class", 0))
    if preprocessing == "signed":
        x = datasets.to_signed_range(x)
        validation = None if validation is None else (datasets.to_signed_range(validation[0]), validation[1])
    if preprocessing == "dynamic_binarization" and validation is not None:
        # A fixed binary sample of the validation images, so val_loss is comparable.
        validation = (datasets.binarize(validation[0], seed=spec.get("seed", 0) + 1), validation[1])
    return (x, y), validation


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
    return recipe.build(x.shape[1:], num_classes=num_classes, **spec.get("hyperparameters", {}))


def train(spec, out, resume=False, limit=None, verbose=1, callbacks=()):
    """Builds (or resumes) the spec's model, trains it, checkpoints every epoch.

    Returns `(model, history, seconds, (x_train, y_train))`.
    """
    import keras

    from kerasgen import recipes
    from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint
    from kerasgen.dynamic_binarization import DynamicBinarization

    recipe = recipes.get(spec["recipe"])
    epochs, batch_size, seed = spec["epochs"], spec["batch_size"], spec.get("seed", 0)
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(seed)
    (x, y), validation = prepare_data(spec, limit)

    checkpoint = os.path.join(out, CHECKPOINT)
    state_path = os.path.join(out, CHECKPOINT_STATE)
    history, initial_epoch, seconds = {}, 0, 0.0
    if resume and os.path.exists(checkpoint):
        model = keras.saving.load_model(checkpoint, safe_mode=True)
        with open(state_path) as f:
            state = json.load(f)
        history, initial_epoch, seconds = state["history"], state["epoch"], state["seconds"]
        print(f"Resuming from epoch {initial_epoch} ({checkpoint})")
    else:
        model = build_model(spec, x, y)

    fit_kwargs = {"batch_size": batch_size, "shuffle": True}
    if spec["preprocessing"] == "dynamic_binarization":
        inputs = (DynamicBinarization(x, batch_size, seed=seed + initial_epoch),)
        fit_kwargs = {}
    elif spec.get("augmentation_shift"):
        from kerasgen.random_shift import RandomShift

        inputs = (RandomShift(x, y, batch_size, spec["augmentation_shift"], seed=seed + initial_epoch),)
        fit_kwargs = {}
    elif recipe.labels:
        inputs = (x, y)
    else:
        inputs = (x,)
    all_callbacks = [EpochCheckpoint(checkpoint, state_path, history, seconds), *callbacks]
    if validation is not None:
        fit_kwargs["validation_data"] = validation if recipe.labels else (validation[0],)
        patience = spec.get("early_stopping_patience", 0)
        if patience:
            all_callbacks.append(
                keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
            )
    if initial_epoch < epochs:
        model.fit(*inputs, epochs=epochs, initial_epoch=initial_epoch, verbose=verbose,
                  callbacks=all_callbacks, **fit_kwargs)
    saver = all_callbacks[0]
    return model, saver.history, saver.seconds, (x, y)
