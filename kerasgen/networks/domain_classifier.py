"""A small convnet classifier whose features measure MNIST-like data (FID, IS, modes)."""

import keras

from kerasgen.networks.classifier import Classifier


@keras.saving.register_keras_serializable(package="kerasgen")
class DomainClassifier(Classifier):
    """Convnet classifier: its penultimate layer gives features, its softmax classes.

    ImageNet features describe digits poorly; FID and IS of MNIST-like data are computed
    with a classifier trained on that domain instead. The layer named `"features"` (ReLU,
    `feature_dim` units) feeds FID / KID / precision-recall, the layer named
    `"probabilities"` (softmax) the Inception Score and class-histogram mode counts.

    Args:
        image_shape: `(height, width, channels)` of the images, in [0, 1].
        num_classes: number of classes.
        filters: filters of each block (two 3x3 convolutions, the second of stride 2).
        feature_dim: size of the feature layer.
        dropout: dropout rate before the feature and output layers (training only).

    Example:
    ```python
    (x, y), (x_test, y_test) = kerasgen.data.load("mnist5k")
    classifier = kerasgen.metrics.train_domain_classifier(x, y, epochs=5)
    extractor = classifier.feature_extractor()
    features, probabilities = extractor.extract(x_test)
    ```
    """

    head_dropout_name = "dropout_1"

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        filters=(32, 64),
        feature_dim=128,
        dropout=0.25,
        **kwargs,
    ):
        kwargs.setdefault("name", "domain_classifier")
        super().__init__(image_shape, num_classes, filters, feature_dim, dropout, **kwargs)

    @staticmethod
    def body(inputs, filters, dropout):
        x = inputs
        for index, count in enumerate(filters):
            x = keras.layers.Conv2D(
                count, 3, padding="same", activation="relu", name=f"conv_{index}a"
            )(x)
            x = keras.layers.Conv2D(
                count, 3, strides=2, padding="same", activation="relu", name=f"conv_{index}b"
            )(x)
        x = keras.layers.Flatten(name="flatten")(x)
        return keras.layers.Dropout(dropout, name="dropout_0")(x)
