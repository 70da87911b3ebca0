"""Tabular data: a CSV file, a 2-D `.npy` array or a bundled table (scikit-learn's
offline tables by name: `sklearn:breast_cancer`, `sklearn:wine`, `sklearn:diabetes`,
their target as the column `target`) as rows of numbers for dense models.

Rules (stated once, applied everywhere a table is read):

- **Column kinds.** A CSV column whose every present value parses as a number is
  *numeric*; one where no value does is *categorical* (one-hot, categories sorted); a mix
  is refused, naming the column, the row and the value (name the column in
  `categorical=` to one-hot it anyway, e.g. integer codes). A `.npy` array is all
  numeric, its columns named `"0"`, `"1"`, ...
- **Missing values** (an empty cell, `NA`, `NaN`, `nan`, `?`, `null`) are refused by
  default, naming the column and the first row. `impute="mean"` fills a numeric column
  with the mean of its present values and a categorical one with its most frequent
  category (both measured on the rows read).
- **Encoding.** The model sees numeric columns in their own units (its first layer,
  `kerasgen.data.Standardize`, standardizes them with statistics stored in the model)
  and categorical columns one-hot; `columns` describes the layout.
- **A label column** (`label_column=`) is taken out of the features and returned as int
  labels (its sorted distinct values are classes 0, 1, ...).
"""

import csv
import os

import numpy as np

TABLE_EXTENSIONS = (".csv", ".npy")
MISSING = ("", "na", "nan", "?", "null", "none")
IMPUTE = ("refuse", "mean")
BUNDLED_PREFIX = "sklearn:"
BUNDLED_TABLES = ("breast_cancer", "wine", "diabetes")


class Table:
    """Rows read from a file: `x` (float32, numeric columns then one-hot groups in
    column order), `y` (int labels or None), `columns` (one dict per column: `name`,
    `kind` and, for categorical columns, `categories`), `classes` (label values)."""

    def __init__(self, x, y, columns, classes=None, source=None):
        self.x, self.y, self.columns, self.classes, self.source = x, y, columns, classes, source

    @property
    def num_features(self):
        return int(self.x.shape[1])


def is_table_path(data):
    """True for a `.csv` or `.npy` file name (existing or not: the reader names it) or a
    bundled table name (`sklearn:NAME`)."""
    return is_bundled(data) or (isinstance(data, (str, os.PathLike))
                                and str(data).lower().endswith(TABLE_EXTENSIONS))


def is_bundled(data):
    """True for a bundled table name, `sklearn:NAME` (checked when it is read)."""
    return isinstance(data, str) and data.startswith(BUNDLED_PREFIX)


def read_bundled(name):
    """Header and rows of scikit-learn's bundled table `sklearn:NAME` (no download)."""
    table = name[len(BUNDLED_PREFIX):]
    if table not in BUNDLED_TABLES:
        raise ValueError(f"data {name!r} is not a bundled table; expected one of "
                         f"{[BUNDLED_PREFIX + t for t in BUNDLED_TABLES]}")
    import sklearn.datasets

    frame = getattr(sklearn.datasets, f"load_{table}")(as_frame=True).frame
    return [str(column) for column in frame.columns], frame.to_numpy("float64").tolist()


