"""User arrays: NumPy arrays and `tf.data` datasets checked into float32 `(x, y)`."""

import numpy as np


def from_arrays(x, y=None, name="x"):
    """Checks user images or points and returns float32 `(x, y)`.

    `x` must be numeric with shape `(N, H, W)`, `(N, H, W, C)` or `(N, D)`, finite, and
    `y` (optional) one int label per row. Grayscale `(N, H, W)` gains a channel axis.
    """
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {x.dtype}")
    if x.ndim not in (2, 3, 4) or len(x) == 0:
        raise ValueError(
            f"{name} must have shape (N, D), (N, H, W) or (N, H, W, C) with N > 0, "
            f"got shape {x.shape}"
        )
    x = x.astype("float32")
    if x.ndim == 3:
        x = x[..., None]
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    if y is not None:
        y = np.asarray(y).reshape(-1)
        if len(y) != len(x):
            raise ValueError(f"y must have one label per row of {name} ({len(x)}), got {len(y)}")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold int labels, got dtype {y.dtype}")
        y = y.astype("int64")
    return x, y


def from_tf_dataset(dataset, limit=None):
    """Collects images (and labels if the elements are pairs) from a `tf.data.Dataset`.

    Batched datasets (leading dimension `None` in `element_spec`) and unbatched ones are
    both accepted.
    """
    spec = dataset.element_spec
    x_spec = spec[0] if isinstance(spec, tuple) else spec
    batched = len(x_spec.shape) > 0 and x_spec.shape[0] is None
    xs, ys = [], []
    count = 0
    for element in dataset.as_numpy_iterator():
        x, y = (element[0], element[1]) if isinstance(element, tuple) else (element, None)
        x = np.asarray(x) if batched else np.asarray(x)[None]
        xs.append(x)
        if y is not None:
            ys.append(np.atleast_1d(y))
        count += len(x)
        if limit is not None and count >= limit:
            break
    if not xs:
        raise ValueError("dataset must yield at least one element, got an empty dataset")
    x = np.concatenate(xs)[:limit]
    y = np.concatenate(ys)[:limit] if ys else None
    return from_arrays(x, y, name="dataset")
