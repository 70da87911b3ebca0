"""Text from an exported decoder step with NumPy and onnxruntime alone: the strings Keras's
`SequenceVAE.sample` gave (fixtures/text_expected.json), and the CLI's .txt output."""

import json

import numpy as np
import pytest

from kerasgen_runtime import TextSampler
from kerasgen_runtime.cli import main
from kerasgen_runtime.text_sampler import EOS, choose


@pytest.fixture
def expected(fixture_path):
    with open(fixture_path("text_expected.json")) as f:
        return json.load(f)


def test_the_runtime_writes_the_strings_keras_sampled(fixture_path, expected):
    sampler = TextSampler(fixture_path("text_step.onnx"))
    assert sampler.max_length == 12 and sampler.latent_dim == 3 and len(sampler.vocabulary) > 20
    for name, kwargs in expected["cases"].items():
        assert sampler.sample(20, seed=expected["seed"], **kwargs) == expected["samples"][name], name
        # the batch size does not change the strings
        assert sampler.sample(20, seed=expected["seed"], batch_size=3, **kwargs) == expected["samples"][name]


def test_cli_writes_one_string_a_line(fixture_path, expected, tmp_path, capsys):
    out = tmp_path / "names.txt"
    assert main([fixture_path("text_step.onnx"), "-n", "20", "--seed", str(expected["seed"]),
                 "--temperature", "0.8", "--top-k", "5", "-o", str(out)]) == 0
    assert out.read_text().splitlines() == expected["samples"]["top_5"]
    assert "wrote 20 strings (temperature 0.8, top-5, seed 7)" in capsys.readouterr().out
    assert main([fixture_path("text_step.onnx"), "-n", "20", "--seed", "7", "-o", str(out)]) == 0
    assert out.read_text().splitlines() == expected["samples"]["greedy"]


@pytest.mark.parametrize("model, args, message", [
    ("text_step.onnx", ["--temperature", "0"], "temperature must be a positive number"),
    ("text_step.onnx", ["--top-k", "0"], "top_k must be a positive int"),
    ("text_step.onnx", ["-n", "0"], "num_samples must be a positive int, got 0"),
    ("gan.onnx", [], "is not a kerasgen text step export"),
    ("missing.onnx", [], "model must be an existing .onnx file"),
])
def test_bad_requests_are_one_line_errors(fixture_path, tmp_path, capsys, model, args, message):
    out = tmp_path / "s.txt"
    assert main([fixture_path(model), "-o", str(out), *args]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error, error
    assert not out.exists()


def test_choose_never_picks_special_tokens_and_top_k_restricts_the_draw():
    logits = np.array([[9.0, 9.0, 0.0, 9.0, 1.0, 2.0, 3.0]])
    assert choose(logits, np.array([0.5])) == [6]  # padding, BOS and unknown are never chosen
    picks = {int(choose(logits, np.array([u]), 1.0, 2)[0]) for u in np.linspace(0, 0.999, 50)}
    assert picks == {5, 6}
    picks = {int(choose(logits, np.array([u]), 1.0)[0]) for u in np.linspace(0, 0.999, 200)}
    assert picks == {EOS, 4, 5, 6}
