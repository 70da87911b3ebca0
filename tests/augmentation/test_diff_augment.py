"""DiffAugment's transforms do what they say, per image, differentiably and
deterministically given the seed, on whichever backend runs the tests."""

import keras
import numpy as np
import pytest
from keras import ops

from kerasgen import backend as kg_backend
from kerasgen.augmentation import (
    DiffAugment, brightness, check_policy, contrast, cutout, diff_augment, saturation, translation,
)


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def dots(count=64, size=16, channels=1):
    """One bright pixel at the centre of each image, zeros elsewhere."""
    images = np.zeros((count, size, size, channels), "float32")
    images[:, size // 2, size // 2, :] = 1.0
    return images


def test_translation_moves_each_image_by_at_most_an_eighth_with_zero_fill():
    out = numpy(translation(dots(), seed=0))
    assert out.shape == (64, 16, 16, 1)
    shifts = []
    for image in out[..., 0]:
        rows, columns = np.nonzero(image)
        assert len(rows) == 1 and image[rows[0], columns[0]] == 1.0  # moved, not blurred
        shifts.append((rows[0] - 8, columns[0] - 8))
    shifts = np.array(shifts)
    assert np.abs(shifts).max() == 2  # int(16 / 8 + 0.5): up to 2 pixels either way
    assert len({tuple(s) for s in shifts}) > 10  # drawn per image
    # Shifted-in pixels are zeros: a constant image loses border rows/columns.
    ones = numpy(translation(np.ones((64, 16, 16, 3), "float32"), seed=1))
    assert set(np.unique(ones)) <= {0.0, 1.0}
    assert (ones.reshape(64, -1).min(axis=1) == 0).sum() > 32


def test_cutout_zeroes_one_square_of_half_the_size_clipped_at_the_borders():
    out = numpy(cutout(np.ones((64, 16, 16, 3), "float32"), seed=0))
    for image in out:
        zero = np.all(image == 0, axis=-1)
        assert np.array_equal(zero, np.all(image == 0, axis=-1))
        assert set(np.unique(image)) == {0.0, 1.0}
        rows, columns = np.nonzero(zero.any(axis=1))[0], np.nonzero(zero.any(axis=0))[0]
        # One filled rectangle, sides of 8 (half of 16) unless clipped by a border.
        assert zero.sum() == len(rows) * len(columns)
        assert 4 <= len(rows) <= 8 and 4 <= len(columns) <= 8
        for side, size in ((rows, 16), (columns, 16)):
            assert len(side) == 8 or side[0] == 0 or side[-1] == size - 1


def test_color_keeps_the_shape_and_changes_each_image_affinely():
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 3)).astype("float32")
    brighter = numpy(brightness(images, seed=0))
    offsets = (brighter - images).reshape(32, -1)
    np.testing.assert_allclose(offsets, offsets[:, :1].repeat(offsets.shape[1], axis=1), atol=1e-6)
    assert -0.5 <= offsets.min() and offsets.max() < 0.5 and offsets[:, 0].std() > 0.1
    for transform in (saturation, contrast):
        out = numpy(transform(images, seed=0))
        assert out.shape == images.shape and not np.allclose(out, images)
    # Saturation leaves one channel alone (each pixel is its own channel mean).
    gray = images[..., :1]
    np.testing.assert_allclose(numpy(saturation(gray, seed=0)), gray, atol=1e-6)
    assert numpy(diff_augment(gray, "color", seed=0)).shape == gray.shape


def test_the_policy_runs_its_transforms_and_is_deterministic_given_the_seed():
    images = np.random.default_rng(1).uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    first = numpy(diff_augment(images, "color,translation,cutout", seed=keras.random.SeedGenerator(3)))
    second = numpy(diff_augment(images, "color,translation,cutout", seed=keras.random.SeedGenerator(3)))
    other = numpy(diff_augment(images, "color,translation,cutout", seed=keras.random.SeedGenerator(4)))
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)
    layer = DiffAugment("translation, cutout")
    assert layer.policy == "translation,cutout"
    np.testing.assert_array_equal(numpy(layer.augment(images, 5)), numpy(diff_augment(images, layer.policy, 5)))
    assert DiffAugment.from_config(layer.get_config()).policy == "translation,cutout"


def test_the_augmented_view_is_differentiable_wrt_the_images():
    images = ops.convert_to_tensor(np.random.default_rng(2).uniform(-1, 1, (4, 8, 8, 3)).astype("float32"))
    weights = ops.convert_to_tensor(np.random.default_rng(3).normal(size=(4, 8, 8, 3)).astype("float32"))
    grad = numpy(kg_backend.gradients(lambda x: ops.sum(diff_augment(x, seed=0) * weights), images))
    assert grad.shape == (4, 8, 8, 3) and np.all(np.isfinite(grad))
    assert np.count_nonzero(grad) > grad.size // 4  # cutout and the zero fill leave some out


def test_bad_input_is_refused_naming_argument_value_and_expectation():
    with pytest.raises(ValueError, match=r"images must be a batch of NHWC images .* got shape \(4, 2\)"):
        diff_augment(np.zeros((4, 2), "float32"))
    with pytest.raises(ValueError, match=r"augment_policy must be distinct names from .* got 'color,zoom'"):
        check_policy("color,zoom")
    with pytest.raises(ValueError, match="augment_policy must be"):
        DiffAugment("cutout,cutout")
