import warnings

import keras
import numpy as np

from kerasgen import mode_coverage
from kerasgen.callbacks.epoch_cadence import check_every, cost_of, is_due
from kerasgen.models.generative_model import predict_in_batches


class ModeCollapseMonitor(keras.callbacks.Callback):
    """Measures mode coverage of a generative model's samples every `every` epochs.

    For 2-D mixtures (`mixture="ring8"`, `"grid25"` or `(modes, std)`) it logs the
    PacGAN / VEEGAN protocol: `modes_captured`, `high_quality_fraction` and
    `mode_kl` (reverse KL of the mode histogram to uniform). For labelled images
    (`classifier=`, a callable returning class probabilities) it logs
    `classes_covered` and `class_kl`. With `reference` data it also logs
    `diversity_ratio`: the mean distance between random pairs of samples over the
    same for the reference data (about 1 for a healthy generator, near 0 collapsed).

    It warns when coverage falls below its best value so far, or when the diversity
    ratio falls below `diversity_threshold` (or below `diversity_drop` times its best
    value so far: varied samples drifting to one look); `self.collapsed` is then True
    and with `stop_training=True` training stops.

    Args:
        mixture: a 2-D mixture name or `(modes, std)`, or None.
        classifier: a callable mapping generated samples to `(N, K)` probabilities,
            or None.
        classifier_range: the `(low, high)` range the classifier expects; samples are
            rescaled from the model's `output_range` into it. None: no rescaling.
        reference: real samples for the diversity ratio, or None.
        num_samples: samples generated per measurement (2,500 in the protocol).
        every: measure every N epochs and after the last (`fit`'s `epochs`, or an
            epoch after which an earlier callback stopped training); or a
            `kerasgen.callbacks.EpochCadence` that decides. Other epochs' logs
            lack the monitor's keys.
        seed: seed of the latents, fixed so measurements are comparable.
        diversity_threshold: warn below this diversity ratio (0: never).
        diversity_drop: warn when the ratio falls below this fraction of its best
            value so far (an untrained generator's samples are alike, so a fixed
            threshold also fires on the first epochs); None: never.
        stop_training: stop `fit` when collapse is detected.

    Example:
    ```python
    monitor = kerasgen.callbacks.ModeCollapseMonitor(mixture="ring8", reference=x[:2500])
    gan.fit(x, epochs=20, callbacks=[monitor])
    print(monitor.history[-1]["modes_captured"])

    # Labelled images: a digit classifier (trained on [0, 1] images) counts classes.
    classifier = kerasgen.metrics.train_domain_classifier(x_unit, y)
    monitor = kerasgen.callbacks.ModeCollapseMonitor(
        classifier=classifier, classifier_range=(0.0, 1.0), every=5)
    dcgan.fit(x_signed, epochs=50, callbacks=[monitor])
    ```
    """

    def __init__(
        self,
        mixture=None,
        classifier=None,
        classifier_range=None,
        reference=None,
        num_samples=2500,
        every=1,
        seed=0,
        diversity_threshold=0.5,
        diversity_drop=None,
        stop_training=False,
    ):
        super().__init__()
        if mixture is None and classifier is None and reference is None:
            raise ValueError(
                "ModeCollapseMonitor needs mixture, classifier or reference data, got none of them"
            )
        if mixture is not None:
            mode_coverage._mixture(mixture)  # validates early
        if classifier is not None and not callable(classifier):
            raise ValueError(f"classifier must be callable (a keras.Model), got {classifier!r}")
        check_every(every)
        self.mixture = mixture
        self.classifier = classifier
        self.classifier_range = classifier_range
        self.reference_diversity = None
        if reference is not None:
            self.reference_diversity = mode_coverage.diversity(reference, seed=seed)
        self.num_samples = num_samples
        self.every = every
        self.seed = seed
        self.diversity_threshold = diversity_threshold
        self.diversity_drop = diversity_drop
        self._best_diversity = None
        self.stop_training = stop_training
        self.history = []
        self.warnings = []
        self.collapsed = False
        self._best_coverage = None

    def measure(self, model):
        """One measurement of `model` as a dict (also what is appended to `history`)."""
        samples = model.sample(self.num_samples, seed=self.seed)
        stats = {}
        if self.mixture is not None:
            result = mode_coverage.mixture_coverage(samples, self.mixture)
            stats.update(
                modes_captured=result["modes_captured"],
                high_quality_fraction=result["high_quality_fraction"],
                mode_kl=result["reverse_kl"],
                coverage=result["modes_captured"],
            )
        if self.classifier is not None:
            images = self._rescale(samples, model.output_range)
            if isinstance(self.classifier, keras.Model):  # batched, inference mode
                probabilities = predict_in_batches(self.classifier, images)
            else:
                probabilities = keras.ops.convert_to_numpy(self.classifier(images))
            result = mode_coverage.class_coverage(probabilities)
            stats.update(
                classes_covered=result["classes_covered"],
                class_kl=result["reverse_kl"],
                coverage=result["classes_covered"],
            )
        if self.reference_diversity is not None:
            ratio = mode_coverage.diversity(samples, seed=self.seed) / max(self.reference_diversity, 1e-12)
            stats["diversity_ratio"] = ratio
        return stats

    def on_epoch_end(self, epoch, logs=None):
        if not is_due(self, self.every, epoch):
            return
        with cost_of(self.every):
            self.check(epoch, logs)

    def check(self, epoch, logs):
        """Measures the model after `epoch` (0-based), logs and warns."""
        stats = self.measure(self.model)
        stats["epoch"] = epoch + 1
        self.history.append(stats)
        if logs is not None:
            logs.update({k: v for k, v in stats.items() if k not in ("epoch", "coverage")})
        problems = []
        coverage = stats.get("coverage")
        if coverage is not None:
            if self._best_coverage is not None and coverage < self._best_coverage:
                problems.append(f"coverage dropped from {self._best_coverage} to {coverage} modes/classes")
            self._best_coverage = max(coverage, self._best_coverage or 0)
        ratio = stats.get("diversity_ratio")
        if ratio is not None and self.diversity_drop is not None and self._best_diversity is not None \
                and ratio < self.diversity_drop * self._best_diversity:
            problems.append(f"sample diversity fell to {ratio:.2f} of the real data's, from "
                            f"{self._best_diversity:.2f} at best")
        if ratio is not None:
            self._best_diversity = max(ratio, self._best_diversity or 0.0)
        if ratio is not None and ratio < self.diversity_threshold:
            problems.append(
                f"sample diversity is {ratio:.2f} of the real data's (< {self.diversity_threshold})"
            )
        if problems:
            message = f"Mode collapse at epoch {epoch + 1}: " + "; ".join(problems) + (
                ". Try packing (GAN(packing=4)), a lower learning rate, or more discriminator steps."
            )
            self.collapsed = True
            self.warnings.append(message)
            warnings.warn(message, stacklevel=2)
            if self.stop_training:
                self.model.stop_training = True

    def _rescale(self, samples, output_range):
        if self.classifier_range is None or output_range[0] is None:
            return samples
        (low, high), (new_low, new_high) = output_range, self.classifier_range
        return (np.asarray(samples) - low) / (high - low) * (new_high - new_low) + new_low