def read_table(path, columns=None, impute="refuse", categorical=(), label_column=None):
    """Reads a table file; see the module docstring for the rules.

    Args:
        path: a `.csv` file with a header row, a 2-D numeric `.npy` array, or a bundled
            table name (`sklearn:breast_cancer`).
        columns: the layout a model was trained on (its `columns`): the file must have
            the same feature columns, and categorical values are one-hot with the
            model's categories. None: the layout is read from this file.
        impute: `"refuse"` (default) or `"mean"` (see the module docstring).
        categorical: names of columns to one-hot even though their values are numbers.
        label_column: the name of a column holding class labels, taken out of `x`.
    """
    path = os.fspath(path)
    if impute not in IMPUTE:
        raise ValueError(f"impute must be one of {list(IMPUTE)}, got {impute!r}")
    if not is_table_path(path):
        raise ValueError(f"data {path!r} must be a .csv or .npy file")
    if is_bundled(path):
        header, cells = read_bundled(path)
    elif not os.path.isfile(path):
        raise ValueError(f"data {path!r}: no such file")
    else:
        header, cells = (_read_npy(path) if path.lower().endswith(".npy") else _read_csv(path))
    y, classes = None, None
    if label_column is not None:
        if label_column not in header:
            raise ValueError(f"label_column {label_column!r} is not a column of {path!r} "
                             f"(columns: {header})")
        index = header.index(label_column)
        labels = [row[index] for row in cells]
        header = header[:index] + header[index + 1:]
        cells = [row[:index] + row[index + 1:] for row in cells]
        y, classes = _labels(labels, label_column, path)
    if columns is None:
        unknown = sorted(set(categorical) - set(header))
        if unknown:
            raise ValueError(f"categorical column(s) {unknown} are not columns of {path!r} "
                             f"(columns: {header})")
        columns = [_infer_column(name, [row[i] for row in cells], name in categorical, path)
                   for i, name in enumerate(header)]
    else:
        expected = [column["name"] for column in columns]
        if header != expected:
            raise ValueError(f"data {path!r} has columns {header}, but the model was trained "
                             f"on columns {expected}")
    parts = [_encode_column(column, [row[i] for row in cells], impute, path)
             for i, column in enumerate(columns)]
    x = np.concatenate(parts, axis=1).astype("float32")
    return Table(x, y, columns, classes, source=path)


def _read_csv(path):
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    if not rows:
        raise ValueError(f"data {path!r} is empty: expected a header row and at least one data row")
    header = [name.strip() for name in rows[0]]
    if len(rows) < 2:
        raise ValueError(f"data {path!r} has a header but no data rows")
    if len(set(header)) != len(header) or "" in header:
        raise ValueError(f"data {path!r}: header names must be distinct and non-empty, got {header}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"data {path!r}: line {number} has {len(row)} values, the header "
                             f"has {len(header)} columns")
    return header, [[cell.strip() for cell in row] for row in rows[1:]]


def _read_npy(path):
    array = np.load(path, allow_pickle=False)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number) or len(array) == 0:
        raise ValueError(f"data {path!r} must hold a non-empty 2-D numeric array (rows, "
                         f"columns), got shape {array.shape} dtype {array.dtype}")
    return [str(i) for i in range(array.shape[1])], array.astype("float64").tolist()


def _number(cell):
    if isinstance(cell, float):
        return cell
    try:
        return float(cell)
    except ValueError:
        return None


def _is_missing(cell):
    return (isinstance(cell, float) and np.isnan(cell)) or (
        isinstance(cell, str) and cell.lower() in MISSING)


def _infer_column(name, values, categorical, path):
    present = [(row, v) for row, v in enumerate(values, start=2) if not _is_missing(v)]
    if not present:
        raise ValueError(f"column {name!r} of {path!r} has no values (every row is missing)")
    if categorical:
        return {"name": name, "kind": "categorical",
                "categories": sorted({_category(v) for _, v in present})}
    bad = [(row, v) for row, v in present if _number(v) is None]
    if not bad:
        return {"name": name, "kind": "numeric"}
    if len(bad) == len(present):
        return {"name": name, "kind": "categorical", "categories": sorted({v for _, v in present})}
    row, value = bad[0]
    raise ValueError(f"column {name!r} of {path!r} is numeric but line {row} holds {value!r} "
                     f"({len(bad)} such value(s)); fix the file, or one-hot the column with "
                     f"categorical=[{name!r}] (--categorical {name})")


def _category(value):
    number = _number(value)
    return value if number is None else f"{number:g}"


