"""`kerasgen evaluate MODEL --data TRAIN --metrics memorization`: did the model copy its
training images? (`kerasgen.metrics.memorization` holds the measure and its verdict rule.)

    kerasgen evaluate run/ --data shapes_train --held-out shapes_test --metrics memorization -o mem.json
    kerasgen evaluate model.keras --data photo_crops --metrics memorization

What is training and what is held out:

- `--data` is the training data: a dataset name's train split, or every image of a folder.
- `--held-out` names real images the model never saw (a folder, or a dataset name's test
  split). Without it: a dataset name's own test split; or, when MODEL is a run folder
  trained on `--data` with a validation slice (`validation_fraction` /
  `validation_per_class` in its `run.json`), that slice, rebuilt as `kerasgen fit` drew it
  (its training rows must hash to the run's `data_sha256`).

The feature space is `--extractor`'s, else the data's zoo judge, else a `DomainClassifier`
trained here on the training images' classes (seeded), else the default extractor.
The PNG of the closest pairs (sample | nearest training image, closest first) goes to
`--pairs PATH`, else beside `-o` (`NAME_closest_pairs.png`).
"""

import json
import os
import sys

import numpy as np

from kerasgen.data import folders, named_datasets, sources, value_ranges
from kerasgen.metrics.features import iter_batches
from kerasgen.metrics.memorization import DEFAULT_THRESHOLD, closest_pairs, memorization

CLASSIFIER_EPOCHS = 5
NUM_PAIRS = 16


def run(args, model, found=None):
    """Runs the check on the loaded `model` (a model, sampler, or an array of images)."""
    from kerasgen.plotting import save_image_grid
    from kerasgen_runtime.files import check_output_path

    if [name.strip() for name in args.metrics.split(",") if name.strip()] != ["memorization"]:
        raise ValueError(f"--metrics memorization is computed on its own, got {args.metrics!r}")
    if args.data is None:
        raise ValueError("--data is required for --metrics memorization (the training images)")
    threshold = getattr(args, "threshold", DEFAULT_THRESHOLD)
    pairs_path = pairs_png_path(getattr(args, "pairs", None), getattr(args, "output", None))
    if pairs_path is not None:
        check_output_path(pairs_path, flag="--pairs")  # before any work
    (train, labels), held_out, held_out_text = training_and_held_out(args, found)
    extractor, extractor_text = resolve_extractor(args, train, labels)
    generated = draw_samples(model, args.num_samples, args.seed, args.batch_size)
    results, pairs = memorization(generated, train, held_out, extractor, threshold, args.batch_size)
    report = {"model": str(args.model), "data": str(args.data), "held_out": held_out_text,
              "num_train": len(train), "seed": args.seed, "extractor": extractor_text,
              "metrics": {name: result.to_dict() for name, result in results.items()}}
    if pairs_path is not None:
        save_image_grid(pairs_path, closest_pairs(generated, train, pairs, min(NUM_PAIRS, len(generated))),
                        columns=8, scale=2)
        report["closest_pairs_png"] = pairs_path
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    if pairs_path is None:
        print("kerasgen evaluate: pass -o REPORT.json or --pairs PATH.png to write the closest pairs",
              file=sys.stderr)
    if getattr(args, "output", None) is not None:
        from kerasgen_runtime.files import write_json

        write_json(args.output, report)
        print(f"Wrote {args.output}", file=sys.stderr)
    return 0


def pairs_png_path(pairs, output):
    if pairs is not None:
        if not str(pairs).lower().endswith(".png"):
            raise ValueError(f"--pairs must be a .png path, got {pairs!r}")
        return os.fspath(pairs)
    if output is None:
        return None
    return os.path.splitext(os.fspath(output))[0] + "_closest_pairs.png"


def training_and_held_out(args, found=None):
    """`((x_train, y_train), x_held_out, text)` in [0, 1]; `text` says where each came from."""
    kind, source = sources.resolve_source(args.data)
    options = {"color_mode": args.color_mode, "image_size": args.image_size}
    if kind == "name":
        (x, y), (x_test, _) = named_datasets.load(source)
        train = (x, y)
    else:
        train = folders.from_folder(source, **_folder_options(options))
    held_out_arg = getattr(args, "held_out", None)
    if held_out_arg is not None:
        held_kind, held_source = sources.resolve_source(held_out_arg)
        if held_kind == "name":
            held_out = named_datasets.load(held_source)[1][0]
            text = f"the test split of {held_source!r}"
        else:
            held_out = folders.from_folder(held_source, **_folder_options(options))[0]
            text = f"every image of folder {held_source!r}"
    elif kind == "name":
        held_out, text = x_test, f"the test split of {source!r}"
    else:
        recorded = run_validation_split(found, source)
        if recorded is None:
            raise ValueError(
                f"--held-out is required with --data folder {args.data!r}: name a folder (or a "
                "dataset name) of real images the model was not trained on; or pass MODEL as a run "
                "folder trained on this folder with a validation slice (--set validation_fraction=0.1)")
        train, held_out, text = recorded
    return train, _subset(held_out, args.num_samples, args.seed), text


