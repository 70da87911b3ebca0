"""One reported number together with what it was computed from."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class MetricResult:
    """A metric value with its sample sizes and the identity of the feature extractor.

    FID on 500 samples is not FID on 50,000, and FID with ImageNet features is not FID
    with a domain classifier's features, so every number kerasgen reports carries both.
    Ordering two results (`<`, `>`, ...) raises a `ValueError` unless they are the same
    metric from the same extractor.

    Args:
        name: metric name, e.g. `"fid"`.
        value: the number (a float).
        num_real: number of real samples (or `None` if the metric uses none, e.g. IS).
        num_generated: number of generated samples (or `None`).
        extractor: the extractor id `"name@sha256:<hex>"`, or `None` for metrics
            computed without one (e.g. -log p(x)).
        std: spread over subsets / splits where the metric defines one, else `None`.
        details: other settings that define the number (k, subset size, splits, ...).

    Example:
    ```python
    result = kerasgen.metrics.frechet_distance_from_features(real, fake)
    print(result.value, result.num_real, result.extractor)
    ```
    """

    name: str
    value: float
    num_real: int = None
    num_generated: int = None
    extractor: str = None
    std: float = None
    details: dict = dataclasses.field(default_factory=dict)

    def __float__(self):
        return float(self.value)

    def to_dict(self):
        return {
            "value": float(self.value),
            "std": None if self.std is None else float(self.std),
            "num_real": self.num_real,
            "num_generated": self.num_generated,
            "extractor": self.extractor,
            **({"details": dict(self.details)} if self.details else {}),
        }

    def __str__(self):
        spread = "" if self.std is None else f" +- {self.std:.4g}"
        return (
            f"{self.name}={self.value:.6g}{spread} (num_real={self.num_real}, "
            f"num_generated={self.num_generated}, extractor={self.extractor})"
        )

    def _comparable_value(self, other):
        if not isinstance(other, MetricResult):
            raise ValueError(
                f"other must be a MetricResult to compare with {self.name}, got "
                f"{type(other).__name__}"
            )
        if other.name != self.name:
            raise ValueError(f"cannot compare metric {self.name!r} with {other.name!r}")
        if other.extractor != self.extractor:
            raise ValueError(
                f"cannot compare {self.name} values from different extractors: "
                f"{self.extractor!r} vs {other.extractor!r}"
            )
        return float(other.value)

    def __lt__(self, other):
        return float(self.value) < self._comparable_value(other)

    def __le__(self, other):
        return float(self.value) <= self._comparable_value(other)

    def __gt__(self, other):
        return float(self.value) > self._comparable_value(other)

    def __ge__(self, other):
        return float(self.value) >= self._comparable_value(other)
