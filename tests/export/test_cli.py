import json
import os

import numpy as np
import onnx

from kerasgen import cli
from kerasgen.commands.models import load_model
from kerasgen.export.metadata import FILENAME, from_onnx_props
from kerasgen_runtime import Sampler
from kerasgen_runtime.cli import main as sample_main
from kerasgen_runtime.files import sha256_file


def test_export_then_sample_round_trip(vae, tmp_path, capsys):
    keras_path = str(tmp_path / "vae.keras")
    vae.save(keras_path)
    onnx_path = str(tmp_path / "vae.onnx")
    assert cli.main(["export", keras_path, "--format", "onnx", "-o", onnx_path]) == 0
    assert "checked against Keras: max |diff| batch 1:" in capsys.readouterr().out
    metadata = from_onnx_props({p.key: p.value for p in onnx.load(onnx_path).metadata_props})
    assert metadata["source"] == {
        "zoo_entry": None, "weights_sha256": sha256_file(keras_path), "file": "vae.keras"
    }
    grid = str(tmp_path / "grid.png")
    assert sample_main([onnx_path, "-n", "9", "--seed", "0", "-o", grid]) == 0
    assert os.path.getsize(grid) > 0
    loaded, found = load_model(keras_path)
    assert found.source() == metadata["source"]
    np.testing.assert_allclose(Sampler(onnx_path).sample(9, seed=0), loaded.sample(9, seed=0), atol=1e-4)

    saved_model = str(tmp_path / "vae_encoder")
    assert cli.main(["export", keras_path, "--format", "saved_model", "-o", saved_model, "--encoder"]) == 0
    with open(os.path.join(saved_model, FILENAME)) as f:
        assert json.load(f)["network"] == "encoder"

    # A user's own model names no data with a zoo judge: int8 asks for one, writes nothing.
    quantized = str(tmp_path / "vae_int8.onnx")
    capsys.readouterr()
    assert cli.main(["export", keras_path, "-o", quantized, "--precision", "int8"]) == 2
    assert "--precision int8 needs --judge CLASSIFIER" in capsys.readouterr().err
    assert not os.path.exists(quantized)


def test_export_cli_errors(vae, tmp_path, capsys):
    keras_path = str(tmp_path / "vae.keras")
    vae.save(keras_path)
    args = ["export", keras_path, "--format", "saved_model", "-o", str(tmp_path / "sm"), "--precision", "int8"]
    assert cli.main(args) == 2
    assert "--precision int8 needs --format onnx" in capsys.readouterr().err
    assert cli.main(["export", keras_path, "-o", str(tmp_path / "m.onnx"), "--judge", "classifier_mnist5k"]) == 2
    assert "--judge is for --precision int8" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "missing.keras"), "-o", str(tmp_path / "m.onnx")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["export", "vae_mnist6k", "-o", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert "MODEL must be a .keras file, a run folder holding model.keras or a zoo entry" in err
    assert "got 'vae_mnist6k'" in err
    assert sorted(os.listdir(tmp_path)) == ["vae.keras"]


def test_exporting_a_plain_autoencoder_says_it_has_no_prior(tmp_path, capsys):
    from kerasgen import cli
    from kerasgen.models import Autoencoder
    from kerasgen.networks import DenseDecoder, DenseEncoder

    path = str(tmp_path / "ae.keras")
    Autoencoder(DenseEncoder((4, 4, 1), 2, hidden_units=(4,)),
                DenseDecoder(2, (4, 4, 1), hidden_units=(4,))).save(path)
    assert cli.main(["export", path, "-o", str(tmp_path / "ae.onnx")]) == 0
    captured = capsys.readouterr()
    assert "note: Autoencoder's latent has no prior" in captured.out
    assert "RuntimeWarning" not in captured.err


def test_outputs_that_are_directories_are_refused_before_any_work(exported, tmp_path, capsys):
    folder = tmp_path / "dir.png"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    assert sample_main([exported["vae"][0], "-o", str(folder)]) == 2
    assert f"{str(folder)!r} is an existing directory; expected a file path" in capsys.readouterr().err
    # refused before the model is even opened
    assert cli.main(["sample", str(tmp_path / "missing.keras"), "-o", str(folder)]) == 2
    assert "is an existing directory; expected a file path" in capsys.readouterr().err
    assert os.listdir(folder) == ["keep.txt"]


def test_a_full_disk_gives_one_line_and_leaves_no_partial_file(exported, tmp_path):
    import resource
    import subprocess
    import sys

    def small_file_limit():  # any file past 2 kB fails with EFBIG, as a full disk would
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    out = tmp_path / "samples.npy"
    result = subprocess.run(
        [sys.executable, "-m", "kerasgen_runtime.cli", exported["vae"][0], "-n", "64", "-o", str(out)],
        capture_output=True, text=True, preexec_fn=small_file_limit, timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kerasgen-sample: error: could not write {str(out)!r}: ")
    assert os.listdir(tmp_path) == []
