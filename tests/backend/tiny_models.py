"""Tiny instances of every model family and their data, for the backend tests.

Imported by pytest and by the worker processes (`python -m tests.backend.worker`), each
under its own `KERAS_BACKEND`. Weights can be set from a NumPy seed
(`set_numpy_weights`) so that every backend starts from identical values.
"""

import threading

import keras
import numpy as np
from keras import ops

from kerasgen import losses, models, networks
from kerasgen_runtime.latents import draw_latents
from kerasgen.schedules import LinearWarmup

IMAGE_SHAPE = (8, 8, 1)
LATENT_DIM = 4
NUM_CLASSES = 3
BATCH_SIZE = 8


def adam(learning_rate=1e-3):
    return keras.optimizers.Adam(learning_rate, beta_1=0.5)


def data(kind, count=16, seed=0):
    """`(x,)` or `(x, y)` fit inputs: images in [0, 1] or [-1, 1], or 2-D points."""
    rng = np.random.default_rng(seed)
    if kind == "tokens":  # items of 1-6 of 5 characters (ids 4-8), end of sequence, padding
        ids = np.zeros((count, 8), dtype="int32")
        for row, length in enumerate(rng.integers(1, 7, size=count)):
            ids[row, :length] = rng.integers(4, 9, size=length)
            ids[row, length] = 2
        return (ids,)
    if kind == "points":
        return (rng.normal(size=(count, 2)).astype("float32"),)
    images = rng.uniform(size=(count,) + IMAGE_SHAPE).astype("float32")
    if kind == "images":
        return (images,)
    if kind == "signed_images":
        return (2.0 * images - 1.0,)
    labels = rng.integers(0, NUM_CLASSES, size=count).astype("int32")
    return (2.0 * images - 1.0, labels)


def conv_pair(variational=False, output_activation="sigmoid"):
    encoder = networks.ConvEncoder(IMAGE_SHAPE, LATENT_DIM, filters=(4,), variational=variational)
    decoder = networks.ConvDecoder(LATENT_DIM, IMAGE_SHAPE, filters=(4,), output_activation=output_activation)
    return encoder, decoder


def mlp_players():
    generator = networks.MLP(LATENT_DIM, 2, hidden_units=(16,), name="generator")
    discriminator = networks.MLP(2, 1, hidden_units=(16,), name="discriminator")
    return generator, discriminator


# name -> (build(learning_rates) -> compiled model, data kind, log keys, {optimizer: network})
def _autoencoder(rates):
    model = models.Autoencoder(*conv_pair(), loss="bce")
    model.compile(adam(rates.get("optimizer", 1e-3)))
    return model


def _denoising_autoencoder(rates):
    model = models.DenoisingAutoencoder(*conv_pair(), noise="masking", noise_level=0.2, seed=0)
    model.compile(adam(rates.get("optimizer", 1e-3)))
    return model


def _linear_autoencoder(rates):
    model = models.LinearAutoencoder(IMAGE_SHAPE, LATENT_DIM)
    model.compile(adam(rates.get("optimizer", 1e-3)))
    return model


def _vae(rates):
    model = models.VAE(*conv_pair(variational=True), seed=0)
    model.compile(adam(rates.get("optimizer", 1e-3)))
    return model


def _gan_optimizers(rates, names=("generator_optimizer", "discriminator_optimizer")):
    return {name: adam(rates.get(name, 1e-3)) for name in names}


def _gan(rates):
    model = models.GAN(*mlp_players(), seed=0)
    model.compile(**_gan_optimizers(rates))
    return model


def _wgan_gp(rates):
    model = models.WGANGP(*mlp_players(), discriminator_steps=2, seed=0)
    model.compile(**_gan_optimizers(rates))
    return model


def _conditional_gan(rates):
    # Batch norm (statistics updated inside the generator's loss), dropout and instance
    # noise: every kind of state a training step moves besides weights and slots.
    generator = networks.ConditionalDCGANGenerator(
        LATENT_DIM, NUM_CLASSES, IMAGE_SHAPE, filters=(8, 4), batch_norm=True, embedding_dim=4
    )
    discriminator = networks.ConditionalDCGANDiscriminator(IMAGE_SHAPE, NUM_CLASSES, filters=(4, 8), dropout=0.1)
    model = models.ConditionalGAN(generator, discriminator, instance_noise=0.05, seed=0)
    model.compile(**_gan_optimizers(rates))
    return model


def _vae_gan(rates):
    encoder = networks.ConvEncoder(IMAGE_SHAPE, LATENT_DIM, filters=(4,), variational=True)
    generator = networks.DCGANGenerator(LATENT_DIM, IMAGE_SHAPE, filters=(8, 4))
    discriminator = networks.DCGANDiscriminator(IMAGE_SHAPE, filters=(4, 8))
    model = models.VAEGAN(encoder, generator, discriminator, seed=0)
    model.compile(**_gan_optimizers(rates, ("encoder_optimizer", "generator_optimizer", "discriminator_optimizer")))
    return model


