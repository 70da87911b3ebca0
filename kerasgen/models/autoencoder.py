import keras
import numpy as np

from kerasgen import losses
from kerasgen.models.generative_model import GenerativeModel, deserialize_networks, predict_in_batches
from kerasgen.models.vae import check_encoder_decoder


@keras.saving.register_keras_serializable(package="kerasgen")
class Autoencoder(GenerativeModel):
    """Deterministic autoencoder x -> z -> x_hat trained on a reconstruction loss.

    Args:
        encoder: network mapping x to the code z (dense or convolutional).
        decoder: network mapping z back to x.
        loss: `"mse"`, `"l1"` or `"bce"` (averaged over pixels and examples), or
            `"table"`: the mean negative log-likelihood of a
            `kerasgen.networks.TableDecoder` (per-column Gaussian / categorical).

    Example:
    ```python
    autoencoder = kerasgen.models.Autoencoder(
        kerasgen.networks.ConvEncoder((28, 28, 1), 16),
        kerasgen.networks.ConvDecoder(16, (28, 28, 1)),
        loss="bce",
    )
    autoencoder.compile(optimizer="adam")
    autoencoder.fit(x_train, epochs=5)
    ```
    """

    prior = None  # a deterministic code: nothing to draw new samples from
    encodes = reconstructs = True
    anomaly_scores = ("reconstruction_error",)  # `anomaly_score` methods

    def __init__(self, encoder, decoder, loss="mse", **kwargs):
        super().__init__(**kwargs)
        if loss not in (*losses.RECONSTRUCTION_LOSSES, "table"):
            raise ValueError(
                f"loss must be one of {[*losses.RECONSTRUCTION_LOSSES, 'table']}, got {loss!r}"
            )
        if loss == "table" and not hasattr(decoder, "log_likelihood"):
            raise ValueError(f"loss 'table' needs a decoder with its own log_likelihood "
                             f"(kerasgen.networks.TableDecoder), got {type(decoder).__name__}")
        encoder, decoder = check_encoder_decoder(encoder, decoder, variational=False)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_loss = loss
        self.latent_dim = decoder.input_shape[-1]
        self.built = True

    @property
    def data_shape(self):
        return tuple(self.encoder.input_shape[1:])

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    @property
    def columns(self):
        """The table's columns for a model of tabular data (`loss="table"`), else None."""
        return self.decoder.columns if self.reconstruction_loss == "table" else None

    @property
    def input_range(self):
        # Binary cross-entropy and a sigmoid decoder need targets in [0, 1]; a linear
        # decoder with MSE / L1 takes any range.
        activation = getattr(self.decoder, "output_activation", "sigmoid")
        if self.reconstruction_loss == "table":
            return None
        if self.reconstruction_loss == "bce" or activation == "sigmoid":
            return (0.0, 1.0)
        if activation == "tanh":
            return (-1.0, 1.0)
        return None

    def training_input(self, x):
        """What the encoder sees in training (subclasses corrupt it); the target stays x."""
        return x

    def train_step(self, data):
        x = self.unpack_inputs(data)
        inputs = self.training_input(x)

        def loss_fn():
            loss = self.batch_loss(x, self(inputs, training=True))
            return loss, {"loss": loss}

        return self.record(self.minimize(loss_fn, self.trainable_variables, self.optimizer))

    def test_step(self, data):
        x = self.unpack_inputs(data)
        return self.record({"loss": self.batch_loss(x, self(x))})

    def batch_loss(self, x, x_hat):
        """The training loss of a batch (mean per pixel, or mean -log p(x|z) of a table)."""
        if self.reconstruction_loss == "table":
            return -keras.ops.mean(self.decoder.log_likelihood(x, x_hat))
        return losses.mean_reconstruction_error(x, x_hat, self.reconstruction_loss)

    def encode(self, x, batch_size=256):
        return predict_in_batches(self.encoder, self.check_data(x, self.data_shape), batch_size)

    def decode(self, z, batch_size=256):
        return predict_in_batches(self.decoder, z, batch_size)

    def reconstruct(self, x):
        return self.decode(self.encode(x))

    def anomaly_score(self, x, method="reconstruction_error", batch_size=256):
        """Each example's reconstruction error summed over its values (the training loss's
        per-example form: squared or absolute error, binary cross-entropy, or a table's
        -log p(x | x_hat)); higher is more anomalous."""
        if method not in self.anomaly_scores:
            raise ValueError(f"method must be one of {list(self.anomaly_scores)}, got {method!r}")
        x = self.check_data(x, self.data_shape)
        scores = []
        for start in range(0, len(x), batch_size):
            batch = x[start:start + batch_size]
            x_hat = self.decoder(self.encoder(batch, training=False), training=False)
            if self.reconstruction_loss == "table":
                error = -self.decoder.log_likelihood(batch, x_hat)
            else:
                error = losses.reconstruction_error(batch, x_hat, self.reconstruction_loss)
            scores.append(keras.ops.convert_to_numpy(error))
        return np.concatenate(scores).astype("float64")

    def sampling_network(self):
        return self.decoder

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "loss": self.reconstruction_loss,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, ("encoder", "decoder")))
