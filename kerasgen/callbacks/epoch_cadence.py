import contextlib
import time

import keras


class EpochCadence(keras.callbacks.Callback):
    """Decides at each epoch's end whether the epoch-end work that does not change
    training (monitors, sample grids) runs, so that on short epochs it stays a small
    share of the run's time.

    With `every="auto"` that work runs when the training time since it last ran is at
    least its cost that time divided by `budget` (so it takes about `budget` of the
    time or less), and at the first epoch (to measure its cost). With an int N it runs
    every N epochs. Either way it also runs after the last epoch (`epochs` of `fit`,
    or an epoch after which an earlier callback stopped training). The callbacks it
    gates take it as their `every`, ask `due(epoch)` and run inside `timed()`.

    Place it after the callbacks that may stop training (early stopping) and before
    the ones it gates. Each epoch's logs get `monitored` (1.0 when the gated work ran,
    else 0.0), so `metrics.csv` says which epochs were measured; `monitored_epochs`
    lists them (1-based). Skipping the work changes no weight: the monitors and grids
    draw their latents from their own seeds, never from the model's noise.

    Args:
        every: `"auto"` or a positive int.
        budget: in (0, 1], the share of the training time the gated work may take
            (`every="auto"`).

    Example:
    ```python
    cadence = kerasgen.callbacks.EpochCadence()
    grid = kerasgen.callbacks.ImageGrid("grids", every=cadence)
    gan.fit(x, epochs=50, callbacks=[cadence, grid])
    print(cadence.monitored_epochs)
    ```
    """

    def __init__(self, every="auto", budget=0.05):
        super().__init__()
        if every != "auto" and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ValueError(f"every must be 'auto' or a positive int, got {every!r}")
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 < budget <= 1:
            raise ValueError(f"budget must be a number in (0, 1], got {budget!r}")
        self.every = every
        self.budget = float(budget)
        self.monitored_epochs = []
        self._epoch = None  # the epoch whose gated work runs now
        self._trained = 0.0  # training seconds since the gated work last ran
        self._cost = None  # seconds the gated work took when it last ran (None: never ran)
        self._begin = None

    def on_epoch_begin(self, epoch, logs=None):
        self._begin = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._begin is not None:
            self._trained += time.perf_counter() - self._begin
        due = self._decide(epoch)
        self._epoch = epoch if due else None
        if due:
            self.monitored_epochs.append(epoch + 1)
            self._trained, self._cost = 0.0, 0.0
        if logs is not None:
            logs["monitored"] = float(due)

    def _decide(self, epoch):
        if epoch + 1 >= (self.params or {}).get("epochs", float("inf")) or self.model.stop_training:
            return True  # after the last epoch
        if self.every != "auto":
            return (epoch + 1) % self.every == 0
        return self._cost is None or self._trained * self.budget >= self._cost

    def due(self, epoch):
        """Whether the gated work runs at the end of `epoch` (0-based)."""
        return self._epoch == epoch

    @contextlib.contextmanager
    def timed(self):
        """Counts the time of the block as the gated work's cost."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._cost = (self._cost or 0.0) + time.perf_counter() - start


def is_due(callback, every, epoch):
    """Whether `callback` (gated by `every`: an `EpochCadence`, or a positive int N for
    every N epochs) does its epoch-end work at the end of `epoch`: also after the last
    epoch, or when training stops."""
    if isinstance(every, EpochCadence):
        return every.due(epoch)
    last = epoch + 1 >= (callback.params or {}).get("epochs", float("inf"))
    return (epoch + 1) % every == 0 or last or bool(callback.model.stop_training)


def cost_of(every):
    """The context that counts a gated callback's work as the cadence's cost."""
    return every.timed() if isinstance(every, EpochCadence) else contextlib.nullcontext()


def check_every(every):
    """Refuses an `every` that is neither an `EpochCadence` nor a positive int."""
    if not isinstance(every, EpochCadence) and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
        raise ValueError(f"every must be a positive int, got {every!r} (or a kerasgen.callbacks.EpochCadence)")
