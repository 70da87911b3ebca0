"""A text model's decoder step exported to ONNX: checked, and sampled by the runtime into
the same strings as `model.sample(n, seed=s)`."""

import keras
import numpy as np
import onnx
import pytest

from kerasgen import cli, models, networks
from kerasgen.data import text
from kerasgen.export.text_step import to_onnx_step
from kerasgen_runtime import TextSampler
from kerasgen_runtime.cli import main as sample_main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A small SequenceVAE trained 2 epochs on a seeded random 500 census first names."""
    pytest.importorskip("names")
    everything = text.census_names("first")
    items = [everything[i] for i in np.random.default_rng(2).choice(len(everything), 500, replace=False)]
    vocabulary = text.Vocabulary.from_items(everything)
    encoder = networks.TextEncoder(len(vocabulary), 13, 4, embedding_dim=8, hidden_units=16)
    decoder = networks.TextDecoder(len(vocabulary), 4, embedding_dim=8, hidden_units=32)
    model = models.SequenceVAE(encoder, decoder, vocabulary.tokens, 12, character_dropout=0.2,
                               free_bits=0.1, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(vocabulary.encode(items, 12), epochs=2, batch_size=32, verbose=0)
    path = tmp_path_factory.mktemp("text") / "names.keras"
    model.save(str(path))
    return str(path)


def test_export_cli_writes_a_checked_step_graph(model_file, tmp_path, capsys):
    path = str(tmp_path / "step.onnx")
    assert cli.main(["export", model_file, "-o", path]) == 0
    assert "checked against Keras: max |diff|" in capsys.readouterr().out
    proto = onnx.load(path)
    assert [v.name for v in proto.graph.input] == ["token", "state", "z"]
    assert [v.name for v in proto.graph.output] == ["logits", "state_out"]
    assert not {"Loop", "Scan"} & {node.op_type for node in proto.graph.node}  # one step, no loop
    sampler = TextSampler(path)
    model = keras.saving.load_model(model_file, safe_mode=True)
    assert sampler.vocabulary == model.vocabulary.tokens
    assert sampler.metadata["source"]["file"] == "names.keras"


@pytest.mark.parametrize("decoding", [[], ["--temperature", "1.0"], ["--temperature", "0.7", "--top-k", "4"]])
def test_kerasgen_sample_writes_the_strings_of_model_sample(model_file, tmp_path, decoding):
    model = keras.saving.load_model(model_file, safe_mode=True)
    step = str(tmp_path / "step.onnx")
    to_onnx_step(model, step)
    out = tmp_path / "out.txt"
    assert sample_main([step, "-n", "300", "--seed", "11", "-o", str(out), *decoding]) == 0
    kwargs = {"temperature": float(decoding[1])} if decoding else {}
    if "--top-k" in decoding:
        kwargs["top_k"] = int(decoding[3])
    assert out.read_text().splitlines() == model.sample(300, seed=11, **kwargs)


def test_text_models_export_only_their_step_to_onnx(model_file, tmp_path, capsys):
    assert cli.main(["export", model_file, "--format", "saved_model", "-o", str(tmp_path / "sm")]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "a text model exports its decoder step as --format onnx" in error
    with pytest.raises(ValueError, match="path must end with .onnx"):
        to_onnx_step(keras.saving.load_model(model_file, safe_mode=True), str(tmp_path / "x.bin"))
    with pytest.raises(ValueError, match="model must be a text model"):
        to_onnx_step(models.VAE(networks.DenseEncoder((4,), 2, (4,), variational=True),
                                networks.DenseDecoder(2, (4,), (4,))), str(tmp_path / "x.onnx"))
