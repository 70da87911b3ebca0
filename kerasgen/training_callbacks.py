"""The callbacks of a training run beside the checkpoint: the epoch the batches are
in, the progress bar, the monitors and sample grids a model declares, TensorBoard, and
early stopping that survives a resume."""

import os

import keras
from kerasgen_runtime.files import sha256_file

from kerasgen import backend
from kerasgen.callbacks import MONITORS, Autopilot, EpochCadence, ImageGrid, ResumableEarlyStopping
from kerasgen.callbacks.selection_judge import run_judge
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


def monitoring_callbacks(model, out, spec, x, validation, tensorboard, every="auto"):
    """`(monitors, others)`: an `EpochCadence` (`every`: "auto" or N epochs) and the
    monitors the model declares, gated by it (they add to the epoch's logs), and
    TensorBoard and the model's preview as a sample grid, also gated. A run of several
    processes monitors every epoch unless told N: each process would time its own."""
    others = [keras.callbacks.TensorBoard(os.path.join(out, "tensorboard"))] if tensorboard else []
    if not isinstance(model, GenerativeModel):  # a classifier: nothing to watch or show
        return [], others
    seed = spec.get("seed", 0)
    probe = validation[0] if validation is not None else x
    probe = probe[subsets.subset_rows(len(probe), 500, seed=seed)]
    cadence = EpochCadence(1 if every == "auto" and not backend.is_single_process() else every)
    monitors = [cadence] + [MONITORS[name](probe, every=cadence) for name in model.monitors]
    if x.ndim == 4:  # images (a model without a prior shows these with its reconstructions)
        others.insert(0, ImageGrid(os.path.join(out, "samples"), seed=seed, images=probe[:16], every=cadence))
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


def autopilot(out, spec, model, x, y, held_out, state):
    """The spec's `Autopilot` (`spec["autopilot"]`: every, patience, max_rollbacks,
    extractor) for `model`, judging on the `held_out` rows, resumed from the committed
    checkpoint `state` (its counters, decisions, best checkpoint and the judge's file);
    None without."""
    settings = spec.get("autopilot")
    if not settings:
        return None
    if not isinstance(model, GenerativeModel) or model.prior is None:
        raise ValueError(f"--select-by chooses among samples of a GAN or VAE, got recipe {spec['recipe']!r} "
                         f"({type(model).__name__}), which does not sample from a prior")
    resumed = (state or {}).get("autopilot")
    value_range = (-1.0, 1.0) if spec["preprocessing"] == "signed" else (0.0, 1.0)
    judge, record = run_judge(out, spec, x, y, held_out, value_range, (resumed or {}).get("judge"))
    pilot = Autopilot(judge, out, every=settings.get("every", 1), patience=settings.get("patience", 3),
                      max_rollbacks=settings.get("max_rollbacks", 2), state=resumed)
    if resumed is None:
        pilot.judge_record = record
        accuracy = record.get("held_out_accuracy")
        print(f"Autopilot: FID of {judge.num_samples} samples against {judge.num_held_out} held-out images "
              f"(seed {spec.get('seed', 0)}) under {record['extractor']}"
              + (f", held-out accuracy {accuracy:.3f}" if accuracy is not None else "")
              + f"; every {pilot.every} epoch(s), patience {pilot.patience}, at most "
              f"{pilot.max_rollbacks} rollback(s)")
    return pilot
