"""`kerasgen evaluate MODEL --data NAME|DIR --metrics fid,kid,is,prd,nll -n 1000`."""

import json
import sys

DESCRIPTION = (
    "Evaluate a generative model (.keras or .onnx) against real data. Every number is "
    "reported with its sample sizes and the feature extractor's id (name + weights "
    "sha256); numbers from different extractors are not comparable."
)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate", help="FID, KID, IS, precision/recall, -log p(x) of a model",
        description=DESCRIPTION,
    )
    parser.add_argument("model", help="a .keras model, a run folder holding model.keras, an "
                        "exported .onnx sampler, a zoo entry, or a folder of images (FID "
                        "between two folders: FOLDER_A --data FOLDER_B)")
    parser.add_argument("--data", default=None,
                        help="dataset name or image folder (a zoo entry without --data runs "
                        "the entry's own protocol, the numbers of its model card)")
    parser.add_argument(
        "--metrics", default="fid",
        help="comma-separated: fid,kid,is,prd,nll,recon (default: fid); or linear_probe, "
        "anomaly (autoencoders and VAEs, see below); or memorization (see below)",
    )
    group = parser.add_argument_group(
        "memorization", "distances of -n samples to their nearest --data (training) image, in pixels "
        "and features, against those of held-out real images")
    group.add_argument("--held-out", default=None, metavar="DATA",
                       help="real images the model was not trained on (folder or dataset name; "
                       "default: a dataset name's test split, or a run folder's validation slice)")
    group.add_argument("--pairs", default=None, metavar="PATH.png",
                       help="PNG of the closest pairs, sample | nearest training image (default: "
                       "beside -o, NAME_closest_pairs.png)")
    group.add_argument("--threshold", type=float, default=0.10,
                       help="verdict: copies when more than this fraction of samples is closer than "
                       "the held-out 5th percentile (default 0.10)")
    group = parser.add_argument_group("linear_probe / anomaly")
    group.add_argument("--anomalies", default=None, help="anomaly: data of anomalous examples")
    group.add_argument("--normal-classes", default=None, metavar="LIST",
                       help="anomaly: classes of --data that are normal (e.g. 0-8); the rest are anomalies")
    group.add_argument("--false-positive-rate", type=float, default=0.05,
                       help="anomaly: report the threshold at this rate on normal data (default 0.05)")
    group.add_argument("--anomaly-samples", type=int, default=100,
                       help="anomaly: draws of z per example for a VAE's scores (default 100)")
    group.add_argument("--label-column", default=None, help="a table's column of class labels")
    parser.add_argument("-n", "--num-samples", type=int, default=1000,
                        help="generated and real samples (default: 1000); fewer real ones than "
                        "the data holds are a seeded random subset, stratified by class")
    parser.add_argument(
        "--extractor", default=None,
        help="inception_v3, identity, a zoo classifier entry (classifier_mnist5k), a .keras model or an "
        "InceptionV3 .h5 weights file (default: the data's domain classifier, else "
        "inception_v3)",
    )
    parser.add_argument("--extractor-layer", default=None,
                        help="feature layer of a generic .keras extractor")
    parser.add_argument("--extractor-sha256", default=None,
                        help="expected sha256 of the extractor's weights file")
    parser.add_argument("--split", default="test", choices=("train", "test"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--cache-dir", default=None,
                        help="folder for cached reference statistics (.npz)")
    parser.add_argument("--nll-samples", type=int, default=100,
                        help="importance samples per image for nll (default: 100)")
    parser.add_argument("--color-mode", default="auto", choices=("auto", "grayscale", "rgb"),
                        help="how a folder's images are read: auto keeps their channels (default)")
    parser.add_argument("--image-size", type=int, nargs=2, default=None, metavar=("H", "W"),
                        help="resize a folder's images (bilinear, as keras.utils.image_dataset_from_directory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("-o", "--output", default=None, metavar="PATH",
                        help="also write the JSON report to PATH (a file kerasgen wrote is "
                        "replaced, any other file is refused)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)
    return parser


def run(args, model=None):
    """Runs the command; `model` (already loaded, e.g. a zoo entry) overrides args.model."""
    from kerasgen.metrics.evaluate import FEATURE_METRICS, evaluate, parse_metrics
    from kerasgen.zoo import extractors

    check_cache_dir(args.cache_dir)
    if getattr(args, "output", None) is not None:
        from kerasgen_runtime.files import check_output_path

        check_output_path(args.output, flag="-o")  # before any work
    found = None
    if model is None:
        from kerasgen.commands.models import find_model, load_model

        found = find_model(args.model, "MODEL", images=True)  # ValueError names what was tried
        if found.entry is not None and args.data is None:
            return run_entry_protocol(found.entry, args.json, getattr(args, "output", None))
        if found.kind == "images":  # FID between two folders: MODEL's images are the samples
            model = image_folder_samples(args)
        else:
            model, found = load_model(args.model, "MODEL")
    if "memorization" in [name.strip() for name in args.metrics.split(",")]:
        from kerasgen.commands import memorization_check

        return memorization_check.run(args, model, found)
    if any(name.strip() in ("linear_probe", "anomaly") for name in args.metrics.split(",")):
        from kerasgen.commands import autoencoder_metrics

        return autoencoder_metrics.run(args, model, found)
    if args.data is None:
        raise ValueError(f"--data is required for model {args.model!r} (a dataset name or image folder)")
    subset = {}
    # The zoo's names are resolved here: a zoo classifier named by --extractor, else the
    # data's zoo judge (the metrics know only their own extractors, files and models).
    extractor = args.extractor or extractors.judge_name(args.data)
    try:
        if extractor is not None and set(parse_metrics(args.metrics)) & set(FEATURE_METRICS):
            extractor = extractors.get_extractor(extractor, args.extractor_layer,
                                                 args.extractor_sha256)
        results = evaluate(
            model,
            args.data,
            metrics=args.metrics,
            num_samples=args.num_samples,
            extractor=extractor,
            extractor_layer=args.extractor_layer,
            extractor_sha256=args.extractor_sha256,
            split=args.split,
            seed=args.seed,
            batch_size=args.batch_size,
            cache_dir=args.cache_dir,
            nll_samples=args.nll_samples,
            progress=not args.no_progress,
            color_mode=args.color_mode,
            image_size=args.image_size,
            report=subset,
        )
    except RuntimeError as error:  # e.g. extractor weights unavailable offline
        print(f"kerasgen evaluate: error: {error}", file=sys.stderr)
        return 1
    report = make_report(results, model=str(args.model), data=str(args.data), seed=args.seed,
                         real_subset=subset.get("real_subset"))
    if "judge" in subset:  # every feature metric's scale (kerasgen.metrics.scale)
        from kerasgen.metrics.scale import add_to_report

        add_to_report(report, subset["judge"])
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    write_report(report, getattr(args, "output", None))
    return 0


def image_folder_samples(args):
    """A seeded (stratified) subset of `-n` images of the folder MODEL, read as --data is."""
    from kerasgen.metrics.real_data import load_real_data

    if args.data is None:
        raise ValueError(f"--data is required to compare the image folder {args.model!r} with "
                         "(a dataset name or another image folder)")
    return load_real_data(args.model, args.split, args.num_samples, args.seed,
                          args.color_mode, args.image_size)


def write_report(report, path):
    """Writes the JSON report to `path` (`-o`), atomically, as a file kerasgen owns."""
    if path is not None:
        from kerasgen_runtime.files import write_json

        write_json(path, report)
        print(f"Wrote {path}", file=sys.stderr)


def check_cache_dir(cache_dir):
    """`--cache-dir` must be a folder (or a path one can be made at) that can be written."""
    import os

    from kerasgen_runtime.files import nearest_existing

    if cache_dir is None:
        return
    existing = nearest_existing(cache_dir)
    if not os.path.isdir(existing):
        raise ValueError(f"--cache-dir must be a folder, got {cache_dir!r} ({existing!r} is a file)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--cache-dir {cache_dir!r} is not writable ({existing!r})")


def run_entry_protocol(entry, as_json, output=None):
    """Measures a zoo entry by its recipe's protocol (the numbers of its model card)."""
    from kerasgen.zoo.evaluation import evaluate_model

    if not entry.recipe or not entry.recipe.get("evaluation"):
        raise ValueError(f"entry {entry.name!r} has no evaluation protocol in its recipe")
    metrics = evaluate_model(entry.load_model(), entry.recipe)
    report = {"entry": entry.name, "metrics": metrics}
    write_report(report, output)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"zoo entry: {entry.name}")
    for name, metric in metrics.items():
        extra = f"  extractor {metric['extractor']}" if metric.get("extractor") else ""
        print(f"{name:26s} {metric['value']:<12.6g} N={metric['n']:<6d} {metric['protocol']}{extra}")
    return 0


def make_report(results, **context):
    """One JSON-ready dict: the context (model, data, seed) and every metric's numbers."""
    extractors = sorted({r.extractor for r in results.values() if r.extractor})
    report = dict(context)
    report["extractor"] = extractors[0] if len(extractors) == 1 else extractors or None
    report["metrics"] = {name: result.to_dict() for name, result in results.items()}
    return report


def format_table(report):
    """A plain-text table with one row per number."""
    rows = [("metric", "value", "std", "N real", "N generated", "extractor")]
    for name, entry in report["metrics"].items():
        extractor = entry["extractor"] or "-"
        if "@sha256:" in extractor:  # the table shows a short hash; --json the full one
            extractor = extractor[: extractor.index("@sha256:") + 8 + 12]
        rows.append((
            name,
            f"{entry['value']:.6g}",
            "-" if entry["std"] is None else f"{entry['std']:.3g}",
            "-" if entry["num_real"] is None else str(entry["num_real"]),
            "-" if entry["num_generated"] is None else str(entry["num_generated"]),
            extractor,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    header = f"model: {report.get('model')}  data: {report.get('data')}"
    if report.get("real_subset"):
        header += f"  real: {report['real_subset']}"
    if report.get("judge"):
        from kerasgen.metrics.scale import scale_lines

        return "\n".join([header, *lines, *scale_lines(report)])
    return "\n".join([header, *lines])
