"""A static web page that samples a text model (`SequenceVAE`) in the browser.

`to_web_text(model, "site")` writes `site/`: `index.html` and `kerasgen_text.js` (the
text page: seed, count, temperature, top-k), `kerasgen.css` and `kerasgen.js` (the image
page's module: the text page draws each seed's codes and token choices with its
kerasgen-v1 generator), the checked decoder step
(`step.onnx`, `kerasgen.export.text_step`) with its metadata as `text_step.json`, the
encoder (`encoder.onnx`: ids to the posterior mean, for interpolating between two typed
items), and
onnxruntime-web's WebAssembly build (`ort/`), with the manifest of `kerasgen.export.web`
so that `--overwrite` replaces only a previous export. Serve it with any static server.
"""

import json
import os
import shutil

from kerasgen.export.text_step import encoder_to_onnx, to_onnx_step
from kerasgen.export.web import ASSETS, MANIFEST, check_destination, find_onnxruntime_web, finish_site
from kerasgen_runtime.files import DirectoryKind, _temporary_beside

TEXT_ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_text_assets")
STEP_FILE = "step.onnx"
ENCODER_FILE = "encoder.onnx"
# What a text page written here holds; only such a directory is ever replaced.
TEXT_WEB_EXPORT = DirectoryKind("kerasgen text web export", required=(MANIFEST, STEP_FILE, "index.html"),
                                allowed=("ort", "kerasgen_text.js", "kerasgen.js", "kerasgen.css",
                                         "text_step.json", ENCODER_FILE))


def to_web_text(model, directory, source=None, overwrite=False, onnxruntime_web=None, opset=17):
    """Writes the text page for `model` into `directory` (built beside it, then renamed).

    Returns `to_onnx_step`'s report with `path` the directory, `format` `"web"`,
    `files` (relative path -> bytes) and `onnxruntime_web` (its version).

    Example:
    ```python
    kerasgen.export.web_text.to_web_text(kerasgen.zoo.load("text_vae_names"), "site")
    ```
    """
    directory = os.path.abspath(os.fspath(directory))
    check_destination(directory, overwrite, TEXT_WEB_EXPORT)
    dist, version = find_onnxruntime_web(onnxruntime_web)
    os.makedirs(os.path.dirname(directory), exist_ok=True)
    tmp = _temporary_beside(directory, "tmp")
    os.mkdir(tmp, 0o755)
    try:
        report = to_onnx_step(model, os.path.join(tmp, STEP_FILE), opset=opset, source=source)
        if model.encoder is not None:  # for interpolating between two typed items
            encoder_to_onnx(model, os.path.join(tmp, ENCODER_FILE), opset=opset)
            report["metadata"]["encoder"] = ENCODER_FILE
        with open(os.path.join(tmp, "text_step.json"), "w", encoding="utf-8") as f:
            json.dump(report["metadata"], f, indent=1)
        for name in sorted(os.listdir(TEXT_ASSETS)):
            shutil.copyfile(os.path.join(TEXT_ASSETS, name), os.path.join(tmp, name))
        for name in ("kerasgen.css", "kerasgen.js"):  # the image page's style and kerasgen-v1
            shutil.copyfile(os.path.join(ASSETS, name), os.path.join(tmp, name))
        files = finish_site(tmp, directory, STEP_FILE, (dist, version), TEXT_WEB_EXPORT, overwrite)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return {**report, "path": directory, "format": "web", "files": files, "onnxruntime_web": version}
