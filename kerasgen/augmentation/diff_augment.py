"""DiffAugment (Zhao et al. 2020): differentiable augmentations of what a discriminator
sees, written with `keras.ops` and `keras.random` so they run inside a training step
on TensorFlow, JAX and torch.

Every transform maps a batch of NHWC images to a batch of the same shape, draws one
random parameter set per image from `seed` and is differentiable w.r.t. the images: shifts are products with 0/1 matrices,
cutout a product with a 0/1 mask, colour changes are affine in the pixel values. So a
generator trains through the augmented view of its samples.

`seed` is a `keras.random.SeedGenerator` (what a model passes: its own, so training is
deterministic given the model's seed, inside a compiled step) or an int or None, for
eager use: a new generator seeded with it draws all of that call's values.
"""

import keras
from keras import ops

DEFAULT_POLICY = "color,translation,cutout"  # the paper's choice for small data
TRANSLATION_RATIO = 0.125  # shift by up to 1/8 of the image size
CUTOUT_RATIO = 0.5  # a square of half the image size


def seed_generator(seed):
    """`seed` itself if it is a SeedGenerator, else a new one seeded with it (one int
    given to every draw would give every draw the same values)."""
    return seed if isinstance(seed, keras.random.SeedGenerator) else keras.random.SeedGenerator(seed)


def _per_image(images, seed):
    """One uniform value in [0, 1) per image, shaped to broadcast over (H, W, C)."""
    values = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=seed)
    return ops.cast(values, images.dtype)


def brightness(images, seed=None):
    """Adds one value in [-0.5, 0.5) to every pixel of an image."""
    return images + (_per_image(images, seed_generator(seed)) - 0.5)


def saturation(images, seed=None):
    """Scales each pixel's distance to its mean over channels by a factor in [0, 2)
    (no change for one channel, whose pixels equal their mean)."""
    mean = ops.mean(images, axis=-1, keepdims=True)
    return (images - mean) * (_per_image(images, seed_generator(seed)) * 2.0) + mean


def contrast(images, seed=None):
    """Scales each image's distance to its mean over all pixels by a factor in [0.5, 1.5)."""
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * (_per_image(images, seed_generator(seed)) + 0.5) + mean


def _shift_matrices(size, max_shift, batch, seed, dtype):
    """(batch, size, size) 0/1 matrices M with M[n, i, k] = 1 where k = i + shift[n]:
    output row i takes input row i + shift, and rows shifted in from outside are 0."""
    shifts = keras.random.randint((batch, 1, 1), -max_shift, max_shift + 1, seed=seed)
    index = ops.arange(size, dtype="int32")
    source = ops.reshape(index, (1, size, 1)) + ops.cast(shifts, "int32")
    return ops.cast(ops.equal(ops.reshape(index, (1, 1, size)), source), dtype)


def translation(images, seed=None, ratio=TRANSLATION_RATIO):
    """Shifts each image by up to `ratio` of its height and width (integer pixels, drawn
    uniformly per image and axis), filling with zeros."""
    images, seed = check_images(images), seed_generator(seed)
    height, width = images.shape[1], images.shape[2]
    batch = ops.shape(images)[0]
    rows = _shift_matrices(height, int(height * ratio + 0.5), batch, seed, images.dtype)
    columns = _shift_matrices(width, int(width * ratio + 0.5), batch, seed, images.dtype)
    images = ops.einsum("nik,nkwc->niwc", rows, images)
    return ops.einsum("njk,nhkc->nhjc", columns, images)


def _band(size, length, batch, seed):
    """(batch, size) 0/1 rows, ones on `length` positions around a uniform centre
    (clipped at the borders), as the reference code's cutout offsets."""
    centres = keras.random.randint((batch, 1), 0, size + (1 - length % 2), seed=seed)
    start = ops.cast(centres, "int32") - length // 2
    index = ops.reshape(ops.arange(size, dtype="int32"), (1, size))
    return ops.cast(ops.logical_and(index >= start, index < start + length), "float32")


