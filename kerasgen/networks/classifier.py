"""The judges' shared part: checks, the feature and probability head, the extractor."""

import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network


class Classifier(Network):
    """An image classifier whose layer `"features"` (ReLU, `feature_dim` units) feeds
    FID / KID / precision-recall and whose layer `"probabilities"` (softmax) feeds the
    Inception Score and the class histograms.

    A subclass gives the body (`body(inputs, filters)`: images to a flat vector) and the
    name of the dropout layer before the logits; this class adds the head:
    `Dense(feature_dim, relu, "features")`, dropout, `Dense(num_classes, "logits")`,
    softmax `"probabilities"`.

    Args:
        image_shape: `(height, width, channels)` of the images, in [0, 1].
        num_classes: number of classes.
        filters: filters of each stage of the body.
        feature_dim: size of the feature layer.
        dropout: dropout rate (training only).
    """

    head_dropout_name = "dropout"

    def __init__(self, image_shape, num_classes, filters, feature_dim, dropout, **kwargs):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        num_classes = check_positive_int("num_classes", num_classes)
        filters = check_units("filters", filters)
        feature_dim = check_positive_int("feature_dim", feature_dim)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        inputs = keras.Input(shape=image_shape, name="images")
        x = self.body(inputs, filters, dropout)
        x = keras.layers.Dense(feature_dim, activation="relu", name="features")(x)
        x = keras.layers.Dropout(dropout, name=self.head_dropout_name)(x)
        x = keras.layers.Dense(num_classes, name="logits")(x)
        outputs = keras.layers.Activation("softmax", name="probabilities")(x)
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.feature_dim = feature_dim
        self.remember(
            image_shape=image_shape, num_classes=num_classes, filters=filters,
            feature_dim=feature_dim, dropout=float(dropout),
        )

    @staticmethod
    def body(inputs, filters, dropout):
        raise NotImplementedError("a Classifier subclass defines body(inputs, filters, dropout)")

    def feature_extractor(self):
        """A `FeatureExtractor` giving the feature layer and the class probabilities."""
        # kerasgen.metrics builds on kerasgen.networks: imported here, on use, so that
        # importing the networks does not import the metrics package.
        from kerasgen.metrics.feature_extractor import FeatureExtractor

        return FeatureExtractor(
            self, self.name, features_layer="features", probabilities_layer="probabilities"
        )
