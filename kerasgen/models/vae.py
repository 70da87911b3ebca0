import keras
import numpy as np
from keras import ops
from kerasgen_runtime.scorer import check_method, vae_scores

from kerasgen import losses
from kerasgen_runtime.latents import DEFAULT_GENERATOR, check_positive_int, draw_latents
from kerasgen.models.generative_model import GenerativeModel, deserialize_networks, predict_in_batches
from kerasgen.models.user_networks import accept_encoder_decoder
from kerasgen.schedules import check_beta


@keras.saving.register_keras_serializable(package="kerasgen")
class VAE(GenerativeModel):
    """Variational autoencoder with a diagonal Gaussian posterior.

    The encoder outputs the mean and log-variance of q(z|x); z is drawn with the
    reparameterization z = mean + exp(log_var / 2) * eps (seeded). The loss is the
    negative ELBO with a weight on the analytic KL term (beta-VAE):
    `reconstruction_loss + beta * kl_loss`, both in nats per example.

    Args:
        encoder: a network mapping x to `[mean, log_var]` (e.g.
            `kerasgen.networks.ConvEncoder(..., variational=True)`).
        decoder: a network mapping z to x (sigmoid output for the Bernoulli likelihood).
        likelihood: `"bernoulli"` (data in [0, 1]), `"gaussian"` (fixed
            `observation_std`) or `"table"` (a `kerasgen.networks.TableDecoder`'s
            per-column likelihood: Gaussian for numeric columns, categorical for
            one-hot ones).
        beta: weight of the KL term: a float >= 0, or a `kerasgen.schedules.LinearWarmup`
            / `Cyclical` schedule of the optimizer step.
        observation_std: std of the Gaussian likelihood.
        seed: seed of the reparameterization noise.

    Example:
    ```python
    encoder = kerasgen.networks.ConvEncoder((28, 28, 1), 16, variational=True)
    decoder = kerasgen.networks.ConvDecoder(16, (28, 28, 1))
    vae = kerasgen.models.VAE(encoder, decoder, beta=1.0, seed=0)
    vae.compile(optimizer="adam")
    vae.fit(x_train, epochs=10, batch_size=128)
    images = vae.sample(16, seed=0)
    ```

    Reference:
        Kingma and Welling, "Auto-Encoding Variational Bayes", 2014;
        Higgins et al., "beta-VAE", 2017; Burda et al., "Importance Weighted
        Autoencoders", 2016.
    """

    metric_names = ("loss", "reconstruction_loss", "kl_loss")
    anomaly_scores = ("negative_elbo", "negative_iw_bound")  # `anomaly_score` methods
    encodes = reconstructs = interpolates = scores_likelihood = True
    monitors = ("posterior_collapse",)

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        beta=1.0,
        observation_std=1.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if likelihood not in (*losses.LIKELIHOODS, "table"):
            raise ValueError(
                f"likelihood must be one of {[*losses.LIKELIHOODS, 'table']}, got {likelihood!r}"
            )
        if likelihood == "table" and not hasattr(decoder, "log_likelihood"):
            raise ValueError(f"likelihood 'table' needs a decoder with its own log_likelihood "
                             f"(kerasgen.networks.TableDecoder), got {type(decoder).__name__}")
        if not observation_std > 0:
            raise ValueError(f"observation_std must be > 0, got {observation_std}")
        encoder, decoder = check_encoder_decoder(encoder, decoder, variational=True)
        self.encoder = encoder
        self.decoder = decoder
        self.likelihood = likelihood
        self.beta = check_beta(beta)
        self.observation_std = float(observation_std)
        self.seed = seed
        self.latent_dim = decoder.input_shape[-1]
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.output_range = (0.0, 1.0) if likelihood == "bernoulli" else (None, None)
        self.built = True

    @property
    def data_shape(self):
        return tuple(self.encoder.input_shape[1:])

    @property
    def columns(self):
        """The table's columns for a model of tabular data (`likelihood="table"`), else None."""
        return self.decoder.columns if self.likelihood == "table" else None

    def call(self, x, training=False):
        mean, _ = self.encoder(x, training=training)
        return self.decoder(mean, training=training)

    def current_beta(self):
        if isinstance(self.beta, float):
            return self.beta
        return self.beta(self.optimizer.iterations)

    def loss_terms(self, x, training=False):
        """Batch means of the reconstruction loss (-log p(x|z)) and of the KL term."""
        mean, log_var = self.encoder(x, training=training)
        noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        z = mean + ops.exp(0.5 * log_var) * noise
        x_hat = self.decoder(z, training=training)
        reconstruction = -self.reconstruction_log_likelihood(x, x_hat)
        kl = losses.kl_divergence(mean, log_var)
        return ops.mean(reconstruction), ops.mean(kl)

    def reconstruction_log_likelihood(self, x, x_hat):
        """log p(x | x_hat) per example in nats."""
        if self.likelihood == "table":
            return self.decoder.log_likelihood(x, x_hat)
        return losses.log_likelihood(x, x_hat, self.likelihood, self.observation_std)

    def train_step(self, data):
        x = self.unpack_inputs(data)
        beta = self.current_beta()

        def loss_fn():
            reconstruction, kl = self.loss_terms(x, training=True)
            loss = reconstruction + beta * kl
            return loss, {"loss": loss, "reconstruction_loss": reconstruction, "kl_loss": kl}

        logs = self.minimize(loss_fn, self.trainable_variables, self.optimizer)
        return self.record(logs)

    def test_step(self, data):
        x = self.unpack_inputs(data)
        reconstruction, kl = self.loss_terms(x)
        loss = reconstruction + self.current_beta() * kl
        return self.record({"loss": loss, "reconstruction_loss": reconstruction, "kl_loss": kl})

    # Inference -----------------------------------------------------------------------

    def encode(self, x, batch_size=256):
        """Posterior parameters `(mean, log_var)` as NumPy arrays."""
        x = self.check_data(x, self.data_shape)
        mean, log_var = predict_in_batches(self.encoder, x, batch_size)
        return mean, log_var

    def decode(self, z, batch_size=256):
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape (N, {self.latent_dim}), got {z.shape}"
            )
        return predict_in_batches(self.decoder, z, batch_size)

    def sample(self, num_samples, seed=None, latent_generator=DEFAULT_GENERATOR):
        """Decodes `num_samples` draws of the standard-normal prior (seeded on the host;
        `latent_generator` as in `kerasgen_runtime.latents.draw_latents`)."""
        return self.decode(draw_latents(num_samples, self.latent_dim, seed, latent_generator))

    def reconstruct(self, x):
        """Decodes the posterior mean of each input."""
        mean, _ = self.encode(x)
        return self.decode(mean)

    def sampling_network(self):
        return self.decoder

    def interpolate(self, a, b, steps=8, method="linear"):
        """Decodes `steps` points between the posterior means of images `a` and `b`.

        `method` is `"linear"` or `"slerp"` (spherical, which keeps the norm typical
        of the Gaussian prior).
        """
        steps = check_positive_int("steps", steps)
        if method not in ("linear", "slerp"):
            raise ValueError(f"method must be 'linear' or 'slerp', got {method!r}")
        means, _ = self.encode(np.stack([np.asarray(a), np.asarray(b)]))
        z_a, z_b = means.astype("float64")
        t = np.linspace(0.0, 1.0, steps)[:, None]
        if method == "linear":
            z = (1 - t) * z_a + t * z_b
        else:
            cos = np.dot(z_a, z_b) / (np.linalg.norm(z_a) * np.linalg.norm(z_b) + 1e-12)
            omega = np.arccos(np.clip(cos, -1.0, 1.0))
            if omega < 1e-6:
                z = (1 - t) * z_a + t * z_b
            else:
                z = (np.sin((1 - t) * omega) * z_a + np.sin(t * omega) * z_b) / np.sin(omega)
        return self.decode(z.astype("float32"))

    def log_likelihood(self, x, num_samples=1000, batch_size=None, seed=0, progress=None):
        """Importance-weighted estimate of -log p(x) in nats, one value per example.

        log p(x) ~= logsumexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log K with
        z_k ~ q(z|x), K = `num_samples` (Burda et al. 2016). With K = 1 this is the
        negative ELBO's estimate; it decreases (tightens) as K grows. `progress`, if
        given, is called with the number of examples done after each batch.
        """
        num_samples = check_positive_int("num_samples", num_samples)
        x = self.check_data(x, self.data_shape)
        mean, log_var = self.encode(x)
        rng = np.random.default_rng(seed)
        pixels = int(np.prod(self.data_shape))
        chunk = max(1, min(num_samples, 8192 // max(1, min(len(x), 64))))
        images_per_batch = batch_size or max(1, 8192 // chunk)
        result = np.empty(len(x), dtype="float64")
        for start in range(0, len(x), images_per_batch):
            stop = min(start + images_per_batch, len(x))
            xb = x[start:stop].reshape(stop - start, 1, pixels).astype("float64")
            mb = mean[start:stop, None, :].astype("float64")
            lvb = log_var[start:stop, None, :].astype("float64")
            log_weights = []
            for k in range(0, num_samples, chunk):
                kc = min(chunk, num_samples - k)
                eps = rng.standard_normal((stop - start, kc, self.latent_dim))
                z = mb + np.exp(0.5 * lvb) * eps
                x_hat = self.decode(z.reshape(-1, self.latent_dim).astype("float32"), 8192)
                x_hat = x_hat.reshape(stop - start, kc, pixels).astype("float64")
                log_px = self._numpy_log_likelihood(xb, x_hat)
                log_pz = -0.5 * np.sum(z**2 + np.log(2 * np.pi), axis=-1)
                log_qz = -0.5 * np.sum(np.log(2 * np.pi) + lvb + eps**2, axis=-1)
                log_weights.append(log_px + log_pz - log_qz)
            log_weights = np.concatenate(log_weights, axis=1)
            peak = log_weights.max(axis=1, keepdims=True)
            log_px_estimate = peak[:, 0] + np.log(np.mean(np.exp(log_weights - peak), axis=1))
            result[start:stop] = -log_px_estimate
            if progress is not None:
                progress(stop)
        return result

    def anomaly_score(self, x, method="negative_elbo", num_samples=100, seed=0, batch_size=64):
        """How unlikely each example is under the model, in nats (higher: more anomalous).

        `method` is `"negative_elbo"` or `"negative_iw_bound"` (the importance-weighted
        bound on -log p(x)), both from the same `num_samples` draws of z ~ q(z|x) per
        example (example `i` draws from `numpy.random.default_rng([seed, i])`). The
        exported encoder and decoder give the same scores with
        `kerasgen_runtime.Scorer`, without TensorFlow.
        """
        check_method(method)
        x = self.check_data(x, self.data_shape)
        scores = vae_scores(x, self.encode, lambda z: self.decode(z, 8192), self._numpy_log_likelihood,
                            num_samples=num_samples, seed=seed, batch_size=batch_size)
        return scores[method]

    def _numpy_log_likelihood(self, x, x_hat):
        if self.likelihood == "table":
            values = self.decoder.log_likelihood(x.astype("float32"), x_hat.astype("float32"))
            return keras.ops.convert_to_numpy(values).astype("float64")
        if self.likelihood == "bernoulli":
            p = np.clip(x_hat, losses.EPSILON, 1.0 - losses.EPSILON)
            return np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)
        std = self.observation_std
        return np.sum(
            -0.5 * ((x - x_hat) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi), axis=-1
        )

    def get_config(self):
        config = super().get_config()
        beta = self.beta
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "likelihood": self.likelihood,
                "beta": beta if isinstance(beta, float) else keras.saving.serialize_keras_object(beta),
                "observation_std": self.observation_std,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, ("encoder", "decoder")))


def check_encoder_decoder(encoder, decoder, variational):
    """The encoder and decoder as functional models (`kerasgen.models.user_networks`),
    once the encoder's code feeds the decoder and the shapes agree."""
    encoder, decoder = accept_encoder_decoder(encoder, decoder, variational)
    outputs = encoder.outputs
    code_dim = outputs[0].shape[-1]
    latent_dim = decoder.input_shape[-1]
    if code_dim != latent_dim:
        raise ValueError(
            f"decoder input size must equal the encoder's latent_dim {code_dim}, got {latent_dim}"
        )
    if tuple(decoder.output_shape[1:]) != tuple(encoder.input_shape[1:]):
        raise ValueError(
            f"decoder output shape {tuple(decoder.output_shape[1:])} must equal the encoder "
            f"input shape {tuple(encoder.input_shape[1:])}"
        )
    return encoder, decoder
