"""A static web page that samples an exported sampling network in the browser.

`to_web(model, "site")` writes `site/`: `index.html`, kerasgen's page module
(`kerasgen.js`, `kerasgen.css`), the checked ONNX export (`model.onnx`, metadata in its
`metadata_props`, which the page parses itself) and onnxruntime-web's single-threaded
WebAssembly build (`ort/`: the pinned version, downloaded once into a cache and
checked by sha256, or an installed npm package; see `kerasgen.export.onnxruntime_web`). Serve it with any static server (`python -m http.server -d site`); browsers
do not load WebAssembly from file://.
"""

import http.server
import json
import os
import shutil
import threading
from functools import partial

from kerasgen.export import onnxruntime_web
from kerasgen_runtime.files import (DirectoryKind, _temporary_beside, check_output_path,
                                    list_files, replace_directory, write_directory_manifest)

from kerasgen.export.onnx_export import to_onnx

MANIFEST = "kerasgen_web.json"
MODEL_FILE = "model.onnx"
ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_assets")
# What the page needs from onnxruntime-web's dist/: the wasm-only ES module, its
# Emscripten loader and the WebAssembly binary (the one build for 1 or more threads).
ORT_FILES = onnxruntime_web.FILES
# What a web export written here holds; only such a directory is ever replaced.
WEB_EXPORT = DirectoryKind("kerasgen web export", required=(MANIFEST, MODEL_FILE, "index.html"),
                           allowed=("ort", "kerasgen.js", "kerasgen.css"))


def to_web(model, directory, source=None, overwrite=False, onnxruntime_web=None, opset=17):
    """Writes a static folder that samples `model` in the browser with onnxruntime-web.

    The ONNX file is the one `kerasgen.export.to_onnx` writes (checked against Keras
    first). The folder is built beside `directory` and renamed onto it at the end, so
    an interrupted export leaves `directory` as it was.

    Args:
        model: a kerasgen model (see `to_onnx`); its decoder or generator is exported.
        directory: output folder; must not exist, be empty, or (with `overwrite`) hold
            a previous kerasgen web export and nothing else.
        source: `{"zoo_entry", "weights_sha256", "file"}` recorded in the metadata.
        overwrite: replace a previous kerasgen web export in `directory`.
        onnxruntime_web: an installed npm package (`node_modules/onnxruntime-web` or its
            `dist/`); default `$KERASGEN_ONNXRUNTIME_WEB`, then the pinned version
            (`kerasgen.export.onnxruntime_web.find`: cache, checkout, npm registry).
        opset: ONNX opset, >= 17.

    Returns:
        `to_onnx`'s report with `path` set to `directory`, `format` `"web"`, and
        `files` (relative path -> bytes) and `onnxruntime_web` (its version).

    Example:
    ```python
    kerasgen.export.web.to_web(vae, "site")   # then: python -m http.server -d site
    ```
    """
    directory = os.path.abspath(os.fspath(directory))
    check_destination(directory, overwrite)
    dist, version = find_onnxruntime_web(onnxruntime_web)
    os.makedirs(os.path.dirname(directory), exist_ok=True)
    tmp = _temporary_beside(directory, "tmp")
    os.mkdir(tmp, 0o755)
    try:
        report = to_onnx(model, os.path.join(tmp, MODEL_FILE), source=source, opset=opset)
        for name in sorted(os.listdir(ASSETS)):
            shutil.copyfile(os.path.join(ASSETS, name), os.path.join(tmp, name))
        files = finish_site(tmp, directory, MODEL_FILE, (dist, version), WEB_EXPORT, overwrite)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return {**report, "path": directory, "format": "web", "files": files,
            "onnxruntime_web": version}


def check_destination(directory, overwrite, kind=WEB_EXPORT):
    """Refuses a destination that holds anything but a previous export of ours (with every
    file as it wrote it), or that without `overwrite`; see `check_output_path`."""
    return check_output_path(directory, kind, overwrite)


def finish_site(tmp, directory, model_file, onnxruntime_web, kind, overwrite):
    """Adds onnxruntime-web (`(dist, version)`) and the manifests to the page built in
    `tmp`, then renames it onto `directory` if that is still new or a previous export of
    `kind`. Returns the files written (relative path -> bytes)."""
    dist, version = onnxruntime_web
    os.makedirs(os.path.join(tmp, "ort"))
    for name in ORT_FILES:
        shutil.copyfile(os.path.join(dist, name), os.path.join(tmp, "ort", name))
    files = {path: os.path.getsize(os.path.join(tmp, path)) for path in list_files(tmp)}
    manifest = {"format": "kerasgen-web", "format_version": 1, "model": model_file,
                "onnxruntime_web": version, "files": sorted([*files, MANIFEST])}
    with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    write_directory_manifest(tmp)
    check_destination(directory, overwrite, kind)  # still new, or a previous export of ours
    replace_directory(tmp, directory)
    return files


def find_onnxruntime_web(path=None):
    """`(dist folder, version)` of onnxruntime-web: the folder given, else the pinned
    version from the cache, the checkout's `node_modules` or the npm registry (downloaded
    once, sha256-checked); see `kerasgen.export.onnxruntime_web`."""
    return onnxruntime_web.find(path)


def serve(directory, port=0, host="127.0.0.1"):
    """Serves `directory` over HTTP in a daemon thread; returns the server (`.server_port`).

    What `python -m http.server -d DIRECTORY` does, for tests and scripts; stop it with
    `server.shutdown()`.
    """
    handler = partial(QuietHandler, directory=os.fspath(directory))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, format, *args):
        pass
