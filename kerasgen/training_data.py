"""The data of a training run: the spec's examples, the validation slice, the
preprocessing, and the batches `fit` draws (each a function of the seed and the epoch).
See `kerasgen.training` for the spec's keys."""

import os

import numpy as np

from kerasgen.checks import check_positive_int
from kerasgen.data import (
    LabelledBatches, dynamic_binarization, folders, image_files, layouts, named_datasets, sources,
    subsets, summary, tables, value_ranges,
)
from kerasgen.data.dynamic_binarization import DynamicBinarization
from kerasgen.data.labelled_batches import hide_labels
from kerasgen.data.random_shift import RandomShift
from kerasgen.data.shuffled_batches import ShuffledBatches

PREPROCESSING = ("unit", "signed", "dynamic_binarization", "none")


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


def bundled_training_rows(spec, table):
    """A bundled table's training rows: all but the seeded stratified test rows that
    `kerasgen evaluate` scores (`kerasgen.data.sources.test_rows`), and of those only
    the `normal_classes` (a label column's classes) when the spec names them."""
    train = ~sources.test_rows(len(table.x), table.y, spec.get("seed", 0))
    normal = spec.get("normal_classes")
    if normal is not None:
        if table.y is None:
            raise ValueError(f"normal_classes needs a label column (table label_column), got data "
                             f"{spec['data']!r} without one")
        train &= np.isin(table.y, normal)
    return table.x[train], None if table.y is None else table.y[train]


def load_spec_data(spec, report=None):
    """`(x, y)` of the spec's data (a dataset name's training split, a folder, or a table
    file read by `kerasgen.data.read_table` with the spec's `table` options); `report`
    (a dict) receives `"data"`, one line about what was read (`kerasgen.data.summary`)."""
    report = {} if report is None else report
    if tables.is_table_path(spec["data"]):
        table = tables.read_table(spec["data"], **spec.get("table", {}))
        report["columns"] = table.columns
        if tables.is_bundled(spec["data"]):
            return bundled_training_rows(spec, table)
        return table.x, table.y
    kind, source = sources.resolve_source(spec["data"])
    color_mode, image_size = spec.get("color_mode", "auto"), spec.get("image_size")
    if kind == "folder":
        x, y = folders.from_folder(source, image_size=image_size, color_mode=color_mode)
        if not layouts.is_paired_folder(source):
            modes, skipped = summary.folder_facts(source)
            class_names = image_files.list_images(source)[2]
            report["data"] = summary.describe(source, x, y, class_names, modes=modes, skipped=skipped)
            report["class_names"] = class_names or None
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


def training_inputs(spec, recipe, x, y, initial_epoch):
    """The batches `fit` trains on, each a function of (seed, epoch, batch index)."""
    batch_size, seed = spec["batch_size"], spec.get("seed", 0)
    if spec.get("labels_per_class"):
        return LabelledBatches(x, y, batch_size, max_shift=spec.get("augmentation_shift", 0),
                               binarize=spec["preprocessing"] == "dynamic_binarization",
                               seed=seed, initial_epoch=initial_epoch)
    if spec["preprocessing"] == "dynamic_binarization":
        return DynamicBinarization(x, batch_size, seed=seed, initial_epoch=initial_epoch)
    if spec.get("augmentation_shift"):
        return RandomShift(x, y, batch_size, spec["augmentation_shift"], seed=seed,
                           initial_epoch=initial_epoch)
    return ShuffledBatches((x, y) if recipe.labels else x, batch_size, seed=seed,
                           initial_epoch=initial_epoch)


def split_held_out(spec, x, y):
    """`((x_train, y_train), held_out)`: the autopilot's held-out rows (`spec["autopilot"]`'s
    `held_out_fraction` of the training rows, a seeded random choice stratified by class,
    seed `seed + 2`) taken out of the training rows, so no batch ever holds them; `held_out`
    is `(x, y)`, or None without an autopilot. The test split is never read here."""
    settings = spec.get("autopilot")
    if not settings:
        return (x, y), None
    if spec.get("early_stopping_patience"):
        raise ValueError(f"--select-by and early_stopping_patience {spec['early_stopping_patience']} both "
                         "choose the run's model; use one of them")
    fraction = settings.get("held_out_fraction", 0.1)
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 < fraction < 1.0:
        raise ValueError(f"--select-fraction must be a number in (0, 1), got {fraction!r}")
    count = int(round(fraction * len(x)))
    if count < 10 or len(x) - count < 10:
        raise ValueError(f"--select-fraction {fraction} of {len(x)} training examples leaves {count} "
                         f"held out and {len(x) - count} to train on; both need at least 10")
    return split_random_validation(x, y, fraction, spec.get("seed", 0) + 2)
