"""A Keras network turned into a feature extractor with a verifiable identity."""

import hashlib

import keras
import numpy as np


class FeatureExtractor:
    """Maps images in [0, 1] to features (and optionally class probabilities).

    Wraps a Keras model: `features_layer` names the layer whose output are the features,
    `probabilities_layer` (optional) a softmax output for the Inception Score. Images are
    checked (NHWC layout, finite, in [0, 1] or uint8), resized to `image_size` if set,
    grayscale is tiled to 3 channels when the network wants RGB, and values are mapped
    from [0, 1] to `network_range`, all inside one Keras graph built per input shape.

    The extractor's identity `extractor_id` is `"name@sha256:<hex>"`, the hex digest
    covering every weight (shape, dtype and values, in order), so numbers computed with
    different weights never pass as comparable.

    Args:
        model: a built Keras model taking NHWC images, or `None` for the identity
            extractor (features are the flattened inputs; for 2-D point data).
        name: a short name for reports.
        features_layer: layer name of the features; `None` uses the model output (the
            first output if there are several).
        probabilities_layer: layer name of class probabilities, or `None`.
        image_size: `(height, width)` to resize to, `None` to require the model's size.
        network_range: `(low, high)` the network expects its pixels in.

    Example:
    ```python
    classifier = kerasgen.metrics.DomainClassifier((28, 28, 1), num_classes=10)
    extractor = kerasgen.metrics.FeatureExtractor(classifier, "mnist_classifier",
                                                 features_layer="features",
                                                 probabilities_layer="probabilities")
    features = extractor(images)  # (N, 128)
    ```
    """

    def __init__(
        self,
        model,
        name,
        features_layer=None,
        probabilities_layer=None,
        image_size=None,
        network_range=(0.0, 1.0),
    ):
        self.name = str(name)
        self.model = model
        self.image_size = None if image_size is None else tuple(int(v) for v in image_size)
        self.network_range = tuple(float(v) for v in network_range)
        self._networks = {}
        if model is None:
            self.network = None
            self.has_probabilities = False
            self.extractor_id = self.name
            return
        outputs = [_layer_output(model, features_layer)]
        if probabilities_layer is not None:
            outputs.append(_layer_output(model, probabilities_layer))
        self.network = keras.Model(model.inputs, outputs, name="feature_network")
        self.has_probabilities = probabilities_layer is not None
        self.extractor_id = f"{self.name}@sha256:{weights_sha256(model)}"

    @property
    def input_shape(self):
        """Per-image shape the network takes, e.g. `(299, 299, 3)`; `None` for identity."""
        return None if self.network is None else tuple(self.network.input_shape[1:])

    @property
    def feature_dim(self):
        if self.network is None:
            return None
        return int(self.network.outputs[0].shape[-1])

    def __call__(self, images, batch_size=256):
        return self.extract(images, batch_size)[0]

    def extract(self, images, batch_size=256):
        """`(features, probabilities)` of a batch of images; probabilities may be None."""
        if self.network is None:
            points = _check_points(images)
            return points.reshape(len(points), -1), None
        images = self.check_images(images)
        network = self._network_for(images.shape[1:])
        features, probabilities = [], []
        for start in range(0, len(images), batch_size):
            outputs = network.predict_on_batch(images[start : start + batch_size])
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            features.append(np.asarray(outputs[0], dtype="float32"))
            if self.has_probabilities:
                probabilities.append(np.asarray(outputs[1], dtype="float32"))
        features = np.concatenate(features).reshape(len(images), -1)
        return features, (np.concatenate(probabilities) if probabilities else None)

    def check_images(self, images, name="images"):
        """Images as float32 NHWC in [0, 1]; raises on the wrong layout, range or size."""
        images = check_images(images, name)
        channels = images.shape[-1]
        wanted = self.input_shape
        if wanted[-1] not in (channels, None) and not (channels == 1 and wanted[-1] == 3):
            raise ValueError(
                f"{name} must have {wanted[-1]} channel(s) for extractor {self.name!r}, got "
                f"shape {images.shape}"
            )
        if self.image_size is None and None not in wanted[:2]:
            if tuple(images.shape[1:3]) != tuple(wanted[:2]):
                raise ValueError(
                    f"{name} must be {wanted[0]}x{wanted[1]} for extractor {self.name!r}, "
                    f"got shape {images.shape}; resize them or use an extractor that resizes"
                )
        return images

    def _network_for(self, image_shape):
        """The network with resizing, channel tiling and range mapping in front."""
        image_shape = tuple(image_shape)
        if image_shape not in self._networks:
            inputs = keras.Input(shape=image_shape, name="images")
            x = inputs
            if self.image_size is not None and image_shape[:2] != self.image_size:
                x = keras.layers.Resizing(*self.image_size, interpolation="bilinear")(x)
            if image_shape[-1] == 1 and self.input_shape[-1] == 3:
                x = keras.layers.Concatenate(axis=-1)([x, x, x])
            low, high = self.network_range
            if (low, high) != (0.0, 1.0):
                x = keras.layers.Rescaling(scale=high - low, offset=low)(x)
            outputs = self.network(x)
            self._networks[image_shape] = keras.Model(inputs, outputs)
        return self._networks[image_shape]

    def __repr__(self):
        return f"FeatureExtractor({self.extractor_id!r}, feature_dim={self.feature_dim})"


