"""onnxruntime-web for the web export without a checkout (kerasgen/export/onnxruntime_web.py):
the pinned version is downloaded once from an npm registry (here a local HTTP server on
127.0.0.1 serving a tarball of the real files), checked by sha256 and cached; and (slow) a
wheel installed in a fresh venv exports a page from a folder outside the checkout."""

import glob
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from functools import partial

import pytest

from kerasgen.export import onnxruntime_web

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIST = os.path.join(ROOT, "node_modules", "onnxruntime-web", "dist")

pytestmark = pytest.mark.skipif(
    not all(os.path.isfile(os.path.join(DIST, name)) for name in onnxruntime_web.FILES),
    reason="the registry served here holds the checkout's node_modules/onnxruntime-web files (npm ci)")


def write_tarball(folder, tamper=None):
    """A registry folder holding onnxruntime-web-VERSION.tgz as npm lays it out."""
    path = os.path.join(folder, "onnxruntime-web", "-", f"onnxruntime-web-{onnxruntime_web.VERSION}.tgz")
    os.makedirs(os.path.dirname(path))
    with tarfile.open(path, "w:gz") as tar:
        package = json.dumps({"name": "onnxruntime-web", "version": onnxruntime_web.VERSION}).encode()
        info = tarfile.TarInfo("package/package.json")
        info.size = len(package)
        tar.addfile(info, io.BytesIO(package))
        for name in onnxruntime_web.FILES:
            with open(os.path.join(DIST, name), "rb") as f:
                data = f.read()
            if name == tamper:
                data = data[:-1] + bytes([data[-1] ^ 1])
            info = tarfile.TarInfo(f"package/dist/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return folder


@pytest.fixture
def registry():
    """Serves a folder on 127.0.0.1; yields a function folder -> registry URL."""
    servers = []

    def start(folder):
        handler = partial(http.server.SimpleHTTPRequestHandler, directory=folder)
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


def test_the_pinned_files_are_downloaded_once_checked_and_cached(tmp_path, registry, monkeypatch, capsys):
    url = registry(write_tarball(str(tmp_path / "registry")))
    monkeypatch.setenv(onnxruntime_web.REGISTRY_ENV, url)
    monkeypatch.setenv(onnxruntime_web.CACHE_ENV, str(tmp_path / "cache"))
    cache = onnxruntime_web.fetch(onnxruntime_web.cache_folder())
    assert "Downloading onnxruntime-web" in capsys.readouterr().out
    assert sorted(os.listdir(cache)) == sorted(onnxruntime_web.FILES)
    assert os.listdir(tmp_path / "cache") == [f"onnxruntime-web-{onnxruntime_web.VERSION}"]  # no temporaries
    monkeypatch.setenv(onnxruntime_web.REGISTRY_ENV, "http://127.0.0.1:9")  # nothing listens: not asked again
    assert onnxruntime_web.find() == (cache, onnxruntime_web.VERSION)
    assert "Downloading" not in capsys.readouterr().out


def test_a_file_with_another_sha256_is_refused_and_not_cached(tmp_path, registry, monkeypatch):
    url = registry(write_tarball(str(tmp_path / "registry"), tamper="ort-wasm-simd-threaded.wasm"))
    monkeypatch.setenv(onnxruntime_web.REGISTRY_ENV, url)
    monkeypatch.setenv(onnxruntime_web.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"ort-wasm-simd-threaded\.wasm \(from http://127\.0\.0\.1.*must have the "
                                         r"sha256 of version"):
        onnxruntime_web.fetch(onnxruntime_web.cache_folder())
    assert os.listdir(tmp_path / "cache") == []


def test_no_registry_is_one_line_saying_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv(onnxruntime_web.REGISTRY_ENV, "http://127.0.0.1:9")
    monkeypatch.setenv(onnxruntime_web.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"could not be downloaded from http://127\.0\.0\.1:9/.*--onnxruntime-web PATH"):
        onnxruntime_web.fetch(onnxruntime_web.cache_folder())


@pytest.mark.slow
def test_an_installed_wheel_exports_a_page_outside_the_checkout(tmp_path, registry):
    """Builds kerasgen's and kerasgen_runtime's wheels, installs them (no dependencies: they
    come from this Python's site-packages) into a fresh venv and exports a page from a folder outside the checkout."""
    wheels = tmp_path / "wheels"
    for project in (ROOT, os.path.join(ROOT, "runtime")):  # kerasgen and kerasgen-zoo-runtime
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(wheels), project], check=True, timeout=600)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", *glob.glob(str(wheels / "*.whl"))],
                   check=True, timeout=600)
    user = tmp_path / "project"
    user.mkdir()
    env = {**os.environ, onnxruntime_web.REGISTRY_ENV: registry(write_tarball(str(tmp_path / "registry"))),
           onnxruntime_web.CACHE_ENV: str(tmp_path / "cache"), "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": ""}
    env.pop(onnxruntime_web.PATH_ENV, None)
    make = ("import kerasgen, keras\n"
            "vae = kerasgen.models.VAE(kerasgen.networks.DenseEncoder((8, 8, 1), 2, variational=True),\n"
            "                          kerasgen.networks.DenseDecoder(2, (8, 8, 1)), seed=0)\n"
            "assert 'site-packages' in kerasgen.__file__, kerasgen.__file__\n"
            "vae.save('vae.keras')\n")
    subprocess.run([python, "-c", make], cwd=user, env=env, check=True, timeout=600)
    result = subprocess.run([str(venv / "bin" / "kerasgen"), "export", "vae.keras", "--format", "web", "-o", "site"],
                            cwd=user, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Downloading onnxruntime-web" in result.stdout
    for name in onnxruntime_web.FILES:
        assert onnxruntime_web.sha256_file(str(user / "site" / "ort" / name)) == onnxruntime_web.SHA256[name]
    assert (user / "site" / "model.onnx").is_file() and (user / "site" / "index.html").is_file()
