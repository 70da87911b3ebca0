"""Differentiable augmentation of a discriminator's inputs, for data-efficient GAN
training: DiffAugment's transforms and ADA's adaptive probability over them. The GAN
models take them as `augment="diffaugment"` or `augment="ada"`."""

from kerasgen.augmentation.adaptive_augment import AdaptiveAugment
from kerasgen.augmentation.diff_augment import (
    DEFAULT_POLICY,
    TRANSFORMS,
    DiffAugment,
    brightness,
    check_policy,
    contrast,
    cutout,
    diff_augment,
    saturation,
    translation,
)

AUGMENTATIONS = ("diffaugment", "ada")  # the values of a GAN model's `augment`


def from_options(augment, policy=DEFAULT_POLICY, target=0.6, adjustment_images=500_000, interval=4):
    """The augmentation layer a model's `augment` option names (None for None)."""
    if augment is None:
        return None
    if augment == "diffaugment":
        return DiffAugment(policy, name="augmentation")
    if augment == "ada":
        return AdaptiveAugment(policy, target, adjustment_images, interval, name="augmentation")
    raise ValueError(f"augment must be one of {[None, *AUGMENTATIONS]}, got {augment!r}")


__all__ = [
    "AUGMENTATIONS", "AdaptiveAugment", "DEFAULT_POLICY", "DiffAugment", "TRANSFORMS", "brightness",
    "check_policy", "contrast", "cutout", "diff_augment", "from_options", "saturation", "translation",
]
