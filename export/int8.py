"""int8 export: static QDQ quantization of a sampling network, shipped only where it pays
and only within a quality gate measured with the data's domain classifier.

The int8 graph (`int8_graph`): onnxruntime's CPU provider has no int8 ConvTranspose (a
QDQ ConvTranspose runs as dequantize -> float -> quantize), so every stride-2
ConvTranspose first becomes its sub-pixel Convs and the Conv after each DepthToSpace is
computed on the phases (exact rewrites, `kerasgen.export.subpixel`). Then the Convs and
MatMuls are quantized statically -- uint8 activations, per-channel int8 weights (the
VNNI kernels), ranges calibrated on `CALIBRATION_SAMPLES` latents drawn from the prior
(99.999th percentile, so that a few extreme activations do not stretch the scale).
Two graphs are built: every layer quantized, and the output layer (the one that maps
features to pixels) kept float32, which is slower but changes the pixels less.

The gate's rules and statistics are `kerasgen.export.int8_gate` (imported here too).

Of those that pay -- single-thread CPU time at batch 64 at most `1 - optimize.MIN_GAIN`
of the float32 file's -- the fastest that passes the quality gate (`quality_gate`) is
written; if none does, nothing is.
"""

import contextlib
import io
import os
import tempfile

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)

from kerasgen.export import checks, optimize, rewrites, subpixel
from kerasgen.export.int8_gate import (  # noqa: F401 (the gate's names, also read as int8.X)
    GATE_RULE, GATE_SAMPLES, GATE_SEEDS, JUDGE_RULE, NOISE_RESAMPLES, NOISE_RULE, NOISE_SEED,
    class_kl, compare, fid, judge_weakness, noise_floor)
from kerasgen.export.logs import quiet_logging
from kerasgen.metrics.features import to_unit_interval

CALIBRATION_SAMPLES = 512
CALIBRATION_SEED = 20_000
CALIBRATION_PERCENTILE = 99.999
QUANTIZED_OPS = ("Conv", "MatMul", "Gemm")
# Ops between the output layer and the graph output that carry no weights.
PASS_THROUGH = ("DepthToSpace", "Slice", "Reshape", "Transpose", "Identity", "Flatten",
                *rewrites.ELEMENTWISE_ACTIVATIONS)


def check_quantizable(metadata):
    """int8 needs a sampling network with a prior to draw calibration latents from."""
    if metadata["network"] == "encoder":
        raise ValueError("precision 'int8' is for decoders and generators, got a VAE encoder export")
    if metadata.get("label_map_shape"):
        raise ValueError("precision 'int8' does not support SPADE generators (label_map input) yet")
    if metadata["prior"] is None:
        raise ValueError(
            f"precision 'int8' calibrates on latents drawn from the prior, and "
            f"{metadata['model_class']}'s latent has none: export it as float32"
        )


def float_source(plain, metadata):
    """`(graph, report)`: the unrewritten float32 export `plain` with every ConvTranspose
    as sub-pixel Convs and the Convs after them on the phases, checked exact."""
    graph, _ = rewrites.fold_batch_norm(plain)
    graph, converted = subpixel.subpixel(graph, None, split=True)
    graph, on_phases = subpixel.conv_on_phases(graph, split=True)  # no Concat where possible
    graph, more = subpixel.conv_on_phases(graph)
    exact = optimize.exact_difference_to(plain, graph, metadata)
    return graph, {"subpixel_split": converted, "conv_on_phases": on_phases + more,
                   "max_abs_diff": exact}


def int8_graph(source, float_rewrites, metadata, output_float32):
    """`(int8 proto, report)` from `float_source`'s graph; `output_float32`: leave the
    output layer unquantized."""
    kept_float = output_layers(source) if output_float32 else []
    quantized = quantize(source, metadata, kept_float)
    return quantized, {
        "method": "onnxruntime static QDQ: uint8 activations, per-channel int8 weights",
        "calibration": {"samples": CALIBRATION_SAMPLES, "seed": CALIBRATION_SEED,
                        "drawn_from": metadata["prior"], "method": "percentile",
                        "percentile": CALIBRATION_PERCENTILE},
        "quantized_ops": list(QUANTIZED_OPS),
        "kept_float32": kept_float,
        "float_rewrites": float_rewrites,
    }


