"""Training the domain classifier that judges MNIST-like samples (`kerasgen.networks.DomainClassifier`)."""

import keras
import numpy as np

from kerasgen.data.user_arrays import from_arrays
from kerasgen.networks.domain_classifier import DomainClassifier


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
