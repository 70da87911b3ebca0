"""A tiny SPADE model and data, shared by the SPADE model and backend tests."""

import keras
import numpy as np

from kerasgen import models, networks

SIZE, CLASSES, LATENT = 16, 2, 4


def tiny_data(count=8, seed=0):
    """Images in [-1, 1] whose colour follows a random two-class map."""
    rng = np.random.default_rng(seed)
    maps = (rng.random((count, SIZE, SIZE)) < 0.5).astype("int32")
    maps[:, : SIZE // 2] = 0
    images = np.where(maps[..., None] == 1, 0.8, -0.6) + 0.1 * rng.normal(size=(count, SIZE, SIZE, 3))
    return np.clip(images, -1, 1).astype("float32"), maps


def tiny_spade(seed=0, compile=True, **kwargs):
    generator = networks.SPADEGenerator(LATENT, CLASSES, (SIZE, SIZE, 3), filters=(8, 8, 4), hidden=4)
    encoder = networks.SPADEEncoder((SIZE, SIZE, 3), LATENT, filters=(4, 8))
    discriminator = networks.MultiscaleDiscriminator((SIZE, SIZE, 3), CLASSES, filters=(4, 8, 8))
    model = models.SPADEGAN(encoder, generator, discriminator, seed=seed, **kwargs)
    if compile:
        model.compile(
            generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.9),
            discriminator_optimizer=keras.optimizers.Adam(4e-3, beta_1=0.0, beta_2=0.9),
        )
    return model
