"""`kerasgen export MODEL.keras --format onnx|saved_model|web -o PATH [--encoder] [--precision int8]`.

An argparse-level module: `kerasgen --help` imports it before Keras, so the exporters
(TensorFlow, tf2onnx) are imported inside the functions that run an export.
"""

import os
import warnings


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="export a model's decoder/generator (or VAE encoder) to ONNX or SavedModel",
        description="Export MODEL's sampling network, checked against Keras before it is "
        "written. Sample the ONNX file without TensorFlow: kerasgen-sample PATH -o grid.png",
    )
    parser.add_argument("model", help="a .keras file (loaded with safe_mode=True), a run folder "
                        "holding model.keras or a zoo entry")
    parser.add_argument("--format", choices=("onnx", "saved_model", "web", "bundle", "hub"), default="onnx",
                        help="web: a static folder that samples the model in the browser; bundle: "
                        "ONNX file(s), reference inputs/outputs, card and sha256 manifest (check it "
                        "with kerasgen verify DIR); hub: the same in a model hub's layout (onnx/)")
    parser.add_argument("-o", "--output", required=True, help="an .onnx file or a directory")
    parser.add_argument("--encoder", action="store_true",
                        help="export the VAE encoder x -> (mean, log_var) instead")
    parser.add_argument("--precision", choices=("float32", "int8"), default="float32",
                        help="int8 (ONNX only): static int8, written only if measured faster "
                        "than float32 and within a quality gate under --judge")
    parser.add_argument("--judge", default=None, metavar="CLASSIFIER",
                        help="--precision int8: the data's domain classifier (a zoo classifier "
                        "name or a .keras file; default for a zoo entry: its data's judge)")
    parser.add_argument("--judge-data", default=None, metavar="DIR",
                        help="--precision int8: labelled images (one sub-folder per class) the "
                        "judge's accuracy is measured on; a judge near chance is refused")
    parser.add_argument("--accept-weak-judge", action="store_true",
                        help="--precision int8 --format onnx: write the int8 file even when the "
                        "judge is too weak to judge it (marked \"passed\": null in its metadata)")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 17)")
    parser.add_argument("--onnxruntime-web", default=None, metavar="PATH",
                        help="--format web: the installed npm package onnxruntime-web (default: "
                        "$KERASGEN_ONNXRUNTIME_WEB, else the pinned version, downloaded once into "
                        "~/.cache/kerasgen and checked by sha256)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a previous kerasgen SavedModel or web export at -o "
                        "(no other directory is ever replaced)")
    parser.set_defaults(func=run)
    return parser


def run(args):
    from kerasgen.commands.models import load_model
    from kerasgen.export.checks import ExportCheckError

    if args.precision != "float32" and (args.format not in ("onnx", "bundle", "hub") or args.encoder):
        raise ValueError(f"--precision {args.precision} needs --format onnx, bundle or hub without --encoder")
    for flag, value in (("--judge", args.judge), ("--judge-data", getattr(args, "judge_data", None)),
                        ("--accept-weak-judge", getattr(args, "accept_weak_judge", False))):
        if value and args.precision != "int8":
            raise ValueError(f"{flag} is for --precision int8")
    if getattr(args, "accept_weak_judge", False) and args.format != "onnx":
        raise ValueError(f"--accept-weak-judge is for --format onnx (a {args.format} ships only "
                         f"a judged int8 file), got --format {args.format}")
    if args.format in ("web", "bundle", "hub") and args.encoder:
        raise ValueError(f"--encoder needs --format onnx or saved_model, got --format {args.format}")
    check_output(args)
    model, found = load_model(args.model, "MODEL", onnx=False)
    source = found.source()  # the zoo entry's verified weights, or the file's sha256
    if getattr(model, "sampling_graph", None) == "text_step":  # a text model: its decoder step
        return export_text(model, args, source)
    # A CLI process runs one export: the no-prior warning is said once, in the summary.
    warnings.filterwarnings("ignore", "(?s).*latent has no prior", RuntimeWarning)
    try:
        if args.format in ("bundle", "hub"):
            return export_bundle(args, model, source)
        if args.format == "web":
            from kerasgen.export.web import to_web

            report = to_web(model, args.output, source=source, overwrite=args.overwrite,
                            onnxruntime_web=args.onnxruntime_web, opset=args.opset)
        elif args.format == "onnx":
            from kerasgen.export.onnx_export import to_onnx

            judge, reference = int8_judge(args, source) if args.precision == "int8" else (None, None)
            report = to_onnx(model, args.output, encoder=args.encoder, source=source,
                             opset=args.opset, precision=args.precision, judge=judge,
                             accept_weak_judge=getattr(args, "accept_weak_judge", False),
                             reference=reference)
        else:
            from kerasgen.export.saved_model_export import to_saved_model

            report = to_saved_model(model, args.output, encoder=args.encoder, source=source,
                                    overwrite=args.overwrite)
    except ExportCheckError as error:
        print(f"kerasgen export: check failed: {error}")
        return 1
    print(summary(report))
    if args.format == "web":
        print(f"  serve it: python -m http.server -d {args.output} (browsers do not load wasm from file://)")
    return 0


