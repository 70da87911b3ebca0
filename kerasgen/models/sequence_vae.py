import keras
import numpy as np
from keras import ops

from kerasgen import backend as kg_backend
from kerasgen.data.text import BOS, PAD, UNK, Vocabulary
from kerasgen.checks import check_positive_int
from kerasgen.models.generative_model import GenerativeModel, deserialize_networks
from kerasgen.schedules import check_beta
from kerasgen_runtime.latents import DEFAULT_GENERATOR
from kerasgen_runtime.text_sampler import decode_loop, draw_noise


@keras.saving.register_keras_serializable(package="kerasgen")
class SequenceVAE(GenerativeModel):
    """VAE of token sequences (text) with an autoregressive decoder, and the remedies
    for its posterior collapse.

    The encoder gives q(z|x) = N(mean, exp(log_var)); the decoder predicts each token
    from the previous ones and z (teacher forcing in training). The loss is the negative
    ELBO per item, `reconstruction_loss + beta * kl_loss` in nats. A strong decoder can
    model the text without z, and then the KL goes to zero: the posterior collapses
    (Bowman et al. 2016). The remedies, each an option:
    - `beta`: a `kerasgen.schedules.LinearWarmup` (KL annealing, Bowman et al. 2016) or
      `Cyclical` (Fu et al. 2019) schedule of the KL weight;
    - `character_dropout`: each decoder input token after the first is replaced by the
      unknown token with this probability, so the decoder must lean on z ("word
      dropout", Bowman et al. 2016);
    - `free_bits`: the KL of each latent dimension, averaged over the batch, is counted
      as at least this many nats, so no gradient pushes a dimension below it
      (Kingma et al. 2016). `kl_loss` reports the true KL.
    With `encoder=None` the model is the decoder alone (built with `latent_dim=0`): a
    plain language model, the baseline the VAE's likelihood is compared with.

    Args:
        encoder: `kerasgen.networks.TextEncoder` (or None: a language model).
        decoder: `kerasgen.networks.TextDecoder` whose `latent_dim` is the encoder's.
        vocabulary: the item tokens (`kerasgen.data.text.Vocabulary.tokens`), kept in
            the config so a saved model encodes and decodes strings by itself.
        max_length: most tokens per item.
        level: `"char"` or `"word"` tokens.
        beta: KL weight: a float >= 0 or a schedule (1.0: the ELBO).
        character_dropout: probability in [0, 1) of dropping a decoder input (0: off).
        free_bits: nats per latent dimension, >= 0 (0: off).
        seed: seed of the reparameterization and dropout noise.

    Example:
    ```python
    items, ids, vocabulary = kerasgen.data.text.load_text("names.txt", max_length=12)
    encoder = kerasgen.networks.TextEncoder(len(vocabulary), 13, latent_dim=16)
    decoder = kerasgen.networks.TextDecoder(len(vocabulary), latent_dim=16)
    vae = kerasgen.models.SequenceVAE(encoder, decoder, vocabulary.tokens, max_length=12,
                                      character_dropout=0.3, free_bits=0.1, seed=0)
    vae.compile(optimizer="adam")
    vae.fit(ids, epochs=10, batch_size=64)
    vae.sample(4, seed=0)  # four strings
    ```

    Reference:
        Bowman et al., "Generating Sentences from a Continuous Space", 2016;
        Kingma et al., "Improved Variational Inference with Inverse Autoregressive
        Flow", 2016 (free bits); Fu et al., "Cyclical Annealing Schedule", 2019;
        Burda et al., "Importance Weighted Autoencoders", 2016.
    """

    metric_names = ("loss", "reconstruction_loss", "kl_loss")
    output_range = (None, None)
    scores_likelihood = True  # an estimate of log p(x); exact for a language model

    # A language model (no encoder) has no codes to reconstruct from or to watch.
    @property
    def reconstructs(self):
        return self.encoder is not None

    encodes = interpolates = reconstructs

    @property
    def monitors(self):
        return ("posterior_collapse",) if self.encoder is not None else ()
    # What `kerasgen export` writes for it: the decoder's step (kerasgen.export.text_step).
    sampling_graph = "text_step"

    def __init__(self, encoder, decoder, vocabulary, max_length, level="char", beta=1.0,
                 character_dropout=0.0, free_bits=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = Vocabulary(vocabulary, level)
        self.max_length = check_positive_int("max_length", max_length)
        if not 0.0 <= character_dropout < 1.0:
            raise ValueError(f"character_dropout must be in [0, 1), got {character_dropout!r}")
        if not free_bits >= 0.0:
            raise ValueError(f"free_bits must be >= 0, got {free_bits!r}")
        check_networks(encoder, decoder, len(self.vocabulary), self.max_length)
        self.encoder, self.decoder = encoder, decoder
        self.latent_dim = decoder.latent_dim
        self.beta = check_beta(beta)
        self.character_dropout = float(character_dropout)
        self.free_bits = float(free_bits)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    @property
    def data_shape(self):
        return (self.max_length + 1,)

    def current_beta(self):
        return self.beta if isinstance(self.beta, float) else self.beta(self.optimizer.iterations)

    def decoder_inputs(self, x, training):
        """The targets shifted right behind BOS; in training, each input after BOS is
        replaced by UNK with probability `character_dropout`."""
        inputs = ops.concatenate([ops.full_like(x[:, :1], BOS), x[:, :-1]], axis=1)
        if training and self.character_dropout > 0:
            drop = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) < self.character_dropout
            drop = ops.logical_and(drop, ops.arange(ops.shape(inputs)[1])[None, :] > 0)
            inputs = ops.where(drop, ops.full_like(inputs, UNK), inputs)
        return inputs

    def loss_terms(self, x, training=False):
        """Batch means of -log p(x|z) and of KL(q(z|x) || p(z)), and the KL the loss uses."""
        x = ops.cast(x, "int32")
        batch = ops.shape(x)[0]
        if self.encoder is None:
            z = ops.zeros((batch, 0))
            kl_dims = ops.zeros((batch, 1))
        else:
            mean, log_var = self.encoder(x, training=training)
            z = mean + ops.exp(0.5 * log_var) * keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            kl_dims = 0.5 * (ops.square(mean) + ops.exp(log_var) - log_var - 1.0)
        logits = self.decoder([self.decoder_inputs(x, training), z], training=training)
        token_loss = keras.losses.sparse_categorical_crossentropy(x, logits, from_logits=True)
        reconstruction = ops.mean(ops.sum(token_loss * ops.cast(x != PAD, token_loss.dtype), axis=1))
        kl = ops.mean(ops.sum(kl_dims, axis=1))
        counted = ops.sum(ops.maximum(ops.mean(kl_dims, axis=0), self.free_bits)) if self.free_bits else kl
        return reconstruction, kl, counted

    def train_step(self, data):
        x = self.unpack_inputs(data)
        beta = self.current_beta()

        # Train the encoder and decoder on the negative ELBO (KL counted with free bits)
        def loss_fn():
            reconstruction, kl, counted_kl = self.loss_terms(x, training=True)
            loss = reconstruction + beta * counted_kl
            return loss, {"loss": loss, "reconstruction_loss": reconstruction, "kl_loss": kl}

        return self.record(self.minimize(loss_fn, self.trainable_variables, self.optimizer))

    def test_step(self, data):
        # The validation loss is the negative ELBO itself (beta 1, no free bits).
        reconstruction, kl, _ = self.loss_terms(self.unpack_inputs(data))
        return self.record({"loss": reconstruction + kl, "reconstruction_loss": reconstruction, "kl_loss": kl})

    def call(self, x, training=False):
        x = ops.cast(x, "int32")
        z = self.encoder(x, training=training)[0] if self.encoder is not None else ops.zeros((ops.shape(x)[0], 0))
        return self.decoder([self.decoder_inputs(x, False), z], training=training)

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, np.ndarray):
            x = self.check_ids(x)
            if not args:
                x, y, kwargs = kg_backend.fit_arrays(x, y, kwargs)
        return keras.Model.fit(self, x, y, *args, **kwargs)

    # Strings and ids ----------------------------------------------------------------

    def check_ids(self, x, name="x"):
        """int32 ids `(N, max_length + 1)`, each a valid id of this model's vocabulary."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.max_length + 1 or not len(x):
            raise ValueError(f"{name} must be token ids of shape (N, {self.max_length + 1}), got {x.shape}")
        if not np.issubdtype(x.dtype, np.number) or np.any(x != np.round(x)):
            raise ValueError(f"{name} must hold int token ids, got dtype {x.dtype}")
        if x.min() < 0 or x.max() >= len(self.vocabulary):
            raise ValueError(f"{name} must hold ids in [0, {len(self.vocabulary)}), got "
                             f"[{x.min()}, {x.max()}]")
        return x.astype("int32")

    def to_ids(self, items):
        """Token ids of strings (or checked ids): one-line errors name a bad item."""
        if isinstance(items, str):
            raise ValueError(f"items must be a list of strings, got the string {items!r}")
        if len(items) and isinstance(items[0], str):
            return self.vocabulary.encode(list(items), self.max_length)
        return self.check_ids(items)

    def to_strings(self, ids):
        return self.vocabulary.decode(ids)

    # Inference ----------------------------------------------------------------------

    def step(self, token, state, z):
        """NumPy decoder step for `decode_loop` (the exported graph computes the same)."""
        logits, state = self.decoder.step(token, state, z)
        return ops.convert_to_numpy(logits), ops.convert_to_numpy(state)

    def encode(self, items, batch_size=256):
        """Posterior `(mean, log_var)` of strings or ids, as NumPy arrays."""
        if self.encoder is None:
            raise ValueError("this SequenceVAE has no encoder (a plain language model): it cannot encode")
        ids = self.to_ids(items)
        parts = [self.encoder(ids[i:i + batch_size], training=False) for i in range(0, len(ids), batch_size)]
        return tuple(np.concatenate([ops.convert_to_numpy(p[k]) for p in parts]) for k in (0, 1))

    def decode(self, z, seed=None, temperature=None, top_k=None, batch_size=256,
               latent_generator=DEFAULT_GENERATOR):
        """Strings decoded from codes `z` (greedy by default; `seed` drives sampling)."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}")
        _, u = draw_noise(len(z), 0, self.max_length + 1, seed, latent_generator)
        ids = decode_loop(self.step, z, u, self.max_length, self.decoder.hidden_units,
                          temperature, top_k, batch_size)
        return self.to_strings(ids)

    def sample(self, num_samples, seed=None, temperature=None, top_k=None, batch_size=256,
               latent_generator=DEFAULT_GENERATOR):
        """`num_samples` strings from z ~ N(0, I): greedy decoding by default, else
        sampling at `temperature` from the `top_k` likeliest tokens. The codes and the
        sampling noise come from `latent_generator` (`kerasgen_runtime.latents`:
        "kerasgen-v1", as `kerasgen_runtime.TextSampler` and the text page draw them,
        which write the same strings; or "numpy-pcg64")."""
        z, u = draw_noise(num_samples, self.latent_dim, self.max_length + 1, seed, latent_generator)
        ids = decode_loop(self.step, z, u, self.max_length, self.decoder.hidden_units,
                          temperature, top_k, batch_size)
        return self.to_strings(ids)

    def reconstruct(self, items):
        """Greedy decodings of the posterior means of `items`."""
        return self.decode(self.encode(items)[0])

    def interpolate(self, a, b, steps=5):
        """A homotopy: greedy decodings of `steps` points on the line between the
        posterior means of strings `a` and `b` (Bowman et al. 2016, section 5)."""
        steps = check_positive_int("steps", steps)
        mean, _ = self.encode([a, b])
        t = np.linspace(0.0, 1.0, steps)[:, None]
        return self.decode(((1 - t) * mean[0] + t * mean[1]).astype("float32"))

    def sampling_network(self):
        return self.decoder

    def log_likelihood(self, items, num_samples=100, seed=0, batch_size=4096):
        """Importance-weighted estimate of -log p(x) in nats per item (Burda et al. 2016):
        -log mean_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x). Exact for a language model."""
        # Imported here: kerasgen.metrics imports the models (a top-level import would be
        # a circle).
        from kerasgen.metrics.text import importance_weighted_nll

        return importance_weighted_nll(self, self.to_ids(items), num_samples, seed, batch_size)

    def get_config(self):
        config = super().get_config()
        config.update({
            "encoder": None if self.encoder is None else keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "vocabulary": list(self.vocabulary.tokens), "max_length": self.max_length,
            "level": self.vocabulary.level,
            "beta": self.beta if isinstance(self.beta, float) else keras.saving.serialize_keras_object(self.beta),
            "character_dropout": self.character_dropout, "free_bits": self.free_bits, "seed": self.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, ("encoder", "decoder")))


def check_networks(encoder, decoder, vocabulary_size, max_length):
    """The networks must agree with each other and with the vocabulary and length."""
    if getattr(decoder, "vocabulary_size", None) != vocabulary_size:
        raise ValueError(f"decoder must be a TextDecoder over {vocabulary_size} token ids, got "
                         f"{type(decoder).__name__} over {getattr(decoder, 'vocabulary_size', None)}")
    if encoder is None:
        if decoder.latent_dim:
            raise ValueError(f"a language model (encoder=None) needs a decoder with latent_dim=0, "
                             f"got {decoder.latent_dim}")
        return
    if tuple(encoder.input_shape[1:]) != (max_length + 1,):
        raise ValueError(f"encoder must take ids of shape ({max_length + 1},) (max_length + 1), got "
                         f"{tuple(encoder.input_shape[1:])}")
    if encoder.outputs[0].shape[-1] != decoder.latent_dim:
        raise ValueError(f"decoder latent_dim must equal the encoder's {encoder.outputs[0].shape[-1]}, "
                         f"got {decoder.latent_dim}")
