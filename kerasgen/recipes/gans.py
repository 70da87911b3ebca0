"""Recipes for the GAN family: gan (2-D mixtures), dcgan, wgan_gp, cgan and vae_gan.

Image recipes use tanh generators, so they train on data in [-1, 1]
(`value_range=(-1, 1)`); the 2-D recipe trains on the raw points.
"""

import keras

from kerasgen import models, networks
from kerasgen.augmentation import DEFAULT_POLICY
from kerasgen.recipes import register


def adam(learning_rate, beta_1=0.5, beta_2=0.999, decay_steps=0, ema=0.0):
    """Adam as DCGAN uses it.

    `decay_steps` > 0 adds a cosine decay to 1% of the rate. `ema` > 0 keeps an
    exponential moving average of the weights with that momentum (Keras's `use_ema`);
    `fit` ends by copying the average into the network. Averaging the generator's
    weights (Yazici et al. 2019) smooths out the oscillation of the two-player game.
    """
    if not 0.0 <= ema < 1.0:
        raise ValueError(f"generator_ema must be in [0, 1), got {ema!r}")
    if decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.01)
    if ema:
        return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2, use_ema=True,
                                     ema_momentum=ema)
    return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)


def dcgan_filters(image_shape):
    """Upsampling filters by image size: 28 px -> 2 stages, 32 -> 3, 64 -> 4."""
    size = image_shape[0]
    if size % 16 == 0 and size >= 64:
        return (512, 256, 128, 64)
    if size % 8 == 0 and size >= 32:
        return (256, 128, 64)
    return (128, 64)


def dcgan_divisor(image_shape):
    """What image height and width must be divisible by: one stride 2 per stage."""
    return 2 ** len(dcgan_filters(image_shape))


def dcgan_networks(data_shape, latent_dim, num_classes=None, packing=1):
    data_shape = tuple(data_shape)
    if len(data_shape) != 3:
        raise ValueError(f"data_shape must be an image shape (height, width, channels), got {data_shape}")
    filters = dcgan_filters(data_shape)
    down = tuple(reversed(filters))
    if num_classes:
        return (
            networks.ConditionalDCGANGenerator(latent_dim, num_classes, data_shape, filters=filters,
                                               name="conditional_dcgan_generator"),
            networks.ConditionalDCGANDiscriminator(data_shape, num_classes, filters=down,
                                                   name="conditional_dcgan_discriminator"),
        )
    return (
        networks.DCGANGenerator(latent_dim, data_shape, filters=filters, name="dcgan_generator"),
        networks.DCGANDiscriminator(data_shape, filters=down, packing=packing, name="dcgan_discriminator"),
    )


@register("gan", epochs=750, batch_size=512, data="ring8", value_range=None, image_divisor=dcgan_divisor)
def build_gan(data_shape, num_classes=None, latent_dim=2, hidden_units=(256, 256, 256), packing=4,
              label_smoothing=0.1, loss="non_saturating", learning_rate=1e-3, decay_steps=15000,
              generator_ema=0.0, seed=0):
    """kerasgen's best 2-D GAN: MLP generator, PacGAN discriminator, one-sided label
    smoothing 0.1 (it kept the discriminator from overpowering the generator on grid25
    in our runs) and cosine-decayed Adam.

    For vectors, `packing > 1` uses `PackedMLPDiscriminator` (per-sample layers
    `hidden_units[:-1]` shared across the pack, head `hidden_units[-1:]`); `packing=1`
    (with `label_smoothing=0`) is the vanilla GAN with an MLP discriminator. Images get DCGAN networks.
    `decay_steps` should be the number of training steps (750 epochs of 10,000 points
    at batch 512 are 15,000; on grid25, 6,000 steps gave 88.8% high-quality samples
    where 15,000 gave 97.0%, and 15,000 missed 3 of 25 modes in 1 of 3 training seeds
    where 30,000 missed none). benchmarks/mode_coverage.py measures this recipe.
    """
    if len(tuple(data_shape)) == 1:
        dim = int(data_shape[0])
        generator = networks.MLP(latent_dim, dim, hidden_units, name="mlp")
        if packing > 1:
            discriminator = networks.PackedMLPDiscriminator(
                dim, packing, hidden_units=hidden_units[:-1] or hidden_units, head_units=hidden_units[-1:],
                name="packed_mlp_discriminator",
            )
        else:
            discriminator = networks.MLP(dim, 1, hidden_units, name="mlp_discriminator")
    else:
        generator, discriminator = dcgan_networks(data_shape, latent_dim, packing=packing)
    model = models.GAN(generator, discriminator, loss=loss, packing=packing,
                       label_smoothing=label_smoothing, seed=seed, name="gan")
    model.compile(
        generator_optimizer=adam(learning_rate, decay_steps=decay_steps, ema=generator_ema),
        discriminator_optimizer=adam(learning_rate, decay_steps=decay_steps),
        steps_per_execution=20,
    )
    return model


@register("dcgan", epochs=50, batch_size=128, data="mnist5k", value_range=(-1.0, 1.0),
          image_divisor=dcgan_divisor)
