"""Extractor names resolve explicitly: zoo classifiers by entry name (kerasgen.zoo.extractors),
and by default for the data they were trained on, whatever has been imported before; the
metrics themselves know no zoo name."""

import json
import subprocess
import sys
import warnings

import pytest

from kerasgen.metrics import extractors as metric_extractors
from kerasgen.zoo import extractors


def test_zoo_classifiers_are_found_in_the_zoo_and_are_the_default_for_their_data():
    assert extractors.classifiers() == {
        "classifier_mnist5k": "mnist5k", "residual_classifier_mnist5k": "mnist5k",
        "classifier_color_digits32": "color_digits32",
        "residual_classifier_color_digits32": "color_digits32",
        "segmenter_layouts": "layouts",
    }
    assert extractors.default_extractor_name("color_digits32", (32, 32, 3)) == "classifier_color_digits32"
    assert extractors.default_extractor_name("layouts", (32, 32, 3)) == "segmenter_layouts"
    assert extractors.default_extractor_name("mnist5k", (28, 28, 1)) == "classifier_mnist5k"
    assert extractors.default_extractor_name("cifar10", (32, 32, 3)) == "inception_v3"
    assert extractors.default_extractor_name("ring8", (2,)) == "identity"
    with pytest.raises(ValueError, match="classifier_mnist5k"):
        extractors.get_extractor("classifier_nope")
    with pytest.raises(ValueError, match="sha256 does not apply to zoo entry"):
        extractors.get_extractor("classifier_mnist5k", sha256="0" * 64)
    # The metrics' own table names no zoo entry, and their default is not a zoo judge.
    assert "classifier_mnist5k" not in metric_extractors.EXTRACTORS
    assert metric_extractors.default_extractor_name("mnist5k", (28, 28, 1)) == "inception_v3"
    with pytest.raises(ValueError, match="extractor must be one of"):
        metric_extractors.get_extractor("classifier_mnist5k")


def test_extractor_by_zoo_name_in_a_fresh_process():
    # Nothing imported beforehand but the zoo's extractors: the name still resolves.
    code = (
        "from kerasgen.zoo.extractors import get_extractor; "
        "print(get_extractor('classifier_mnist5k').extractor_id)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == extractors.get_extractor("classifier_mnist5k").extractor_id
    assert out.stdout.strip().startswith("domain_classifier@sha256:")
    code = code.replace("classifier_mnist5k", "residual_classifier_mnist5k")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip().startswith("residual_classifier@sha256:")


def test_evaluate_a_dcgan_offline_with_the_default_extractor(tmp_path, monkeypatch, capsys):
    from kerasgen import cli, zoo

    path = str(tmp_path / "dcgan.keras")
    zoo.load("dcgan_mnist5k").save(path)
    monkeypatch.setenv("KERASGEN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))  # no InceptionV3 here
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no ImageNet fallback
        code = cli.main(["evaluate", path, "--data", "mnist5k", "--metrics", "fid,kid",
                         "-n", "500", "--json", "--no-progress"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["extractor"] == extractors.get_extractor("classifier_mnist5k").extractor_id
    assert report["metrics"]["fid"]["num_generated"] == 500
    assert report["metrics"]["kid"]["extractor"] == report["extractor"]


def test_evaluate_takes_a_model_the_zoo_loaded_and_no_name():
    from kerasgen import zoo
    from kerasgen.metrics import evaluate

    results = evaluate(zoo.load("vae_mnist5k"), "mnist5k", metrics="recon", num_samples=20,
                       progress=False)
    assert results["reconstruction_mse"].num_real == 20
    with pytest.raises(ValueError, match="kerasgen.zoo.load"):
        evaluate("vae_mnist5k", "mnist5k", metrics="recon", num_samples=20, progress=False)
