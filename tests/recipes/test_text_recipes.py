"""`kerasgen fit text_vae --data FILE --out DIR` on a local text file, and its refusals."""

import json

import keras
import numpy as np
import pytest

from kerasgen import cli
from kerasgen.data import text

TINY = ["--set", "max_length=12", "--set", "latent_dim=4", "--set", "encoder_units=16",
        "--set", "decoder_units=16", "--set", "embedding_dim=8", "--epochs", "1", "--verbose", "0"]


@pytest.fixture
def words(tmp_path):
    """A seeded random sample of 300 census first names written to a local file."""
    pytest.importorskip("names")
    everything = text.census_names("first")
    rows = np.random.default_rng(1).choice(len(everything), 300, replace=False)
    path = tmp_path / "words.txt"
    text.write_items(str(path), [everything[i] for i in rows])
    return str(path)


def test_fit_text_vae_writes_a_model_that_samples_strings(words, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["fit", "text_vae", "--data", words, "--out", str(out), *TINY]) == 0
    assert "Wrote" in capsys.readouterr().out
    model = keras.saving.load_model(str(out / "model.keras"), safe_mode=True)
    assert type(model).__name__ == "SequenceVAE" and model.free_bits == 0.1
    samples = (out / "samples.txt").read_text().splitlines()
    assert len(samples) == 32 and samples[:16] == model.sample(16, seed=0)
    run = json.loads((out / "run.json").read_text())
    assert run["num_train"] + run["num_held_out"] == 300 and run["num_held_out"] == 30
    history = json.loads((out / "history.json").read_text())
    assert {"loss", "val_loss", "active_units", "posterior_kl"} <= set(history)
    # A second run into the same folder is refused, then --overwrite replaces it.
    assert cli.main(["fit", "text_vae", "--data", words, "--out", str(out), *TINY]) == 2
    assert "already holds a run" in capsys.readouterr().err
    lm = ["--set", "max_length=12", "--set", "decoder_units=16", "--epochs", "1", "--verbose", "0"]
    assert cli.main(["fit", "text_lm", "--data", words, "--out", str(out), "--overwrite", *lm]) == 0
    assert keras.saving.load_model(str(out / "model.keras"), safe_mode=True).encoder is None


@pytest.mark.parametrize("content, args, message", [
    ("", [], "is empty: expected one item per line"),
    ("ann\nbartholomew\n", ["--set", "max_length=5"], "words.txt:2 'bartholomew' has 11 tokens, more than max_length 5"),
    ("ann\n", ["--set", "max_lenght=5"], "hyperparameter(s) ['max_lenght'] are not taken by recipe 'text_vae'"),
    ("ann\n", ["--resume"], "--resume, --limit and --tensorboard are not available"),
])
def test_bad_input_is_one_line_naming_the_item(tmp_path, capsys, content, args, message):
    path = tmp_path / "words.txt"
    path.write_text(content)
    assert cli.main(["fit", "text_vae", "--data", str(path), "--out", str(tmp_path / "run"), *args]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error, error
    assert not (tmp_path / "run" / "model.keras").exists()


def test_a_line_too_long_can_be_dropped_instead(tmp_path, capsys):
    path = tmp_path / "words.txt"
    path.write_text("ann\nbartholomew\n" + "".join(f"{n}\n" for n in ["bo", "cy", "di", "ed", "flo", "gus", "hal", "ivy", "jo", "kai"]))
    out = tmp_path / "run"
    assert cli.main(["fit", "text_vae", "--data", str(path), "--out", str(out), "--set", "too_long=\"drop\"",
                     "--set", "max_length=5", *TINY[2:]]) == 0
    assert "Dropped 1 of 12" in capsys.readouterr().out
    assert json.loads((out / "run.json").read_text())["num_train"] == 10
