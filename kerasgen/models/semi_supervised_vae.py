import math

import keras
import numpy as np
from keras import ops

from kerasgen import losses
from kerasgen_runtime.latents import DEFAULT_GENERATOR, check_positive_int, draw_latents
from kerasgen.models.generative_model import GenerativeModel, deserialize_networks, predict_in_batches


@keras.saving.register_keras_serializable(package="kerasgen")
class SemiSupervisedVAE(GenerativeModel):
    """The M2 model of Kingma et al.: a VAE whose label y is a partly observed latent.

    Generative model p(x|y,z) p(y) p(z) with p(y) uniform over `num_classes` and p(z)
    standard normal; inference q(z|x,y) (the `encoder`, which sees x and one-hot y) and
    the classifier q(y|x). For a labelled example the loss is the negative ELBO

        L(x, y) = -log p(x|y,z) + KL(q(z|x,y) || p(z)) + log num_classes,

    for an unlabelled one y is marginalized under the classifier,

        U(x) = sum_y q(y|x) L(x, y) - H(q(y|x)),

    and the classifier also learns from the labels directly (the paper's alpha term):

        loss = mean_labelled L + mean_unlabelled U + alpha * mean_labelled -log q(y|x).

    A batch holds both kinds of examples: `y = -1` marks an unlabelled one
    (`kerasgen.data.LabelledBatches` draws such batches). All `num_classes` values of y
    go through the encoder and decoder in one call each.

    Args:
        classifier: network mapping x to `num_classes` logits (e.g.
            `kerasgen.networks.ConvEncoder(image_shape, num_classes)`).
        encoder: network mapping `concat(flatten(x), one_hot(y))` to `[mean, log_var]`.
        decoder: network mapping `concat(z, one_hot(y))` to x (sigmoid output for the
            Bernoulli likelihood, linear for the Gaussian).
        classification_weight: alpha. The paper uses alpha = 0.1 N on losses summed over
            the data; in batch means that weighs -log q(y|x) by 0.1 N / N_labelled against
            each labelled ELBO, 50 for MNIST with 100 labels (the default).
        likelihood: `"bernoulli"` (data in [0, 1]) or `"gaussian"` with a fixed
            `observation_std` (e.g. the codes of an M1 VAE: the paper's M1+M2 stack).
        observation_std: std of the Gaussian likelihood.
        seed: seed of the reparameterization noise.

    Example:
    ```python
    classifier = kerasgen.networks.DenseEncoder((28, 28, 1), 10)
    encoder = kerasgen.networks.DenseEncoder((794,), 32, variational=True)
    decoder = kerasgen.networks.DenseDecoder(42, (28, 28, 1))
    model = kerasgen.models.SemiSupervisedVAE(classifier, encoder, decoder, seed=0)
    model.compile(optimizer="adam")
    model.fit(kerasgen.data.LabelledBatches(x, y_with_minus_ones, seed=0), epochs=50)
    probabilities = model.classify(x_test)
    sevens = model.sample(16, labels=7, seed=0)
    ```

    Reference:
        Kingma, Rezende, Mohamed and Welling, "Semi-Supervised Learning with Deep
        Generative Models", NeurIPS 2014.
    """

    metric_names = ("loss", "labelled_loss", "unlabelled_loss", "classification_loss")
    conditioning = "label"
    encodes = True  # the posterior mean of z given x and a label

    def __init__(self, classifier, encoder, decoder, classification_weight=50.0, likelihood="bernoulli",
                 observation_std=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.classifier, self.encoder, self.decoder = classifier, encoder, decoder
        self.num_classes = int(classifier.output_shape[-1])
        self.latent_dim = int(decoder.input_shape[-1]) - self.num_classes
        pixels = math.prod(classifier.input_shape[1:])
        if tuple(encoder.input_shape[1:]) != (pixels + self.num_classes,):
            raise ValueError(f"encoder input must be flatten(x) + one_hot(y) = ({pixels + self.num_classes},), "
                             f"got {tuple(encoder.input_shape[1:])}")
        if self.latent_dim < 1 or encoder.outputs[0].shape[-1] != self.latent_dim:
            raise ValueError(f"decoder input must be latent_dim + num_classes = "
                             f"{encoder.outputs[0].shape[-1] + self.num_classes}, got {decoder.input_shape[-1]}")
        if tuple(decoder.output_shape[1:]) != self.data_shape:
            raise ValueError(f"decoder output shape {tuple(decoder.output_shape[1:])} must equal "
                             f"the classifier's input shape {self.data_shape}")
        if not classification_weight >= 0:
            raise ValueError(f"classification_weight must be >= 0, got {classification_weight!r}")
        if likelihood not in losses.LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {list(losses.LIKELIHOODS)}, got {likelihood!r}")
        if not observation_std > 0:
            raise ValueError(f"observation_std must be > 0, got {observation_std!r}")
        self.classification_weight = float(classification_weight)
        self.likelihood, self.observation_std = likelihood, float(observation_std)
        self.output_range = (0.0, 1.0) if likelihood == "bernoulli" else (None, None)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    @property
    def data_shape(self):
        return tuple(self.classifier.input_shape[1:])

    def call(self, x, training=False):
        return ops.softmax(self.classifier(x, training=training))

    def negative_elbo_per_class(self, x, training=False):
        """L(x, y) for every y: shape `(batch, num_classes)`, nats (one z draw each)."""
        batch, k = ops.shape(x)[0], self.num_classes
        flat = ops.reshape(x, (batch, -1))
        every_x = ops.tile(flat, (k, 1))  # class-major: rows [c * batch + i]
        every_y = ops.repeat(ops.eye(k, dtype=flat.dtype), batch, axis=0)
        mean, log_var = self.encoder(ops.concatenate([every_x, every_y], axis=1), training=training)
        noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        z = mean + ops.exp(0.5 * log_var) * noise
        x_hat = self.decoder(ops.concatenate([z, every_y], axis=1), training=training)
        reconstruction = -losses.log_likelihood(ops.reshape(every_x, ops.shape(x_hat)), x_hat,
                                                self.likelihood, self.observation_std)
        loss = reconstruction + losses.kl_divergence(mean, log_var) + math.log(k)
        return ops.transpose(ops.reshape(loss, (k, batch)))

    def loss_terms(self, x, y, training=False):
        labelled = ops.cast(y >= 0, x.dtype)
        one_hot = ops.one_hot(ops.maximum(y, 0), self.num_classes, dtype=x.dtype) * labelled[:, None]
        log_q = ops.log_softmax(self.classifier(x, training=training), axis=-1)
        per_class = self.negative_elbo_per_class(x, training)
        labelled_loss = ops.sum(one_hot * per_class, axis=1)
        unlabelled_loss = ops.sum(ops.exp(log_q) * (per_class + log_q), axis=1)
        classification = -ops.sum(one_hot * log_q, axis=1)
        num_labelled = ops.maximum(ops.sum(labelled), 1.0)
        num_unlabelled = ops.maximum(ops.sum(1.0 - labelled), 1.0)
        return {
            "labelled_loss": ops.sum(labelled * labelled_loss) / num_labelled,
            "unlabelled_loss": ops.sum((1.0 - labelled) * unlabelled_loss) / num_unlabelled,
            "classification_loss": ops.sum(classification) / num_labelled,
        }

    def train_step(self, data):
        x, y = self.unpack_labelled(data)

        # Train the encoder, decoder and classifier on both kinds of examples
        def loss_fn():
            terms = self.loss_terms(x, y, training=True)
            loss = (terms["labelled_loss"] + terms["unlabelled_loss"]
                    + self.classification_weight * terms["classification_loss"])
            return loss, {"loss": loss, **terms}

        return self.record(self.minimize(loss_fn, self.trainable_variables, self.optimizer))

    def test_step(self, data):
        x, y = self.unpack_labelled(data)
        terms = self.loss_terms(x, y)
        loss = (terms["labelled_loss"] + terms["unlabelled_loss"]
                + self.classification_weight * terms["classification_loss"])
        return self.record({"loss": loss, **terms})

    def unpack_labelled(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("SemiSupervisedVAE trains on (x, y) pairs with y = -1 for unlabelled "
                             "examples: fit(kerasgen.data.LabelledBatches(x, y)) or fit(x, y)")
        return ops.convert_to_tensor(data[0]), ops.cast(ops.convert_to_tensor(data[1]), "int32")

    # Inference -----------------------------------------------------------------------

    def classify(self, x, batch_size=256):
        """Class probabilities q(y|x), shape `(N, num_classes)`."""
        logits = predict_in_batches(self.classifier, self.check_data(x, self.data_shape), batch_size)
        logits = logits - logits.max(axis=1, keepdims=True)
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    def encode(self, x, labels=None, batch_size=256):
        """Posterior mean of z given x and `labels` (default: the classifier's guesses)."""
        x = self.check_data(x, self.data_shape)
        labels = self.classify(x).argmax(axis=1) if labels is None else self.check_labels(labels, len(x))
        inputs = np.concatenate([x.reshape(len(x), -1), np.eye(self.num_classes, dtype="float32")[labels]], 1)
        mean, _ = predict_in_batches(self.encoder, inputs, batch_size)
        return mean

    def sample(self, num_samples, seed=None, labels=None, batch_size=256,
               latent_generator=DEFAULT_GENERATOR):
        """Decodes prior draws of z for the given labels (one int, one per sample, or None
        for 0, 1, ..., num_classes - 1 in turn), as `ConditionalGAN.sample` does
        (`latent_generator` as in `kerasgen_runtime.latents.draw_latents`)."""
        num_samples = check_positive_int("num_samples", num_samples)
        if labels is None:
            labels = np.arange(num_samples) % self.num_classes
        labels = self.check_labels(np.broadcast_to(labels, (num_samples,)), num_samples)
        z = draw_latents(num_samples, self.latent_dim, seed, latent_generator)
        inputs = np.concatenate([z, np.eye(self.num_classes, dtype="float32")[labels]], 1)
        return predict_in_batches(self.decoder, inputs, batch_size)

    def check_labels(self, labels, count):
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != count or not np.issubdtype(labels.dtype, np.integer) or (
                labels.size and (labels.min() < 0 or labels.max() >= self.num_classes)):
            raise ValueError(f"labels must be {count} int(s) in [0, {self.num_classes - 1}], got "
                             f"{labels.size} of dtype {labels.dtype}")
        return labels.astype("int64")

    def sampling_network(self):
        """`[z, label] -> x` (int labels, one-hot inside the graph), the input contract of
        the conditional GAN's generator, so both export and sample alike."""
        z = keras.Input(shape=(self.latent_dim,), name="z")
        label = keras.Input(shape=(), dtype="int32", name="label")
        one_hot = keras.layers.CategoryEncoding(self.num_classes, output_mode="one_hot", name="one_hot")(label)
        x = self.decoder(keras.layers.Concatenate(name="z_and_label")([z, one_hot]))
        return keras.Model([z, label], x, name="m2_generator")

    def get_config(self):
        config = super().get_config()
        config.update({
            name: keras.saving.serialize_keras_object(getattr(self, name))
            for name in ("classifier", "encoder", "decoder")
        })
        config.update({"classification_weight": self.classification_weight, "likelihood": self.likelihood,
                       "observation_std": self.observation_std, "seed": self.seed})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, ("classifier", "encoder", "decoder")))
