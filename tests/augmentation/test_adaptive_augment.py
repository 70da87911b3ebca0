"""ADA's probability: 0 at first (no change), steered by r_t toward the target every
`interval` updates at the set speed, kept in [0, 1]."""

import numpy as np
import pytest
from keras import ops

from kerasgen.augmentation import AdaptiveAugment, diff_augment


def p(layer):
    return float(ops.convert_to_numpy(layer.probability))


def test_p_rises_while_r_t_is_above_the_target_and_falls_below_it():
    layer = AdaptiveAugment(target=0.6, adjustment_images=1000, interval=2)
    layer.observe(0.9, 100)
    assert p(layer) == 0.0  # one update of an interval of 2: no adjustment yet
    layer.observe(0.7, 100)
    assert p(layer) == pytest.approx(0.2)  # 200 images of 1000 from 0 to 1
    for _ in range(20):
        layer.observe(1.0, 100)
    assert p(layer) == 1.0  # clipped
    layer.observe(0.5, 100)
    layer.observe(0.6, 100)  # the interval's r_t, 0.55, is below the target
    assert p(layer) == pytest.approx(0.8)
    for _ in range(20):
        layer.observe(-1.0, 100)
    assert p(layer) == 0.0


def test_p_gates_each_transform_per_image():
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 3)).astype("float32")
    layer = AdaptiveAugment("color,translation,cutout")
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.augment(images, 0)), images)  # p = 0
    layer.probability.assign(1.0)
    assert not np.any(np.all(ops.convert_to_numpy(layer.augment(images, 0)) == images, axis=(1, 2, 3)))
    layer.probability.assign(0.5)
    out = ops.convert_to_numpy(layer.augment(images, 0))
    unchanged = np.all(out == images, axis=(1, 2, 3)).mean()  # 0.5 ** 5 of the images
    assert 0 < unchanged < 0.2
    assert diff_augment(images, "cutout", 0, probability=0.0).shape == images.shape


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match=r"ada_target must be a float in \[-1, 1\], got 2"):
        AdaptiveAugment(target=2)
    with pytest.raises(ValueError, match="ada_adjustment_images must be a positive number of images, got 0"):
        AdaptiveAugment(adjustment_images=0)
    with pytest.raises(ValueError, match="ada_interval must be a positive int"):
        AdaptiveAugment(interval=0)
