import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgen")
class Standardize(keras.layers.Layer):
    """Standardizes features with fixed statistics stored in the layer (and so in the
    `.keras` and exported ONNX files): `(x - mean) / std`, or `x * std + mean` with
    `invert=True`.

    Unlike `keras.layers.Normalization`, the statistics are plain config values (no
    `adapt`), so a model built from a table's statistics saves, reloads and exports them
    with nothing else to carry.

    Args:
        mean: per-feature means (a list or 1-D array).
        std: per-feature standard deviations, all > 0.
        invert: if True, undoes the standardization.

    Example:
    ```python
    layer = kerasgen.data.Standardize(mean=[10.0, 0.0], std=[2.0, 1.0])
    layer(np.array([[12.0, 1.0]], "float32"))  # [[1.0, 1.0]]
    ```
    """

    def __init__(self, mean, std, invert=False, **kwargs):
        super().__init__(**kwargs)
        mean = np.asarray(mean, "float32").reshape(-1)
        std = np.asarray(std, "float32").reshape(-1)
        if mean.shape != std.shape or mean.size == 0:
            raise ValueError(f"mean and std must be 1-D of one equal, non-zero length, got "
                             f"{mean.shape} and {std.shape}")
        if not np.all(np.isfinite(mean)) or not np.all(std > 0):
            raise ValueError(f"std must be > 0 and mean finite, got std min {std.min()}")
        self.mean, self.std, self.invert = mean, std, bool(invert)

    def call(self, x):
        mean = ops.convert_to_tensor(self.mean, dtype=x.dtype)
        std = ops.convert_to_tensor(self.std, dtype=x.dtype)
        return x * std + mean if self.invert else (x - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"mean": self.mean.tolist(), "std": self.std.tolist(), "invert": self.invert})
        return config