def export_text(model, args, source):
    """`kerasgen export TEXT_MODEL.keras -o step.onnx`: the decoder step (ONNX), or with
    `--format web` a page that samples it in the browser (`kerasgen.export.web_text`)."""
    if args.format not in ("onnx", "web") or args.encoder or args.precision != "float32":
        raise ValueError(f"a text model exports its decoder step as --format onnx or web (float32, no "
                         f"--encoder), got --format {args.format}{' --encoder' if args.encoder else ''} "
                         f"--precision {args.precision}")
    from kerasgen.export.text_step import TOLERANCE, to_onnx_step
    from kerasgen.export.web_text import to_web_text

    if args.format == "web":
        report = to_web_text(model, args.output, source=source, overwrite=args.overwrite,
                             onnxruntime_web=args.onnxruntime_web, opset=args.opset)
        print(f"wrote the text page of {type(model).__name__} to {report['path']}\n"
              f"  serve it: python -m http.server -d {args.output} (browsers do not load wasm from file://)")
        return 0
    report = to_onnx_step(model, args.output, opset=args.opset, source=source)
    differences = ", ".join(f"batch {b}: {d:.2g}" for b, d in report["max_abs_diff"].items())
    print(f"wrote the decoder step of {type(model).__name__} to {report['path']}\n"
          f"  checked against Keras: max |diff| {differences} (tolerance {TOLERANCE:g})\n"
          f"  sample it without TensorFlow: kerasgen-sample {report['path']} -n 16 --seed 0 -o samples.txt")
    return 0


def export_bundle(args, model, source):
    """`kerasgen export MODEL --format bundle|hub -o DIR [--precision int8]`."""
    from kerasgen import zoo
    from kerasgen.export.bundle import to_bundle

    judge, reference = int8_judge(args, source) if args.precision == "int8" else (None, None)
    card = None
    if source.get("zoo_entry"):
        path = os.path.join(zoo.Entry.open(source["zoo_entry"]).directory, "README.md")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                card = f.read()
    manifest = to_bundle(model, args.output, source=source, layout=args.format, precision=args.precision,
                         judge=judge, reference=reference, card=card, overwrite=args.overwrite, opset=args.opset)
    print(f"wrote {args.format} of {manifest['model_class']} to {manifest['path']}: "
          f"{len(manifest['files'])} files, {', '.join(manifest['models'])}")
    if manifest["int8"] and not manifest["int8"]["written"]:
        print(f"  no int8 variant: {manifest['int8']['reason']}")
    print(f"  check it anywhere: kerasgen verify {args.output} (or kerasgen-sample --verify {args.output})")
    return 0


