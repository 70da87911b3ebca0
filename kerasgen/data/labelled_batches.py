import numpy as np

from kerasgen.checks import check_positive_int
from kerasgen.data.random_shift import shift_images
from kerasgen.data.shuffled_batches import ShuffledBatches


class LabelledBatches(ShuffledBatches):
    """Batches for semi-supervised training: unlabelled rows plus a few labelled ones.

    Each batch holds `batch_size` rows of all of `x` with their labels hidden (`y = -1`)
    and `labelled_batch_size` labelled rows (`y >= 0` in the input), drawn in turn from
    a per-epoch permutation of the labelled pool (it is small, so it is revisited many
    times an epoch). Batch `i` of epoch `e` depends on `(seed, e, i)` only: the order of
    all rows is `ShuffledBatches`'s, and the labelled pool is drawn after it from the same
    epoch generator, once per epoch.

    Args:
        x: examples `(N, ...)`.
        y: int labels, `-1` for an unlabelled example
            (`kerasgen.data.labelled_batches.hide_labels`).
        batch_size: unlabelled rows per batch (an epoch visits every row once).
        labelled_batch_size: labelled rows per batch.
        max_shift: shift images by up to this many pixels (0: no augmentation).
        binarize: dynamic binarization (each pixel of each batch drawn as 1 with its
            intensity, a fresh sample every time: data in [0, 1] for a Bernoulli
            likelihood).
        seed: seed of the orders and the shifts.
        initial_epoch: the epoch the next `fit` starts at.
    """

    def __init__(self, x, y, batch_size=100, labelled_batch_size=50, max_shift=0, binarize=False,
                 seed=0, initial_epoch=0, **kwargs):
        self.x = np.asarray(x, "float32")
        self.y = np.asarray(y).astype("int64")
        if self.y.shape != (len(self.x),):
            raise ValueError(f"y must have one label per row of x ({len(self.x)}), got shape {self.y.shape}")
        self.labelled = np.flatnonzero(self.y >= 0)
        if len(self.labelled) == 0:
            raise ValueError("y must label at least one example (>= 0), got only -1")
        batch_size = check_positive_int("batch_size", batch_size)
        self.labelled_batch_size = check_positive_int("labelled_batch_size", labelled_batch_size)
        self.max_shift = int(max_shift)
        if binarize and (self.x.min() < 0 or self.x.max() > 1):
            raise ValueError(f"binarize needs x in [0, 1], got values in [{self.x.min()}, {self.x.max()}]")
        self.binarize = bool(binarize)
        super().__init__((self.x, self.y), batch_size, seed, initial_epoch, **kwargs)

    def draw_order(self, rng):
        """The order of all rows, then from the same generator the labelled pool
        (permutations of the labelled rows, enough for every batch of the epoch)."""
        order = super().draw_order(rng)
        count = len(self) * self.labelled_batch_size
        self.pool = np.concatenate([rng.permutation(self.labelled)
                                    for _ in range(-(-count // len(self.labelled)))])
        return order

    def __getitem__(self, index):
        unlabelled = self.rows(index)
        labelled = self.pool[index * self.labelled_batch_size:(index + 1) * self.labelled_batch_size]
        x = np.concatenate([self.x[unlabelled], self.x[labelled]])
        y = np.concatenate([np.full(len(unlabelled), -1), self.y[labelled]])
        rng = self.batch_rng(index)  # the shifts, then the binary draws
        if self.max_shift:
            x = shift_images(x, self.max_shift, rng)
        if self.binarize:
            x = (rng.random(x.shape, dtype=np.float32) < x).astype("float32")
        return x, y


def hide_labels(y, labels_per_class, seed=0):
    """`y` with all but a seeded random `labels_per_class` per class set to -1."""
    y = np.asarray(y).astype("int64")
    labels_per_class = check_positive_int("labels_per_class", labels_per_class)
    rng = np.random.default_rng(seed)
    kept = np.full(len(y), -1, "int64")
    for label in np.unique(y[y >= 0]):
        rows = np.flatnonzero(y == label)
        if len(rows) < labels_per_class:
            raise ValueError(f"--labels-per-class {labels_per_class} is more than class {label} "
                             f"holds ({len(rows)} examples)")
        chosen = rng.choice(rows, size=labels_per_class, replace=False)
        kept[chosen] = label
    return kept