def output_layers(proto):
    """Names of the nodes whose weights make the graph's (first) output: back from it
    through weightless ops (activation, DepthToSpace, Slice, ...) and through a Sum or
    Add to every term (the per-phase Convs of `conv_on_phases(split=True)`)."""
    producers = {output: node for node in proto.graph.node for output in node.output}
    found, pending = [], [proto.graph.output[0].name]
    while pending:
        node = producers.get(pending.pop())
        if node is None:
            continue
        if node.op_type in (*QUANTIZED_OPS, "ConvTranspose"):
            found.append(node.name)
        elif node.op_type in ("Sum", "Add"):
            pending.extend(node.input)
        elif node.op_type in PASS_THROUGH:
            pending.append(node.input[0])
    return sorted(found)


def quantize(proto, metadata, exclude):
    """Static QDQ quantization calibrated on latents drawn from the prior."""
    class Calibration(CalibrationDataReader):
        def __init__(self):
            inputs = checks.check_inputs(metadata, CALIBRATION_SAMPLES, seed=CALIBRATION_SEED)
            self.batches = iter([{k: v[i : i + 64] for k, v in inputs.items()}
                                 for i in range(0, CALIBRATION_SAMPLES, 64)])

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as directory:
        source, target = os.path.join(directory, "float.onnx"), os.path.join(directory, "int8.onnx")
        onnx.save(proto, source)
        # The percentile calibrator prints its progress to stdout.
        with quiet_logging(), contextlib.redirect_stdout(io.StringIO()):
            quantize_static(source, target, Calibration(), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            per_channel=True, calibrate_method=CalibrationMethod.Percentile,
                            op_types_to_quantize=list(QUANTIZED_OPS), nodes_to_exclude=exclude,
                            extra_options={"CalibPercentile": CALIBRATION_PERCENTILE})
        return onnx.load(target)


def speed(float_proto, int8_proto, metadata, repeats=7):
    """`{batch: int8 CPU time / float32 CPU time}`, single thread, batch 1 and 64."""
    return optimize.time_ratios(float_proto, int8_proto, optimize.timing_inputs(metadata), repeats)


def samples(proto, metadata, seed):
    """`GATE_SAMPLES` images in [0, 1] from latents drawn with `seed`."""
    session = optimize.session(proto, threads=os.cpu_count() or 1)
    inputs = checks.check_inputs(metadata, GATE_SAMPLES, seed=seed)
    images = np.concatenate([
        session.run(None, {k: v[i : i + 256] for k, v in inputs.items()})[0]
        for i in range(0, GATE_SAMPLES, 256)])
    return to_unit_interval(images, metadata["value_range"])


def float_judgement(float_proto, metadata, judge, reference=None):
    """What every gate compares with: the judge's `(features, probabilities)` of the
    float32 samples of both gate seeds (and of `reference`, real images in [0, 1])."""
    images = {seed: samples(float_proto, metadata, seed) for seed in GATE_SEEDS}
    judged = {seed: judge.extract(x) for seed, x in images.items()}
    judged["images"] = images[GATE_SEEDS[0]]  # what int8 samples of that seed are compared with
    judged["noise"] = noise_floor(*judged[GATE_SEEDS[0]])
    if reference is not None:
        judged["reference"] = judge.extract(reference)
        judged["reference_images"] = len(reference)
    return judged


