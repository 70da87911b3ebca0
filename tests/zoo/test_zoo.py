import functools
import http.server
import json
import os
import shutil
import threading

import numpy as np
import pytest

from kerasgen import zoo
from kerasgen.models import GenerativeModel
from kerasgen.zoo.card import render_card

def as_json(config):
    return json.loads(json.dumps(config))


CLASSIFIERS = ("DomainClassifier", "ResidualClassifier", "LayoutSegmenter")  # judges: nothing to sample
WEIGHTED = [name for name in zoo.list_entries() if zoo.Entry.open(name).has_weights]
IMAGE_ENTRIES = [
    name for name in WEIGHTED
    if zoo.Entry.open(name).recipe and zoo.Entry.open(name).recipe["data"] not in ("ring8", "grid25")
    and zoo.Entry.open(name).config["class_name"] not in CLASSIFIERS
]


def test_the_zoo_ships_entries():
    assert "linear_ae_mnist5k" in WEIGHTED


@pytest.mark.parametrize("name", WEIGHTED)
def test_entry_loads_verified_and_samples_deterministically(name):
    entry = zoo.Entry.open(name)
    weights = entry.config["weights"]
    path = os.path.join(entry.directory, weights["file"])
    assert os.path.getsize(path) == weights["size"]
    model = zoo.load(name)
    assert as_json(model.get_config()) == entry.config["config"]
    if not isinstance(model, GenerativeModel):  # a classifier: nothing to sample
        return
    again = zoo.load(name)
    if model.conditioning == "label_map":  # SPADE: samples for label maps
        maps = np.arange(8 * model.map_shape[0] * model.map_shape[1]).reshape(8, *model.map_shape) % model.num_classes
        np.testing.assert_array_equal(model.sample(8, seed=5, label_maps=maps), again.sample(8, seed=5, label_maps=maps))
    elif model.conditioning == "label":
        labels = np.arange(8) % model.num_classes
        np.testing.assert_array_equal(model.sample(8, seed=5, labels=labels), again.sample(8, seed=5, labels=labels))
    elif model.prior is None:  # autoencoders: reconstructions
        x = np.random.default_rng(0).random((4, *model.data_shape)).astype("float32")
        np.testing.assert_array_equal(model.reconstruct(x), again.reconstruct(x))
    else:
        np.testing.assert_array_equal(model.sample(8, seed=5), again.sample(8, seed=5))


# Entries reproduced by `kerasgen fit NAME` (a recipe.json); text entries have their own
# reproducing script and tests (tests/zoo/test_text_vae_names.py).
FIT_ENTRIES = [name for name in zoo.list_entries() if zoo.Entry.open(name).recipe]


@pytest.mark.parametrize("name", [name for name in WEIGHTED if name in FIT_ENTRIES])
def test_the_recipe_builds_the_shipped_model(name):
    """recipe.json reproduces the entry: its hyperparameters build the same config.

    The recipes name their models and networks, so the config (names included) is the
    same in any process, whatever Keras built before: built twice here, the second
    build would have Keras's automatic names "..._1" otherwise."""
    from kerasgen import training

    entry = zoo.Entry.open(name)
    (x, y), _ = training.prepare_data(entry.recipe, limit=None)
    for _ in range(2):
        model = training.build_model(entry.recipe, x, y)
        assert as_json(model.get_config()) == entry.config["config"]


@pytest.mark.parametrize("name", WEIGHTED)
def test_card_numbers_equal_the_entry_config(name):
    entry = zoo.Entry.open(name)
    with open(os.path.join(entry.directory, "README.md")) as f:
        card = f.read()
    assert card == render_card(entry.config, entry.recipe)
    for metric_name, metric in entry.config["metrics"].items():
        assert f"| {metric_name} | {metric['value']:g}" in card


def test_corrupted_weights_are_refused(tmp_path):
    folder = tmp_path / "entry"
    shutil.copytree(zoo.Entry.open("linear_ae_mnist5k").directory, folder)
    weights = folder / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 of .* expected"):
        zoo.load(str(folder))


def test_unknown_entry_is_refused():
    with pytest.raises(ValueError, match="name_or_path must be a zoo entry"):
        zoo.load("vae_mnist6k")


