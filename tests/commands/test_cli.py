import json
import os

import keras
import numpy as np
import pytest

from kerasgen import cli


def test_help_lists_subcommands(capsys):
    # In this process; tests/commands/test_cli_errors.py runs --help in a fresh one.
    with pytest.raises(SystemExit) as exit:
        cli.main(["--help"])
    assert exit.value.code == 0
    printed = capsys.readouterr().out
    for command in ("fit", "sample", "export", "evaluate", "zoo"):
        assert command in printed


def test_fit_writes_outputs_and_resume_continues(tmp_path):
    out = str(tmp_path / "run")
    args = ["fit", "vae", "--data", "digits", "--epochs", "1", "--limit", "256", "--batch-size", "64", "--out", out, "--verbose", "0"]
    assert cli.main(args) == 0
    for name in ("model.keras", "samples.png", "history.png", "history.json", "checkpoint.json", "run.json", "metrics.csv"):
        assert os.path.exists(os.path.join(out, name)), name
    first = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    steps_after_one = int(first.optimizer.iterations.numpy())
    args[args.index("--epochs") + 1] = "2"
    assert cli.main(args + ["--resume"]) == 0
    with open(os.path.join(out, "history.json")) as f:
        history = json.load(f)
    assert len(history["loss"]) == 2
    resumed = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    # The optimizer continued from its saved state rather than starting over.
    assert int(resumed.optimizer.iterations.numpy()) == 2 * steps_after_one
    assert np.isfinite(history["loss"]).all()
    assert cli.main(["sample", os.path.join(out, "model.keras"), "-n", "9", "-o", str(tmp_path / "g.png")]) == 0
    assert os.path.getsize(tmp_path / "g.png") > 0


def test_bad_input_gives_one_line_error(capsys, tmp_path):
    assert cli.main(["fit", "vae", "--data", "nope", "--epochs", "1", "--out", str(tmp_path)]) == 2
    assert "name must be one of" in capsys.readouterr().err
