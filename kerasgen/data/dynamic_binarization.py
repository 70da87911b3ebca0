import numpy as np

from kerasgen.data.shuffled_batches import ShuffledBatches


class DynamicBinarization(ShuffledBatches):
    """Batches of images binarized afresh every epoch (pixel = 1 with its intensity).

    The standard training setup for Bernoulli VAEs on MNIST: each epoch sees a new
    binary sample of every image, which regularizes far better than one static copy.
    The order and the binary values of batch `i` of epoch `e` are functions of
    `(seed, e, i)` only, so a run resumed at epoch `e` (`initial_epoch=e`) continues
    exactly where the uninterrupted run would be.

    Args:
        x: float images in [0, 1].
        batch_size: examples per batch.
        seed: seed of the shuffling and binarization stream.
        shuffle: a fresh order each epoch.
        initial_epoch: the epoch the next `fit` starts at.

    Example:
    ```python
    vae.fit(kerasgen.data.DynamicBinarization(x_train, 128, seed=0), epochs=50)
    ```
    """

    def __init__(self, x, batch_size=128, seed=0, shuffle=True, initial_epoch=0, **kwargs):
        x = np.asarray(x, dtype="float32")
        if x.min() < 0 or x.max() > 1:
            raise ValueError(
                f"x must lie in [0, 1] to be binarized, got values in [{x.min()}, {x.max()}]"
            )
        self.x = x
        super().__init__(x, batch_size, seed, initial_epoch, shuffle, **kwargs)

    def __getitem__(self, index):
        batch = self.x[self.rows(index)]
        return (self.batch_rng(index).random(batch.shape, dtype=np.float32) < batch).astype("float32")


def binarize(x, seed=0):
    """Stochastic binarization: each pixel is 1 with its intensity as probability."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype="float32")
    return (rng.random(x.shape) < x).astype("float32")
