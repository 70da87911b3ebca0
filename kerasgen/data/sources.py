"""Where data comes from: a dataset name, a folder of images or a table file; and the
examples for commands that read data a model was not trained on (`kerasgen encode`,
`kerasgen evaluate --metrics linear_probe,anomaly`)."""

import os

import numpy as np

from kerasgen.data.folders import from_folder
from kerasgen.data.named_datasets import NAMES, load
from kerasgen.data.subsets import subset_rows
from kerasgen.data.tables import is_bundled, is_table_path, read_bundled, read_table

TEST_FRACTION = 0.25


def resolve_source(data):
    """`("folder", path)` for an existing folder, `("name", data)` for a dataset name.

    Anything else is refused with a message that says which of the two it failed as, so
    a mistyped folder (`digitz28`) is reported as a missing folder, not only as an
    unknown name.
    """
    text = os.fspath(data) if isinstance(data, os.PathLike) else str(data)
    if os.path.isdir(text):
        return "folder", text
    if text in NAMES:
        return "name", text
    if os.path.exists(text):
        raise ValueError(f"data must be a dataset name or a folder of images, got the file {text!r}")
    raise ValueError(
        f"data {text!r}: no folder of that name exists (from {os.getcwd()!r}) and it is not "
        f"a dataset name (name must be one of {list(NAMES)})"
    )


def load_examples(data, columns=None, label_column=None, color_mode="auto", image_size=None,
                  impute="refuse"):
    """`(x, y)` of every row of a table file, every image of a folder, or the whole of a
    dataset name (train then test split). `columns`: the table layout of the model;
    `impute`: the missing-value rule (`kerasgen.data.read_table`)."""
    if is_table_path(data):
        table = read_table(data, columns=columns, label_column=label_column, impute=impute)
        return table.x, table.y
    if label_column is not None:
        raise ValueError(f"--label-column applies to a .csv or .npy table, got data {data!r}")
    kind, source = resolve_source(data)
    if kind == "folder":
        return from_folder(source, image_size=image_size, color_mode=color_mode)
    (x_train, y_train), (x_test, y_test) = load(source)
    return np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])


def load_split(data, split="test", columns=None, label_column=None, seed=0, impute="refuse"):
    """One split: a dataset name's own, or of a file / folder a seeded stratified
    `TEST_FRACTION` of the rows as test and the rest as train (see `load_splits`)."""
    train, test = load_splits(data, columns, label_column, seed, impute)
    return test if split == "test" else train


def load_splits(data, columns=None, label_column=None, seed=0, impute="refuse"):
    """`(x_train, y_train), (x_test, y_test)` of a dataset name (its fixed split), or a
    seeded random split of a table file or folder (stratified where there are labels)."""
    if not is_table_path(data) and resolve_source(data)[0] == "name":
        return load(data)
    x, y = load_examples(data, columns, label_column, impute=impute)
    test = test_rows(len(x), y, seed)
    pick = (lambda rows: None if y is None else y[rows])
    return (x[~test], pick(~test)), (x[test], pick(test))


def test_rows(count, y, seed):
    """A boolean mask of the test rows of a file, folder or bundled table: a seeded
    random `TEST_FRACTION` of the `count` rows, stratified by `y` where it is given (the
    split `load_splits` uses, and the one a bundled table's training rows leave out)."""
    test = np.zeros(count, dtype=bool)
    test[subset_rows(count, max(1, int(round(TEST_FRACTION * count))), y, seed)] = True
    return test


def recorded_table_options(found, data, label_column=None):
    """`{"impute", "label_column"}` for reading the table `data` as the model was
    trained: from its run's `run.json` (a run folder, or a `.keras` file beside one) or
    its zoo entry's `recipe.json`. `found`: where the model came from
    (`kerasgen.commands.models.Resolved`). A `label_column` given on the command line
    wins; the recorded one applies to files that have that column."""
    import json
    import os

    recorded = {}
    if found is None:
        pass
    elif found.entry is not None:
        recorded = (found.entry.recipe or {}).get("table") or {}
    elif found.path is not None:
        run_file = os.path.join(os.path.dirname(os.path.abspath(found.path)), "run.json")
        if os.path.isfile(run_file):
            with open(run_file) as f:
                recorded = json.load(f)
    options = {"impute": recorded.get("impute") or "refuse", "label_column": label_column}
    if label_column is None and recorded.get("label_column") and is_table_path(data):
        if recorded["label_column"] in table_header(data):
            options["label_column"] = recorded["label_column"]
    return options


def table_header(path):
    """The column names of a table file (`[]` if it cannot be read: the reader says why)."""
    import csv

    try:
        if is_bundled(path):
            return read_bundled(path)[0]
        if str(path).lower().endswith(".npy"):
            return [str(i) for i in range(np.load(path, mmap_mode="r").shape[1])]
        with open(path, newline="") as f:
            return [name.strip() for name in next(csv.reader(f), [])]
    except (OSError, ValueError, IndexError, ImportError):
        return []
