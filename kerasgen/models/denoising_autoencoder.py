import keras
from keras import ops

from kerasgen import losses
from kerasgen.models.generative_model import GenerativeModel, predict_in_batches
from kerasgen.models.vae import check_encoder_decoder

NOISE_TYPES = ("gaussian", "masking")


@keras.saving.register_keras_serializable(package="kerasgen")
class DenoisingAutoencoder(GenerativeModel):
    """Autoencoder trained to reconstruct clean inputs from corrupted ones.

    The corruption is applied inside `train_step` only: `call`, `predict` and
    `evaluate` see the inputs as given, so the model denoises what it is fed.

    Args:
        encoder: network mapping x to the code z.
        decoder: network mapping z back to x.
        loss: `"mse"`, `"l1"` or `"bce"`.
        noise: `"gaussian"` (additive, std `noise_level`) or `"masking"` (each pixel set
            to 0 with probability `noise_level`).
        noise_level: std of the Gaussian noise, or masking probability in [0, 1).
        seed: seed of the corruption.

    Example:
    ```python
    dae = kerasgen.models.DenoisingAutoencoder(encoder, decoder, noise="gaussian",
                                                noise_level=0.3, seed=0)
    dae.compile(optimizer="adam")
    dae.fit(x_train, epochs=5)
    clean = dae.reconstruct(x_noisy)
    ```

    Reference:
        Vincent et al., "Extracting and Composing Robust Features with Denoising
        Autoencoders", 2008.
    """

    def __init__(
        self, encoder, decoder, loss="mse", noise="gaussian", noise_level=0.3, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        if loss not in losses.RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"loss must be one of {list(losses.RECONSTRUCTION_LOSSES)}, got {loss!r}"
            )
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {list(NOISE_TYPES)}, got {noise!r}")
        if noise_level < 0 or (noise == "masking" and noise_level >= 1):
            raise ValueError(
                f"noise_level must be >= 0 (and < 1 for masking), got {noise_level}"
            )
        check_encoder_decoder(encoder, decoder, variational=False)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_loss = loss
        self.noise = noise
        self.noise_level = float(noise_level)
        self.seed = seed
        self.latent_dim = decoder.input_shape[-1]
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    @property
    def data_shape(self):
        return tuple(self.encoder.input_shape[1:])

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def corrupt(self, x):
        """The training corruption of a batch (a tensor)."""
        if self.noise == "gaussian":
            return x + self.noise_level * keras.random.normal(ops.shape(x), seed=self.seed_generator)
        keep = keras.random.uniform(ops.shape(x), seed=self.seed_generator) >= self.noise_level
        return x * ops.cast(keep, x.dtype)

    def train_step(self, data):
        x = self.unpack_inputs(data)
        noisy = self.corrupt(x)

        def loss_fn():
            loss = losses.mean_reconstruction_error(x, self(noisy, training=True), self.reconstruction_loss)
            return loss, {"loss": loss}

        return self.record(self.minimize(loss_fn, self.trainable_variables, self.optimizer))

    def test_step(self, data):
        x = self.unpack_inputs(data)
        return self.record({"loss": losses.mean_reconstruction_error(x, self(x), self.reconstruction_loss)})

    def encode(self, x, batch_size=256):
        return predict_in_batches(self.encoder, self.check_data(x, self.data_shape), batch_size)

    def decode(self, z, batch_size=256):
        return predict_in_batches(self.decoder, z, batch_size)

    def reconstruct(self, x):
        return self.decode(self.encode(x))

    def sampling_network(self):
        return self.decoder

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "loss": self.reconstruction_loss,
                "noise": self.noise,
                "noise_level": self.noise_level,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)
