import numpy as np

from kerasgen.data.shuffled_batches import ShuffledBatches


class RandomShift(ShuffledBatches):
    """Batches of `(x, y)` with every image shifted by a random whole number of pixels.

    Up to `max_shift` pixels in each direction, the uncovered border filled with zeros:
    the classic augmentation for digit classifiers trained on few images.

    Args:
        x: images `(N, height, width, channels)`.
        y: labels `(N,)`.
        batch_size: examples per batch.
        max_shift: largest shift in pixels.
        seed: seed of the shuffling and the shifts; batch `i` of epoch `e` depends on
            `(seed, e, i)` only, so resuming at `initial_epoch` is exact.
        initial_epoch: the epoch the next `fit` starts at.
    """

    def __init__(self, x, y, batch_size=128, max_shift=2, seed=0, initial_epoch=0, **kwargs):
        if max_shift < 0:
            raise ValueError(f"max_shift must be >= 0, got {max_shift}")
        self.x = np.asarray(x, dtype="float32")
        self.y = np.asarray(y)
        self.max_shift = int(max_shift)
        super().__init__((self.x, self.y), batch_size, seed, initial_epoch, **kwargs)

    def __getitem__(self, index):
        rows = self.rows(index)
        return shift_images(self.x[rows], self.max_shift, self.batch_rng(index)), self.y[rows]


def shift_images(images, max_shift, rng):
    """Each image shifted by up to `max_shift` whole pixels, the border filled with 0."""
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    offsets = rng.integers(0, 2 * max_shift + 1, size=(len(images), 2))
    return np.stack([padded[i, dy:dy + height, dx:dx + width] for i, (dy, dx) in enumerate(offsets)])
