import time

import keras

from kerasgen import backend
from kerasgen.io import write_json


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (optimizer state included) and the history every epoch.

    Both files are written atomically, so an interrupted run always leaves the last
    complete epoch behind; `kerasgen fit --resume` continues from it.

    Args:
        path: the `.keras` checkpoint file.
        state_path: a JSON file with the epoch count, the history and training seconds.
        history: history of earlier epochs (when resuming).
        seconds: training seconds of earlier epochs.
    """

    def __init__(self, path, state_path, history=None, seconds=0.0):
        super().__init__()
        self.path = path
        self.state_path = state_path
        self.history = {key: list(values) for key, values in (history or {}).items()}
        self.seconds = float(seconds)
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds += time.perf_counter() - self._start
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        # Several processes: all take part in saving, the chief alone writes.
        if not backend.save_on_chief(self.model, self.path):
            return
        write_json(
            self.state_path,
            {"epoch": epoch + 1, "history": self.history, "seconds": self.seconds},
        )