def cutout(images, seed=None, ratio=CUTOUT_RATIO):
    """Sets a square of `ratio` times the image size (at a uniform position per image,
    clipped at the borders) to zero."""
    images, seed = check_images(images), seed_generator(seed)
    height, width = images.shape[1], images.shape[2]
    batch = ops.shape(images)[0]
    rows = _band(height, int(height * ratio + 0.5), batch, seed)
    columns = _band(width, int(width * ratio + 0.5), batch, seed)
    keep = 1.0 - rows[:, :, None] * columns[:, None, :]
    return images * ops.cast(keep[:, :, :, None], images.dtype)


# policy name -> its transforms, in the reference code's order
TRANSFORMS = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def check_policy(policy):
    """A comma-separated list of distinct names of `TRANSFORMS`, normalized."""
    if not isinstance(policy, str):
        raise ValueError(f"augment_policy must be a string like {DEFAULT_POLICY!r}, got {policy!r}")
    names = [name.strip() for name in policy.split(",")]
    if not all(names) or any(name not in TRANSFORMS for name in names) or len(set(names)) != len(names):
        raise ValueError(
            f"augment_policy must be distinct names from {list(TRANSFORMS)} separated by "
            f"commas (e.g. {DEFAULT_POLICY!r}), got {policy!r}"
        )
    return ",".join(names)


def check_images(images):
    shape = tuple(images.shape)
    if len(shape) != 4 or None in shape[1:]:
        raise ValueError(
            f"images must be a batch of NHWC images (batch, height, width, channels) to "
            f"augment, got shape {shape}"
        )
    return images


def diff_augment(images, policy=DEFAULT_POLICY, seed=None, probability=None):
    """Applies the transforms of `policy` in turn, each with fresh per-image parameters.

    `probability` None applies every transform to every image (DiffAugment); a scalar
    p (a float or a scalar tensor/variable) applies each transform to each image with
    probability p (the per-transform, per-image coin of ADA).
    """
    images, seed = check_images(images), seed_generator(seed)
    for name in check_policy(policy).split(","):
        for transform in TRANSFORMS[name]:
            augmented = transform(images, seed)
            if probability is not None:
                chosen = _per_image(images, seed) < ops.cast(probability, images.dtype)
                augmented = ops.where(chosen, augmented, images)
            images = augmented
    return images


@keras.saving.register_keras_serializable(package="kerasgen")
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation of a discriminator's inputs (DiffAugment).

    The GAN models hold one when built with `augment="diffaugment"` and pass every
    batch the discriminator judges, real and generated, through `augment` in training
    (never what `sample` returns). It has no weights; the randomness comes from the
    seed the caller passes (a model's own `SeedGenerator`, so training stays
    deterministic given the model's seed).

    Args:
        policy: comma-separated transforms from `"color"` (brightness, saturation,
            contrast), `"translation"` (shift by up to 1/8 of the size, zero fill) and
            `"cutout"` (zero a square of half the size); the paper's default
            `"color,translation,cutout"`.

    Example:
    ```python
    augmentation = kerasgen.augmentation.DiffAugment("translation,cutout")
    views = augmentation.augment(images, seed=keras.random.SeedGenerator(0))
    ```

    Reference:
        Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training",
        NeurIPS 2020 (https://github.com/mit-han-lab/data-efficient-gans).
    """

    adaptive = False

    def __init__(self, policy=DEFAULT_POLICY, **kwargs):
        super().__init__(**kwargs)
        self.policy = check_policy(policy)
        self.built = True

    def augment(self, images, seed=None):
        """The augmented view of a batch of NHWC images."""
        return diff_augment(images, self.policy, seed)

    def call(self, images, seed=None):
        return self.augment(images, seed)

    def observe(self, r_t, count):
        """What an adaptive augmentation learns from a discriminator update (nothing here)."""

    def get_config(self):
        config = super().get_config()
        config["policy"] = self.policy
        return config
