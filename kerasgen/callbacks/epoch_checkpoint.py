import json
import os
import re
import time

import keras
from kerasgen_runtime.files import remove_own, sha256_file, write_json, written_by_kerasgen

from kerasgen import backend
from kerasgen.run_folder import history_from_json, history_json, rewrite_metrics_log

STATE_FILE = "checkpoint.json"
_WEIGHTS = re.compile(r"^checkpoint-(\d+)\.keras$")


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (optimizer and noise state included) and the history every
    epoch, or every few epochs when a save costs much of a short epoch (`every`).

    One atomic commit point per checkpoint: the model goes to a new file
    `checkpoint-NNNN.keras` (NNNN the epochs done), then `checkpoint.json`, which names
    that file with its sha256, the epoch count, the history and the training seconds,
    replaces the previous state in one rename. A run killed at any moment leaves the last
    committed checkpoint intact (a `.keras` file written but not yet named is ignored, and
    replaced when that epoch is trained again); `latest_checkpoint` verifies the hash and
    falls back to the checkpoint before it if the named file is damaged. After each epoch
    `metrics_log` (a run's `metrics.csv`) is rewritten from the history, in the format of
    `keras.callbacks.CSVLogger`, as a file the run recorded as its own.

    With `early_stopping` (a `ResumableEarlyStopping` placed before this callback) the
    state also records its counters and, when it restores the best weights, keeps the
    checkpoint of the best epoch (its `best_checkpoint`: file and sha256), so a resumed run
    stops where the uninterrupted one does, with the same weights. With `autopilot` (a
    `kerasgen.callbacks.Autopilot` placed before this callback) the state records the
    autopilot's counters and decisions and keeps its best checkpoint, and the run's
    `run.json` gets its decisions after each commit.

    Args:
        directory: the run folder.
        history: history of earlier epochs (when resuming).
        seconds: training seconds of earlier epochs.
        early_stopping: a `kerasgen.callbacks.ResumableEarlyStopping`, or None.
        metrics_log: path of the CSV log to rewrite after each epoch, or None.
        autopilot: a `kerasgen.callbacks.Autopilot`, or None.
        every: 1 (every epoch), N (every N epochs) or "auto" (when the save took at most
            `BUDGET` of the training time since the last one, measured; the first
            epoch's is always saved). Either way the last epoch (`fit`'s `epochs`, or
            one after which an earlier callback stopped training) is saved, and with
            `early_stopping` or `autopilot` every epoch is (they keep the best epoch's
            checkpoint). A resumed run replays the epochs after the committed one,
            which are the same function of (seed, epoch) and the saved state: the
            weights it ends with are the same (`tests/test_resume.py`).
    """

    BUDGET = 0.05

    def __init__(self, directory, history=None, seconds=0.0, early_stopping=None, metrics_log=None,
                 autopilot=None, every=1):
        super().__init__()
        if every != "auto" and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ValueError(f"every must be 'auto' or a positive int, got {every!r}")
        self.every = 1 if early_stopping is not None or autopilot is not None else every
        self.saved_epochs = []  # the epochs (1-based) this callback committed
        self._trained, self._cost = 0.0, None  # seconds trained since the last save; its cost
        self.directory = directory
        self.history = {key: list(values) for key, values in (history or {}).items()}
        self.seconds = float(seconds)
        self.early_stopping = early_stopping
        self.metrics_log = metrics_log
        self.autopilot = autopilot
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._start
        self.seconds += seconds
        self._trained += seconds
        record_epoch(self.history, logs or {})
        if not self.due(epoch):
            if self.metrics_log is not None and backend.is_chief():
                rewrite_metrics_log(self.metrics_log, self.history)
            return
        began = time.perf_counter()
        self.commit(epoch)
        self._trained, self._cost = 0.0, time.perf_counter() - began
        self.saved_epochs.append(epoch + 1)

    def due(self, epoch):
        """Whether the checkpoint of `epoch` (0-based) is saved (see `every`)."""
        last = epoch + 1 >= (self.params or {}).get("epochs", float("inf")) or self.model.stop_training
        if self.every == 1 or last:
            return True
        if self.every == "auto":
            return self._cost is None or self._trained * self.BUDGET >= self._cost
        return (epoch + 1) % self.every == 0

    def commit(self, epoch):
        """Saves the model after `epoch` (0-based) and commits it with the history."""
        name = f"checkpoint-{epoch + 1:04d}.keras"
        path = os.path.join(self.directory, name)
        # Several processes: all take part in saving, the chief alone writes.
        if not backend.save_on_chief(self.model, path):
            return
        previous = read_state(self.directory)
        state = {"epoch": epoch + 1, "file": name, "sha256": sha256_file(path),
                 "history": history_json(self.history), "seconds": self.seconds}
        if self.early_stopping is not None:
            state["early_stopping"] = self._stopping_state(epoch, state, previous)
        if self.autopilot is not None:
            state["autopilot"] = self.autopilot.checkpoint_state(epoch, state)
        if previous is not None and previous.get("file") != name:
            state["previous"] = {k: v for k, v in previous.items() if k != "previous"}
            if isinstance(previous.get("history"), dict):
                state["previous"]["history"] = history_json(previous["history"])
        write_json(os.path.join(self.directory, STATE_FILE), state)  # the commit point
        remove_unnamed_checkpoints(self.directory, state)
        if self.metrics_log is not None:
            rewrite_metrics_log(self.metrics_log, self.history)
        if self.autopilot is not None:
            self.autopilot.record_decisions()

    def _stopping_state(self, epoch, state, previous):
        stopping = self.early_stopping.state()
        if self.early_stopping.restore_best_weights:
            if stopping["best"] is not None and stopping["best_epoch"] == epoch:
                best = {"file": state["file"], "sha256": state["sha256"], "epoch": epoch + 1}
            else:  # the best epoch is earlier: its checkpoint is kept
                best = ((previous or {}).get("early_stopping") or {}).get("best_checkpoint")
            stopping["best_checkpoint"] = best
        return stopping


def record_epoch(history, logs):
    """Appends an epoch's `logs` to `history`: NaN for a key the epoch did not log (a
    monitor that did not measure it), and for a key new this epoch, NaN in the epochs
    before, so every series has one value an epoch."""
    epochs = len(next(iter(history.values()), []))
    for key in [*history, *(key for key in logs if key not in history)]:
        values = history.setdefault(key, [float("nan")] * epochs)
        values.append(float(logs.get(key, float("nan"))))


def checkpoint_files(state):
    """The checkpoint files a committed state names (its own, the previous one's, and
    the best epochs' that early stopping restores and the autopilot keeps)."""
    names = set()
    for entry in (state or {}, (state or {}).get("previous") or {}):
        names.add(entry.get("file"))
        for keeper in ("early_stopping", "autopilot"):
            names.add(((entry.get(keeper) or {}).get("best_checkpoint") or {}).get("file"))
    return names - {None}


def read_state(directory):
    """The committed `checkpoint.json` of a run folder, or None."""
    path = os.path.join(directory, STATE_FILE)
    if not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            state = json.load(f)
    except (OSError, ValueError) as error:
        raise ValueError(f"checkpoint state {path!r} is unreadable ({error}); remove the run "
                         "folder or pass --overwrite") from error
    if not (isinstance(state, dict) and "file" in state):
        return None
    for entry in (state, state.get("previous") or {}):  # an epoch without a number: null -> NaN
        if isinstance(entry.get("history"), dict):
            entry["history"] = history_from_json(entry["history"])
    return state


def latest_checkpoint(directory):
    """`(path, state)` of the newest complete checkpoint in `directory`, or `(None, None)`.

    Complete means named by the committed state and matching its sha256; a damaged
    newest file falls back to the previous checkpoint (with a message).
    """
    state = read_state(directory)
    candidates = [] if state is None else [state] + ([state["previous"]] if state.get("previous") else [])
    for index, candidate in enumerate(candidates):
        path = os.path.join(directory, os.path.basename(candidate["file"]))
        if os.path.isfile(path) and sha256_file(path) == candidate.get("sha256"):
            if index:
                print(f"Checkpoint {candidates[0]['file']} is missing or damaged; "
                      f"using the previous one ({candidate['file']}, epoch {candidate['epoch']})")
            return path, candidate
    if candidates:
        raise ValueError(f"no complete checkpoint in {directory!r}: {', '.join(c['file'] for c in candidates)} "
                         "missing or damaged (sha256 mismatch); pass --overwrite to start again")
    return None, None


def remove_unnamed_checkpoints(directory, state):
    """Deletes the checkpoint files this run wrote that the committed state no longer names
    (a checkpoint file kerasgen did not record is never deleted)."""
    keep = checkpoint_files(state)
    for name in os.listdir(directory):
        if _WEIGHTS.match(name) and name not in keep:
            remove_own(os.path.join(directory, name))


def uncommitted_checkpoint(directory, expected):
    """`(path, state)` of the newest checkpoint file in `directory` that kerasgen wrote,
    loads, and holds a model like `expected` (same class and weight shapes), for a run
    folder without committed state (`checkpoint.json` missing or empty). Its `state`
    holds the epoch from the file name; history and seconds are not known (the caller
    may recover the history from the run's `metrics.csv`). Raises ValueError naming
    every checkpoint file and why it was not used, or saying there is none."""
    names = sorted((n for n in os.listdir(directory) if _WEIGHTS.match(n)),
                   key=lambda n: int(_WEIGHTS.match(n).group(1)), reverse=True)
    if not names:
        raise ValueError(f"--resume: {directory!r} holds no checkpoint (checkpoint-NNNN.keras) "
                         "to resume from; pass --overwrite to start the run again")
    shapes = [tuple(w.shape) for w in expected.weights]
    reasons = []
    for name in names:
        path = os.path.join(directory, name)
        if not written_by_kerasgen(path):
            reasons.append(f"{name}: not written by kerasgen, or changed since")
            continue
        try:
            model = keras.saving.load_model(path, safe_mode=True)
        except Exception as error:  # a damaged or foreign file: say so, try the next
            reasons.append(f"{name}: does not load ({type(error).__name__})")
            continue
        if type(model) is not type(expected) or [tuple(w.shape) for w in model.weights] != shapes:
            reasons.append(f"{name}: holds a {type(model).__name__} unlike the run in run.json")
            continue
        epoch = int(_WEIGHTS.match(name).group(1))
        return path, {"epoch": epoch, "file": name, "sha256": sha256_file(path), "history": {},
                      "seconds": 0.0}
    raise ValueError(f"--resume: no usable checkpoint in {directory!r} ({'; '.join(reasons)}); "
                     "pass --overwrite to start the run again")