@pytest.fixture
def weights_server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _url_entry(tmp_path, url, sha256=None):
    source = zoo.Entry.open("linear_ae_mnist5k")
    folder = tmp_path / "remote_entry"
    folder.mkdir(exist_ok=True)
    config = json.loads(json.dumps(source.config))
    config["weights"]["url"] = url
    if sha256:
        config["weights"]["sha256"] = sha256
    (folder / "entry.json").write_text(json.dumps(config))
    return str(folder)


def test_download_from_a_local_http_server(tmp_path, weights_server, monkeypatch):
    served, base = weights_server
    source = zoo.Entry.open("linear_ae_mnist5k")
    shutil.copy(os.path.join(source.directory, "model.weights.h5"), served / "linear.weights.h5")
    monkeypatch.setenv("KERASGEN_HOME", str(tmp_path / "cache"))
    folder = _url_entry(tmp_path, f"{base}/linear.weights.h5")
    model = zoo.load(folder)
    cached = tmp_path / "cache" / "zoo" / "linear_ae_mnist5k" / "model.weights.h5"
    assert cached.exists()
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(model.reconstruct(x), zoo.load("linear_ae_mnist5k").reconstruct(x))


def test_download_with_a_wrong_hash_is_refused_and_removed(tmp_path, weights_server, monkeypatch):
    served, base = weights_server
    (served / "bad.weights.h5").write_bytes(b"not the weights")
    monkeypatch.setenv("KERASGEN_HOME", str(tmp_path / "cache"))
    folder = _url_entry(tmp_path, f"{base}/bad.weights.h5")
    with pytest.raises(ValueError, match="do not match sha256 .*; nothing was kept"):
        zoo.load(folder)
    assert os.listdir(tmp_path / "cache" / "zoo" / "linear_ae_mnist5k") == []


def test_offline_and_not_cached_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGEN_HOME", str(tmp_path / "cache"))
    folder = _url_entry(tmp_path, "http://127.0.0.1:9/none.weights.h5")  # discard port: refused
    with pytest.raises(ValueError, match="could not download .*not cached"):
        zoo.load(folder)


def test_fit_entry_writes_a_loadable_entry_folder(tmp_path):
    from kerasgen import cli

    out = str(tmp_path / "my_linear_ae")
    assert cli.main(["fit", "linear_ae_mnist5k", "--epochs", "1", "--limit", "512", "--out", out, "--verbose", "0"]) == 0
    for name in ("entry.json", "recipe.json", "model.weights.h5", "README.md", "samples.png"):
        assert os.path.exists(os.path.join(out, name)), name
    entry = zoo.Entry.open(out)
    assert entry.recipe["epochs"] == 1 and entry.config["metrics"]["test_mse"]["n"] == 1000
    model = zoo.load(out)
    assert as_json(model.get_config()) == entry.config["config"]
    assert not os.path.exists(os.path.join(out, ".training"))  # the build's scratch run folder


def card_commands(name):
    """The `kerasgen fit` commands of an entry's card, as argument lists."""
    import re
    import shlex

    with open(os.path.join(zoo.Entry.open(name).directory, "README.md")) as f:
        return [shlex.split(command) for command in re.findall(r"`(kerasgen fit [^`]*)`", f.read())]


@pytest.mark.parametrize("name", FIT_ENTRIES)
def test_card_fit_commands_parse(name):
    from kerasgen import cli

    commands = card_commands(name)
    assert len(commands) == 2, commands
    for command in commands:
        assert command[:3] == ["kerasgen", "fit", name]
        cli.build_parser().parse_args(command[1:])  # every flag exists (SystemExit if not)


def test_card_reproduce_command_runs_as_written_in_a_checkout(tmp_path, monkeypatch):
    from kerasgen import cli

    name = "linear_ae_mnist5k"
    shutil.copytree(zoo.Entry.open(name).directory, tmp_path / "zoo" / name)  # as in the repo
    monkeypatch.chdir(tmp_path)
    reproduce = card_commands(name)[0]
    tiny = ["--epochs", "1", "--limit", "512", "--verbose", "0"]  # the card's command, shortened
    assert cli.main(reproduce[1:] + tiny) == 0
    assert zoo.Entry.open(str(tmp_path / "zoo" / name)).recipe["epochs"] == 1  # replaced


