"""A small convnet classifier whose features measure MNIST-like data (FID, IS, modes)."""

import keras
import numpy as np

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.data.user_arrays import from_arrays
from kerasgen.metrics.feature_extractor import FeatureExtractor
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class DomainClassifier(Network):
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
    (x, y), (x_test, y_test) = kerasgen.data.named_datasets.load("mnist5k")
    classifier = kerasgen.metrics.train_domain_classifier(x, y, epochs=5)
    extractor = classifier.feature_extractor()
    features, probabilities = extractor.extract(x_test)
    ```
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        filters=(32, 64),
        feature_dim=128,
        dropout=0.25,
        **kwargs,
    ):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        num_classes = check_positive_int("num_classes", num_classes)
        filters = check_units("filters", filters)
        feature_dim = check_positive_int("feature_dim", feature_dim)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        inputs = keras.Input(shape=image_shape, name="images")
        x = inputs
        for index, count in enumerate(filters):
            x = keras.layers.Conv2D(
                count, 3, padding="same", activation="relu", name=f"conv_{index}a"
            )(x)
            x = keras.layers.Conv2D(
                count, 3, strides=2, padding="same", activation="relu", name=f"conv_{index}b"
            )(x)
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dropout(dropout, name="dropout_0")(x)
        x = keras.layers.Dense(feature_dim, activation="relu", name="features")(x)
        x = keras.layers.Dropout(dropout, name="dropout_1")(x)
        x = keras.layers.Dense(num_classes, name="logits")(x)
        outputs = keras.layers.Activation("softmax", name="probabilities")(x)
        kwargs.setdefault("name", "domain_classifier")
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


def train_domain_classifier(
    x,
    y,
    num_classes=None,
    epochs=5,
    batch_size=128,
    validation_data=None,
    seed=0,
    verbose=0,
    **hyperparameters,
):
    """Builds and trains a `DomainClassifier` on images `x` in [0, 1] and int labels `y`.

    Args:
        x: `(N, height, width, channels)` images in [0, 1].
        y: `(N,)` int labels.
        num_classes: number of classes; default `max(y) + 1`.
        epochs, batch_size: training settings.
        validation_data: optional `(x_val, y_val)`.
        seed: seeds Keras (weights, dropout, shuffling) via `keras.utils.set_random_seed`.
        verbose: Keras `fit` verbosity.
        **hyperparameters: passed to `DomainClassifier` (`filters`, `feature_dim`, ...).

    Returns:
        The trained classifier, compiled with Adam and sparse cross-entropy; its
        `history` attribute holds the `fit` history.
    """
    x, y = from_arrays(x, y, name="x")
    if y is None:
        raise ValueError("y must hold one int label per image, got None")
    if x.ndim != 4:
        raise ValueError(f"x must be images (N, height, width, channels), got shape {x.shape}")
    num_classes = int(num_classes or int(np.max(y)) + 1)
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"y must lie in [0, {num_classes - 1}], got [{y.min()}, {y.max()}]")
    keras.utils.set_random_seed(seed)
    classifier = DomainClassifier(x.shape[1:], num_classes, **hyperparameters)
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    classifier.fit(
        x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
        verbose=verbose,
    )
    return classifier
