"""The callbacks of a training run beside the checkpoint: the epoch the batches are
in, the progress bar, the monitors and sample grids a model declares, TensorBoard, and
early stopping that survives a resume."""

import os

import keras
from kerasgen_runtime.files import sha256_file

from kerasgen.callbacks import MONITORS, ImageGrid, ResumableEarlyStopping
from kerasgen.data import subsets
from kerasgen.models import GenerativeModel


class EpochSync(keras.callbacks.Callback):
    """Tells `dataset` the epoch `fit` is in (Keras's epoch number, so the batches of
    epoch `e` do not depend on how many epochs ran in this process)."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch, logs=None):
        self.dataset.epoch = epoch


class StepProgress(keras.callbacks.ProgbarLogger):
    """Keras's progress bar, counting steps up to the epoch's total.

    With `steps_per_execution` > 1 Keras reports the last step of each group of steps
    as `begin + steps_per_execution - 1` even past the epoch's end (`8/5`, a negative
    ETA); this bar counts no further than the steps there are."""

    def _update_progbar(self, batch, logs=None):
        if self.target is not None:
            batch = min(batch, self.target - 1)
        super()._update_progbar(batch, logs)


def monitoring_callbacks(model, out, spec, x, validation, tensorboard):
    """`(monitors, others)`: the monitors the model declares (they add to the epoch's
    logs), and TensorBoard and the model's preview as a sample grid each epoch."""
    others = [keras.callbacks.TensorBoard(os.path.join(out, "tensorboard"))] if tensorboard else []
    if not isinstance(model, GenerativeModel):  # a classifier: nothing to watch or show
        return [], others
    seed = spec.get("seed", 0)
    probe = validation[0] if validation is not None else x
    probe = probe[subsets.subset_rows(len(probe), 500, seed=seed)]
    monitors = [MONITORS[name](probe) for name in model.monitors]
    if x.ndim == 4:  # images (a model without a prior shows these with its reconstructions)
        others.insert(0, ImageGrid(os.path.join(out, "samples"), seed=seed, images=probe[:16]))
    return monitors, others


def early_stopping(out, patience, state):
    """Early stopping on `val_loss` that restores the best weights, resumed from the
    committed checkpoint `state` (its counters, and the best epoch's checkpoint)."""
    resumed = (state or {}).get("early_stopping")
    best_weights = None
    best = (resumed or {}).get("best_checkpoint")
    if best:
        path = os.path.join(out, os.path.basename(best["file"]))
        if not (os.path.isfile(path) and sha256_file(path) == best.get("sha256")):
            raise ValueError(f"--resume: the best epoch's checkpoint {path!r} that early stopping "
                             "restores is missing or damaged (sha256 mismatch); pass --overwrite "
                             "to start again")
        best_weights = keras.saving.load_model(path, safe_mode=True).get_weights()
    return ResumableEarlyStopping(state=resumed, best_weights=best_weights, monitor="val_loss",
                                  patience=patience, restore_best_weights=True)
