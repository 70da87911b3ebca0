"""Schedules of the KL weight beta: constant, linear warm-up or cyclical."""

import keras
from keras import ops


def check_beta(beta):
    if isinstance(beta, (int, float)) and not isinstance(beta, bool):
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        return float(beta)
    if isinstance(beta, (LinearWarmup, Cyclical)):
        return beta
    if isinstance(beta, dict):
        return keras.saving.deserialize_keras_object(beta)
    raise ValueError(
        f"beta must be a non-negative float, LinearWarmup or Cyclical, got {beta!r}"
    )


@keras.saving.register_keras_serializable(package="kerasgen")
class LinearWarmup:
    """beta rises linearly from 0 to `beta` over `warmup_steps` optimizer steps.

    Example:
    ```python
    vae = kerasgen.models.VAE(encoder, decoder, beta=kerasgen.schedules.LinearWarmup(1.0, 1000))
    ```
    """

    def __init__(self, beta=1.0, warmup_steps=1000):
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        if warmup_steps <= 0:
            raise ValueError(f"warmup_steps must be a positive int, got {warmup_steps}")
        self.beta = float(beta)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        fraction = ops.minimum(ops.cast(step, "float32") / self.warmup_steps, 1.0)
        return self.beta * fraction

    def get_config(self):
        return {"beta": self.beta, "warmup_steps": self.warmup_steps}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="kerasgen")
class Cyclical:
    """Cyclical annealing (Fu et al. 2019): in each cycle of `cycle_steps`, beta rises
    linearly over the first `ratio` of the cycle, then stays at `beta`."""

    def __init__(self, beta=1.0, cycle_steps=1000, ratio=0.5):
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        if cycle_steps <= 0:
            raise ValueError(f"cycle_steps must be a positive int, got {cycle_steps}")
        if not 0 < ratio <= 1:
            raise ValueError(f"ratio must be in (0, 1], got {ratio}")
        self.beta = float(beta)
        self.cycle_steps = int(cycle_steps)
        self.ratio = float(ratio)

    def __call__(self, step):
        position = ops.mod(ops.cast(step, "float32"), self.cycle_steps) / self.cycle_steps
        return self.beta * ops.minimum(position / self.ratio, 1.0)

    def get_config(self):
        return {"beta": self.beta, "cycle_steps": self.cycle_steps, "ratio": self.ratio}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
