"""Stops training before the process's CPU time passes a budget fixed in advance."""

import time

import keras


class CPUBudget(keras.callbacks.Callback):
    """Stops `fit` at the end of the last epoch that fits in `seconds` of CPU time.

    CPU time is `time.process_time()` of the training process (all its threads, start-up
    and data loading included), not wall-clock time, so a budget means the same work on
    a loaded machine as on an idle one. At each epoch's end training stops when one more
    epoch, as long as the longest so far, would pass the budget; so a run ends at most
    one epoch short of the budget and never past it (unless its first epoch alone is).

    Args:
        seconds: the budget in CPU seconds (> 0).

    Example:
    ```python
    model.fit(x, epochs=1000, callbacks=[kerasgen.callbacks.CPUBudget(240)])
    ```
    """

    def __init__(self, seconds):
        super().__init__()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"seconds must be a positive number of CPU seconds, got {seconds!r}")
        self.seconds = float(seconds)
        self.longest_epoch = 0.0
        self.stopped_at = None  # (epochs done, CPU seconds) when the budget stopped training

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        now = time.process_time()
        self.longest_epoch = max(self.longest_epoch, now - self._epoch_start)
        if now + self.longest_epoch > self.seconds:
            self.model.stop_training = True
            self.stopped_at = (epoch + 1, now)
