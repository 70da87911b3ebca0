"""A static web page that samples a text model (`SequenceVAE`) in the browser.

`to_web_text(model, "site")` writes `site/`: `index.html` and `kerasgen_text.js` (the
text page: seed, count, temperature, top-k), `kerasgen.css`, the checked decoder step
(`step.onnx`, `kerasgen.export.text_step`) with its metadata as `text_step.json`, the
encoder (`encoder.onnx`: ids to the posterior mean, for interpolating between two typed
items), and
onnxruntime-web's WebAssembly build (`ort/`), with the manifest of `kerasgen.export.web`
so that `--overwrite` replaces only a previous export. Serve it with any static server.
"""

import json
import os
import shutil
import tempfile

from kerasgen.export.web import (ASSETS, MANIFEST, ORT_FILES, check_destination,
                                 find_onnxruntime_web, list_files)
from kerasgen_runtime.files import replace_directory

TEXT_ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_text_assets")
STEP_FILE = "step.onnx"
ENCODER_FILE = "encoder.onnx"


def to_web_text(model, directory, source=None, overwrite=False, onnxruntime_web=None, opset=17):
    """Writes the text page for `model` into `directory` (built beside it, then renamed).

    Returns `to_onnx_step`'s report with `path` the directory, `format` `"web"`,
    `files` (relative path -> bytes) and `onnxruntime_web` (its version).

    Example:
    ```python
    kerasgen.export.web_text.to_web_text(kerasgen.zoo.load("text_vae_names"), "site")
    ```
    """
    from kerasgen.export.text_step import encoder_to_onnx, to_onnx_step

    directory = os.path.abspath(os.fspath(directory))
    check_destination(directory, overwrite)
    dist, version = find_onnxruntime_web(onnxruntime_web)
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(directory)}.", suffix=".tmp", dir=parent)
    os.chmod(tmp, 0o755)
    try:
        report = to_onnx_step(model, os.path.join(tmp, STEP_FILE), opset=opset, source=source)
        if model.encoder is not None:  # for interpolating between two typed items
            encoder_to_onnx(model, os.path.join(tmp, ENCODER_FILE), opset=opset)
            report["metadata"]["encoder"] = ENCODER_FILE
        with open(os.path.join(tmp, "text_step.json"), "w", encoding="utf-8") as f:
            json.dump(report["metadata"], f, indent=1)
        for name in sorted(os.listdir(TEXT_ASSETS)):
            shutil.copyfile(os.path.join(TEXT_ASSETS, name), os.path.join(tmp, name))
        shutil.copyfile(os.path.join(ASSETS, "kerasgen.css"), os.path.join(tmp, "kerasgen.css"))
        os.makedirs(os.path.join(tmp, "ort"))
        for name in ORT_FILES:
            shutil.copyfile(os.path.join(dist, name), os.path.join(tmp, "ort", name))
        files = {path: os.path.getsize(os.path.join(tmp, path)) for path in list_files(tmp)}
        manifest = {"format": "kerasgen-web", "format_version": 1, "model": STEP_FILE,
                    "onnxruntime_web": version, "files": sorted([*files, MANIFEST])}
        with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        replace_directory(tmp, directory)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return {**report, "path": directory, "format": "web", "files": files, "onnxruntime_web": version}