@pytest.mark.parametrize("user_file", ["notes.txt", "samples/mine.png"])
def test_fit_entry_refuses_a_scratch_folder_holding_a_users_files(tmp_path, capsys, user_file):
    from kerasgen import cli

    out = tmp_path / "my_linear_ae"
    scratch = out / ".training"
    (scratch / user_file).parent.mkdir(parents=True)
    (scratch / user_file).write_text("mine")
    (scratch / "checkpoint-0001.keras").write_text("an interrupted build's (ours)")
    args = ["fit", "linear_ae_mnist5k", "--epochs", "1", "--limit", "512", "--out", str(out),
            "--verbose", "0", "--overwrite"]
    assert cli.main(args) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and str(scratch) in error and user_file in error, error
    assert "--out" in error
    assert (scratch / user_file).read_text() == "mine"  # never removed
    assert not (out / "entry.json").exists()


@pytest.mark.parametrize("name", IMAGE_ENTRIES)
def test_image_entries_export_to_onnx_with_the_parity_check(name, tmp_path):
    from kerasgen.export import to_onnx

    entry = zoo.Entry.open(name)
    # The export-time rewrites are measured and checked in tests/export; here they run for
    # one network of each family (the others share its layers), to keep the suite short.
    optimize = name in ("dcgan_mnist5k", "ae_mnist5k", "spade_layouts")
    report = to_onnx(zoo.load(name), str(tmp_path / f"{name}.onnx"), optimize=optimize,
                     source={"zoo_entry": name, "weights_sha256": entry.config["weights"]["sha256"]})
    assert max(report["max_abs_diff"].values()) <= report["tolerance"]
    assert ("optimization" in report["metadata"]) == optimize


def test_quickstart_writes_an_onnx_file_and_a_grid(tmp_path, capsys):
    from kerasgen import cli

    assert cli.main(["quickstart", "--out", str(tmp_path), "-n", "16"]) == 0
    printed = capsys.readouterr().out
    assert "export the decoder to ONNX" in printed and "done in" in printed
    assert (tmp_path / "vae_mnist5k.onnx").stat().st_size > 0
    assert (tmp_path / "vae_mnist5k_samples.png").stat().st_size > 0


def test_export_and_sample_cli_take_entry_names(tmp_path):
    from kerasgen import cli
    from kerasgen_runtime import Sampler

    onnx_path = str(tmp_path / "vae.onnx")
    assert cli.main(["export", "vae_mnist5k", "--format", "onnx", "-o", onnx_path]) == 0
    sampler = Sampler(onnx_path)
    entry = zoo.Entry.open("vae_mnist5k")
    assert sampler.metadata["source"]["zoo_entry"] == "vae_mnist5k"
    assert sampler.metadata["source"]["weights_sha256"] == entry.config["weights"]["sha256"]
    np.testing.assert_allclose(sampler.sample(4, seed=1), zoo.load("vae_mnist5k").sample(4, seed=1), atol=1e-5)
    assert cli.main(["sample", "vae_mnist5k", "-n", "4", "-o", str(tmp_path / "g.png")]) == 0


def test_evaluate_entry_reproduces_the_card_numbers(capsys):
    from kerasgen import cli

    assert cli.main(["evaluate", "linear_ae_mnist5k", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    stored = zoo.Entry.open("linear_ae_mnist5k").config["metrics"]
    assert report["entry"] == "linear_ae_mnist5k"
    for name, metric in stored.items():
        assert report["metrics"][name]["value"] == pytest.approx(metric["value"], rel=1e-5)
        assert report["metrics"][name]["n"] == metric["n"]


def test_recipe_only_entries_say_how_to_train_them():
    recipe_only = [name for name in zoo.list_entries() if not zoo.Entry.open(name).has_weights]
    assert {"vae_mnist", "dcgan_fashion_mnist", "vae_cifar10"} <= set(recipe_only)
    for name in recipe_only:
        entry = zoo.Entry.open(name)
        assert entry.recipe["data"] in ("mnist", "fashion_mnist", "cifar10")
        with pytest.raises(ValueError, match=f"recipe-only .*kerasgen fit {name}"):
            zoo.load(name)


def test_readme_zoo_table_is_generated_from_the_entry_configs():
    from kerasgen.zoo.card import zoo_table

    readme = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "README.md")
    with open(readme) as f:
        assert zoo_table() in f.read(), "run `python -m kerasgen.zoo.card` to regenerate the README table"
