"""Where data comes from: a dataset name, a folder of images or a table file; and the
examples for commands that read data a model was not trained on (`kerasgen encode`,
`kerasgen evaluate --metrics linear_probe,anomaly`)."""

import os

import numpy as np

from kerasgen.data.folders import from_folder
from kerasgen.data.named_datasets import NAMES, load
from kerasgen.data.subsets import subset_rows
from kerasgen.data.tables import is_table_path, read_table

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


def load_examples(data, columns=None, label_column=None, color_mode="auto", image_size=None):
    """`(x, y)` of every row of a table file, every image of a folder, or the whole of a
    dataset name (train then test split). `columns`: the table layout of the model."""
    if is_table_path(data):
        table = read_table(data, columns=columns, label_column=label_column)
        return table.x, table.y
    if label_column is not None:
        raise ValueError(f"--label-column applies to a .csv or .npy table, got data {data!r}")
    kind, source = resolve_source(data)
    if kind == "folder":
        return from_folder(source, image_size=image_size, color_mode=color_mode)
    (x_train, y_train), (x_test, y_test) = load(source)
    return np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])


def load_split(data, split="test", columns=None, label_column=None, seed=0):
    """One split: a dataset name's own, or of a file / folder a seeded stratified
    `TEST_FRACTION` of the rows as test and the rest as train (see `load_splits`)."""
    train, test = load_splits(data, columns, label_column, seed)
    return test if split == "test" else train


def load_splits(data, columns=None, label_column=None, seed=0):
    """`(x_train, y_train), (x_test, y_test)` of a dataset name (its fixed split), or a
    seeded random split of a table file or folder (stratified where there are labels)."""
    if not is_table_path(data) and resolve_source(data)[0] == "name":
        return load(data)
    x, y = load_examples(data, columns, label_column)
    test = np.zeros(len(x), dtype=bool)
    test[subset_rows(len(x), max(1, int(round(TEST_FRACTION * len(x)))), y, seed)] = True
    pick = (lambda rows: None if y is None else y[rows])
    return (x[~test], pick(~test)), (x[test], pick(test))
