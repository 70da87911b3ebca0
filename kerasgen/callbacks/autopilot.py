"""The training autopilot: keeps the best checkpoint by FID, rolls back on collapse,
stops when FID no longer improves; its decisions survive a resume."""

import contextlib
import json
import math
import os

import keras
from kerasgen_runtime.files import sha256_file, write_json

from kerasgen.run_record import RUN_FILE

# The autopilot's metrics.csv columns (empty in an epoch it does not evaluate).
COLUMNS = ("autopilot_fid", "autopilot_classes_covered", "autopilot_diversity", "autopilot_best_fid",
           "autopilot_new_best", "autopilot_collapse", "autopilot_rolled_back", "autopilot_learning_rate",
           "autopilot_stopped")
# The counters a checkpoint records (`state()`), restored by a resumed run.
STATE_KEYS = ("best", "best_epoch", "best_stats", "wait", "rollbacks", "learning_rates", "stopped_epoch",
              "decisions", "best_checkpoint", "judge")


class Autopilot(keras.callbacks.Callback):
    """Every `every` epochs, measures the model with `judge` and decides.

    The measured model is the EMA generator where an optimizer keeps a moving average
    (`use_ema`), else the current one. A lower FID than the best so far is a *new best*:
    `kerasgen.callbacks.EpochCheckpoint` keeps that epoch's checkpoint (file and sha256,
    `best_checkpoint`). *Collapse* is, against the best checkpoint's numbers, the classes
    covered falling by `coverage_drop` of the classes or more, the sample diversity
    falling below `diversity_drop` of its value, or (a GAN) the discriminator winning
    every step of the epoch (`discriminator_winning_steps` of `BalanceMonitor`, else
    mean D(real) >= 0.95 and D(fake) <= 0.05). On collapse the model is rolled back to
    the best checkpoint (weights, optimizer and noise state) with every player's
    learning rate times `lr_factor`, at most `max_rollbacks` times. Training stops
    when `patience` evaluations have passed without a new best. `finish` ends a run with
    the best checkpoint's model (its EMA weights where there are some).

    Each epoch's logs get `COLUMNS` (NaN when not evaluated); each evaluation is a
    dict in `decisions` and one printed line. `state()` is what `EpochCheckpoint`
    records in `checkpoint.json`; a resumed run passes it back as `state`.

    Args:
        judge: a `kerasgen.callbacks.SelectionJudge` (its `measure(model)` gives `fid`,
            `diversity` and maybe `classes_covered`, `num_classes`).
        directory: the run folder holding the checkpoints.
        every, patience, max_rollbacks: evaluation period (epochs), evaluations without
            a new best before stopping, rollbacks allowed.
        lr_factor: what a rollback multiplies the learning rates by.
        diversity_drop, coverage_drop: the collapse thresholds above.
        state: a dict from `state()` of the interrupted run (None: a fresh run).
        verbose: print one line per decision.

    Example:
    ```python
    pilot = kerasgen.callbacks.Autopilot(judge, "runs/dcgan", every=2, patience=3)
    saver = kerasgen.callbacks.EpochCheckpoint("runs/dcgan", autopilot=pilot)
    gan.fit(x, epochs=50, callbacks=[pilot, saver])
    pilot.finish(gan)  # the best checkpoint's model
    ```
    """

    def __init__(self, judge, directory, every=1, patience=3, max_rollbacks=2, lr_factor=0.5,
                 diversity_drop=0.5, coverage_drop=0.2, state=None, verbose=True):
        super().__init__()
        for name, value, low in (("every", every, 1), ("patience", patience, 1), ("max_rollbacks", max_rollbacks, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
        for name, value in (("lr_factor", lr_factor), ("diversity_drop", diversity_drop),
                            ("coverage_drop", coverage_drop)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
        self.judge, self.directory, self.verbose = judge, directory, verbose
        self.every, self.patience, self.max_rollbacks = every, patience, max_rollbacks
        self.lr_factor, self.diversity_drop, self.coverage_drop = lr_factor, diversity_drop, coverage_drop
        self.best, self.best_epoch, self.best_stats, self.wait, self.rollbacks = None, 0, {}, 0, 0
        self.learning_rates, self.stopped_epoch, self.decisions = None, 0, []
        self.best_checkpoint, self.judge_record = None, None
        for key, value in (state or {}).items():
            setattr(self, "judge_record" if key == "judge" else key, value)

    @property
    def stopped(self):
        return self.stopped_epoch > 0

    def state(self):
        """The counters and decisions as JSON values."""
        values = {key: getattr(self, "judge_record" if key == "judge" else key) for key in STATE_KEYS}
        values["best"] = None if self.best is None or not math.isfinite(self.best) else float(self.best)
        return values

    # Training ------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        optimizers = player_optimizers(self.model)
        if self.max_rollbacks:
            scheduled = [name for name, optimizer in optimizers
                         if isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule)]
            if scheduled:
                raise ValueError(f"--max-rollbacks {self.max_rollbacks} lowers the learning rates, but the "
                                 f"{', '.join(scheduled)} learning rate(s) follow a schedule; use a constant "
                                 "learning rate (e.g. --set decay_steps=0) or --max-rollbacks 0")
        if self.learning_rates is None:
            self.learning_rates = {name: float(optimizer.learning_rate) for name, optimizer in optimizers}
        elif self.max_rollbacks:  # resumed: the rates the interrupted run had reached
            for name, optimizer in optimizers:
                optimizer.learning_rate = self.learning_rates[name]

    def on_epoch_end(self, epoch, logs=None):
        columns = dict.fromkeys(COLUMNS, math.nan)
        if (epoch + 1) % self.every == 0 and not self.stopped:
            entry = self.evaluate(epoch, logs or {})
            columns.update(autopilot_fid=entry["fid"], autopilot_diversity=entry["diversity"],
                           autopilot_classes_covered=entry.get("classes_covered", math.nan),
                           autopilot_best_fid=self.best, autopilot_new_best=float(entry["decision"] == "new best"),
                           autopilot_collapse=float("collapse" in entry),
                           autopilot_rolled_back=float(entry["decision"] == "rolled back"),
                           autopilot_learning_rate=next(iter(self.learning_rates.values())),
                           autopilot_stopped=float(entry.get("stopped", False)))
        if logs is not None:
            logs.update(columns)

    def evaluate(self, epoch, logs):
        """Measures, decides, acts (rollback, stop); returns the decision's record."""
        with averaged_weights(self.model):
            stats = self.judge.measure(self.model)
        entry = {"epoch": epoch + 1, **stats}
        reasons = self.collapse_reasons(stats, logs, epoch)
        if reasons:
            entry["collapse"] = "; ".join(reasons)
            if self.best_checkpoint is not None and self.rollbacks < self.max_rollbacks:
                self.roll_back()
                entry["decision"] = "rolled back"
                entry["rolled_back_to"] = self.best_checkpoint["epoch"]
            else:
                self.wait += 1
                entry["decision"] = "collapse, no rollback left" if self.best_checkpoint else "collapse"
        elif self.best is None or stats["fid"] < self.best:
            self.best, self.best_epoch, self.best_stats, self.wait = stats["fid"], epoch + 1, stats, 0
            entry["decision"] = "new best"
        else:
            self.wait += 1
            entry["decision"] = "no improvement"
        entry.update(best_fid=self.best, best_epoch=self.best_epoch, evaluations_since_best=self.wait,
                     rollbacks=self.rollbacks, learning_rates=dict(self.learning_rates))
        if self.wait >= self.patience:
            self.stopped_epoch = epoch + 1
            entry["stopped"] = True
            self.model.stop_training = True
        self.decisions.append(entry)
        if self.verbose:
            print(describe(entry, self.patience, self.max_rollbacks), flush=True)
        return entry

    def collapse_reasons(self, stats, logs, epoch):
        """Why the model looks collapsed against the best checkpoint's numbers ([]: it does not)."""
        reasons, best = [], self.best_stats
        if "classes_covered" in stats and "classes_covered" in best:
            drop = max(1, math.ceil(self.coverage_drop * stats["num_classes"]))
            if stats["classes_covered"] <= best["classes_covered"] - drop:
                reasons.append(f"class coverage fell from {best['classes_covered']} to "
                               f"{stats['classes_covered']} of {stats['num_classes']}")
        if best and stats["diversity"] < self.diversity_drop * best["diversity"]:
            reasons.append(f"sample diversity fell to {stats['diversity']:.2f} of the held-out images' "
                           f"({best['diversity']:.2f} at the best checkpoint)")
        won, steps = logs.get("discriminator_winning_steps"), (self.params or {}).get("steps")
        if won is not None and steps:
            pinned = won >= steps
        else:
            pinned = (getattr(self.model, "loss_name", None) in ("non_saturating", "minimax")
                      and logs.get("real_score", 0.0) >= 0.95 and logs.get("fake_score", 1.0) <= 0.05)
        if pinned:
            reasons.append(f"the discriminator won every step of epoch {epoch + 1} (D(real) "
                           f"{logs.get('real_score', math.nan):.3f}, D(fake) {logs.get('fake_score', math.nan):.3f})")
        return reasons

    def roll_back(self):
        """The best checkpoint's model, optimizer and noise state; learning rates lowered."""
        restore_checkpoint(self.model, self.directory, self.best_checkpoint)
        self.rollbacks += 1
        self.wait = 0
        for name, optimizer in player_optimizers(self.model):
            self.learning_rates[name] = self.learning_rates[name] * self.lr_factor
            optimizer.learning_rate = self.learning_rates[name]

    def checkpoint_state(self, epoch, checkpoint):
        """`state()` for the checkpoint `{"file", "sha256"}` of epoch `epoch` (0-based),
        which becomes the best checkpoint when that epoch was a new best."""
        if self.best_epoch == epoch + 1 and self.decisions and self.decisions[-1]["epoch"] == epoch + 1:
            self.best_checkpoint = {"file": checkpoint["file"], "sha256": checkpoint["sha256"],
                                    "epoch": epoch + 1}
        return self.state()

    def record_decisions(self):
        """Writes the settings, judge and decisions so far into the run folder's `run.json`
        (as `"autopilot_decisions"`), which `kerasgen fit` wrote."""
        path = os.path.join(self.directory, RUN_FILE)
        with open(path) as f:
            record = json.load(f)
        record["autopilot_decisions"] = {"judge": self.judge_record, "decisions": self.decisions}
        write_json(path, record)

    def finish(self, model):
        """Puts the best checkpoint's model (EMA weights where kept) in `model`; says so."""
        self.record_decisions()
        if self.best_checkpoint is None:
            print("Autopilot: no evaluation chose a checkpoint; the run's model is its last epoch's")
            return
        restore_checkpoint(model, self.directory, self.best_checkpoint)
        if model.optimizer is not None:
            model.optimizer.finalize_variable_values(model.trainable_weights)  # as fit ends
        ended = f"stopped after epoch {self.stopped_epoch}" if self.stopped else "trained every epoch"
        print(f"Autopilot: the run's model is the best checkpoint, epoch {self.best_checkpoint['epoch']} "
              f"({self.best_checkpoint['file']}, FID {self.best:.3f}); {ended}, "
              f"{self.rollbacks} rollback(s)", flush=True)


def describe(entry, patience, max_rollbacks):
    """One line for a decision."""
    numbers = f"FID {entry['fid']:.3f}"
    if "classes_covered" in entry:
        numbers += f", {entry['classes_covered']}/{entry['num_classes']} classes"
    numbers += f", diversity {entry['diversity']:.2f}"
    rates = ", ".join(f"{name} {rate:.3g}" for name, rate in entry["learning_rates"].items())
    decision = entry["decision"]
    if "collapse" in entry:
        decision = f"collapse ({entry['collapse']}); " + (
            f"rolled back to epoch {entry['rolled_back_to']} ({entry['rollbacks']} of {max_rollbacks}), "
            f"learning rate now {rates}" if decision == "rolled back" else
            "no rollback left" if decision != "collapse" else "no best checkpoint to roll back to")
    elif decision == "no improvement":
        decision += f" ({entry['evaluations_since_best']} of {patience}; best {entry['best_fid']:.3f} at epoch {entry['best_epoch']})"
    line = f"Autopilot epoch {entry['epoch']}: {numbers}: {decision}"
    if entry.get("stopped"):
        line += f"; stopped: no new best for {patience} evaluations"
    return line


def player_optimizers(model):
    """`[(player, optimizer)]`: each player's optimizer (a GAN's generator and
    discriminator), else `[("model", model.optimizer)]`."""
    players = getattr(model, "players", None)
    if players:
        return [(player, getattr(model, f"{player}_optimizer")) for player in players]
    return [("model", model.optimizer)]


@contextlib.contextmanager
def averaged_weights(model):
    """Inside: the variables an optimizer averages (`use_ema`) hold their averages."""
    pairs = []
    for _, optimizer in player_optimizers(model):
        averages = getattr(optimizer, "_model_variables_moving_average", None) if optimizer.use_ema else None
        if averages:
            pairs += [(variable, average) for variable, average in zip(optimizer._trainable_variables, averages)
                      if average is not None]
    saved = [keras.ops.copy(variable.value) for variable, _ in pairs]
    for variable, average in pairs:
        variable.assign(average)
    try:
        yield
    finally:
        for (variable, _), value in zip(pairs, saved):
            variable.assign(value)


def restore_checkpoint(model, directory, checkpoint):
    """Assigns the state of the checkpoint `{"file", "sha256"}` (its sha256 checked
    first): the model's variables (seed generators included) and every player's optimizer's."""
    path = os.path.join(directory, os.path.basename(checkpoint["file"]))
    if not (os.path.isfile(path) and sha256_file(path) == checkpoint.get("sha256")):
        raise ValueError(f"the autopilot's best checkpoint {path!r} is missing or damaged (sha256 "
                         "mismatch); pass --overwrite to start again")
    best = keras.saving.load_model(path, safe_mode=True)
    pairs = list(zip(model.variables, best.variables))
    for (_, mine), (_, theirs) in zip(player_optimizers(model), player_optimizers(best)):
        pairs += list(zip(mine.variables, theirs.variables))
    if len(model.variables) != len(best.variables) or any(a.shape != b.shape for a, b in pairs):
        raise ValueError(f"the autopilot's best checkpoint {path!r} holds a model unlike the run's")
    for variable, value in pairs:
        variable.assign(value)
