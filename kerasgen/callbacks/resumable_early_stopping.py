"""Early stopping whose counters are recorded with each checkpoint, so --resume keeps them."""

import math

import keras


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """`keras.callbacks.EarlyStopping` whose patience count and best value survive a resume.

    `state()` is what `EpochCheckpoint` records in `checkpoint.json` each epoch (plain
    numbers: the epochs waited, the best value and its epoch, the epoch it stopped at);
    a resumed run passes it back with the weights of the best epoch, so it stops at the
    epoch the uninterrupted run stops at and restores the same weights.

    Args:
        state: a dict from `state()` of the interrupted run (None: a fresh run).
        best_weights: the weights at the end of the best epoch of that run (what
            `restore_best_weights` restores).
        **kwargs: as `keras.callbacks.EarlyStopping`.

    Example:
    ```python
    stop = kerasgen.callbacks.ResumableEarlyStopping(patience=3, restore_best_weights=True)
    vae.fit(x, validation_data=(x_val,), epochs=50, callbacks=[stop])
    ```
    """

    def __init__(self, state=None, best_weights=None, **kwargs):
        super().__init__(**kwargs)
        self.resumed_state = dict(state) if state else None
        self.resumed_best_weights = best_weights

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)  # resets the counters, as for any new fit
        if self.resumed_state:
            state = self.resumed_state
            self.wait, self.best_epoch = int(state["wait"]), int(state["best_epoch"])
            self.stopped_epoch = int(state.get("stopped_epoch", 0))
            self.best = state["best"]
            self.best_weights = self.resumed_best_weights

    def state(self):
        """The counters as JSON numbers (`best` None until an epoch is monitored)."""
        best = None if self.best is None else float(self.best)
        return {"wait": int(self.wait), "best": best if best is None or math.isfinite(best) else None,
                "best_epoch": int(self.best_epoch), "stopped_epoch": int(self.stopped_epoch)}
