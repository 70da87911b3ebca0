import math

import keras
import numpy as np
from keras import ops

from kerasgen.data.tables import layout

EPSILON = 1e-6
MIN_LOG_SCALE = -4.0  # a numeric column's noise never drops below 2% of its std


@keras.saving.register_keras_serializable(package="kerasgen")
class TableHead(keras.layers.Layer):
    """Output layer of a table decoder and the likelihood of each column type.

    Maps the decoder's last dense layer (one unit per slot of the table's encoding) to
    the table's own units: a numeric column's unit is de-standardized (`x * std + mean`,
    statistics stored in the layer, so the exported decoder outputs real values), a
    categorical column's units become its category probabilities (softmax).

    `log_likelihood(x, x_hat)` is log p(x | x_hat) per example in nats: for a numeric
    column a Gaussian with the predicted mean and a learned standard deviation
    `std * exp(log_scale)` (one trainable value per column, in units of the column's
    std, at least `exp(-4)` of it), for a categorical column the categorical likelihood
    of its one-hot value.

    Args:
        columns: the table's columns (`kerasgen.data.read_table(...).columns`).
        mean: per-slot means (`kerasgen.data.tables.feature_statistics`).
        std: per-slot standard deviations.
    """

    def __init__(self, columns, mean, std, **kwargs):
        super().__init__(**kwargs)
        self.columns = [dict(column) for column in columns]
        self.mean = np.asarray(mean, "float32").reshape(-1)
        self.std = np.asarray(std, "float32").reshape(-1)
        spans = layout(self.columns)
        if spans[-1][1] != self.mean.size or self.std.size != self.mean.size:
            raise ValueError(f"mean and std must have one value per slot of the columns "
                             f"({spans[-1][1]}), got {self.mean.size} and {self.std.size}")
        self.numeric = np.zeros(self.mean.size, "float32")
        self.segments = []  # (start, stop, kind), consecutive numeric columns merged
        for column, (start, stop) in zip(self.columns, spans):
            kind = column["kind"]
            if kind == "numeric":
                self.numeric[start] = 1.0
            if kind == "numeric" and self.segments and self.segments[-1][2] == "numeric":
                self.segments[-1] = (self.segments[-1][0], stop, "numeric")
            else:
                self.segments.append((start, stop, kind))

    def build(self, input_shape):
        self.log_scale = self.add_weight(shape=(self.mean.size,), initializer="zeros", name="log_scale")

    def call(self, logits):
        parts = []
        for start, stop, kind in self.segments:
            part = logits[:, start:stop]
            if kind == "numeric":
                part = part * self.std[start:stop] + self.mean[start:stop]
            else:
                part = ops.softmax(part, axis=-1)
            parts.append(part)
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def scale(self):
        """Per-slot standard deviation of the numeric columns' Gaussian, in their units."""
        return self.std * ops.exp(ops.maximum(self.log_scale, MIN_LOG_SCALE))

    def log_likelihood(self, x, x_hat):
        """log p(x | x_hat) per example (summed over the last axis), in nats."""
        x = ops.cast(x, "float32")
        x_hat = ops.cast(x_hat, "float32")
        scale = ops.cast(self.scale(), "float32")
        gaussian = (-0.5 * ops.square((x - x_hat) / scale) - ops.log(scale)
                    - 0.5 * math.log(2 * math.pi))
        categorical = x * ops.log(ops.clip(x_hat, EPSILON, 1.0))
        numeric = ops.convert_to_tensor(self.numeric)
        return ops.sum(numeric * gaussian + (1.0 - numeric) * categorical, axis=-1)

    def likelihood_metadata(self):
        """The likelihood as plain numbers, for an export's metadata (`"likelihood"`):
        which slots are numeric, each slot's Gaussian scale and the categorical floor, so
        `kerasgen_runtime.Scorer` computes `log_likelihood` without Keras."""
        return {"kind": "table", "numeric": [int(v) for v in self.numeric],
                "scale": [float(v) for v in ops.convert_to_numpy(self.scale())], "epsilon": EPSILON}

    def get_config(self):
        config = super().get_config()
        config.update({"columns": self.columns, "mean": self.mean.tolist(), "std": self.std.tolist()})
        return config
