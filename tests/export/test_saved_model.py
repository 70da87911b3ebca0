import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from kerasgen.export import ExportCheckError, to_saved_model
from kerasgen.export.metadata import FILENAME
from kerasgen_runtime.latents import draw_latents
from tests.export.conftest import LATENT_DIM, NUM_CLASSES, keras_samples, noisy_model

# Loads each SavedModel in a process that never saw the Keras models, runs its
# serving_default signature on host-drawn z and saves the outputs.
FRESH_PROCESS = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    import tensorflow as tf
    from kerasgen_runtime.latents import draw_latents
    for path in sys.argv[1:]:
        with open(os.path.join(path, "kerasgen_metadata.json")) as f:
            metadata = json.load(f)
        serve = tf.saved_model.load(path).signatures["serving_default"]
        inputs = {"z": tf.constant(draw_latents(7, metadata["latent_dim"], seed=7))}
        if metadata["num_classes"]:
            inputs["label"] = tf.constant(np.arange(7, dtype="int64") % metadata["num_classes"])
        np.save(path + ".npy", serve(**inputs)["x"].numpy())
    """
)


def test_saved_model_reloads_in_a_fresh_process(vae, conditional, tmp_path):
    paths = [str(tmp_path / "vae_decoder"), str(tmp_path / "conditional")]
    report = to_saved_model(vae, paths[0])
    to_saved_model(conditional, paths[1])
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, *paths],
        capture_output=True, text=True, env=environment, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    z = draw_latents(7, LATENT_DIM, seed=7)
    labels = np.arange(7) % NUM_CLASSES
    for path, expected in zip(paths, [keras_samples(vae, z), keras_samples(conditional, z, labels)]):
        actual = np.load(path + ".npy")
        assert actual.shape == expected.shape
        assert np.max(np.abs(actual - expected)) <= report["tolerance"]
    assert set(report["max_abs_diff"]) == {1, 7, 64}


def test_metadata_json_is_written_inside_the_saved_model(conditional, tmp_path):
    report = to_saved_model(conditional, tmp_path / "generator")
    with open(tmp_path / "generator" / FILENAME) as f:
        metadata = json.load(f)
    assert metadata == json.loads(json.dumps(report["metadata"]))
    assert metadata["num_classes"] == NUM_CLASSES
    assert metadata["value_range"] == [-1.0, 1.0]
    assert metadata["inputs"] == ["z", "label"]
    assert metadata["check"]["runtime"].startswith("tensorflow")
    assert float(metadata["check"]["max_abs_diff"]["64"]) <= metadata["check"]["tolerance"]
    assert sorted(os.listdir(tmp_path)) == ["generator"]


def test_encoder_saved_model(vae, tmp_path):
    import tensorflow as tf

    to_saved_model(vae, tmp_path / "encoder", encoder=True)
    serve = tf.saved_model.load(str(tmp_path / "encoder")).signatures["serving_default"]
    x = np.random.default_rng(0).uniform(0, 1, (3, *vae.data_shape)).astype("float32")
    outputs = serve(x=tf.constant(x))
    mean, log_var = vae.encoder(x, training=False)
    np.testing.assert_allclose(outputs["mean"].numpy(), keras.ops.convert_to_numpy(mean), atol=1e-5)
    np.testing.assert_allclose(outputs["log_var"].numpy(), keras.ops.convert_to_numpy(log_var), atol=1e-5)


def test_failed_check_leaves_the_previous_export(vae, tmp_path):
    path = tmp_path / "noisy"
    to_saved_model(vae, path)
    before = sorted(os.listdir(path))
    with pytest.raises(ExportCheckError, match="random ops"):
        to_saved_model(noisy_model(), path, overwrite=True)
    assert sorted(os.listdir(path)) == before
    with open(path / FILENAME) as f:
        assert json.load(f)["model_class"] == "VAE"
    assert os.listdir(tmp_path) == ["noisy"]


def test_a_previous_export_is_replaced_only_with_overwrite(vae, conditional, tmp_path):
    path = tmp_path / "generator"
    to_saved_model(vae, path)
    with pytest.raises(ValueError, match="holds a previous SavedModel export; pass --overwrite"):
        to_saved_model(conditional, path)
    to_saved_model(conditional, path, overwrite=True)
    with open(path / FILENAME) as f:
        assert json.load(f)["num_classes"] == NUM_CLASSES
    assert os.listdir(tmp_path) == ["generator"]


def test_a_directory_that_is_not_an_export_is_never_replaced(vae, tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match="is an existing directory that is not a SavedModel"):
            to_saved_model(vae, thesis, overwrite=overwrite)
    assert os.listdir(thesis) == ["chapter1.tex"]
    assert os.listdir(tmp_path) == ["thesis"]


def test_file_path_is_refused(vae, tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(ValueError, match="is an existing file; expected a directory for a SavedModel"):
        to_saved_model(vae, tmp_path / "model.onnx")
    assert (tmp_path / "model.onnx").read_bytes() == b"x"


def test_the_cli_never_deletes_a_users_folder_or_the_current_directory(vae, tmp_path, capsys, monkeypatch):
    # The command line in this process (cwd and HOME as a user's shell has them); the
    # console script's own handling of errors (exit 2, one line, no traceback) is
    # checked in a fresh process by tests/commands/test_cli_errors.py.
    import kerasgen_cli

    home, work = tmp_path / "home", tmp_path / "work"
    (home / "thesis").mkdir(parents=True)
    (home / "thesis" / "chapter1.tex").write_text("years of work")
    work.mkdir()
    (work / "data.txt").write_text("keep")
    keras_path = str(tmp_path / "vae.keras")
    vae.save(keras_path)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    for output, extra, message in [
        ("~/thesis", [], "is an existing directory that is not a SavedModel export"),
        ("~/thesis", ["--overwrite"], "is an existing directory that is not a SavedModel export"),
        (".", ["--overwrite"], "is the current directory or one of its parents"),
    ]:
        target = output.replace("~", str(home))  # as the shell expands it
        capsys.readouterr()
        code = kerasgen_cli.main(["export", keras_path, "--format", "saved_model", "-o", target, *extra])
        errors = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(errors) == 1, errors
        assert errors[0].startswith(f"kerasgen export: error: -o {target!r} {message}")
    (work / "dir.onnx").mkdir()
    assert kerasgen_cli.main(["export", keras_path, "-o", "dir.onnx"]) == 2
    assert "'dir.onnx' is an existing directory; expected a file path" in capsys.readouterr().err
    assert os.listdir(home / "thesis") == ["chapter1.tex"]
    assert sorted(os.listdir(work)) == ["data.txt", "dir.onnx"]
    assert os.listdir(work / "dir.onnx") == []
