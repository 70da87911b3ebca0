"""The keras.io DCGANs, written as the keras.io examples write them: the reference models of
benchmarks/dcgan_throughput.py (speed), benchmarks/dcgan_fid.py (sample quality) and
benchmarks/gan_small_data.py (small RGB folders).

Both examples share one GAN (`KerasIoGAN`, "GAN overriding Model.train_step"): two
GradientTapes, real and fake images concatenated for the discriminator, labels with
0.05 uniform noise, one BinaryCrossentropy for both players.

- `keras_io_dcgan`: the 28x28 grayscale model of "GAN overriding Model.train_step":
  generator dense 7x7x128, transposed convs 128-64 (kernel 4, stride 2), conv 5x5 to 1
  channel, tanh; discriminator convs 64-128 (kernel 4, stride 2), dense logit;
  LeakyReLU 0.2 everywhere; BCE from logits, Adam(2e-4, beta_1=0.5), latent 64.
- `keras_io_face_dcgan`: "DCGAN to generate face images" (64x64 RGB there), for any
  `image_size` divisible by 8 and any channel count: the generator starts at
  image_size / 8 so its three stride-2 transposed convolutions end at image_size;
  discriminator convs 64-128-128 (kernel 4, stride 2), dropout 0.2, dense sigmoid; images
  in [0, 1]; BCE on probabilities, Adam(1e-4), latent 128.
"""

import keras
import tensorflow as tf
from keras import layers, ops

LATENT_DIM = 64
FACE_LATENT_DIM = 128


class KerasIoGAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        generated_images = self.generator(random_latent_vectors)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        misleading_labels = ops.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def keras_io_dcgan(steps_per_execution=None):
    generator = keras.Sequential([
        keras.Input(shape=(LATENT_DIM,)),
        layers.Dense(7 * 7 * 128),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(64, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, kernel_size=5, padding="same", activation="tanh"),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(64, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Flatten(),
        layers.Dense(1),
    ], name="discriminator")
    model = KerasIoGAN(discriminator=discriminator, generator=generator, latent_dim=LATENT_DIM)
    extra = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
        **extra,
    )
    return model


def keras_io_face_dcgan(image_size=64, channels=3, generator_widths=(128, 256, 512)):
    """The face DCGAN at `image_size` x `image_size` x `channels` (the example: 64, 3,
    generator widths 128-256-512)."""
    if image_size % 8:
        raise ValueError(f"image_size must be divisible by 8, got {image_size}")
    start = image_size // 8
    # The discriminator is built first, as in the example (same seeded initial weights).
    discriminator = keras.Sequential([
        keras.Input(shape=(image_size, image_size, channels)),
        layers.Conv2D(64, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(1, activation="sigmoid"),
    ], name="discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(FACE_LATENT_DIM,)),
        layers.Dense(start * start * 128),
        layers.Reshape((start, start, 128)),
        *[layer for width in generator_widths for layer in (
            layers.Conv2DTranspose(width, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2))],
        layers.Conv2D(channels, kernel_size=5, padding="same", activation="sigmoid"),
    ], name="generator")
    model = KerasIoGAN(discriminator=discriminator, generator=generator, latent_dim=FACE_LATENT_DIM)
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.0001),
                  g_optimizer=keras.optimizers.Adam(learning_rate=0.0001),
                  loss_fn=keras.losses.BinaryCrossentropy())
    return model
