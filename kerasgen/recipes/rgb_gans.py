"""The `gan_rgb` recipe: a ResNet GAN for a folder of 32x32 or 64x64 RGB images."""

from kerasgen import models, networks
from kerasgen.augmentation import DEFAULT_POLICY
from kerasgen.recipes import register
from kerasgen.recipes.gans import adam

# Up-blocks of the generator (and down-blocks of the discriminator) by image size: both
# networks work at 4x4 at their narrow end.
BLOCKS = {32: 3, 64: 4}


def check_rgb_shape(data_shape):
    """Refuses anything but a 32x32 or 64x64 RGB image shape, naming the flag to fix it."""
    data_shape = tuple(int(v) for v in data_shape)
    if len(data_shape) != 3 or data_shape[0] != data_shape[1] or data_shape[0] not in BLOCKS:
        raise ValueError(
            f"data_shape must be 32x32 or 64x64 images for recipe 'gan_rgb', got {data_shape}; "
            "resize the images with --image-size 32 32 or --image-size 64 64"
        )
    if data_shape[2] != 3:
        raise ValueError(
            f"data_shape must have 3 (RGB) channels for recipe 'gan_rgb', got {data_shape}; "
            "load the images with --color-mode rgb"
        )
    return data_shape


def rgb_divisor(image_shape):
    return 2 ** BLOCKS.get(int(image_shape[0]), 3)


@register("gan_rgb", epochs=40, batch_size=64, data="color_digits32", value_range=(-1.0, 1.0),
          image_divisor=rgb_divisor)
def build_gan_rgb(data_shape, num_classes=None, latent_dim=128, generator_filters=64,
                  discriminator_filters=64, loss="hinge", learning_rate=2e-4,
                  discriminator_learning_rate=None, beta_1=0.0, beta_2=0.999,
                  generator_ema=0.99, seed=0, augment=None, augment_policy=DEFAULT_POLICY,
                  ada_target=0.6, ada_adjustment_images=500_000):
    """SNGAN-style GAN for 32x32 or 64x64 RGB images (Miyato et al. 2018).

    `ResNetGenerator` and `ResNetDiscriminator` (spectral norm on every discriminator
    layer) with `generator_filters` / `discriminator_filters` channels in each of their
    3 (32x32) or 4 (64x64) blocks (SNGAN used 256 / 128 on CIFAR-10; 64 here fits a
    CPU), the hinge loss, Adam(2e-4, beta_1=0, beta_2=0.999) for both players (or
    `discriminator_learning_rate` for the discriminator's: TTUR, Heusel et al. 2017)
    and an exponential moving average of the generator's weights (`generator_ema`,
    0.99 by default; 0 turns it off; see `adam`). Keras's average starts at the initial
    weights with no warm-up, so the usual 0.999 would still hold 0.999**1000 = 37% of
    the random initialization after the ~1,000 steps a CPU run makes; 0.99 forgets it
    within a few hundred. `augment` (`"diffaugment"`, Zhao et al. 2020, with
    `augment_policy`; or `"ada"`) augments what the discriminator sees, real and
    generated alike (see `kerasgen.models.GAN`); off by default: at 1,200 CPU seconds on
    two small RGB folders (`benchmarks/gan_small_data.py`) no augmentation gave FID 50.4
    and 13.5, DiffAugment's colour, translation and cutout 244.9 (a class lost) and 8.8,
    translation and cutout alone 67.7 and 23.3. One discriminator step per generator step; the fake batch
    is shared by both players' updates. The defaults (40 epochs, batch 64) are sized
    for a few thousand images on a CPU.
    """
    data_shape = check_rgb_shape(data_shape)
    blocks = BLOCKS[data_shape[0]]
    generator = networks.ResNetGenerator(latent_dim, data_shape, filters=(generator_filters,) * blocks,
                                         name="resnet_generator")
    discriminator = networks.ResNetDiscriminator(data_shape, filters=(discriminator_filters,) * blocks,
                                                 spectral_norm=True, name="resnet_discriminator")
    model = models.GAN(generator, discriminator, loss=loss, share_fake_batch=True, seed=seed, name="gan",
                       augment=augment, augment_policy=augment_policy, ada_target=ada_target,
                       ada_adjustment_images=ada_adjustment_images)
    model.compile(
        generator_optimizer=adam(learning_rate, beta_1=beta_1, beta_2=beta_2, ema=generator_ema),
        discriminator_optimizer=adam(discriminator_learning_rate or learning_rate, beta_1=beta_1,
                                     beta_2=beta_2),
        steps_per_execution=4,
    )
    return model
