"""VAE training throughput: kerasgen's VAE vs a keras.io-style VAE, same run.

Both models use the keras.io "Variational AutoEncoder" architecture (conv 32-64, dense
16, latent 2), the same batch size, optimizer and backend, on the mnist5k training
images. The keras.io model is written as in that example (a Sampling layer, a custom
train_step with GradientTape, compiled with Keras defaults). Rows: the keras.io VAE
as written (the reference) and fed kerasgen's input pipeline; kerasgen's VAE with one
step per execution, with the default `--steps-per-execution`, and with that setting
but Keras's own array pipeline (see fit_throughput.py for the pipelines). Prints
samples/s of each, ratios against the reference and kerasgen's VAE against the
fastest keras.io row (target >= 1.2).

    python benchmarks/vae_throughput.py [--epochs 3] [--batch-size 128]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

from fit_throughput import best_throughputs, print_ratios  # noqa: E402
from kerasgen import models, networks  # noqa: E402
from kerasgen.data import named_datasets

LATENT_DIM = 2


class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def keras_io_vae():
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT_DIM, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = keras.Input(shape=(LATENT_DIM,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class KerasIOVAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = ops.mean(
                    ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
                )
                kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
                kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {
                "loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result(),
            }

    model = KerasIOVAE(encoder, decoder)
    model.compile(optimizer=keras.optimizers.Adam())
    return model


def kerasgen_vae(steps_per_execution):
    encoder = networks.ConvEncoder((28, 28, 1), LATENT_DIM, filters=(32, 64), hidden_units=16, variational=True)
    decoder = networks.ConvDecoder(LATENT_DIM, (28, 28, 1), filters=(64, 32))
    model = models.VAE(encoder, decoder, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(), steps_per_execution=steps_per_execution)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps-per-execution", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    (x, _), _ = named_datasets.load("mnist5k")
    keras.utils.set_random_seed(0)
    steps = args.steps_per_execution
    candidates = {  # name: (build, pipeline), see fit_throughput
        "keras.io VAE (Keras defaults)": (keras_io_vae, "model"),
        "keras.io VAE (kerasgen pipeline)": (keras_io_vae, "kerasgen"),
        "kerasgen VAE (steps_per_execution=1)": (lambda: kerasgen_vae(1), "model"),
        f"kerasgen VAE (steps_per_execution={steps})": (lambda: kerasgen_vae(steps), "model"),
        f"kerasgen VAE (steps_per_execution={steps}, Keras's array pipeline)": (lambda: kerasgen_vae(steps), "keras"),
    }
    results = best_throughputs(candidates, x, args.epochs, args.batch_size, args.repeats)
    print(f"backend={keras.backend.backend()} batch={args.batch_size} images={len(x)} epochs={args.epochs}")
    subject_name = f"kerasgen VAE (steps_per_execution={steps})"
    print_ratios(results, "keras.io VAE (Keras defaults)", subject_name, subject_name)

if __name__ == "__main__":
    main()
