import keras
import numpy as np
import pytest

from kerasgen.networks import ResidualClassifier


def test_keras_round_trip_keeps_outputs_and_identity(tmp_path):
    classifier = ResidualClassifier((8, 8, 1), 3, filters=(4, 8), feature_dim=6)
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    path = str(tmp_path / "judge.keras")
    classifier.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, ResidualClassifier)
    np.testing.assert_allclose(loaded.predict_on_batch(x), classifier.predict_on_batch(x), atol=1e-6)
    features, probabilities = loaded.feature_extractor().extract(x)
    assert features.shape == (5, 6) and probabilities.shape == (5, 3)
    assert loaded.feature_extractor().extractor_id == classifier.feature_extractor().extractor_id
    assert loaded.feature_extractor().extractor_id.startswith("residual_classifier@sha256:")


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="dropout must be in \\[0, 1\\), got 1.5"):
        ResidualClassifier((8, 8, 1), 3, dropout=1.5)
    with pytest.raises(ValueError, match="filters must be a sequence of positive ints, got"):
        ResidualClassifier((8, 8, 1), 3, filters=(4, 0))