def int8_judge(args, source):
    """`(judge, reference images or None)` for the int8 quality gate: `--judge`, else
    the primary judge of a zoo entry's data (and that data's test images)."""
    data = None
    if source["zoo_entry"]:
        from kerasgen import zoo

        data = (zoo.Entry.open(source["zoo_entry"]).recipe or {}).get("data")
    judge = args.judge
    if judge is None:
        from kerasgen.zoo.extractors import JUDGES, default_extractor_name

        if data not in JUDGES:
            raise ValueError(
                f"--precision int8 needs --judge CLASSIFIER (the data's domain classifier: a "
                f"zoo classifier name or a .keras file); {args.model!r} names no data with a "
                "zoo judge"
            )
        judge = default_extractor_name(data)
    reference = None
    if getattr(args, "judge_data", None) is not None:
        from kerasgen.data.folders import from_folder

        reference = from_folder(args.judge_data)  # (images, labels)
        if reference[1] is None:
            raise ValueError(f"--judge-data must hold one sub-folder per class, got "
                             f"{args.judge_data!r} (no class sub-folders)")
    elif data is not None:
        from kerasgen.data import named_datasets

        _, reference = named_datasets.load(data)  # the test split: (images, labels)
    return judge, reference


def check_output(args):
    """Refuses, before any loading or converting, an output path that is not ours to write."""
    from kerasgen_runtime.files import check_output_path

    if args.format == "onnx":
        check_output_path(args.output)
    elif args.format == "saved_model":
        from kerasgen.export.saved_model_export import SAVED_MODEL

        check_output_path(args.output, SAVED_MODEL, args.overwrite)
    elif args.format in ("bundle", "hub"):
        from kerasgen.export.bundle import KINDS

        check_output_path(args.output, KINDS[args.format], args.overwrite)


def summary(report):
    metadata = report["metadata"]
    differences = ", ".join(f"batch {b}: {d:.2g}" for b, d in report["max_abs_diff"].items())
    checked = "its float32 graph" if report.get("quantization") else "checked"
    lines = [
        f"wrote {report['format']} {metadata['network']} of {metadata['model_class']} to "
        f"{report['path']}",
        f"  {checked} against Keras: max |diff| {differences} (tolerance "
        f"{report['tolerance']:g}, {report['tolerance_reason']})",
    ]
    if metadata["network"] != "encoder" and metadata["prior"] is None:
        lines.append(
            f"  note: {metadata['model_class']}'s latent has no prior: random codes decode to "
            "smudges, so kerasgen-sample refuses this file; decode codes of real images"
        )
    quantization = report.get("quantization")
    if quantization:
        gate, ratio = quantization["quality_gate"], quantization["cpu_time_ratio_vs_float32"]
        lines.append(
            f"  int8: {1 / ratio['64']:.2f}x faster than float32 at batch 64 (1 thread), "
            f"{quantization['float_size_bytes']} -> {quantization['size_bytes']} bytes"
        )
        lines.append(
            f"  quality gate under {gate['judge']} ({gate['samples']} samples): FID int8 vs "
            f"float32 {gate['fid_int8_vs_float32']:.3g} <= {gate['fid_limit']:.3g} (another seed's "
            f"{gate['fid_float32_vs_other_seed']:.3g}, noise floor {gate['noise_floor']['fid']:.3g}); "
            f"class KL {gate['class_kl_int8_vs_float32']:.3g} <= {gate['class_kl_limit']:.3g}; "
            f"same label for {100 * gate['label_agreement']:.1f}%"
        )
        if gate.get("verdict", "passed") != "passed":
            lines.append(f"  NOT JUDGED: {gate['verdict']} (written because of --accept-weak-judge)")
        if "fid_vs_reference" in gate:
            fid = gate["fid_vs_reference"]
            lines.append(f"  FID vs {gate['reference_images']} test images: float32 "
                         f"{fid['float32']:.3g}, int8 {fid['int8']:.3g}")
    return "\n".join(lines)
