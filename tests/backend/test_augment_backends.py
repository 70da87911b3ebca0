"""The GAN models' augmentation trains under the active Keras backend (the jax and
torch CI jobs run tests/backend): DiffAugment in the discriminator's view and ADA's p,
a non-trainable weight updated inside the step (JAX returns it through the training
state), on tiny images."""

import keras
import numpy as np
from keras import ops

from kerasgen import models, networks

SHAPE = (8, 8, 3)


def build(**options):
    generator = networks.DCGANGenerator(2, SHAPE, filters=(4, 2))
    discriminator = networks.DCGANDiscriminator(SHAPE, filters=(2, 4))
    discriminator.layers[-1].bias.assign([5.0])  # says "real" to everything: r_t = 1
    model = models.GAN(generator, discriminator, seed=0, **options)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-3),
                  discriminator_optimizer=keras.optimizers.Adam(1e-6), steps_per_execution=2)
    return model


def test_ada_trains_and_p_moves_inside_the_step():
    x = np.random.default_rng(0).uniform(-1, 1, (16, *SHAPE)).astype("float32")
    model = build(augment="ada", ada_adjustment_images=32, ada_interval=1)
    before = [np.array(ops.convert_to_numpy(v)) for v in model.generator.trainable_variables]
    history = model.fit(x, epochs=1, batch_size=8, verbose=0).history
    assert set(history) == set(model.metric_names) and history["r_t"] == [1.0]
    assert history["augment_p"] == [0.5]  # 2 updates of 8 images, 32 images from 0 to 1
    assert float(ops.convert_to_numpy(model.augmentation.probability)) == 0.5
    after = [np.array(ops.convert_to_numpy(v)) for v in model.generator.trainable_variables]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))  # through the augmentation
    assert np.all(np.isfinite(model.sample(4, seed=0)))
