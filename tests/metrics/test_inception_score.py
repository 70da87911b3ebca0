import numpy as np
import pytest

from kerasgen.metrics import inception_score


def test_uniform_predictions_score_one():
    result = inception_score(np.full((100, 10), 0.1), splits=5)
    assert result.value == pytest.approx(1.0)
    assert result.std == pytest.approx(0.0, abs=1e-12)


def test_confident_balanced_predictions_score_num_classes():
    probabilities = np.eye(10)[np.arange(200) % 10]
    result = inception_score(probabilities, splits=4)
    assert result.value == pytest.approx(10.0)
    assert result.num_generated == 200 and result.details["num_classes"] == 10


def test_confident_but_collapsed_predictions_score_one():
    probabilities = np.eye(10)[np.zeros(100, dtype=int)]
    assert inception_score(probabilities, splits=2).value == pytest.approx(1.0)


def test_matches_the_formula_on_random_softmax():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((60, 7)) * 2
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    marginal = p.mean(axis=0)
    expected = np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1)))
    assert inception_score(p, splits=1).value == pytest.approx(expected, rel=1e-12)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="summing to 1.*not logits"):
        inception_score(np.random.default_rng(0).standard_normal((20, 5)), splits=2)
    with pytest.raises(ValueError, match="splits must be <= the number of rows 20, got 30"):
        inception_score(np.full((20, 5), 0.2), splits=30)
