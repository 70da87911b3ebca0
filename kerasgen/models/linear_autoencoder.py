import keras
import numpy as np

from kerasgen import losses
from kerasgen.checks import check_positive_int, check_shape
from kerasgen.models.generative_model import GenerativeModel, predict_in_batches
from kerasgen.networks import DenseDecoder, DenseEncoder


@keras.saving.register_keras_serializable(package="kerasgen")
class LinearAutoencoder(GenerativeModel):
    """Linear autoencoder z = C x + b, x_hat = D z + c: PCA in disguise.

    Trained with `fit` on the mean squared error it converges to the span of the top
    `latent_dim` principal components; `solve_pca(x)` sets that optimum directly from a
    singular value decomposition of the centred data.

    Args:
        input_shape: per-example shape, e.g. `(28, 28, 1)`.
        latent_dim: number of components k.

    Example:
    ```python
    linear = kerasgen.models.LinearAutoencoder((28, 28, 1), latent_dim=16)
    linear.solve_pca(x_train)            # closed form
    mse = linear.reconstruction_mse(x_test)
    ```

    Reference:
        Baldi and Hornik, "Neural networks and principal component analysis", 1989.
    """

    prior = None  # a deterministic code: nothing to draw new samples from
    encodes = reconstructs = True
    anomaly_scores = ("reconstruction_error",)  # `anomaly_score` methods

    def __init__(self, input_shape, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.input_shape_ = check_shape("input_shape", input_shape)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        pixels = int(np.prod(self.input_shape_))
        if self.latent_dim > pixels:
            raise ValueError(
                f"latent_dim must be <= the input size {pixels}, got {self.latent_dim}"
            )
        self.encoder = DenseEncoder(self.input_shape_, self.latent_dim, hidden_units=(), name="encoder")
        self.decoder = DenseDecoder(
            self.latent_dim, self.input_shape_, hidden_units=(), output_activation=None, name="decoder"
        )
        self.built = True

    @property
    def data_shape(self):
        return self.input_shape_

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def train_step(self, data):
        x = self.unpack_inputs(data)

        def loss_fn():
            loss = losses.mean_reconstruction_error(x, self(x, training=True), "mse")
            return loss, {"loss": loss}

        return self.record(self.minimize(loss_fn, self.trainable_variables, self.optimizer))

    def test_step(self, data):
        x = self.unpack_inputs(data)
        return self.record({"loss": losses.mean_reconstruction_error(x, self(x), "mse")})

    input_range = None  # a linear map with MSE: PCA of data in any range

    def solve_pca(self, x):
        """Sets the weights to the PCA solution of `x` (top-k right singular vectors)."""
        x = self.check_data(x, self.data_shape).reshape(len(x), -1).astype("float64")
        mean = x.mean(axis=0)
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        components = vt[: self.latent_dim]  # (k, pixels)
        self.encoder.get_layer("z").set_weights(
            [components.T.astype("float32"), (-components @ mean).astype("float32")]
        )
        self.decoder.get_layer("logits").set_weights(
            [components.astype("float32"), mean.astype("float32")]
        )
        return self

    def reconstruction_mse(self, x, batch_size=512):
        """Mean squared reconstruction error per pixel over `x`."""
        x = self.check_data(x, self.data_shape)
        x_hat = predict_in_batches(self, x, batch_size)
        return float(np.mean((x.astype("float64") - x_hat) ** 2))

    def anomaly_score(self, x, method="reconstruction_error", batch_size=512):
        """Each example's squared reconstruction error summed over its pixels (its
        distance to the PCA subspace); higher is more anomalous."""
        if method not in self.anomaly_scores:
            raise ValueError(f"method must be one of {list(self.anomaly_scores)}, got {method!r}")
        x = self.check_data(x, self.data_shape)
        x_hat = predict_in_batches(self, x, batch_size)
        return np.sum((x.astype("float64") - x_hat).reshape(len(x), -1) ** 2, axis=1)

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
        config.update({"input_shape": self.input_shape_, "latent_dim": self.latent_dim})
        return config
