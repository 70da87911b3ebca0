"""A zoo entry is data anyone may publish: it must never reach outside its own folder.

Hostile entries are served from 127.0.0.1 (http.server in a thread); every test checks
that no file outside the entry or cache folder was read, written or removed, and that
the server was not even asked when the entry is refused.
"""

import functools
import hashlib
import http.server
import json
import os
import shutil
import threading

import pytest
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote

from kerasgen import cli, zoo

SOURCE = "linear_ae_mnist5k"


@pytest.fixture
def server(tmp_path):
    """`(served folder, base url, list of requested paths)` of a local HTTP server."""
    served = tmp_path / "served"
    served.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "home" / "cache"
    monkeypatch.setenv("KERASGEN_HOME", str(path))
    return path


def hostile_entry(tmp_path, source=SOURCE, **changes):
    """A copy of a real entry's config (no weights file) with `changes` applied."""
    config = json.loads(json.dumps(zoo.Entry.open(source).config))
    weights = changes.pop("weights", {})
    config["weights"].update(weights)
    config.update(changes)
    folder = tmp_path / "downloads" / "entry"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entry.json").write_text(json.dumps(config))
    return str(folder)


def victim(path, text="the user's own file"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path, hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("file_name", ["../../secret.txt", "..", "sub/model.weights.h5",
                                       "sub\\model.weights.h5", "ABSOLUTE"])
def test_weights_outside_the_entry_are_never_read_nor_hashed(tmp_path, file_name, cache):
    secret, digest = victim(tmp_path / "secret.txt")
    if file_name == "ABSOLUTE":
        file_name = str(secret)
    folder = hostile_entry(tmp_path, weights={"file": file_name})
    with pytest.raises(ValueError, match=r"entry field 'weights.file' must be one file name") as error:
        zoo.load(folder)
    assert digest not in str(error.value)
    assert secret.read_text() == "the user's own file"


def test_a_link_out_of_the_entry_is_refused(tmp_path, cache):
    secret, digest = victim(tmp_path / "secret.txt")
    folder = hostile_entry(tmp_path)
    os.symlink(secret, os.path.join(folder, "model.weights.h5"))
    with pytest.raises(ValueError, match="leads outside") as error:
        zoo.load(folder)
    assert digest not in str(error.value)


@pytest.mark.parametrize("file_name", ["../../victim.txt", "x/../../../victim.txt", "ABSOLUTE"])
def test_a_download_never_touches_a_file_outside_the_cache(tmp_path, server, cache, file_name):
    served, base, requests = server
    target, _ = victim(tmp_path / "home" / "victim.txt")
    (served / "w.h5").write_bytes(b"not the weights")
    if file_name == "ABSOLUTE":
        file_name = str(target)
    folder = hostile_entry(tmp_path, weights={"file": file_name, "url": f"{base}/w.h5"})
    with pytest.raises(ValueError, match="must be one file name"):
        zoo.load(folder)
    assert target.read_text() == "the user's own file"
    assert requests == []


@pytest.mark.parametrize("name", ["../../victim_entry", "/tmp/x", "..", "a/b", ""])
def test_an_entry_name_never_leaves_the_cache(tmp_path, server, cache, name):
    served, base, requests = server
    shutil.copy(os.path.join(zoo.Entry.open(SOURCE).directory, "model.weights.h5"), served / "w.h5")
    target, _ = victim(tmp_path / "victim_entry" / "model.weights.h5")
    folder = hostile_entry(tmp_path, name=name, weights={"url": f"{base}/w.h5"})
    with pytest.raises(ValueError, match="entry field 'name' must be one file name"):
        zoo.load(folder)
    assert target.read_text() == "the user's own file"
    assert requests == []
    assert not cache.exists()


def test_a_wrong_download_removes_only_its_own_temporary(tmp_path, server, cache):
    served, base, requests = server
    (served / "w.h5").write_bytes(b"not the weights")
    # a file of the user's that happens to sit where the weights would be cached
    kept, _ = victim(cache / "zoo" / SOURCE / "notes.txt")
    folder = hostile_entry(tmp_path, weights={"url": f"{base}/w.h5"})
    with pytest.raises(ValueError, match="do not match sha256 .*nothing was kept"):
        zoo.load(folder)
    assert requests == ["/w.h5"]
    assert os.listdir(cache / "zoo" / SOURCE) == ["notes.txt"]
    assert kept.read_text() == "the user's own file"


def test_a_download_larger_than_the_entry_says_is_cut_off(tmp_path, server, cache):
    served, base, _ = server
    (served / "w.h5").write_bytes(b"x" * (3 << 20))
    folder = hostile_entry(tmp_path, weights={"url": f"{base}/w.h5", "size": 1000})
    with pytest.raises(ValueError, match="larger than the entry's size 1000 bytes"):
        zoo.load(folder)
    assert os.listdir(cache / "zoo" / SOURCE) == []


@pytest.mark.parametrize("url", ["file:///etc/hostname", "ftp://127.0.0.1/w.h5", 7])
def test_only_http_urls_are_fetched(tmp_path, cache, url):
    folder = hostile_entry(tmp_path, weights={"url": url})
    with pytest.raises(ValueError, match="'weights.url' must be an http"):
        zoo.load(folder)


def test_a_downloaded_entry_still_loads(tmp_path, server, cache):
    served, base, requests = server
    shutil.copy(os.path.join(zoo.Entry.open(SOURCE).directory, "model.weights.h5"), served / "w.h5")
    folder = hostile_entry(tmp_path, weights={"url": f"{base}/w.h5"})
    zoo.load(folder)
    zoo.load(folder)  # the verified cached copy, no second request
    assert requests == ["/w.h5"]
    assert sorted(set(os.listdir(cache / "zoo" / SOURCE)) - {MANIFEST}) == ["model.weights.h5"]


def test_unresolvable_classes_in_an_entry_config_are_one_line(tmp_path, capsys):
    marker = tmp_path / "pwned"
    source = zoo.Entry.open("vae_mnist5k")
    config = json.loads(json.dumps(source.config["config"]))
    config["encoder"] = {"module": "subprocess", "class_name": "Popen", "registered_name": "Popen",
                         "config": {"args": ["touch", str(marker)]}}
    folder = hostile_entry(tmp_path, source="vae_mnist5k", config=config)
    shutil.copy(os.path.join(source.directory, "model.weights.h5"), folder)
    assert cli.main(["sample", folder, "-n", "4", "-o", str(tmp_path / "g.png")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["kerasgen sample: error: the config of entry 'vae_mnist5k' cannot be built: "
                     "Could not locate class 'Popen'"]
    assert not marker.exists()
    assert not (tmp_path / "g.png").exists()


@pytest.mark.parametrize("registered_name", ["subprocess>Popen", "keras>Sequential", None])
def test_only_kerasgen_model_classes_are_built(tmp_path, registered_name):
    folder = hostile_entry(tmp_path, registered_name=registered_name)
    with pytest.raises(ValueError, match="unknown model class .*expected a registered kerasgen class"):
        zoo.Entry.open(folder).build_model()


def test_an_offline_download_in_sample_is_one_line(tmp_path, cache, capsys):
    folder = hostile_entry(tmp_path, weights={"url": "http://127.0.0.1:9/w.h5"})  # refused port
    assert cli.main(["sample", folder, "-n", "4", "-o", str(tmp_path / "g.png")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"kerasgen sample: error: could not download the weights of zoo entry {SOURCE!r}"), lines
    assert not (tmp_path / "g.png").exists()
    assert os.listdir(cache / "zoo" / SOURCE) == []


@pytest.mark.parametrize("size", [None, 0, -5, "4360256", True])
def test_a_url_without_a_size_is_refused_before_any_request(tmp_path, server, cache, size):
    served, base, requests = server
    (served / "w.h5").write_bytes(b"x" * 1000)
    folder = hostile_entry(tmp_path, weights={"url": f"{base}/w.h5", "size": size})
    with pytest.raises(ValueError, match=r"entry field 'weights.size' must be the weights' size in bytes"):
        zoo.load(folder)
    assert requests == [] and not cache.exists()


@pytest.mark.parametrize("field, value, message", [
    ("latent_dim", 10**9, r"config field 'latent_dim' must be at most 65536, got 1000000000"),
    ("hidden_units", [256, 10**8], r"config field 'hidden_units' must be at most 65536, got 100000000"),
    ("input_shape", [8192, 8192, 3], r"config field 'input_shape' \[8192, 8192, 3\] holds 201326592 values"),
])
def test_huge_dimensions_in_an_entry_are_refused_before_keras_allocates(tmp_path, capsys, field, value,
                                                                        message):
    source = zoo.Entry.open("vae_mnist5k")
    config = json.loads(json.dumps(source.config["config"]))
    config["encoder"]["config"][field] = value
    folder = hostile_entry(tmp_path, source="vae_mnist5k", config=config)
    shutil.copy(os.path.join(source.directory, "model.weights.h5"), folder)
    assert cli.main(["sample", folder, "-n", "4", "-o", str(tmp_path / "g.png")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerasgen sample: error: entry 'vae_mnist5k': ")
    assert __import__("re").search(message, lines[0]), lines
    assert not (tmp_path / "g.png").exists()