def quality_gate(float_judged, int8_proto, metadata, judge):
    """The gate's measurements under `judge` (a `FeatureExtractor`) against
    `float_judgement`'s; `passed` says if they are within `GATE_RULE`."""
    first, _ = GATE_SEEDS
    fp32_a, int8_a = float_judged["images"], samples(int8_proto, metadata, first)
    gate = {"judge": judge.extractor_id, "samples": GATE_SAMPLES, "seeds": list(GATE_SEEDS),
            "max_abs_change": float(np.max(np.abs(int8_a - fp32_a))),
            "mean_abs_change": float(np.mean(np.abs(int8_a - fp32_a)))}
    int8_judged = judge.extract(int8_a)
    gate.update(compare(float_judged, int8_judged))
    if "reference" in float_judged:
        real, _ = float_judged["reference"]
        gate["reference_images"] = float_judged["reference_images"]
        gate["fid_vs_reference"] = {"float32": fid(real, float_judged[first][0]),
                                    "int8": fid(real, int8_judged[0])}
    if "judge_quality" in float_judged:
        gate["judge_quality"] = float_judged["judge_quality"]
    return gate


def to_int8(plain, float_proto, metadata, judge, reference=None, accept_weak_judge=False):
    """`(int8 proto, quantization report)`: of the int8 graphs (all layers; the output
    layer kept float32) the fastest that pays and passes the quality gate. Raises
    `ExportCheckError` when none does, or when the judge is weak (`JUDGE_RULE`) and
    `accept_weak_judge` is False (nothing is written then). `reference`: real images in
    [0, 1], or `(images, labels)` (the judge's accuracy is then measured on them).
    With `accept_weak_judge`, a weak judge's gate is recorded as `"passed": None` and
    `"verdict": "weak judge: ..."` and the fastest graph that pays is returned."""
    images, labels = reference if isinstance(reference, tuple) else (reference, None)
    float_judged = float_judgement(float_proto, metadata, judge, images)
    float_judged["judge_quality"], weak = judge_weakness(float_judged, judge, labels)
    if weak and not accept_weak_judge:
        raise checks.ExportCheckError(
            f"int8 cannot be judged, nothing was written: weak judge: {weak}. Export float32, "
            "give a judge that knows the data (--judge CLASSIFIER trained on it), or accept "
            "the int8 file unjudged (--accept-weak-judge; its metadata then says "
            "\"passed\": null, \"verdict\": \"weak judge: ...\")"
        )
    source, float_rewrites = float_source(plain, metadata)
    tried = []
    for output_float32 in (False, True):
        proto, report = int8_graph(source, float_rewrites, metadata, output_float32)
        ratios = speed(float_proto, proto, metadata)
        report["cpu_time_ratio_vs_float32"] = {str(b): round(r, 3) for b, r in ratios.items()}
        tried.append((ratios[64], output_float32, proto, report))
    tried.sort(key=lambda t: t[:2])
    paying = [t for t in tried if t[0] <= 1 - optimize.MIN_GAIN]
    if not paying:
        raise checks.ExportCheckError(
            f"int8 does not pay for this network: {tried[0][0]:.2f}x the float32 file's "
            f"single-thread CPU time at batch 64 (needs <= {1 - optimize.MIN_GAIN:.2f}x); "
            "export it as float32"
        )
    refused = []
    for ratio, _, proto, report in paying:
        report["quality_gate"] = gate = quality_gate(float_judged, proto, metadata, judge)
        if weak:
            gate["passed"], gate["verdict"] = None, f"weak judge: {weak}"
        if weak or gate["passed"]:
            gate.setdefault("verdict", "passed")
            report["size_bytes"], report["float_size_bytes"] = proto.ByteSize(), float_proto.ByteSize()
            report["alternatives_refused"] = refused
            return proto, report
        refused.append({"kept_float32": report["kept_float32"], "reason": "failed the quality gate",
                        "quality_gate": gate})
    raise checks.ExportCheckError(
        f"int8 fails the quality gate under {judge.extractor_id}: FID int8 vs float32 "
        f"{gate['fid_int8_vs_float32']:.3g} (limit: another seed's "
        f"{gate['fid_float32_vs_other_seed']:.3g}, noise floor {gate['noise_floor']['fid']:.3g}), "
        f"class KL {gate['class_kl_int8_vs_float32']:.3g} (limit {gate['class_kl_limit']:.3g}); "
        "export it as float32"
    )
