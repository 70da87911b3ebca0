import keras

from kerasgen.data.table_head import TableHead
from kerasgen.data.tables import layout
from kerasgen.checks import check_positive_int, check_units
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class TableDecoder(Network):
    """Fully connected decoder to a table's rows, in the table's own units.

    The last layer (`kerasgen.data.TableHead`) de-standardizes numeric columns and turns
    each categorical column's units into category probabilities; `log_likelihood(x,
    x_hat)` is the per-column likelihood (Gaussian with a learned scale for numeric
    columns, categorical for one-hot ones) that `VAE(likelihood="table")` and
    `Autoencoder(loss="table")` train on.

    Args:
        latent_dim: size of the code.
        columns: the table's columns.
        mean: per-slot means of the training rows.
        std: per-slot standard deviations of the training rows.
        hidden_units: sizes of the hidden dense layers.

    Example:
    ```python
    decoder = kerasgen.networks.TableDecoder(4, table.columns, mean, std)
    ```
    """

    output_activation = None  # outputs are in the table's units (and probabilities)

    def __init__(self, latent_dim, columns, mean, std, hidden_units=(64, 128), activation="relu",
                 **kwargs):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        hidden_units = check_units("hidden_units", hidden_units)
        columns = [dict(column) for column in columns]
        width = layout(columns)[-1][1]
        inputs = keras.Input(shape=(latent_dim,), name="z")
        x = inputs
        for index, units in enumerate(hidden_units):
            x = keras.layers.Dense(units, activation=activation, name=f"dense_{index}")(x)
        x = keras.layers.Dense(width, name="logits")(x)
        outputs = TableHead(columns, mean, std, name="table_head")(x)
        kwargs.setdefault("name", "table_decoder")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = latent_dim
        self.image_shape = (width,)
        self.columns = columns
        self.remember(latent_dim=latent_dim, columns=columns, mean=[float(v) for v in mean],
                      std=[float(v) for v in std], hidden_units=hidden_units, activation=activation)

    def log_likelihood(self, x, x_hat):
        """log p(x | x_hat) per example in nats (see `kerasgen.data.TableHead`)."""
        return self.get_layer("table_head").log_likelihood(x, x_hat)
