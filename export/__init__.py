"""Export of sampling networks to ONNX and SavedModel, checked against Keras.

The onnxruntime-only sampler is the `kerasgen-zoo-runtime` distribution
(`kerasgen_runtime.Sampler`).

    kerasgen.export.to_onnx(model, "decoder.onnx")           # checked against Keras
    kerasgen.export.to_saved_model(model, "decoder_savedmodel")
    kerasgen_runtime.Sampler("decoder.onnx").sample(16, seed=0)
    kerasgen.export.web.to_web(model, "site")                # a page that samples in the browser

`kerasgen.export` is outside the core: it imports the models and the zoo (an int8
export is judged by a zoo classifier), and nothing in the core imports it.
"""

from kerasgen.export import (  # noqa: F401
    bundle, checks, metadata, onnx_export, saved_model_export, serving, text_step, web, web_text,
)
from kerasgen.export.checks import ExportCheckError  # noqa: F401
from kerasgen.export.onnx_export import to_onnx  # noqa: F401
from kerasgen.export.saved_model_export import to_saved_model  # noqa: F401
