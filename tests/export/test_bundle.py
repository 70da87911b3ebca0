"""Self-checking bundles and hub folders: written from tiny models, verified by
`kerasgen verify` and `kerasgen-sample --verify` (runtime only), and refused, with one line
naming the file or output, after a flipped byte, a swapped file, weights of another model
or tampered latents."""

import hashlib
import json
import os
import shutil

import numpy as np
import pytest

from kerasgen import cli
from kerasgen_runtime import cli as runtime_cli
from kerasgen_runtime.bundle import verify_bundle


@pytest.fixture(scope="module")
def bundles(models, tmp_path_factory):
    from kerasgen.export.bundle import to_bundle
    from tests.models.spade_checks import tiny_spade

    root = tmp_path_factory.mktemp("bundles")
    written = {}
    for name, model in {**models, "spade": tiny_spade()}.items():
        layout = "hub" if name in ("conditional", "spade") else "bundle"
        to_bundle(model, root / name, layout=layout)
        written[name] = root / name
    return written


def copy(bundle, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(bundle, target)
    return target


def rewrite_manifest(directory, name):
    """What a careful forger does: the manifest lists the new file's size and sha256."""
    manifest = json.loads((directory / "manifest.json").read_text())
    data = (directory / name).read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (directory / "manifest.json").write_text(json.dumps(manifest))


def verify_cli(directory, capsys, runtime=False):
    status = runtime_cli.main(["--verify", str(directory)]) if runtime else cli.main(["verify", str(directory)])
    return status, capsys.readouterr().out.strip().splitlines()


@pytest.mark.parametrize("name", ["vae", "dcgan", "conditional", "spade"])
def test_fresh_bundles_verify_with_keras_and_with_the_runtime_alone(bundles, name, capsys):
    checks, digest = verify_bundle(bundles[name])
    assert all(check.ok for check in checks), [c.line() for c in checks if not c.ok]
    manifest = json.loads((bundles[name] / "manifest.json").read_text())
    assert manifest["latent_generator"] == "kerasgen-v1" and len(manifest["references"]) == 3
    # the outputs are recomputed for every reference batch, the latents redrawn from their seeds
    assert sum("output x" in check.what for check in checks) == 3
    assert sum("bit for bit" in check.detail for check in checks) == 3
    for runtime in (False, True):
        status, lines = verify_cli(bundles[name], capsys, runtime)
        assert status == 0 and lines[-1] == f"PASS: {len(checks)} checks"
        assert lines[0] == f"bundle {bundles[name]} (manifest sha256 {digest})"


def test_a_hub_folder_has_the_onnx_subfolder_front_matter_and_a_keras_preset(bundles, models, tmp_path):
    from kerasgen import zoo

    hub = bundles["conditional"]
    assert sorted(os.listdir(hub / "onnx")) == ["model.onnx"]
    readme = (hub / "README.md").read_text()
    assert readme.startswith("---\nlibrary_name: onnx\n") and "kerasgen verify THIS_FOLDER" in readme
    metadata = json.loads((hub / "metadata.json").read_text())
    assert metadata["onnx_files"] == ["onnx/model.onnx"] and metadata["kerasgen"]["num_classes"] == 5
    assert metadata["kerasgen"]["latent_generator"] == "kerasgen-v1"
    assert json.loads((hub / "config.json").read_text())["registered_name"] == "kerasgen>ConditionalGAN"
    inputs = json.loads((hub / "manifest.json").read_text())["references"][1]["inputs"]
    np.testing.assert_array_equal(np.load(hub / inputs["label"]), (np.arange(7) + 7) % 5)
    # the folder is a KerasHub-style preset: the Keras model loads from it, weights checked first
    for where in (str(hub), f"file://{hub}"):
        loaded = zoo.load(where)
        np.testing.assert_array_equal(loaded.sample(4, seed=7), models["conditional"].sample(4, seed=7))
    copied = copy(hub, tmp_path)
    data = bytearray((copied / "model.weights.h5").read_bytes())
    data[-100] ^= 0x01
    (copied / "model.weights.h5").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not the published weights"):
        zoo.load(str(copied))


def test_a_flipped_byte_fails_naming_the_file(bundles, tmp_path, capsys):
    bundle = copy(bundles["dcgan"], tmp_path)
    data = bytearray((bundle / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0x01
    (bundle / "model.onnx").write_bytes(bytes(data))
    for runtime in (False, True):
        status, lines = verify_cli(bundle, capsys, runtime)
        assert status == 1
        assert lines[-1].startswith("FAIL: model.onnx: sha256 ") and "differs from the manifest" in lines[-1]


def test_a_swapped_file_fails_naming_it(bundles, tmp_path, capsys):
    bundle = copy(bundles["dcgan"], tmp_path)
    outputs = bundle / "references" / "outputs" / "model"
    a, b = outputs / "seed0_n1" / "x.npy", outputs / "seed7_n7" / "x.npy"
    a_bytes = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(a_bytes)
    status, lines = verify_cli(bundle, capsys)
    assert status == 1 and lines[-1].startswith("FAIL: references/outputs/model/seed0_n1/x.npy: size ")


def test_weights_of_another_model_fail_naming_the_output_even_with_a_rewritten_manifest(bundles, tmp_path, capsys):
    bundle = copy(bundles["vae"], tmp_path)
    # another model with the same graph: the vae's decoder with other weights
    shutil.copyfile(bundles["dcgan"] / "model.onnx", bundle / "model.onnx")
    rewrite_manifest(bundle, "model.onnx")
    status, lines = verify_cli(bundle, capsys, runtime=True)
    assert status == 1
    assert lines[-1].startswith("FAIL: model.onnx output x (seed0_n1): max |diff| ")
    assert "> tolerance" in lines[-1]


def test_tampered_latents_and_unlisted_files_fail(bundles, tmp_path, capsys):
    bundle = copy(bundles["dcgan"], tmp_path)
    z_file = "references/inputs/seed7_n7/z.npy"
    z = np.load(bundle / z_file)
    z[0, 0] = np.nextafter(z[0, 0], np.float32(9))  # one ulp
    np.save(bundle / z_file, z)
    rewrite_manifest(bundle, z_file)
    status, lines = verify_cli(bundle, capsys)
    assert status == 1 and lines[-1].startswith(f"FAIL: {z_file}: not the kerasgen-v1 draw of seed 7")
    bundle = copy(bundles["vae"], tmp_path / "second")
    (bundle / "extra.onnx").write_bytes(b"x")
    status, lines = verify_cli(bundle, capsys)
    assert status == 1 and lines[-1] == "FAIL: extra.onnx: not listed in the manifest"


def test_a_folder_that_is_not_a_bundle_or_not_ours_is_refused(models, tmp_path, capsys):
    from kerasgen.export.bundle import to_bundle

    assert cli.main(["verify", str(tmp_path)]) == 2
    assert "is a zoo entry" not in capsys.readouterr().err
    (tmp_path / "mine.txt").write_text("a user's file")
    with pytest.raises(ValueError, match="not empty|not ours|holds"):
        to_bundle(models["dcgan"], tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "a user's file"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text(json.dumps({"format": "kerasgen-bundle", "format_version": 1,
                                                   "models": {}, "references": [],
                                                   "files": {"../outside": {"sha256": "0", "size": 1}}}))
    assert runtime_cli.main(["--verify", str(bad)]) == 2
    assert "file names must be relative paths inside the bundle, got '../outside'" in capsys.readouterr().err


def test_the_cli_refuses_an_encoder_bundle_before_loading(tmp_path, capsys):
    assert cli.main(["export", "missing.keras", "--format", "bundle", "--encoder", "-o", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err.strip() == (
        "kerasgen export: error: --encoder needs --format onnx or saved_model, got --format bundle")


def test_a_manifest_naming_files_it_does_not_hash_fails(bundles, tmp_path, capsys):
    bundle = copy(bundles["dcgan"], tmp_path)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["references"][0]["inputs"]["z"] = "references/elsewhere.npy"
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    status, lines = verify_cli(bundle, capsys, runtime=True)
    assert status == 1
    assert lines[-1].startswith("FAIL: references/elsewhere.npy: named by the manifest's models or references but not in its files")


def test_overwrite_replaces_a_previous_bundle_but_not_one_with_a_users_file(models, tmp_path):
    from kerasgen.export.bundle import to_bundle

    to_bundle(models["dcgan"], tmp_path / "b")
    with pytest.raises(ValueError, match="holds a previous kerasgen bundle; pass --overwrite"):
        to_bundle(models["dcgan"], tmp_path / "b")
    to_bundle(models["vae"], tmp_path / "b", overwrite=True)
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["model_class"] == "VAE"
    (tmp_path / "b" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a kerasgen bundle"):
        to_bundle(models["dcgan"], tmp_path / "b", overwrite=True)
    assert (tmp_path / "b" / "notes.txt").read_text() == "mine"
