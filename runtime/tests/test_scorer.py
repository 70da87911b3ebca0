"""Scorer: a VAE's anomaly scores from its ONNX encoder + decoder, as Keras computed them."""

import numpy as np
import pytest

from kerasgen_runtime import Scorer


@pytest.fixture(scope="module")
def expected():
    from conftest import FIXTURES

    with np.load(f"{FIXTURES}/vae_scores.npz") as data:
        return dict(data)


def test_scores_equal_what_keras_gave(fixture_path, expected):
    scorer = Scorer(fixture_path("vae_encoder.onnx"), fixture_path("vae.onnx"))
    assert scorer.likelihood == "bernoulli"  # the decoder's value_range is [0, 1]
    for method in ("negative_elbo", "negative_iw_bound"):
        scores = scorer.score(expected["x"], method=method, num_samples=16, seed=3)
        np.testing.assert_allclose(scores, expected[method], rtol=1e-4)
    # The importance-weighted bound is tighter than the ELBO on the same draws.
    assert np.all(expected["negative_iw_bound"] <= expected["negative_elbo"])


def test_scores_do_not_depend_on_the_batch_size(fixture_path, expected):
    scorer = Scorer(fixture_path("vae_encoder.onnx"), fixture_path("vae.onnx"))
    whole = scorer.scores(expected["x"], num_samples=8, seed=1, batch_size=64)
    batched = scorer.scores(expected["x"], num_samples=8, seed=1, batch_size=4)
    for method in whole:
        np.testing.assert_allclose(batched[method], whole[method], rtol=1e-6)
    other_seed = scorer.score(expected["x"], num_samples=8, seed=2)
    assert not np.allclose(other_seed, whole["negative_elbo"])


def test_bad_inputs_are_named(fixture_path, expected):
    with pytest.raises(ValueError, match="encoder_path .* must be a VAE encoder export, got network 'decoder'"):
        Scorer(fixture_path("vae.onnx"), fixture_path("vae.onnx"))
    with pytest.raises(ValueError, match="decoder_path .*missing.onnx': no such file"):
        Scorer(fixture_path("vae_encoder.onnx"), fixture_path("missing.onnx"))
    scorer = Scorer(fixture_path("vae_encoder.onnx"), fixture_path("vae.onnx"))
    with pytest.raises(ValueError, match=r"x must have per-example shape \(4, 4, 1\), got \(8, 8, 1\)"):
        scorer.score(np.zeros((2, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match="method must be one of"):
        scorer.score(expected["x"], method="elbo")


def test_table_likelihood_is_gaussian_on_numeric_slots_and_categorical_on_one_hot():
    from kerasgen_runtime.scorer import check_table_likelihood, table_log_likelihood

    numeric, scale, epsilon = check_table_likelihood(
        {"kind": "table", "numeric": [1, 0, 0], "scale": [2.0, 1.0, 1.0], "epsilon": 1e-6}, 3)
    x = np.array([[1.0, 0.0, 1.0]])
    x_hat = np.array([[0.0, 0.75, 0.25]])  # mean of the numeric column, category probabilities
    expected = -0.5 * (1.0 / 2.0) ** 2 - np.log(2.0) - 0.5 * np.log(2 * np.pi) + np.log(0.25)
    np.testing.assert_allclose(table_log_likelihood(x, x_hat, numeric, scale, epsilon), [expected])
    with pytest.raises(ValueError, match="likelihood 'scale' must be 3 positive finite numbers"):
        check_table_likelihood({"kind": "table", "numeric": [1, 0, 0], "scale": [2.0, 0.0, 1.0]}, 3)
    with pytest.raises(ValueError, match="likelihood 'numeric' must be 4 values of 0 or 1"):
        check_table_likelihood({"kind": "table", "numeric": [1, 0, 0], "scale": [1.0] * 3}, 4)
