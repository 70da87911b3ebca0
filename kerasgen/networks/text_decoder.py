import keras
from keras import ops

from kerasgen.checks import check_positive_int


@keras.saving.register_keras_serializable(package="kerasgen")
class TextDecoder(keras.Model):
    """Autoregressive GRU decoder conditioned on z, by teacher forcing or one step at a time.

    At each position the input is the previous token's embedding concatenated with z
    (Bowman et al. 2016 feed z to the initial state; concatenating it to every input
    keeps the step a function of `(token, state, z)` with a zero start state, which is
    what the exported step graph takes). `latent_dim=0` gives the same decoder without
    z: a plain language model.

    `call([tokens, z])` maps `(batch, T)` input ids and `(batch, latent_dim)` codes to
    `(batch, T, vocabulary_size)` logits; `step(token, state, z)` maps `(batch,)` ids to
    logits of the next token and the new `(batch, hidden_units)` state.

    Args:
        vocabulary_size: number of token ids (special tokens included).
        latent_dim: size of z (0: unconditional).
        embedding_dim: size of the token embedding.
        hidden_units: size of the GRU state.

    Example:
    ```python
    decoder = kerasgen.networks.TextDecoder(30, latent_dim=16)
    logits = decoder([tokens, z])
    ```
    """

    def __init__(self, vocabulary_size, latent_dim, embedding_dim=32, hidden_units=256, **kwargs):
        kwargs.setdefault("name", "text_decoder")
        super().__init__(**kwargs)
        self.vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size)
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 0:
            raise ValueError(f"latent_dim must be an int >= 0, got {latent_dim!r}")
        self.latent_dim = latent_dim
        self.embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        self.hidden_units = check_positive_int("hidden_units", hidden_units)
        self.embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")
        self.cell = keras.layers.GRUCell(hidden_units, name="gru_cell")
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True, name="gru")
        # float32 logits under a mixed precision policy (kerasgen.precision)
        self.logits = keras.layers.Dense(vocabulary_size, name="logits", dtype="float32")
        # Built here: the weights exist before a saved model's values are loaded.
        self.embedding.build((None, None))
        self.rnn.build((None, None, embedding_dim + latent_dim))
        self.logits.build((None, hidden_units))
        self.built = True

    def _inputs(self, embedded, z):
        if not self.latent_dim:
            return embedded
        if len(ops.shape(embedded)) == 3:
            z = ops.broadcast_to(ops.expand_dims(z, 1), ops.shape(embedded)[:2] + (self.latent_dim,))
        return ops.concatenate([embedded, ops.cast(z, embedded.dtype)], axis=-1)

    def call(self, inputs, training=False):
        tokens, z = inputs
        x = self._inputs(self.embedding(tokens), z)
        return self.logits(self.rnn(x, training=training))

    def step(self, token, state, z):
        """`(logits, state)` after feeding `token` (`(batch,)` ids) in `state`."""
        x = self._inputs(self.embedding(token), z)
        output, new_state = self.cell(x, [state])
        new_state = new_state[0] if isinstance(new_state, (list, tuple)) else new_state
        return self.logits(output), new_state

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "vocabulary_size": self.vocabulary_size, "latent_dim": self.latent_dim,
                "embedding_dim": self.embedding_dim, "hidden_units": self.hidden_units}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
