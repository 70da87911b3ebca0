"""Recipe for the domain classifier whose features the metrics use (FID/KID/IS on digits)."""

import keras

from kerasgen.metrics.domain_classifier import DomainClassifier
from kerasgen.metrics.residual_classifier import ResidualClassifier
from kerasgen.recipes import register


@register("classifier", epochs=30, batch_size=128, data="mnist5k", labels=True)
def build_classifier(data_shape, num_classes=10, filters=(32, 64), feature_dim=128, dropout=0.25,
                     learning_rate=1e-3):
    classifier = DomainClassifier(tuple(data_shape), num_classes, filters=filters,
                                  feature_dim=feature_dim, dropout=dropout, name="domain_classifier")
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return classifier


@register("residual_classifier", epochs=30, batch_size=128, data="mnist5k", labels=True)
def build_residual_classifier(data_shape, num_classes=10, filters=(16, 32, 64), feature_dim=64,
                              dropout=0.2, learning_rate=1e-3):
    classifier = ResidualClassifier(tuple(data_shape), num_classes, filters=filters,
                                    feature_dim=feature_dim, dropout=dropout, name="residual_classifier")
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return classifier
