"""A run folder (what `kerasgen fit --out` writes) is a MODEL wherever one is expected:
`sample`, `export`, `evaluate`, `plot` and `encode` resolve it the same way
(`kerasgen.commands.models`)."""

import json
import os

import pytest

from kerasgen import cli
from tests.own_data import write_digit_folder


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("own")
    digits = str(root / "digits")
    write_digit_folder(digits, size=(16, 16), per_class=8)
    out = str(root / "runs" / "vae")
    assert cli.main(["fit", "vae", "--data", digits, "--epochs", "1", "--batch-size", "16",
                     "--latent-dim", "2", "--out", out, "--verbose", "0"]) == 0
    return digits, out


def test_every_command_takes_a_run_folder(run, tmp_path, capsys):
    digits, out = run
    assert cli.main(["sample", out, "-n", "4", "--seed", "0", "-o", str(tmp_path / "s.npy")]) == 0
    assert cli.main(["export", out, "-o", str(tmp_path / "vae.onnx")]) == 0
    assert os.path.getsize(tmp_path / "vae.onnx") > 0
    assert cli.main(["evaluate", out, "--data", digits, "--metrics", "recon", "-n", "40",
                     "--json"]) == 0
    assert cli.main(["plot", out, "--data", digits, "--kind", "reconstructions",
                     "-o", str(tmp_path / "plots")]) == 0
    assert os.listdir(tmp_path / "plots")
    printed = capsys.readouterr().out
    report = json.loads(printed[printed.index("{"):printed.rindex("}") + 1])
    assert report["model"] == out


def test_a_folder_that_is_no_model_is_one_line_naming_what_was_tried(tmp_path, capsys):
    # In this process: the console script's own error handling (no traceback, exit 2)
    # is checked in a fresh process by tests/commands/test_cli_errors.py.
    import kerasgen_cli

    (tmp_path / "empty").mkdir()
    for command in (["sample", str(tmp_path / "empty"), "-o", str(tmp_path / "s.png")],
                    ["export", str(tmp_path / "empty"), "-o", str(tmp_path / "m.onnx")]):
        capsys.readouterr()
        code = kerasgen_cli.main(command)
        lines = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(lines) == 1, lines
        argument = "model" if command[0] == "sample" else "MODEL"
        assert lines[0].startswith(f"kerasgen {command[0]}: error: {argument} must be a .keras file, "
                                   "a run folder holding model.keras")
        assert "zoo entry (vae_mnist5k" in lines[0] or "vae_mnist5k," in lines[0]
        assert "holds no model.keras" in lines[0] and ("an .onnx export" in lines[0]) == (argument == "model")
