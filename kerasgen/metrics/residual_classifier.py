"""A small residual classifier: a second, independent judge of MNIST-like samples."""

import keras

from kerasgen.checks import check_positive_int
from kerasgen.metrics.feature_extractor import FeatureExtractor
from kerasgen.checks import check_shape, check_units
from kerasgen.networks.network import Network


# Batch-norm moving averages with Keras's default momentum 0.99 still hold ~25% of their
# initial values after 145 steps (5 epochs of mnist5k): validation accuracy read 10-18%
# while training accuracy was 94%, and early stopping kept epoch 1. 0.9 settles in ~30 steps.
MOMENTUM = 0.9


@keras.saving.register_keras_serializable(package="kerasgen")
class ResidualClassifier(Network):
    """Residual convnet with batch normalization and global average pooling.

    A judge whose architecture shares little with `DomainClassifier` (plain stacked
    convolutions, flattened, no normalization): numbers a generator was tuned to under
    one are checked under the other. Like `DomainClassifier`, the layer named
    `"features"` (ReLU, `feature_dim` units) feeds FID / KID and the layer named
    `"probabilities"` (softmax) the class histograms.

    Args:
        image_shape: `(height, width, channels)` of the images, in [0, 1].
        num_classes: number of classes.
        filters: filters of each stage; every stage is one residual block of stride 2
            (3x3 conv, batch norm, ReLU, 3x3 conv, batch norm, plus a 1x1 projection).
        feature_dim: size of the feature layer (after global average pooling).
        dropout: dropout rate before the output layer (training only).

    Example:
    ```python
    classifier = kerasgen.metrics.ResidualClassifier((28, 28, 1), num_classes=10)
    features, probabilities = classifier.feature_extractor().extract(images)
    ```

    Reference:
        He et al., "Deep Residual Learning for Image Recognition", CVPR 2016.
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        filters=(16, 32, 64),
        feature_dim=64,
        dropout=0.2,
        **kwargs,
    ):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        num_classes = check_positive_int("num_classes", num_classes)
        filters = check_units("filters", filters)
        feature_dim = check_positive_int("feature_dim", feature_dim)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        inputs = keras.Input(shape=image_shape, name="images")
        x = keras.layers.Conv2D(filters[0], 3, padding="same", use_bias=False, name="stem_conv")(inputs)
        x = keras.layers.BatchNormalization(momentum=MOMENTUM, name="stem_norm")(x)
        x = keras.layers.Activation("relu", name="stem_relu")(x)
        for index, count in enumerate(filters):
            x = _residual_block(x, count, f"block_{index}")
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        x = keras.layers.Dense(feature_dim, activation="relu", name="features")(x)
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        x = keras.layers.Dense(num_classes, name="logits")(x)
        outputs = keras.layers.Activation("softmax", name="probabilities")(x)
        kwargs.setdefault("name", "residual_classifier")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.feature_dim = feature_dim
        self.remember(
            image_shape=image_shape, num_classes=num_classes, filters=filters,
            feature_dim=feature_dim, dropout=float(dropout),
        )

    def feature_extractor(self):
        """A `FeatureExtractor` giving the feature layer and the class probabilities."""
        return FeatureExtractor(
            self, self.name, features_layer="features", probabilities_layer="probabilities"
        )


def _residual_block(x, filters, name):
    # The shortcut is projected (1x1, stride 2) because every block halves the size.
    shortcut = keras.layers.Conv2D(filters, 1, strides=2, use_bias=False, name=f"{name}_projection")(x)
    shortcut = keras.layers.BatchNormalization(momentum=MOMENTUM, name=f"{name}_projection_norm")(shortcut)
    x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False, name=f"{name}_conv_a")(x)
    x = keras.layers.BatchNormalization(momentum=MOMENTUM, name=f"{name}_norm_a")(x)
    x = keras.layers.Activation("relu", name=f"{name}_relu_a")(x)
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv_b")(x)
    x = keras.layers.BatchNormalization(momentum=MOMENTUM, name=f"{name}_norm_b")(x)
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return keras.layers.Activation("relu", name=f"{name}_relu_b")(x)
