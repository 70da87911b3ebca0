"""Anomaly scores, AUROC, the linear probe, `kerasgen encode`, and the runtime Scorer's
parity with the Keras scores (real digits, real ONNX files)."""

import json

import numpy as np
import pytest

from kerasgen import cli, recipes
from kerasgen.data import named_datasets
from kerasgen.metrics.anomaly import anomaly_report, auroc, threshold_at
from kerasgen.metrics.linear_probe import linear_probe


@pytest.fixture(scope="module")
def digits_vae(tmp_path_factory):
    """A small VAE trained on the digits 0-8 of scikit-learn's 8x8 training split."""
    import keras

    keras.utils.set_random_seed(0)
    (x, y), _ = named_datasets.load("digits")
    model = recipes.get("vae").build(x.shape[1:], latent_dim=6, hidden_units=(128, 64), seed=0)
    model.fit(x[y != 9], epochs=40, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("vae") / "vae.keras"
    model.save(path)
    return model, path


def test_auroc_and_threshold():
    assert auroc([0.1, 0.2, 0.3], [0.4, 0.5]) == 1.0
    assert auroc([0.4, 0.5], [0.1, 0.2]) == 0.0
    normal = np.arange(100.0)
    assert threshold_at(normal, 0.05) == 95.0 and np.mean(normal > 95.0) <= 0.05
    with pytest.raises(ValueError, match="false_positive_rate must be in \\(0, 1\\), got 1.5"):
        threshold_at(normal, 1.5)


def test_vae_scores_separate_unseen_digits(digits_vae):
    model, _ = digits_vae
    _, (x_test, y_test) = named_datasets.load("digits")
    elbo = model.anomaly_score(x_test, num_samples=20, seed=0)
    iw = model.anomaly_score(x_test, method="negative_iw_bound", num_samples=20, seed=0)
    assert np.all(iw <= elbo + 1e-9) and np.all(np.isfinite(elbo))
    np.testing.assert_allclose(model.anomaly_score(x_test[:7], num_samples=20, seed=0, batch_size=3),
                               elbo[:7], rtol=1e-5)
    # Inverted digits are far from anything the model saw; unseen 9s a little.
    report = anomaly_report(model, x_test[y_test != 9], 1.0 - x_test[y_test != 9], num_samples=20)
    assert report["negative_elbo"]["auroc"] > 0.99 and report["negative_iw_bound"]["auroc"] > 0.99
    assert report["negative_elbo"]["false_positive_rate"] <= 0.05
    nines = anomaly_report(model, x_test[y_test != 9], x_test[y_test == 9], num_samples=20)
    assert nines["negative_iw_bound"]["auroc"] > 0.5


def test_evaluate_command_reports_what_the_api_measures(digits_vae, capsys):
    model, path = digits_vae
    code = cli.main(["evaluate", str(path), "--metrics", "anomaly", "--data", "digits",
                     "--normal-classes", "0-8", "--anomaly-samples", "10", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    _, (x_test, y_test) = named_datasets.load("digits")
    expected = anomaly_report(model, x_test[y_test != 9], x_test[y_test == 9], num_samples=10)
    for method in ("negative_elbo", "negative_iw_bound"):
        assert report["metrics"]["anomaly"][method]["auroc"] == pytest.approx(expected[method]["auroc"])
    code = cli.main(["evaluate", str(path), "--metrics", "anomaly", "--data", "digits"])
    assert code == 2 and "needs --anomalies OTHER" in capsys.readouterr().err


def test_linear_probe_and_encode(digits_vae, tmp_path, capsys):
    model, path = digits_vae
    train, test = named_datasets.load("digits")
    probe = linear_probe(model, train, test)
    assert probe["code_dim"] == 6 and probe["num_test"] == len(test[0])
    assert probe["code"] > 0.6 and probe["raw"] > 0.85  # 10 classes: chance is 0.1
    out = tmp_path / "features.npy"
    assert cli.main(["encode", str(path), "--data", "digits", "-o", str(out)]) == 0
    features = np.load(out)
    mean, _ = model.encode(test[0])
    np.testing.assert_allclose(features, mean, rtol=1e-5, atol=1e-6)
    capsys.readouterr()
    assert cli.main(["encode", str(path), "--data", "digits", "-o", str(out)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err


def test_autoencoder_reconstruction_error_score():
    (x, y), (x_test, y_test) = named_datasets.load("digits")
    model = recipes.get("ae").build(x.shape[1:], latent_dim=6, hidden_units=(64,))
    model.fit(x, epochs=20, batch_size=64, verbose=0)
    report = anomaly_report(model, x_test, 1.0 - x_test)
    assert list(report) == ["reconstruction_error"] and report["reconstruction_error"]["auroc"] > 0.95
    with pytest.raises(ValueError, match="method must be one of \\['reconstruction_error'\\]"):
        model.anomaly_score(x_test, method="negative_elbo")


def test_runtime_scorer_matches_keras(digits_vae, tmp_path):
    from kerasgen.export import to_onnx
    from kerasgen_runtime import Scorer

    model, _ = digits_vae
    to_onnx(model, tmp_path / "encoder.onnx", encoder=True)
    to_onnx(model, tmp_path / "decoder.onnx")
    _, (x_test, _) = named_datasets.load("digits")
    scorer = Scorer(tmp_path / "encoder.onnx", tmp_path / "decoder.onnx")
    for method in ("negative_elbo", "negative_iw_bound"):
        np.testing.assert_allclose(scorer.score(x_test[:50], method, num_samples=16, seed=4),
                                   model.anomaly_score(x_test[:50], method, num_samples=16, seed=4),
                                   rtol=1e-4)


def test_linear_autoencoder_scores_its_distance_to_the_pca_subspace():
    from kerasgen import models

    (x, _), (x_test, _) = named_datasets.load("digits")
    model = models.LinearAutoencoder(x.shape[1:], 8).solve_pca(x)
    scores = model.anomaly_score(x_test)
    np.testing.assert_allclose(scores.mean() / 64, model.reconstruction_mse(x_test), rtol=1e-4)
    assert anomaly_report(model, x_test, 1.0 - x_test)["reconstruction_error"]["auroc"] > 0.95
