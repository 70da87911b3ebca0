"""keras.io-style training of a kerasgen recipe's own networks: the reference rows of
benchmarks/cli_fit_speed.py.

Each model trains the networks the recipe builds (so the architecture is the same by
construction: same layers, widths and parameter count) with the train step as the
keras.io examples write it (GradientTapes on TensorFlow, Keras defaults for
`compile`, `model.fit` on NumPy arrays with Keras's own array pipeline):

- vae: "Variational AutoEncoder" (reparameterised sample, per-image summed binary
  cross-entropy plus the KL term, one Adam);
- dcgan: "DCGAN to generate face images" / "GAN overriding Model.train_step" (real and
  generated images concatenated for the discriminator, labels with 0.05 uniform noise,
  BinaryCrossentropy from logits, a fresh generated batch for the generator's step);
- wgan_gp: "WGAN-GP overriding Model.train_step" (`discriminator_steps` critic updates
  on the same real batch, gradient penalty on random interpolates, then the generator);
- cgan: "Conditional GAN" (the dcgan step with the labels fed to both networks; the
  recipe's networks take int labels instead of the example's one-hot channels).

The optimizers are the recipe's (learning rate and betas), fresh instances.
"""

import keras
import tensorflow as tf
from keras import ops

from kerasgen import recipes


def adam_like(optimizer):
    """A fresh Adam with the learning rate and betas of the recipe's `optimizer`."""
    return keras.optimizers.Adam(learning_rate=float(ops.convert_to_numpy(optimizer.learning_rate)),
                                 beta_1=optimizer.beta_1, beta_2=optimizer.beta_2)


class KerasIoVAE(keras.Model):
    def __init__(self, encoder, decoder, latent_dim):
        super().__init__()
        self.encoder, self.decoder, self.latent_dim = encoder, decoder, latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var = self.encoder(data)
            epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            z = z_mean + ops.exp(0.5 * z_log_var) * epsilon
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(ops.sum(
                keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            total_loss = reconstruction_loss + ops.mean(ops.sum(kl_loss, axis=1))
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        return {"loss": self.total_loss_tracker.result()}


class KerasIoGAN(keras.Model):
    """keras.io's GAN step; with `conditional`, both networks also take the labels;
    with `critic_steps`, the WGAN-GP step instead."""

    def __init__(self, discriminator, generator, latent_dim, conditional=False, critic_steps=0,
                 gp_weight=10.0):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.conditional, self.critic_steps, self.gp_weight = conditional, critic_steps, gp_weight
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def generate(self, batch_size, labels):
        z = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        return self.generator([z, labels] if self.conditional else z)

    def discriminate(self, images, labels):
        return self.discriminator([images, labels] if self.conditional else images)

    def train_step(self, data):
        real_images, labels = (data[0], ops.cast(ops.reshape(data[1], (-1,)), "int32")) \
            if self.conditional else (data, None)
        batch_size = ops.shape(real_images)[0]
        d_loss = self.critic_step(real_images, batch_size) if self.critic_steps else \
            self.discriminator_step(real_images, labels, batch_size)
        with tf.GradientTape() as tape:
            predictions = self.discriminate(self.generate(batch_size, labels), labels)
            if self.critic_steps:
                g_loss = -ops.mean(predictions)
            else:
                g_loss = self.loss_fn(ops.zeros((batch_size, 1)), predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}

    def discriminator_step(self, real_images, labels, batch_size):
        generated_images = self.generate(batch_size, labels)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        both = None if labels is None else ops.concatenate([labels, labels], axis=0)
        targets = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        targets += 0.05 * tf.random.uniform(tf.shape(targets))
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(targets, self.discriminate(combined_images, both))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        return d_loss

    def critic_step(self, real_images, batch_size):
        for _ in range(self.critic_steps):
            with tf.GradientTape() as tape:
                fake_images = self.generate(batch_size, None)
                d_cost = ops.mean(self.discriminator(fake_images)) - ops.mean(self.discriminator(real_images))
                alpha = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
                interpolated = real_images + alpha * (fake_images - real_images)
                with tf.GradientTape() as gp_tape:
                    gp_tape.watch(interpolated)
                    pred = self.discriminator(interpolated)
                grads = gp_tape.gradient(pred, [interpolated])[0]
                norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
                d_loss = d_cost + self.gp_weight * tf.reduce_mean((norm - 1.0) ** 2)
            d_gradient = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(d_gradient, self.discriminator.trainable_variables))
        return d_loss


def keras_io_model(recipe_name, data_shape, num_classes=None, **hyperparameters):
    """The keras.io-style model training fresh copies of `recipe_name`'s networks."""
    ours = recipes.get(recipe_name).build(data_shape, num_classes=num_classes, **hyperparameters)
    if recipe_name == "vae":
        model = KerasIoVAE(ours.encoder, ours.decoder, ours.latent_dim)
        model.compile(optimizer=adam_like(ours.optimizer))
        return model
    model = KerasIoGAN(ours.discriminator, ours.generator, ours.latent_dim,
                       conditional=recipe_name == "cgan",
                       critic_steps=getattr(ours, "discriminator_steps", 0) if recipe_name == "wgan_gp" else 0)
    model.compile(d_optimizer=adam_like(ours.discriminator_optimizer),
                  g_optimizer=adam_like(ours.generator_optimizer))
    return model