def weights_sha256(model):
    """sha256 over every weight of `model` (dtype, shape and bytes, in order)."""
    digest = hashlib.sha256()
    for variable in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(variable))
        digest.update(f"{value.dtype.str}{value.shape};".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def check_images(images, name="images"):
    """NHWC images as float32 in [0, 1] (uint8 is divided by 255)."""
    images = np.asarray(images)
    if images.dtype == object or not (
        np.issubdtype(images.dtype, np.number) or images.dtype == bool
    ):
        raise ValueError(f"{name} must be a numeric array, got dtype {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(
            f"{name} must have shape (N, height, width, channels) or (N, height, width) "
            f"with N > 0, got shape {images.shape}"
        )
    if images.shape[-1] not in (1, 3):
        hint = (
            "; they look channels-first, transpose with x.transpose(0, 2, 3, 1)"
            if images.shape[1] in (1, 3)
            else ""
        )
        raise ValueError(
            f"{name} must be channels-last (NHWC) with 1 or 3 channels, got shape "
            f"{images.shape}{hint}"
        )
    if images.dtype == np.uint8:
        return images.astype("float32") / 255.0
    images = images.astype("float32")
    if not np.all(np.isfinite(images)):
        bad = int(images.size - np.count_nonzero(np.isfinite(images)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if low < -1e-3 or high > 1.0 + 1e-3:
        hint = (
            "; map tanh outputs with kerasgen.data.value_ranges.to_unit_range" if low < 0 else
            "; divide 0-255 pixels by 255" if high > 1.5 else ""
        )
        raise ValueError(
            f"{name} must lie in [0, 1] (or be uint8), got values in [{low:.4g}, {high:.4g}]"
            f"{hint}"
        )
    return np.clip(images, 0.0, 1.0)


def _check_points(points):
    points = np.asarray(points)
    if points.ndim < 2 or not np.issubdtype(points.dtype, np.number):
        raise ValueError(
            f"points must be a numeric array of shape (N, D), got shape {points.shape} and "
            f"dtype {points.dtype}"
        )
    points = points.astype("float32")
    if not np.all(np.isfinite(points)):
        raise ValueError("points must be finite, got NaN or infinite values")
    return points


def _layer_output(model, layer_name):
    if layer_name is None:
        return model.outputs[0]
    try:
        return model.get_layer(layer_name).output
    except ValueError:
        names = [layer.name for layer in model.layers]
        raise ValueError(
            f"layer_name must name a layer of model {model.name!r} ({', '.join(names[-8:])}"
            f"{', ...' if len(names) > 8 else ''}), got {layer_name!r}"
        ) from None
