import keras
import numpy as np


class ShuffledBatches(keras.utils.PyDataset):
    """Batches of arrays in an order that is a function of `(seed, epoch)` only.

    Epoch `e` visits the rows in `numpy.random.default_rng([seed, e]).permutation(N)`,
    so a run resumed at epoch `e` (`initial_epoch=e`) sees exactly the batches the
    uninterrupted run saw; nothing depends on how many batches were drawn before.
    `kerasgen fit` trains on it (with `shuffle=False`: the order is this class's).

    It is the one owner of that order: `RandomShift`, `DynamicBinarization` and
    `LabelledBatches` are ShuffledBatches that change what a batch holds
    (`__getitem__`), or draw more from the epoch's generator (`draw_order`). Per-batch
    randomness comes from `batch_rng(index)`, a function of `(seed, epoch, index)`.

    Args:
        arrays: `x` or a tuple `(x, y)` of equal-length arrays.
        batch_size: examples per batch (the last batch may be smaller).
        seed: seed of the orders.
        initial_epoch: the epoch the next `fit` starts at.
        shuffle: `False` visits the rows in their stored order every epoch.
    """

    def __init__(self, arrays, batch_size=128, seed=0, initial_epoch=0, shuffle=True, **kwargs):
        super().__init__(**kwargs)
        self.arrays = arrays if isinstance(arrays, tuple) else (arrays,)
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.epoch = int(initial_epoch)
        self.shuffle = bool(shuffle)
        self._order, self._order_epoch = None, None

    def __len__(self):
        return int(np.ceil(len(self.arrays[0]) / self.batch_size))

    def draw_order(self, rng):
        """This epoch's permutation of the rows, from the epoch's generator `rng`."""
        return rng.permutation(len(self.arrays[0])) if self.shuffle else np.arange(len(self.arrays[0]))

    def order(self):
        """This epoch's order of the rows (drawn once per epoch, not per batch)."""
        if self._order_epoch != self.epoch:
            self._order = self.draw_order(np.random.default_rng([self.seed, self.epoch]))
            self._order_epoch = self.epoch
        return self._order

    def rows(self, index):
        return self.order()[index * self.batch_size : (index + 1) * self.batch_size]

    def batch_rng(self, index):
        """The generator of batch `index` of this epoch: a function of `(seed, epoch, index)`."""
        return np.random.default_rng([self.seed, self.epoch, index])

    @property
    def gathers_rows(self):
        """Whether batch `i` is the arrays' `rows(i)` and nothing else (not so for a
        subclass that changes what a batch holds), so a pipeline may gather it."""
        return type(self).__getitem__ is ShuffledBatches.__getitem__

    def __getitem__(self, index):
        rows = self.rows(index)
        batch = tuple(a[rows] for a in self.arrays)
        return batch if len(batch) > 1 else batch[0]

    def on_epoch_end(self):
        self.epoch += 1
