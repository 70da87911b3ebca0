import keras

from kerasgen.data.standardize import Standardize
from kerasgen.data.tables import layout
from kerasgen.checks import check_positive_int, check_units
from kerasgen.networks.network import Network, latent_head


@keras.saving.register_keras_serializable(package="kerasgen")
class TableEncoder(Network):
    """Fully connected encoder for a table's rows (numeric columns and one-hot groups).

    Its first layer standardizes the numeric columns with the statistics it was built
    with (`kerasgen.data.Standardize`), so it takes rows in the table's own units.

    Args:
        columns: the table's columns (`kerasgen.data.read_table(path).columns`).
        mean: per-slot means (`kerasgen.data.tables.feature_statistics(columns, x)`).
        std: per-slot standard deviations.
        latent_dim: size of the code.
        hidden_units: sizes of the hidden dense layers.
        variational: if True, outputs `[mean, log_var]`; otherwise the code `z`.

    Example:
    ```python
    table = kerasgen.data.read_table("table.csv")
    mean, std = kerasgen.data.tables.feature_statistics(table.columns, table.x)
    encoder = kerasgen.networks.TableEncoder(table.columns, mean, std, latent_dim=4)
    ```
    """

    def __init__(self, columns, mean, std, latent_dim, hidden_units=(128, 64), variational=False,
                 activation="relu", **kwargs):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        hidden_units = check_units("hidden_units", hidden_units)
        columns = [dict(column) for column in columns]
        width = layout(columns)[-1][1]
        inputs = keras.Input(shape=(width,), name="x")
        x = Standardize(mean, std, name="standardize")(inputs)
        for index, units in enumerate(hidden_units):
            x = keras.layers.Dense(units, activation=activation, name=f"dense_{index}")(x)
        outputs = latent_head(x, latent_dim, variational)
        kwargs.setdefault("name", "table_encoder")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = (width,)
        self.latent_dim = latent_dim
        self.variational = bool(variational)
        self.columns = columns
        self.remember(columns=columns, mean=[float(v) for v in mean], std=[float(v) for v in std],
                      latent_dim=latent_dim, hidden_units=hidden_units,
                      variational=bool(variational), activation=activation)