def build_dcgan(data_shape, num_classes=None, latent_dim=64, learning_rate=2e-4, packing=1,
                loss="non_saturating", label_smoothing=0.0, generator_ema=0.0, share_fake_batch=True,
                seed=0, discriminator_learning_rate=None, augment=None, augment_policy=DEFAULT_POLICY,
                ada_target=0.6, ada_adjustment_images=500_000):
    """DCGAN (Radford et al. 2016): Adam(2e-4, beta_1=0.5) for both players
    (`discriminator_learning_rate`, if given, is the discriminator's own: TTUR).

    `augment="diffaugment"` or `"ada"` (`--set augment=diffaugment`) augments what
    the discriminator sees (see `kerasgen.models.GAN`), for small datasets.

    `generator_ema` > 0 averages the generator's weights (see `adam`). With
    `share_fake_batch` (default) one generated batch serves both players' updates, as
    in PyTorch's DCGAN example: a generator forward pass fewer per step (see
    benchmarks/dcgan_throughput.py).
    """
    generator, discriminator = dcgan_networks(data_shape, latent_dim, packing=packing)
    model = models.GAN(generator, discriminator, loss=loss, packing=packing,
                       label_smoothing=label_smoothing, share_fake_batch=share_fake_batch, seed=seed,
                       name="gan", augment=augment, augment_policy=augment_policy,
                       ada_target=ada_target, ada_adjustment_images=ada_adjustment_images)
    model.compile(
        generator_optimizer=adam(learning_rate, ema=generator_ema),
        discriminator_optimizer=adam(discriminator_learning_rate or learning_rate),
        steps_per_execution=8,
    )
    return model


@register("wgan_gp", epochs=50, batch_size=64, data="mnist5k", value_range=(-1.0, 1.0),
          image_divisor=dcgan_divisor)
def build_wgan_gp(data_shape, num_classes=None, latent_dim=64, learning_rate=1e-4,
                  discriminator_steps=5, gradient_penalty_weight=10.0, generator_ema=0.0, seed=0,
                  augment=None, augment_policy=DEFAULT_POLICY):
    """WGAN-GP (Gulrajani et al. 2017): Adam(1e-4, beta_1=0, beta_2=0.9), 5 critic steps;
    `augment="diffaugment"` augments what the critic sees."""
    generator, critic = dcgan_networks(data_shape, latent_dim)
    model = models.WGANGP(generator, critic, discriminator_steps=discriminator_steps,
                          gradient_penalty_weight=gradient_penalty_weight, seed=seed, name="wgangp",
                          augment=augment, augment_policy=augment_policy)
    model.compile(
        generator_optimizer=adam(learning_rate, beta_1=0.0, beta_2=0.9, ema=generator_ema),
        discriminator_optimizer=adam(learning_rate, beta_1=0.0, beta_2=0.9),
        steps_per_execution=4,
    )
    return model


@register("cgan", epochs=50, batch_size=128, data="mnist5k", value_range=(-1.0, 1.0), labels=True,
          image_divisor=dcgan_divisor)
def build_cgan(data_shape, num_classes=10, latent_dim=64, learning_rate=2e-4, seed=0, augment=None,
               augment_policy=DEFAULT_POLICY, ada_target=0.6, ada_adjustment_images=500_000):
    """Class-conditional DCGAN with a projection discriminator (`augment` as dcgan's)."""
    if not num_classes:
        raise ValueError(f"num_classes must be a positive int for cgan, got {num_classes!r}")
    generator, discriminator = dcgan_networks(data_shape, latent_dim, num_classes=num_classes)
    model = models.ConditionalGAN(generator, discriminator, num_classes=num_classes, seed=seed,
                                   name="conditional_gan", augment=augment, augment_policy=augment_policy,
                                   ada_target=ada_target, ada_adjustment_images=ada_adjustment_images)
    model.compile(
        generator_optimizer=adam(learning_rate), discriminator_optimizer=adam(learning_rate),
        steps_per_execution=8,
    )
    return model


@register("vae_gan", epochs=50, batch_size=64, data="mnist5k", value_range=(-1.0, 1.0),
          image_divisor=dcgan_divisor)
def build_vae_gan(data_shape, num_classes=None, latent_dim=32, learning_rate=2e-4, kl_weight=1.0,
                  reconstruction_weight=1e-2, generator_ema=0.0, seed=0):
    """VAE-GAN (Larsen et al. 2016): conv encoder, DCGAN decoder and discriminator."""
    generator, discriminator = dcgan_networks(data_shape, latent_dim)
    encoder = networks.ConvEncoder(tuple(data_shape), latent_dim, filters=(32, 64), hidden_units=256,
                                   variational=True, name="conv_encoder")
    model = models.VAEGAN(encoder, generator, discriminator, kl_weight=kl_weight,
                          reconstruction_weight=reconstruction_weight, seed=seed, name="vaegan")
    model.compile(
        encoder_optimizer=adam(learning_rate), generator_optimizer=adam(learning_rate, ema=generator_ema),
        discriminator_optimizer=adam(learning_rate), steps_per_execution=8,
    )
    return model
