"""Recipes for semantic image synthesis: `spade` and its ablation `spade_concat`.

They train on `(images, label_maps)` pairs (`labels=True`: the dataset's `y` is a map
per image), images in [-1, 1]. Data: `layouts`, or a folder with `images/` and
`labels/` (see `kerasgen.data.layouts.from_paired_folder`).
"""

import keras

from kerasgen import models, networks
from kerasgen.recipes import register


def spade_optimizers(generator_learning_rate, discriminator_learning_rate):
    """TTUR as NVlabs trains SPADE: Adam(beta_1=0, beta_2=0.9), G at lr / 2, D at 2 lr."""
    return (
        keras.optimizers.Adam(generator_learning_rate, beta_1=0.0, beta_2=0.9),
        keras.optimizers.Adam(discriminator_learning_rate, beta_1=0.0, beta_2=0.9),
    )


def build_spade_model(data_shape, num_classes, conditioning, latent_dim, filters, hidden, encoder_filters,
                      discriminator_filters, feature_matching_weight, kl_weight, generator_learning_rate,
                      discriminator_learning_rate, spectral_norm, seed):
    data_shape = tuple(data_shape)
    if len(data_shape) != 3:
        raise ValueError(f"data_shape must be an image shape (height, width, channels), got {data_shape}")
    if not num_classes:
        raise ValueError(f"num_classes must be a positive int for spade (classes in the label maps), got {num_classes!r}")
    generator = networks.SPADEGenerator(latent_dim, num_classes, data_shape, filters=filters, hidden=hidden,
                                        conditioning=conditioning, name="spade_generator")
    encoder = networks.SPADEEncoder(data_shape, latent_dim, filters=encoder_filters, name="spade_encoder")
    discriminator = networks.MultiscaleDiscriminator(data_shape, num_classes, filters=discriminator_filters,
                                                     spectral_norm=spectral_norm,
                                                     name="multiscale_discriminator")
    model = models.SPADEGAN(encoder, generator, discriminator, feature_matching_weight=feature_matching_weight,
                            kl_weight=kl_weight, seed=seed, name="spadegan")
    generator_optimizer, discriminator_optimizer = spade_optimizers(generator_learning_rate,
                                                                    discriminator_learning_rate)
    model.compile(generator_optimizer=generator_optimizer, discriminator_optimizer=discriminator_optimizer,
                  steps_per_execution=4)
    return model


@register("spade", epochs=20, batch_size=32, data="layouts", value_range=(-1.0, 1.0), labels=True)
def build_spade(data_shape, num_classes=None, latent_dim=32, filters=(128, 64, 32, 16), hidden=32,
                encoder_filters=(32, 64, 128), discriminator_filters=(32, 64, 128), feature_matching_weight=10.0,
                kl_weight=0.05, generator_learning_rate=1e-4, discriminator_learning_rate=4e-4,
                spectral_norm=True, seed=0):
    """SPADE (GauGAN): SPADE generator, VAE style encoder, 2-scale PatchGAN, hinge loss,
    feature matching 10, KL 0.05, TTUR G 1e-4 / D 4e-4 (NVlabs's defaults); widths cut
    down for CPU training at 32x32."""
    return build_spade_model(data_shape, num_classes, "spade", latent_dim, filters, hidden, encoder_filters,
                             discriminator_filters, feature_matching_weight, kl_weight, generator_learning_rate,
                             discriminator_learning_rate, spectral_norm, seed)


@register("spade_concat", epochs=20, batch_size=32, data="layouts", value_range=(-1.0, 1.0), labels=True)
def build_spade_concat(data_shape, num_classes=None, latent_dim=32, filters=(128, 64, 32, 16), hidden=32,
                       encoder_filters=(32, 64, 128), discriminator_filters=(32, 64, 128),
                       feature_matching_weight=10.0, kl_weight=0.05, generator_learning_rate=1e-4,
                       discriminator_learning_rate=4e-4, spectral_norm=True, seed=0):
    """The ablation baseline: the same model, but the generator's blocks take the map
    concatenated to their convolutions' inputs and use plain instance normalization."""
    return build_spade_model(data_shape, num_classes, "concat", latent_dim, filters, hidden, encoder_filters,
                             discriminator_filters, feature_matching_weight, kl_weight, generator_learning_rate,
                             discriminator_learning_rate, spectral_norm, seed)


@register("layout_segmenter", epochs=6, batch_size=64, data="layouts", labels=True)
def build_layout_segmenter(data_shape, num_classes=None, filters=(32, 32, 64, 64), learning_rate=2e-3):
    """The segmenter of the SPADE protocol: per-pixel cross-entropy on real layouts."""
    if not num_classes:
        raise ValueError(f"num_classes must be a positive int for layout_segmenter, got {num_classes!r}")
    segmenter = networks.LayoutSegmenter(tuple(data_shape), num_classes, filters=filters,
                                         name="layout_segmenter")
    segmenter.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return segmenter
