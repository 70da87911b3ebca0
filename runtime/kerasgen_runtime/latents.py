"""Prior noise drawn on the host with a seeded NumPy generator (NumPy only).

Keras models, exported ONNX graphs and the runtime sampler all draw ``z`` here, so a
seed gives the same latents, and the same samples, everywhere.
"""

import numpy as np


def draw_latents(num_samples, latent_dim, seed=None):
    """Draws `num_samples` standard-normal latent vectors as float32.

    Args:
        num_samples: positive int, how many vectors.
        latent_dim: positive int, their size.
        seed: int or None, seed of `numpy.random.default_rng`.

    Returns:
        A float32 array of shape `(num_samples, latent_dim)`.
    """
    check_positive_int("num_samples", num_samples)
    check_positive_int("latent_dim", latent_dim)
    rng = np.random.default_rng(seed)
    return rng.standard_normal((num_samples, latent_dim)).astype("float32")


def latent_batches(num_samples, latent_dim, seed=None, batch_size=256):
    """Yields `draw_latents(num_samples, latent_dim, seed)` in consecutive batches.

    The same values, batch by batch (one generator draws them in order), so a streamed
    sample equals the one drawn at once while only one batch is in memory.
    """
    check_positive_int("num_samples", num_samples)
    check_positive_int("latent_dim", latent_dim)
    batch_size = check_positive_int("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    for start in range(0, num_samples, batch_size):
        count = min(batch_size, num_samples - start)
        yield rng.standard_normal((count, latent_dim)).astype("float32")


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)