def _encode_column(column, values, impute, path):
    missing = [row for row, v in enumerate(values, start=2) if _is_missing(v)]
    if missing and impute == "refuse":
        raise ValueError(f"column {column['name']!r} of {path!r} has {len(missing)} missing "
                         f"value(s) (first at line {missing[0]}); fill them, or pass "
                         f"impute='mean' (--impute mean)")
    if column["kind"] == "numeric":
        numbers = np.array([np.nan if _is_missing(v) else _number(v) for v in values], "float64")
        if np.isnan(numbers).all():
            raise ValueError(f"column {column['name']!r} of {path!r} has no values to impute from")
        for row, v in enumerate(values, start=2):
            if not _is_missing(v) and _number(v) is None:
                raise ValueError(f"column {column['name']!r} of {path!r} is numeric but line "
                                 f"{row} holds {v!r}")
        if not np.all(np.isfinite(numbers[~np.isnan(numbers)])):
            raise ValueError(f"column {column['name']!r} of {path!r} holds an infinite value")
        numbers[np.isnan(numbers)] = np.nanmean(numbers)
        return numbers[:, None]
    categories = column["categories"]
    labels = [None if _is_missing(v) else _category(v) if _number(v) is not None else v for v in values]
    present = [v for v in labels if v is not None]
    unknown = sorted(set(present) - set(categories))
    if unknown:
        raise ValueError(f"column {column['name']!r} of {path!r} holds {unknown[:3]}, which the "
                         f"model's categories {categories} do not include")
    if missing:
        most = max(categories, key=present.count)
        labels = [most if v is None else v for v in labels]
    one_hot = np.zeros((len(values), len(categories)), "float64")
    one_hot[np.arange(len(values)), [categories.index(v) for v in labels]] = 1.0
    return one_hot


def _labels(values, name, path):
    if any(_is_missing(v) for v in values):
        raise ValueError(f"label_column {name!r} of {path!r} has missing labels")
    keys = [_category(v) for v in values]
    numeric = all(_number(k) is not None for k in keys)
    classes = sorted(set(keys), key=_number if numeric else None)  # 2 before 10 for numbers
    return np.array([classes.index(k) for k in keys], "int64"), classes


def layout(columns):
    """Per column: `(start, stop)` of its slots in `x` (1 numeric slot, or one per category)."""
    spans, start = [], 0
    for column in columns:
        width = 1 if column["kind"] == "numeric" else len(column["categories"])
        spans.append((start, start + width))
        start += width
    return spans


def feature_statistics(columns, x):
    """`(mean, std)` per slot of `x`: a numeric column's own (std 1 if constant), 0 and 1
    for one-hot slots (they are left as they are)."""
    x = np.asarray(x, "float64")
    mean, std = np.zeros(x.shape[1]), np.ones(x.shape[1])
    for column, (start, stop) in zip(columns, layout(columns)):
        if column["kind"] == "numeric":
            mean[start] = x[:, start].mean()
            spread = x[:, start].std()
            std[start] = spread if spread > 0 else 1.0
    return mean.astype("float32"), std.astype("float32")


def decode_rows(columns, x):
    """Model outputs (numbers, category probabilities) -> rows of values, one per example:
    numeric values as they are, each categorical column its most probable category."""
    rows = []
    spans = layout(columns)
    for values in np.asarray(x):
        row = []
        for column, (start, stop) in zip(columns, spans):
            if column["kind"] == "numeric":
                row.append(float(values[start]))
            else:
                row.append(column["categories"][int(np.argmax(values[start:stop]))])
        rows.append(row)
    return rows


def write_csv(path, columns, x):
    """Writes model outputs `x` as a CSV with the table's header (atomically)."""
    import io

    from kerasgen_runtime.files import write_text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column["name"] for column in columns])
    for row in decode_rows(columns, x):
        writer.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    write_text(path, buffer.getvalue())
