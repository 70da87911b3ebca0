"""`color_digits32`: scikit-learn's 8x8 digits as 32x32 RGB images in seeded random colours.

An offline RGB dataset for colour GANs: 1,797 images in 10 classes, small enough to
train on a CPU, with two sources of variation a generator must cover (the digit's
shape and the pair of colours).
"""

import numpy as np

# Foreground and background colours are redrawn until their mean intensities differ by
# at least this much, so that every digit stays legible.
MIN_CONTRAST = 0.3


def load_color_digits32(seed=0, test_fraction=0.2):
    """Returns `(x_train, y_train), (x_test, y_test)`: float32 (N, 32, 32, 3) in [0, 1].

    Each 8x8 digit (scikit-learn's `load_digits`, intensities / 16) is upscaled x4 with
    bilinear interpolation and becomes the alpha mask between a background and a
    foreground colour, both drawn uniformly in RGB per image from
    `numpy.random.default_rng(seed)` (redrawn while their mean intensities differ by less
    than `MIN_CONTRAST`). The split is `digits`'s: the last 20% of rows are test.
    """
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    alpha = bunch.images.astype("float32") / 16.0
    alpha = np.clip(zoom(alpha, (1, 4, 4), order=1, mode="nearest", grid_mode=True), 0.0, 1.0)
    background, foreground = colour_pairs(len(alpha), seed)
    alpha = alpha[..., None]
    x = (background[:, None, None, :] * (1.0 - alpha) + foreground[:, None, None, :] * alpha)
    x = x.astype("float32")
    y = bunch.target.astype("int64")
    cut = int(round(len(x) * (1.0 - test_fraction)))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def colour_pairs(count, seed):
    """`count` (background, foreground) RGB pairs whose mean intensities differ enough."""
    rng = np.random.default_rng(seed)
    background = rng.uniform(0.0, 1.0, (count, 3))
    foreground = rng.uniform(0.0, 1.0, (count, 3))
    weak = np.abs(background.mean(1) - foreground.mean(1)) < MIN_CONTRAST
    while weak.any():
        foreground[weak] = rng.uniform(0.0, 1.0, (int(weak.sum()), 3))
        weak = np.abs(background.mean(1) - foreground.mean(1)) < MIN_CONTRAST
    return background.astype("float32"), foreground.astype("float32")
