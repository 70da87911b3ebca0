"""`kerasgen evaluate MODEL --metrics linear_probe,anomaly`: what autoencoders are for.

    kerasgen evaluate model.keras --metrics linear_probe --data mnist5k
    kerasgen evaluate model.keras --metrics anomaly --data NORMAL --anomalies OTHER
    kerasgen evaluate model.keras --metrics anomaly --data mnist5k --normal-classes 0-8

`linear_probe` trains on the data's training split and scores its test split (a file or
folder: a seeded stratified 25% test split). `anomaly` scores `--data` (normal: a
dataset name's or bundled table's test split, every row of a file or folder) against every row of
`--anomalies`, or, with `--normal-classes`, the other classes of `--data` as anomalies.
"""

import json

import numpy as np

from kerasgen.data import sources
from kerasgen.data.tables import is_bundled, is_table_path
from kerasgen.metrics.anomaly import anomaly_report
from kerasgen.metrics.linear_probe import linear_probe

METRICS = ("linear_probe", "anomaly")


def parse_classes(text):
    """`"0-8"` or `"0,2,5"` -> a sorted list of ints."""
    classes = set()
    try:
        for part in str(text).split(","):
            low, sep, high = part.partition("-")
            classes.update(range(int(low), int(high) + 1) if sep else [int(low)])
    except ValueError:
        raise ValueError(f"--normal-classes must be ints and ranges like 0-8 or 0,2,5, got {text!r}") from None
    return sorted(classes)


def run(args, model, found=None):
    """Runs `kerasgen evaluate --metrics linear_probe,anomaly` on the loaded `model`
    (imported by `kerasgen.commands.evaluate.run` only, so its imports are at the top);
    a table is read with the options the model was trained with (`found`: where it came
    from, `kerasgen.commands.models.Resolved`)."""
    names = [name.strip() for name in args.metrics.split(",") if name.strip()]
    unknown = sorted(set(names) - set(METRICS))
    if unknown:
        raise ValueError(f"--metrics {', '.join(METRICS)} are computed on their own, got also {unknown}")
    if args.data is None:
        raise ValueError(f"--data is required for --metrics {args.metrics}")
    columns = getattr(model, "columns", None)
    options = {"columns": columns, "seed": args.seed,
               **sources.recorded_table_options(found, args.data, args.label_column)}
    report = {"model": str(args.model), "data": str(args.data), "seed": args.seed, "metrics": {}}
    if "linear_probe" in names:
        report["metrics"]["linear_probe"] = linear_probe(model, *sources.load_splits(args.data, **options),
                                                         seed=args.seed)
    if "anomaly" in names:
        normal, anomalies = anomaly_data(args, sources, options, found)
        report["metrics"]["anomaly"] = anomaly_report(
            model, normal, anomalies, args.false_positive_rate,
            num_samples=args.anomaly_samples, seed=args.seed)
    print(json.dumps(report, indent=2) if args.json else format_report(report, args.false_positive_rate))
    return 0


def anomaly_data(args, sources, options, found):
    """`(x_normal, x_anomalies)` from `--data` / `--anomalies` / `--normal-classes`."""
    # A dataset name or bundled table: its test split (its other rows may have trained the model).
    named = not is_table_path(args.data) and sources.resolve_source(args.data)[0] == "name"
    if named or is_bundled(args.data):
        x, y = sources.load_split(args.data, "test", **options)
    else:
        x, y = sources.load_examples(args.data, options["columns"], options["label_column"],
                                     impute=options["impute"])
    if args.normal_classes is not None:
        if args.anomalies is not None:
            raise ValueError("pass --anomalies OTHER or --normal-classes, not both")
        if y is None:
            raise ValueError(f"--normal-classes needs labelled data, got {args.data!r} without labels")
        normal = np.isin(y, parse_classes(args.normal_classes))
        if normal.all() or not normal.any():
            raise ValueError(f"--normal-classes {args.normal_classes} must leave both normal and "
                             f"anomalous examples in {args.data!r} (classes {sorted(set(y.tolist()))})")
        return x[normal], x[~normal]
    if args.anomalies is None:
        raise ValueError("--metrics anomaly needs --anomalies OTHER (data) or --normal-classes LIST")
    recorded = sources.recorded_table_options(found, args.anomalies, args.label_column)
    anomalies, _ = sources.load_examples(args.anomalies, options["columns"], recorded["label_column"],
                                         impute=options["impute"])
    return x, anomalies


def format_report(report, false_positive_rate):
    lines = [f"model: {report['model']}  data: {report['data']}"]
    probe = report["metrics"].get("linear_probe")
    if probe:
        lines.append(f"linear probe (logistic regression, test accuracy, {probe['num_train']} train / "
                     f"{probe['num_test']} test): code ({probe['code_dim']} dims) {probe['code']:.4f}, "
                     f"PCA ({probe['code_dim']} dims) {probe['pca']:.4f}, raw ({probe['raw_dim']} dims) {probe['raw']:.4f}")
    for method, result in report["metrics"].get("anomaly", {}).items():
        lines.append(f"anomaly {method}: AUROC {result['auroc']:.4f}; at FPR {false_positive_rate:g}: "
                     f"threshold {result['threshold']:.6g}, detects {result['detection_rate']:.4f} "
                     f"({result['num_normal']} normal, {result['num_anomalies']} anomalies)")
    return "\n".join(lines)
