"""What the training autopilot measures: FID of a model's samples against held-out real
images, class coverage and sample diversity (`SelectionJudge`), and the judge of a run
(`run_judge`: the data's domain classifier, trained on the training split, or a named
extractor)."""

import math
import os
import warnings

import keras
import numpy as np
from kerasgen_runtime.files import atomic_path, sha256_file, written_by_kerasgen

from kerasgen import mode_coverage
from kerasgen.metrics.domain_classifier import train_domain_classifier
from kerasgen.metrics.extractors import EXTRACTORS, get_extractor
from kerasgen.metrics.frechet import frechet_distance_from_features

JUDGE_FILE = "autopilot-judge.keras"  # the domain classifier a run trains, in its folder
MAX_SAMPLES = 2000  # samples per evaluation (and held-out images used), at most


class SelectionJudge:
    """Scores a generative model's samples against held-out real images.

    Each `measure` draws `num_samples` samples with the same seed (so two evaluations
    differ only by the model), and returns their FID against the held-out images
    under `extractor`, their diversity (mean distance of random pairs, over the held-out
    images'), and, with a `classifier`, the classes covered (at least one sample).
    FID's covariance is rank-deficient when `num_samples` is not above the feature size:
    the number is then biased upwards, by the same amount at every evaluation (its
    RuntimeWarning is not repeated each time).

    Args:
        held_out: `(N, H, W, C)` real images in `value_range`, never trained on.
        value_range: `(low, high)` of `held_out`.
        extractor: a `kerasgen.metrics.FeatureExtractor` (images in [0, 1]) for FID.
        classifier: a `FeatureExtractor` with class probabilities (coverage), or None.
        seed: seed of the latents drawn at every evaluation.
        num_samples: samples per evaluation (default: the held-out images, at most 2,000).

    Example:
    ```python
    extractor = kerasgen.metrics.train_domain_classifier(x_unit, y).feature_extractor()
    judge = kerasgen.callbacks.SelectionJudge(x_held_out, (0.0, 1.0), extractor, extractor)
    print(judge.measure(vae))  # {"fid": ..., "diversity": ..., "classes_covered": ...}
    ```
    """

    def __init__(self, held_out, value_range, extractor, classifier=None, seed=0, num_samples=None):
        held_out = np.asarray(held_out, dtype="float32")
        if held_out.ndim != 4 or len(held_out) < 2:
            raise ValueError(f"held_out must be at least 2 images (N, H, W, C), got shape {held_out.shape}")
        self.num_samples = int(num_samples or min(len(held_out), MAX_SAMPLES))
        held_out = held_out[: MAX_SAMPLES] if len(held_out) > MAX_SAMPLES else held_out
        self.value_range = tuple(value_range)
        self.extractor = extractor
        self.classifier = classifier
        self.seed = int(seed)
        self.real_features = extractor(to_unit(held_out, self.value_range))
        self.real_diversity = mode_coverage.diversity(held_out, seed=self.seed)
        self.num_held_out = len(held_out)

    def measure(self, model):
        """`{"fid", "diversity"[, "classes_covered", "num_classes"]}` of `model`'s samples."""
        samples = np.asarray(model.sample(self.num_samples, seed=self.seed), dtype="float32")
        if not np.all(np.isfinite(samples)):
            return {"fid": math.inf, "diversity": 0.0}  # a diverged model is never the best
        unit = to_unit(samples, model.output_range)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rank-deficient: the same N each time
            fid = frechet_distance_from_features(self.real_features, self.extractor(unit)).value
        stats = {"fid": float(fid),
                 "diversity": mode_coverage.diversity(samples, seed=self.seed) / max(self.real_diversity, 1e-12)}
        if self.classifier is not None:
            coverage = mode_coverage.class_coverage(self.classifier.extract(unit)[1])
            stats.update(classes_covered=coverage["classes_covered"], num_classes=coverage["num_classes"])
        return stats


def to_unit(images, value_range):
    """Images from `value_range` to [0, 1] (clipped: a decoder's mean may overshoot)."""
    low, high = value_range if value_range and value_range[0] is not None else (0.0, 1.0)
    return np.clip((np.asarray(images, dtype="float32") - low) / (high - low), 0.0, 1.0)


def run_judge(out, spec, x, y, held_out, value_range, resumed=None):
    """`(judge, record)` of a run: FID under the spec's named extractor, or under the
    data's domain classifier trained on the training rows `x, y` only (saved as
    `JUDGE_FILE` in `out`, reloaded by a resumed run from `resumed`, the checkpoint's
    `{"file", "sha256"}` record of it, after checking its sha256), which also counts
    the classes covered. Refuses data without classes and without a named extractor."""
    settings = spec["autopilot"]
    name = settings.get("extractor")
    if x.ndim != 4:
        raise ValueError(f"--select-by fid applies to images, got data {spec['data']!r} of shape "
                         f"{tuple(x.shape[1:])} per example")
    labelled = y is not None and np.ndim(y) == 1 and np.all(np.asarray(y) >= 0)
    if name is None and not labelled:
        raise ValueError(
            f"--select-by fid needs a feature extractor: data {spec['data']!r} has no classes to "
            f"train one on (a folder needs one sub-folder per class); name one with "
            f"--select-extractor (one of {sorted(EXTRACTORS)}, or a .keras classifier file)")
    record, classifier = {}, None
    if labelled:
        classifier, record = domain_classifier(out, x, y, value_range, spec.get("seed", 0), resumed,
                                               settings.get("judge_epochs", 5))
    if name is None:
        extractor = classifier
    else:
        try:
            extractor = get_extractor(name)
        except (ValueError, OSError) as error:
            raise ValueError(f"--select-extractor {name!r} is not usable: {error}") from error
        record["extractor"] = extractor.extractor_id
    judge = SelectionJudge(held_out[0], value_range, extractor, classifier, seed=spec.get("seed", 0))
    if classifier is not None and held_out[1] is not None:
        probabilities = classifier.extract(to_unit(held_out[0], value_range))[1]
        record["held_out_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == held_out[1]))
    return judge, record


def domain_classifier(out, x, y, value_range, seed, resumed, epochs):
    """`(extractor, record)`: the run's `DomainClassifier` (trained, or the resumed run's file)."""
    path = os.path.join(out, JUDGE_FILE)
    if resumed:
        if not (os.path.isfile(path) and sha256_file(path) == resumed.get("sha256")):
            raise ValueError(f"--resume: the autopilot's classifier {path!r} is missing or damaged "
                             "(sha256 mismatch); pass --overwrite to start again")
        model = keras.saving.load_model(path, safe_mode=True)
    else:
        if os.path.exists(path) and not written_by_kerasgen(path):
            raise ValueError(f"--out holds {JUDGE_FILE} that kerasgen did not write; move it away")
        model = train_domain_classifier(to_unit(x, value_range), y, epochs=epochs, seed=seed)
        with atomic_path(path) as tmp:
            model.save(tmp)
        keras.utils.set_random_seed(seed)  # as before the classifier drew its numbers
    record = {"file": JUDGE_FILE, "sha256": sha256_file(path), "num_train": int(len(x)),
              "extractor": f"{JUDGE_FILE} (DomainClassifier trained on the training split)"}
    return model.feature_extractor(), record
