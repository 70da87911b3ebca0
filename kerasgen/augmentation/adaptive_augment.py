"""ADA's probability schedule (Karras et al. 2020) over DiffAugment's transforms."""

import keras
from keras import ops

from kerasgen.augmentation.diff_augment import DEFAULT_POLICY, DiffAugment, diff_augment


def _check_number(name, value, low, high, expected):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value


@keras.saving.register_keras_serializable(package="kerasgen")
class AdaptiveAugment(DiffAugment):
    """Augmentation whose strength follows the discriminator's overfitting (ADA).

    Each transform of `policy` is applied to each image with probability p, a
    non-trainable weight that starts at 0 (saved in `.keras` files and checkpoints, so
    a resumed run continues with it). After every discriminator update the model
    reports r_t = E[sign(D(real))] of its real batch (D's raw output against its
    decision threshold); every `interval` updates p moves by
    `sign(r_t - target) * images / adjustment_images` (images: the real examples seen
    in the interval) and is clipped to [0, 1]. So p rises while the discriminator is
    confident on the training images (r_t above `target`, the sign of overfitting)
    and falls otherwise; it can go from 0 to 1 in `adjustment_images` images.

    What this is and is not: ADA's overfitting heuristic r_t and its p schedule, with
    the paper's defaults (target 0.6, an adjustment every 4 minibatches, 500k images
    from 0 to 1), applied over DiffAugment's differentiable transforms (brightness,
    saturation, contrast, translation, cutout). It is not ADA's 18-transform pipeline
    (no rotations, flips, scaling, anisotropic or frequency filtering, noise), and p
    gates each transform per image as in ADA, but over these five.

    Args:
        policy: the transforms, as `DiffAugment`'s (default `"color,translation,cutout"`).
        target: the r_t that p is steered to (0.6 in the paper).
        adjustment_images: real images in which p can go from 0 to 1 (the speed; 500k
            in the paper; smaller moves faster, for small datasets).
        interval: discriminator updates between adjustments (4 in the paper).

    Example:
    ```python
    ada = kerasgen.augmentation.AdaptiveAugment(adjustment_images=50_000)
    gan = kerasgen.models.GAN(generator, discriminator, augment="ada",
                              ada_adjustment_images=50_000)  # what the models build
    ```

    Reference:
        Karras et al., "Training Generative Adversarial Networks with Limited Data",
        NeurIPS 2020; Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
        Training", NeurIPS 2020.
    """

    adaptive = True

    def __init__(self, policy=DEFAULT_POLICY, target=0.6, adjustment_images=500_000, interval=4, **kwargs):
        super().__init__(policy, **kwargs)
        self.target = float(_check_number("ada_target", target, -1, 1, "a float in [-1, 1]"))
        self.adjustment_images = int(_check_number(
            "ada_adjustment_images", adjustment_images, 1, float("inf"), "a positive number of images"
        ))
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"ada_interval must be a positive int (discriminator updates), got {interval!r}")
        self.interval = interval

        def state(name):
            return self.add_weight(shape=(), initializer="zeros", trainable=False, dtype="float32", name=name)

        self.probability = state("probability")
        # Since the last adjustment: sum of the signs, real examples, updates.
        self.sign_sum, self.sign_count, self.updates = state("sign_sum"), state("sign_count"), state("updates")

    def augment(self, images, seed=None):
        return diff_augment(images, self.policy, seed, probability=self.probability.value)

    def observe(self, r_t, count):
        """Takes one update's mean sign `r_t` over `count` real examples; every
        `interval` updates, moves p toward the target and starts a new interval."""
        r_t = ops.cast(ops.stop_gradient(r_t), "float32")
        count = ops.cast(count, "float32")
        # `.value`: the current values (JAX's traced state inside a training step).
        sign_sum, sign_count = self.sign_sum.value + r_t * count, self.sign_count.value + count
        updates = self.updates.value + 1.0
        adjust = updates >= self.interval
        interval_r_t = sign_sum / ops.maximum(sign_count, 1.0)
        step = ops.sign(interval_r_t - self.target) * sign_count / float(self.adjustment_images)
        probability = ops.clip(self.probability.value + step, 0.0, 1.0)
        self.probability.assign(ops.where(adjust, probability, self.probability.value))
        self.sign_sum.assign(ops.where(adjust, 0.0, sign_sum))
        self.sign_count.assign(ops.where(adjust, 0.0, sign_count))
        self.updates.assign(ops.where(adjust, 0.0, updates))

    def get_config(self):
        config = super().get_config()
        config.update(target=self.target, adjustment_images=self.adjustment_images, interval=self.interval)
        return config
