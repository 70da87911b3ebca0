import keras

from kerasgen.checks import check_positive_int
from kerasgen.networks.network import Network, latent_head


@keras.saving.register_keras_serializable(package="kerasgen")
class TextEncoder(Network):
    """Recurrent encoder of token sequences: embedding, masked GRU, then the posterior.

    The input is `(batch, sequence_length)` int ids padded with 0 (see
    `kerasgen.data.text`); padding is masked, so the GRU's last state is the one after
    the item's end-of-sequence token. Outputs `[mean, log_var]` of q(z|x).

    Args:
        vocabulary_size: number of token ids (special tokens included).
        sequence_length: ids per item (`max_length + 1`).
        latent_dim: size of z.
        embedding_dim: size of the token embedding.
        hidden_units: size of the GRU state.

    Example:
    ```python
    encoder = kerasgen.networks.TextEncoder(30, 13, latent_dim=16)
    ```
    """

    def __init__(self, vocabulary_size, sequence_length, latent_dim, embedding_dim=32,
                 hidden_units=128, **kwargs):
        vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size)
        sequence_length = check_positive_int("sequence_length", sequence_length)
        latent_dim = check_positive_int("latent_dim", latent_dim)
        embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        hidden_units = check_positive_int("hidden_units", hidden_units)
        inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
        x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(inputs)
        x = keras.layers.GRU(hidden_units, name="gru")(x)
        outputs = latent_head(x, latent_dim)
        kwargs.setdefault("name", "text_encoder")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = latent_dim
        self.sequence_length = sequence_length
        self.remember(vocabulary_size=vocabulary_size, sequence_length=sequence_length,
                      latent_dim=latent_dim, embedding_dim=embedding_dim, hidden_units=hidden_units)
