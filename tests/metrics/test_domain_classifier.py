import keras
import numpy as np
import pytest

from kerasgen.metrics import (
    frechet_distance_from_features,
    inception_score,
    train_domain_classifier,
)
from kerasgen.networks import DomainClassifier


def test_brief_training_gives_features_and_probabilities(classifier, mnist5k):
    _, (x_test, y_test) = mnist5k
    extractor = classifier.feature_extractor()
    features, probabilities = extractor.extract(x_test)
    assert features.shape == (1000, 64) and probabilities.shape == (1000, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.mean(probabilities.argmax(axis=1) == y_test) > 0.6  # 1,000 images, 3 epochs
    assert extractor.extractor_id.startswith("domain_classifier@sha256:")

    # Real digits are scored as distinct, confident classes; uniform noise is not. The
    # test split is ordered by class, and IS splits in order: shuffle first.
    probabilities = probabilities[np.random.default_rng(0).permutation(1000)]
    noise = np.random.default_rng(0).random((1000, 28, 28, 1)).astype("float32")
    noise_features, noise_probabilities = extractor.extract(noise)
    assert inception_score(probabilities).value > 1.5 * inception_score(noise_probabilities).value
    real_vs_real = frechet_distance_from_features(features[::2], features[1::2])
    real_vs_noise = frechet_distance_from_features(features, noise_features)
    assert real_vs_noise.value > 10 * real_vs_real.value


def test_keras_round_trip_keeps_outputs_and_identity(classifier, classifier_path, mnist5k):
    _, (x_test, _) = mnist5k
    loaded = keras.saving.load_model(classifier_path, safe_mode=True)
    assert isinstance(loaded, DomainClassifier)
    np.testing.assert_array_equal(
        loaded.predict_on_batch(x_test[:8]), classifier.predict_on_batch(x_test[:8])
    )
    assert loaded.feature_extractor().extractor_id == classifier.feature_extractor().extractor_id


def test_identity_changes_with_the_weights():
    first = DomainClassifier((8, 8, 1), 3, filters=(4,), feature_dim=8)
    second = DomainClassifier((8, 8, 1), 3, filters=(4,), feature_dim=8)
    assert first.feature_extractor().extractor_id != second.feature_extractor().extractor_id


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_classes must be a positive int, got 0"):
        DomainClassifier((28, 28, 1), 0)
    x = np.zeros((4, 8, 8, 1), dtype="float32")
    with pytest.raises(ValueError, match="y must lie in \\[0, 1\\], got \\[0, 2\\]"):
        train_domain_classifier(x, np.array([0, 1, 2, 0]), num_classes=2, epochs=1)