def _sequence_vae(rates):
    encoder = networks.TextEncoder(9, 8, LATENT_DIM, embedding_dim=4, hidden_units=8)
    decoder = networks.TextDecoder(9, LATENT_DIM, embedding_dim=4, hidden_units=8)
    model = models.SequenceVAE(encoder, decoder, list("abcde"), 7, beta=LinearWarmup(1.0, 4),
                               character_dropout=0.25, free_bits=0.1, seed=0)
    model.compile(adam(rates.get("optimizer", 1e-3)))
    return model


GAN_PLAYERS = {"generator_optimizer": "generator", "discriminator_optimizer": "discriminator"}
MODELS = {
    "autoencoder": (_autoencoder, "images", {"optimizer": None}),
    "denoising_autoencoder": (_denoising_autoencoder, "images", {"optimizer": None}),
    "linear_autoencoder": (_linear_autoencoder, "images", {"optimizer": None}),
    "vae": (_vae, "images", {"optimizer": None}),
    "gan": (_gan, "points", GAN_PLAYERS),
    "wgan_gp": (_wgan_gp, "points", GAN_PLAYERS),
    "conditional_gan": (_conditional_gan, "labelled_images", GAN_PLAYERS),
    "vae_gan": (_vae_gan, "signed_images", dict(GAN_PLAYERS, encoder_optimizer="encoder")),
    "sequence_vae": (_sequence_vae, "tokens", {"optimizer": None}),
}


def build(name, learning_rates=None):
    """`(compiled model, fit inputs)` of the tiny `name` model."""
    builder, kind, _ = MODELS[name]
    return builder(learning_rates or {}), data(kind)


def players(name):
    """`{optimizer attribute: network attribute}` of a multi-player model, else None."""
    players = MODELS[name][2]
    return None if "optimizer" in players else players


def set_numpy_weights(model, seed=0):
    """Sets every trainable weight from a NumPy generator (Glorot-uniform kernels,
    zero biases, unit scales): the same values under every backend."""
    rng = np.random.default_rng(seed)
    for variable in model.trainable_variables:
        shape = tuple(variable.shape)
        name = variable.path.split("/")[-1]
        if name == "gamma":
            value = np.ones(shape)
        elif len(shape) < 2:
            value = np.zeros(shape)
        else:
            receptive = int(np.prod(shape[:-2]))
            limit = np.sqrt(6.0 / (receptive * (shape[-2] + shape[-1])))
            value = rng.uniform(-limit, limit, size=shape)
        variable.assign(value.astype(variable.dtype))


@keras.saving.register_keras_serializable(package="kerasgen_tests")
class FixedNoiseGAN(models.GAN):
    """A `GAN` whose training noise is a fixed function of each real example.

    Only the noise source differs from `GAN` (whose z comes from the backend's RNG,
    which differs between backends and between device splits); the training algorithm
    is GAN's own. With it, losses can be compared across backends and devices.
    """

    # MirroredStrategy traces the replicas' steps in concurrent threads.
    _batches = threading.local()

    def train_step(self, data):
        self._batches.real = self.unpack_inputs(data)
        return super().train_step(data)

    def test_step(self, data):
        self._batches.real = self.unpack_inputs(data)
        return super().test_step(data)

    def generate(self, batch_size, training=True):
        projection = ops.convert_to_tensor(draw_latents(2, self.latent_dim, seed=1))
        z = ops.tanh(ops.matmul(self._batches.real, projection) + 0.5)
        return self.generator(z, training=training)


def fixed_noise_gan():
    model = FixedNoiseGAN(*mlp_players(), seed=0)
    model.compile(**_gan_optimizers({}))
    return model


@keras.saving.register_keras_serializable(package="kerasgen_tests")
class FixedNoiseVAE(models.VAE):
    """A `VAE` whose reparameterization noise is a fixed function of each example.

    Like `FixedNoiseGAN`: only the noise source differs from `VAE` (whose noise comes
    from the backend's RNG, which TensorFlow's strategies repeat on every replica), so
    the results of several processes can be compared with one process's.
    """

    def loss_terms(self, x, training=False):
        mean, log_var = self.encoder(x, training=training)
        flat = ops.reshape(x, (-1, int(np.prod(IMAGE_SHAPE))))
        projection = ops.convert_to_tensor(draw_latents(int(np.prod(IMAGE_SHAPE)), self.latent_dim, seed=2))
        noise = ops.tanh(ops.matmul(flat - 0.5, projection))
        z = mean + ops.exp(0.5 * log_var) * noise
        x_hat = self.decoder(z, training=training)
        reconstruction = -losses.log_likelihood(x, x_hat, self.likelihood, self.observation_std)
        return ops.mean(reconstruction), ops.mean(losses.kl_divergence(mean, log_var))


def fixed_noise_vae():
    model = FixedNoiseVAE(*conv_pair(variational=True), seed=0)
    model.compile(adam())
    return model
