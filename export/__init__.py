"""Export of sampling networks to ONNX, SavedModel and a web page.

Importing `kerasgen.export` imports neither TensorFlow nor Keras: the exporters are
loaded on first use. The onnxruntime-only sampler is the runtime distribution's
(`kerasgen_runtime.Sampler`), which needs only NumPy and onnxruntime.

    kerasgen.export.to_onnx(model, "decoder.onnx")           # checked against Keras
    kerasgen.export.to_saved_model(model, "decoder_savedmodel")
    kerasgen_runtime.Sampler("decoder.onnx").sample(16, seed=0)
    kerasgen.export.web.to_web(model, "site")                # a page that samples in the browser
"""

import importlib

# public name -> module that defines it (imported on first access)
_LAZY = {
    "to_onnx": "kerasgen.export.onnx_export",
    "to_saved_model": "kerasgen.export.saved_model_export",
    "ExportCheckError": "kerasgen.export.checks",
}
_SUBMODULES = ("checks", "cli", "metadata", "onnx_export", "saved_model_export", "serving", "web")


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"kerasgen.export.{name}")
    raise AttributeError(f"module 'kerasgen.export' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY) + list(_SUBMODULES))