def _folder_options(options):
    return {k: (tuple(v) if k == "image_size" and v else v) for k, v in options.items()}


def _subset(x, n, seed):
    from kerasgen.data.subsets import subset_rows

    return x[subset_rows(len(x), n, None, seed)] if n < len(x) else x


def run_validation_split(found, folder):
    """`((x, y), x_validation, text)` of a run folder's recorded validation slice, or None
    when MODEL is not a run trained on `folder` with one."""
    from kerasgen.run_record import RUN_FILE, data_digest
    from kerasgen.training_data import prepare_data

    if found is None or found.kind != "run":
        return None
    path = os.path.join(os.path.dirname(found.path), RUN_FILE)
    with open(path, encoding="utf-8") as f:
        run = json.load(f)
    if run.get("data") != os.path.abspath(folder):
        return None
    if not (run.get("validation_fraction") or run.get("validation_per_class")):
        return None
    spec = {key: run.get(key) for key in ("data", "color_mode", "image_size", "validation_per_class",
                                          "validation_fraction", "seed", "preprocessing")}
    (x, y), validation = prepare_data(spec, run.get("limit"))
    if data_digest(x, y) != run.get("data_sha256"):
        raise ValueError(f"--data {folder!r} no longer holds the images the run in {path!r} trained "
                         "on (their sha256 differs from run.json's data_sha256); pass --held-out")
    held_out = validation[0]
    if spec["preprocessing"] == "signed":  # the run trained on [-1, 1]; distances are on [0, 1]
        x, held_out = value_ranges.to_unit_range(x), value_ranges.to_unit_range(held_out)
    return (x, y), held_out, f"the validation slice recorded in {path!r} ({len(held_out)} images)"


def resolve_extractor(args, train, labels):
    """`(FeatureExtractor, text)`: `--extractor`, the data's zoo judge, a classifier trained
    here on the training images' classes, else the default extractor."""
    from kerasgen.metrics.extractors import default_extractor_name
    from kerasgen.zoo import extractors

    name = args.extractor or extractors.judge_name(args.data)
    if name is not None:
        extractor = extractors.get_extractor(name, args.extractor_layer, args.extractor_sha256)
        return extractor, extractor.extractor_id
    if labels is not None and len(np.unique(labels)) > 1:
        from kerasgen.metrics.domain_classifier import train_domain_classifier

        classifier = train_domain_classifier(train, labels, epochs=CLASSIFIER_EPOCHS, seed=args.seed)
        extractor = classifier.feature_extractor()
        return extractor, (f"{extractor.extractor_id} (a DomainClassifier trained here on the "
                           f"{len(train)} training images' {len(np.unique(labels))} classes, "
                           f"{CLASSIFIER_EPOCHS} epochs, seed {args.seed})")
    extractor = extractors.get_extractor(default_extractor_name(args.data, train.shape[1:]))
    return extractor, extractor.extractor_id


def draw_samples(model, num_samples, seed, batch_size):
    """`num_samples` samples in [0, 1] (seeded); an array (a folder's images) is used as is."""
    if isinstance(model, np.ndarray):
        return model.astype("float32")
    return np.concatenate(list(iter_batches(model, num_samples, batch_size, seed)))[:num_samples]


def format_report(report):
    lines = [f"model: {report['model']}  training data: {report['data']} ({report['num_train']} images)",
             f"held out: {report['held_out']}", f"extractor: {report['extractor']}",
             "distance to the nearest training image:",
             f"  {'space':8s} {'N gen':>6s} {'median':>9s} {'5th pct':>9s} {'N held':>6s} "
             f"{'median':>9s} {'5th pct':>9s} {'gen < held 5th pct':>18s} {'gen < held min':>14s} "
             f"{'of those, nearer train (chance)':>31s}"]
    for space in ("pixel", "feature"):
        entry = report["metrics"].get(f"memorization_{space}")
        if entry is None:
            continue
        d = entry["details"]
        lines.append(f"  {space:8s} {entry['num_generated']:6d} {d['generated_median']:9.4g} "
                     f"{d['generated_q05']:9.4g} {entry['num_real']:6d} {d['held_out_median']:9.4g} "
                     f"{d['held_out_q05']:9.4g} {entry['value']:18.1%} {d['below_held_out_min']:14d} "
                     f"{d['close_nearer_train']:22.1%} ({d['close_nearer_train_chance']:.0%})")
    verdict = report["metrics"]["memorization"]["details"]
    lines += [f"verdict: {verdict['verdict']}", f"rule: {verdict['rule']}"]
    if report.get("closest_pairs_png"):
        lines.append(f"closest pairs (sample | nearest training image): {report['closest_pairs_png']}")
    return "\n".join(lines)
