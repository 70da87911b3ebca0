"""ONNX export of a model's sampling network (or VAE encoder) through tf2onnx."""

import os

import onnx
import onnxruntime
import tf2onnx

from kerasgen.export import checks, int8, rewrites
from kerasgen.export import optimize as graph_optimize
from kerasgen.export.logs import quiet_logging
from kerasgen.export.metadata import describe_model, to_onnx_props
from kerasgen.export.serving import keras_outputs, layer_types, serving_function
from kerasgen_runtime.files import atomic_path
from kerasgen.zoo.extractors import get_extractor

MIN_OPSET = 17
PRECISIONS = ("float32", "int8")


def to_onnx(model, path, encoder=False, source=None, opset=MIN_OPSET, precision="float32",
            judge=None, reference=None, tolerance=None, optimize=True, accept_weak_judge=False):
    """Exports `model.sampling_network()` (or its encoder) to an ONNX file, checked.

    The graph takes `z` float32 `[batch, latent_dim]` (plus `label` int64 `[batch]` for
    conditional models) and returns `x`; an encoder takes `x` and returns `mean` and
    `log_var`. The batch dimension is dynamic and the graph holds no random op: draw
    `z` with `kerasgen_runtime.latents.draw_latents` (or `kerasgen_runtime.Sampler`).
    Before the file is written, `onnx.checker` and onnxruntime-vs-Keras parity at batch
    1, 7 and 64 must pass (max |diff| <= 1e-5, 1e-4
    for transposed-conv stacks); a failure raises `ExportCheckError` and leaves `path`
    as it was.

    Args:
        model: a kerasgen model (provides `sampling_network()`, `latent_dim`,
            `output_range`, and `num_classes` when conditional).
        path: output file, ending in `.onnx`.
        encoder: export the VAE encoder `x -> (mean, log_var)` instead.
        source: `{"zoo_entry", "weights_sha256", "file"}` recorded in the metadata.
        opset: ONNX opset, >= 17.
        precision: `"float32"`, or `"int8"`: static int8 quantization
            (`kerasgen.export.int8`), written only if it is measured faster than the
            float32 file and passes the quality gate under `judge`; otherwise
            `ExportCheckError` and nothing is written.
        judge: for int8, the data's domain classifier: a `FeatureExtractor` or a spec
            of `kerasgen.zoo.extractors.get_extractor` (`"classifier_mnist5k"`, a `.keras`
            classifier file).
        reference: for int8, optional real images in [0, 1], or `(images, labels)`: the
            gate also reports each file's FID against them (and the judge's accuracy).
        accept_weak_judge: for int8, write the file even when the judge is weak
            (`kerasgen.export.int8.JUDGE_RULE`), its gate marked `"passed": None`.
        tolerance: parity tolerance overriding the default.
        optimize: apply the exact graph rewrites of `kerasgen.export.optimize` that
            measure faster for this network (decoders and generators; the result is
            checked against Keras at batch 1, 7 and 64; `metadata["optimization"]`
            says what was applied and why).

    Returns:
        A report dict: `path`, `format`, `metadata`, `max_abs_diff` per batch size,
        `tolerance`, `tolerance_reason`, `size_bytes`, `quantization` (None for
        float32).

    Example:
    ```python
    report = kerasgen.export.to_onnx(vae, "vae_decoder.onnx")
    sampler = kerasgen_runtime.Sampler("vae_decoder.onnx")
    ```
    """
    path = os.fspath(path)
    if not path.endswith(".onnx"):
        raise ValueError(f"path must end with .onnx, got {path!r}")
    if isinstance(opset, bool) or not isinstance(opset, int) or opset < MIN_OPSET:
        raise ValueError(f"opset must be an int >= {MIN_OPSET}, got {opset!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    network, metadata = describe_model(model, encoder=encoder, source=source)
    if precision == "int8":
        int8.check_quantizable(metadata)
        if judge is None:
            raise ValueError(
                "precision 'int8' needs judge: the data's domain classifier (a zoo "
                "classifier name such as 'classifier_mnist5k', or a .keras classifier file)"
            )
        judge = get_extractor(judge)
        if not judge.has_probabilities:
            raise ValueError(
                f"judge must be a classifier with class probabilities (the class KL of the "
                f"int8 gate needs them), got {judge.name!r}"
            )
    tolerance, reason = checks.tolerance_for(layer_types(network), tolerance)
    proto = convert(serving_function(network, metadata), opset)
    order_outputs(proto, metadata)
    proto, _ = rewrites.spatial_mean_as_pool(proto)  # the same bits in onnxruntime-web
    set_metadata(proto, metadata)
    differences = check_onnx(proto, network, metadata, tolerance)
    plain = proto
    if optimize and metadata["network"] != "encoder":
        proto, metadata["optimization"], differences = graph_optimize.optimize(
            proto, metadata, lambda p, sizes: check_onnx(p, network, metadata, tolerance, sizes)
        )
    metadata["check"] = {
        "runtime": f"onnxruntime {onnxruntime.__version__}",
        "max_abs_diff": {str(b): d for b, d in differences.items()},
        "tolerance": tolerance,
        "tolerance_reason": reason,
    }
    metadata["precision"] = precision
    quantization = None
    if precision == "int8":
        proto, quantization = int8.to_int8(plain, proto, metadata, judge, reference,
                                           accept_weak_judge)
        metadata["quantization"] = quantization
    set_metadata(proto, metadata)
    data = proto.SerializeToString()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return {
        "path": path,
        "format": "onnx",
        "metadata": metadata,
        "max_abs_diff": differences,
        "tolerance": tolerance,
        "tolerance_reason": reason,
        "size_bytes": len(data),
        "quantization": quantization,
    }


def convert(function, opset):
    """tf2onnx conversion with the batch dimension named `batch`."""
    with quiet_logging():
        proto, _ = tf2onnx.convert.from_function(
            function, input_signature=function.input_signature, opset=opset
        )
    batch_names = {
        value.type.tensor_type.shape.dim[0].dim_param
        for value in [*proto.graph.input, *proto.graph.output]
    }
    for value in [*proto.graph.input, *proto.graph.output, *proto.graph.value_info]:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param in batch_names:
                dim.dim_param = "batch"
    return proto


def order_outputs(proto, metadata):
    """Graph outputs named and ordered as the metadata lists them (`mean, log_var`).

    tf2onnx emits a dict's outputs in sorted key order; a plain onnxruntime user reads
    them by position, so the graph's order must be the documented one.
    """
    outputs = {value.name: value for value in proto.graph.output}
    if sorted(outputs) != sorted(metadata["outputs"]):
        raise checks.ExportCheckError(
            f"the ONNX graph's outputs are {sorted(outputs)}, expected {metadata['outputs']}"
        )
    ordered = [outputs[name] for name in metadata["outputs"]]
    del proto.graph.output[:]
    proto.graph.output.extend(ordered)
    proto.doc_string = f"kerasgen: {metadata['description']}"


def set_metadata(proto, metadata):
    """Replaces the file's metadata_props with kerasgen's fields."""
    del proto.metadata_props[:]
    for key, value in to_onnx_props(metadata).items():
        proto.metadata_props.add(key=key, value=value)


def check_onnx(proto, network, metadata, tolerance, batch_sizes=checks.CHECK_BATCH_SIZES):
    """`onnx.checker`, no random ops, then onnxruntime vs Keras; returns max |diff| per batch."""
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as error:
        raise checks.ExportCheckError(f"onnx.checker rejected the export: {error}") from None
    checks.check_no_random_ops([node.op_type for node in proto.graph.node], "the ONNX graph")
    run = onnx_function(proto)
    return checks.check_parity(
        lambda inputs: keras_outputs(network, metadata, inputs),
        run, metadata, "the ONNX export (onnxruntime)", tolerance, batch_sizes,
    )


def onnx_function(proto):
    """`inputs dict -> outputs dict` through an onnxruntime CPU session."""
    session = onnxruntime.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    return lambda inputs: dict(zip(names, session.run(names, inputs)))
