"""`kerasgen.zoo.load(URI)`: entries by https/http URL (a local server on 127.0.0.1 that can
redirect, cut answers short and serve tampered bytes) and by file:// URI; weights are
checked against the entry's sha256 before Keras reads them."""

import hashlib
import http.server
import json
import os
import threading

import numpy as np
import pytest

from kerasgen import zoo

SOURCE = "linear_ae_mnist5k"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("KERASGEN_HOME", str(path))
    return path


@pytest.fixture
def site():
    """`(routes, base url, requests)`: routes maps a path to `(status, headers, body,
    declared length)`; a declared length above len(body) cuts the answer short."""
    routes, requests = {}, []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            status, headers, body, length = routes.get(self.path, (404, {}, b"not found", None))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(length if length is not None else len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield routes, f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


def publish(routes, folder="/models/linear"):
    """Serves SOURCE's entry.json and weights under `folder`; returns their bytes."""
    entry = zoo.Entry.open(SOURCE)
    config = json.dumps(entry.config).encode()
    with open(os.path.join(entry.directory, "model.weights.h5"), "rb") as f:
        weights = f.read()
    routes[f"{folder}/entry.json"] = (200, {}, config, None)
    routes[f"{folder}/model.weights.h5"] = (200, {}, weights, None)
    return config, weights


def same_model(model):
    reference = zoo.load(SOURCE)
    x = np.random.default_rng(0).random((3, *reference.data_shape)).astype("float32")
    np.testing.assert_array_equal(model.reconstruct(x), reference.reconstruct(x))


def test_an_entry_loads_by_url_and_its_weights_are_cached_after_the_check(site, cache):
    routes, base, requests = site
    config, weights = publish(routes)
    model = zoo.load(f"{base}/models/linear/entry.json", sha256=hashlib.sha256(config).hexdigest())
    same_model(model)
    digest = json.loads(config)["weights"]["sha256"]
    cached = cache / "zoo" / f"{SOURCE}@{digest[:16]}"
    assert sorted(os.listdir(cached)) == [".kerasgen-files.json", "model.weights.h5"]  # and kerasgen's record
    zoo.load(f"{base}/models/linear/entry.json")  # the verified cached weights: no second download
    assert requests == ["/models/linear/entry.json", "/models/linear/model.weights.h5", "/models/linear/entry.json"]


def test_a_redirect_is_followed_and_weights_resolve_beside_the_final_url(site, cache):
    routes, base, requests = site
    publish(routes, "/v2")
    routes["/latest/entry.json"] = (302, {"Location": f"{base}/v2/entry.json"}, b"", None)
    same_model(zoo.load(f"{base}/latest/entry.json"))
    assert requests == ["/latest/entry.json", "/v2/entry.json", "/v2/model.weights.h5"]


def test_tampered_weights_are_refused_and_nothing_is_kept(site, cache):
    routes, base, _ = site
    _, weights = publish(routes)
    tampered = bytearray(weights)
    tampered[len(tampered) // 2] ^= 0xFF
    routes["/models/linear/model.weights.h5"] = (200, {}, bytes(tampered), None)
    with pytest.raises(ValueError, match="do not match sha256 .*; nothing was kept"):
        zoo.load(f"{base}/models/linear/entry.json")
    assert not any(files for _, _, files in os.walk(cache))


def test_a_tampered_entry_is_refused_when_pinned(site, cache):
    routes, base, requests = site
    config, _ = publish(routes)
    pinned = hashlib.sha256(config).hexdigest()
    forged = json.loads(config)
    forged["weights"]["sha256"] = "0" * 64
    routes["/models/linear/entry.json"] = (200, {}, json.dumps(forged).encode(), None)
    with pytest.raises(ValueError, match=f"expected {pinned}: not the pinned entry"):
        zoo.load(f"{base}/models/linear/entry.json", sha256=pinned)
    assert requests == ["/models/linear/entry.json"]  # the weights were never asked for


@pytest.mark.parametrize("what", ["entry.json", "model.weights.h5"])
def test_truncated_answers_are_refused_in_one_line(site, cache, what):
    routes, base, _ = site
    publish(routes)
    status, headers, body, _ = routes[f"/models/linear/{what}"]
    routes[f"/models/linear/{what}"] = (status, headers, body[: len(body) // 2], len(body))
    # the entry: its Content-Length; the weights: the sha256 check (or the cut-off read)
    with pytest.raises(ValueError, match=r"cut short \(truncated|do not match sha256 .*; nothing was kept"):
        zoo.load(f"{base}/models/linear/entry.json")
    assert not any(files for _, _, files in os.walk(cache))


def test_file_uris_load_a_local_entry(tmp_path, cache):
    folder = zoo.Entry.open(SOURCE).directory
    same_model(zoo.load(f"file://{folder}"))
    with open(os.path.join(folder, "entry.json"), "rb") as f:
        pin = hashlib.sha256(f.read()).hexdigest()
    same_model(zoo.load(f"file://{folder}/entry.json", sha256=pin))
    with pytest.raises(ValueError, match="not the pinned entry"):
        zoo.load(f"file://{folder}/entry.json", sha256="0" * 64)
    with pytest.raises(ValueError, match="uri must be file:///absolute/path"):
        zoo.load("file://otherhost/entry.json")
    with pytest.raises(ValueError, match="sha256 pins the entry file of a URI"):
        zoo.load(SOURCE, sha256=pin)
