import keras
import numpy as np


class RandomShift(keras.utils.PyDataset):
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
        super().__init__(**kwargs)
        if max_shift < 0:
            raise ValueError(f"max_shift must be >= 0, got {max_shift}")
        self.x = np.asarray(x, dtype="float32")
        self.y = np.asarray(y)
        self.batch_size = int(batch_size)
        self.max_shift = int(max_shift)
        self.seed = int(seed)
        self.epoch = int(initial_epoch)

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))
        rows = order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        images = self.x[rows]
        shifted = np.zeros_like(images)
        pad = self.max_shift
        padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        height, width = images.shape[1:3]
        offsets = rng.integers(0, 2 * pad + 1, size=(len(rows), 2))
        for i, (dy, dx) in enumerate(offsets):
            shifted[i] = padded[i, dy : dy + height, dx : dx + width]
        return shifted, self.y[rows]

    def on_epoch_end(self):
        self.epoch += 1
