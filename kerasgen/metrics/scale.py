"""The scale of every feature metric, measured in the same run as the metric.

A FID of 0.0083 means nothing alone: under a judge that cannot see the data it is as
small as a blurred copy's. So each FID / KID / IS / precision-recall number comes with
- the **real-vs-real floor**: the metric between the real images and other real images
  of the same data, at the same N where the data holds them (`floor_images`);
- **trivially bad baselines** (`BASELINES`): the real images blurred (block means over
  `BLUR_FACTOR` x `BLUR_FACTOR` pixels) and their per-pixel mean image repeated;
- the **judge's own quality** (`judge_quality`): a classifier's accuracy on labelled
  real images, or what the extractor is (InceptionV3, raw pixels).

A judge is **weak** for a metric when a trivial baseline scores within `SEPARATION`
times the floor's distance from a perfect score (`separated`), or when it is a
classifier whose accuracy is near chance (`near_chance`). Its number is then not a
verdict: `verdict` says why in one line, and the CLI prints that line.
"""

import numpy as np

# A trivial baseline must score at least this many times further from a perfect score
# than the real-vs-real floor does, or the judge cannot tell the data from it.
SEPARATION = 2.0
BLUR_FACTOR = 4
# higher-is-better metrics: the worst possible value (what "perfect" is measured from);
# lower-is-better ones (fid, kid) have 0 as their perfect score.
HIGHER_IS_BETTER = {"is": 1.0, "precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}
# A classifier judge is near chance when its accuracy is below halfway from chance
# (1 / classes) to perfect: 0.67 for 3 classes, 0.55 for 10.
CHANCE_MARGIN = 0.5


def blurred(images, factor=BLUR_FACTOR):
    """Each image replaced by its `factor` x `factor` block means (edges padded)."""
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        return images.copy()  # points: no pixels to blur
    n, height, width, channels = images.shape
    pad_h, pad_w = -height % factor, -width % factor
    padded = np.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    blocks = padded.reshape(n, (height + pad_h) // factor, factor, (width + pad_w) // factor,
                            factor, channels).mean(axis=(2, 4))
    upsampled = np.repeat(np.repeat(blocks, factor, axis=1), factor, axis=2)
    return np.ascontiguousarray(upsampled[:, :height, :width])


def mean_image(images):
    """The per-pixel mean of `images`, repeated once per image."""
    images = np.asarray(images, dtype="float32")
    return np.ascontiguousarray(np.broadcast_to(images.mean(axis=0), images.shape))


BASELINES = {
    f"blurred {BLUR_FACTOR}x{BLUR_FACTOR}": blurred,
    "mean image": mean_image,
}


def separated(name, floor, baselines):
    """`(True, None)` if every baseline scores at least `SEPARATION` times further from a
    perfect score than the floor, else `(False, reason)`."""
    if name in HIGHER_IS_BETTER:
        # real images define "perfect" here: the floor's distance is to the worst value
        worst = HIGHER_IS_BETTER[name]
        needed = (floor - worst) / SEPARATION
        for baseline, value in baselines.items():
            if floor - value < needed:
                return False, (f"the trivial baseline '{baseline}' scores {name} {value:.4g}, "
                               f"not below half the real-vs-real floor's {floor:.4g} "
                               f"(measured from {worst:g})")
        return True, None
    limit = SEPARATION * max(floor, 0.0)
    for baseline, value in baselines.items():
        if value <= limit:
            return False, (f"the trivial baseline '{baseline}' scores {name} {value:.4g}, within "
                           f"{SEPARATION:g}x the real-vs-real floor {floor:.4g}")
    return True, None


def near_chance(accuracy, num_classes):
    """True when `accuracy` is below `CHANCE_MARGIN` of the way from chance to 1."""
    chance = 1.0 / num_classes
    return accuracy < chance + CHANCE_MARGIN * (1.0 - chance)


def judge_quality(extractor, real, labels=None, batch_size=256, probabilities=None):
    """What the extractor is and how good it is on this data, as a dict with `kind`,
    `text` (one line), and for a classifier with labelled real images `accuracy`,
    `num_images`, `num_classes`, `chance` and `weak`."""
    name = getattr(extractor, "name", str(extractor))
    if getattr(extractor, "network", None) is None:
        return {"kind": "identity", "weak": False,
                "text": "identity: raw pixels, no learned features (they see colour and "
                        "position, not shape); only the baseline rows tell what it can separate"}
    if name.startswith("inception_v3"):
        return {"kind": "inception_v3", "weak": False,
                "text": f"{name}: ImageNet InceptionV3, not trained on this data (its accuracy "
                        "here is not measurable); only the baseline rows tell what it separates"}
    if not extractor.has_probabilities:
        return {"kind": "features", "weak": False,
                "text": f"{name}: a model's feature layer, quality not measured"}
    if probabilities is None:
        _, probabilities = extractor.extract(real, batch_size)
    num_classes = int(probabilities.shape[1])
    if labels is None:
        return {"kind": "classifier", "weak": False, "num_classes": num_classes,
                "text": f"{name}: a {num_classes}-class classifier; accuracy not measured "
                        "(the real data has no class labels)"}
    labels = np.asarray(labels)
    if labels.max() >= num_classes:
        return {"kind": "classifier", "weak": True, "num_classes": num_classes,
                "text": f"{name}: a {num_classes}-class classifier, but the data has "
                        f"{int(labels.max()) + 1} classes: it was not trained on this data"}
    accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    weak = near_chance(accuracy, num_classes)
    chance = 1.0 / num_classes
    text = (f"{name}: accuracy {accuracy:.3f} on {len(labels)} labelled real images, "
            f"{num_classes} classes (chance {chance:.3f})")
    if weak:
        text += (f": near chance (below {chance + CHANCE_MARGIN * (1 - chance):.3f}, halfway "
                 "from chance to 1)")
    return {"kind": "classifier", "weak": weak, "accuracy": accuracy,
            "num_images": int(len(labels)), "num_classes": num_classes, "chance": chance,
            "text": text}


def measure(score, extractor, real, floor, labels=None, batch_size=256, real_features=None,
            seed=0, floor_note=None):
    """The scale of every metric `score` gives.

    Args:
        score: `(features, probabilities, reference=None) -> {name: MetricResult}`: the
            metrics of a set of images against the real reference (as for the generated
            images), or against the real features `reference`.
        extractor: the `FeatureExtractor` of the metrics.
        real: the real reference images (the baselines are made from them).
        floor: other real images of the same data (`floor_images`), or None: the floor is
            then measured between two seeded halves of `real`, at half the N.
        labels: class labels of `real`, or None.
        real_features: `(features, probabilities)` of `real` if already extracted.
        floor_note: where the floor images came from, if not the reference's own source.

    Returns:
        `(scales, quality)`: `{metric: {"floor", "num_floor", "baselines", "separated",
        "verdict"}}` and `judge_quality`'s dict.
    """
    def run(images):
        return score(*extractor.extract(images, batch_size))

    if real_features is None or (extractor.has_probabilities and real_features[1] is None):
        real_features = extractor.extract(real, batch_size)
    quality = judge_quality(extractor, real, labels, batch_size, real_features[1])
    if floor is None:
        order = np.random.default_rng(seed).permutation(len(real))
        first, second = order[: len(real) // 2], order[len(real) // 2 :]
        features, probabilities = real_features
        floors = score(features[second], None if probabilities is None else probabilities[second],
                       reference=features[first])
        num_floor = len(second)
        floor_note = (f"{floor_note}; so measured between two seeded halves of the reference "
                      f"({len(first)} vs {len(second)} images): at a smaller N, where FID's "
                      "bias is larger")
    else:  # shuffled: IS splits its rows in order, and real rows may be sorted by class
        floor = floor[np.random.default_rng(seed).permutation(len(floor))]
        floors, num_floor = run(floor), len(floor)
    shuffled = real[np.random.default_rng(seed + 1).permutation(len(real))]
    baselines = {name: run(make(shuffled)) for name, make in BASELINES.items()}
    scales = {}
    for name, result in floors.items():
        values = {b: float(results[name].value) for b, results in baselines.items()}
        ok, reason = separated(name, float(result.value), values)
        if quality["weak"]:
            verdict = "weak judge: " + quality["text"]
        elif not ok:
            verdict = "weak judge: " + reason
        else:
            verdict = "ok"
        scales[name] = {"floor": float(result.value), "num_floor": int(num_floor),
                        "baselines": values, "separated": ok, "verdict": verdict}
        if floor_note:
            scales[name]["floor_note"] = floor_note
    return scales, quality


def attach(results, scales):
    """`results` with each `MetricResult`'s scale in `details["scale"]`."""
    import dataclasses

    return {name: dataclasses.replace(result, details={**result.details, "scale": scales[name]})
            if name in scales else result for name, result in results.items()}


def floor_rows(total, used_rows, n, labels=None, seed=0):
    """Rows of a seeded (stratified) subset of up to `n` rows not in `used_rows`."""
    from kerasgen.data.subsets import subset_rows

    rest = np.setdiff1d(np.arange(total), np.asarray(used_rows))
    if len(rest) == 0:
        return rest
    rest_labels = None if labels is None else np.asarray(labels)[rest]
    return rest[subset_rows(len(rest), min(n, len(rest)), rest_labels, seed + 1)]


def floor_images(data, split, num_samples, seed, color_mode, image_size, subset):
    """`(images, note)`: real images of `data` other than the reference ones, up to
    `num_samples` of them (a seeded stratified subset), for the real-vs-real floor.

    `subset` is the dict `load_real_data` filled (`real_rows`, `real_total`). A dataset
    name's split that holds no others gives its other split's; an image folder or array
    that holds no others gives `(None, reason)`: the floor is then measured between two
    halves of the reference images (`measure`).
    """
    import os

    from kerasgen.data import image_files, subsets

    rows, total = subset.get("real_rows"), subset.get("real_total")
    if rows is None:
        return None, "the real images are an array: no other real images to compare with"
    labels = subset.get("all_labels")
    if isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
        others = floor_rows(total, rows, num_samples, labels, seed)
        if len(others) == 0:
            return None, f"the folder holds {total} images, all of them in the reference"
        files, _, _ = image_files.list_images(os.fspath(data))
        color_mode = subset.get("color_mode", color_mode)  # what the reference was read as
        image_size = image_files.check_image_options(color_mode, image_size)
        return image_files.load_images([files[i] for i in others], image_size, color_mode), None
    from kerasgen.metrics.real_data import _dataset_images

    x, labels = _dataset_images(data, split)
    others = floor_rows(len(x), rows, num_samples, labels, seed)
    if len(others) > 0:
        return x[others], None
    other_split = "train" if split == "test" else "test"
    x, labels = _dataset_images(data, other_split)
    return x[subsets.subset_rows(len(x), min(num_samples, len(x)), labels, seed + 1)], (
        f"from the {other_split} split (the {split} split is all in the reference)")


def of_run(score, extractor, real, data, split, num_samples, seed, color_mode, image_size,
           subset, batch_size=256, real_features=None):
    """`measure` for one `kerasgen.metrics.evaluate` run: the floor images are other real
    images of `data` (`floor_images`); `subset` is what `load_real_data` recorded."""
    floor, note = floor_images(data, split, num_samples, seed, color_mode, image_size, subset)
    if floor is not None and len(floor) < 2:
        floor, note = None, "only one other real image"
    rows, labels = subset.get("real_rows"), subset.get("all_labels")
    real_labels = None if rows is None or labels is None else np.asarray(labels)[rows]
    return measure(score, extractor, real, floor, real_labels, batch_size, real_features,
                   seed, note)


def add_to_report(report, quality):
    """Puts the judge's quality and each metric's `verdict` into an evaluate report."""
    report["judge"] = quality
    for entry in report["metrics"].values():
        scale = entry.get("details", {}).get("scale")
        if scale is not None:
            entry["verdict"] = scale["verdict"]


def scale_lines(report):
    """The lines printed under the metrics table: the judge, each metric's floor and
    baselines, and one line per weak verdict."""
    lines = [f"judge: {report['judge']['text']}"]
    weak = []
    for name, entry in report["metrics"].items():
        scale = entry.get("details", {}).get("scale")
        if scale is None:
            continue
        baselines = ", ".join(f"{b} {v:.4g}" for b, v in scale["baselines"].items())
        lines.append(f"  {name} {entry['value']:.4g}: real-vs-real floor {scale['floor']:.4g} "
                     f"(N={scale['num_floor']}), trivial baselines: {baselines}")
        if scale.get("floor_note") and f"  floor: {scale['floor_note']}" not in lines:
            lines.append(f"  floor: {scale['floor_note']}")
        if scale["verdict"] != "ok":
            weak.append(f"{name}: {scale['verdict']}")
    if report["judge"].get("weak"):
        lines.append(f"weak judge: {report['judge']['text']}; the numbers above are not a "
                     "verdict on the model")
    else:
        lines.extend(f"{line}; not a verdict on the model" for line in weak)
    return lines
