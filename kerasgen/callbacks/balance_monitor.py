import warnings

import keras

LOGISTIC_LOSSES = ("non_saturating", "minimax")
FLOORED_LOSSES = LOGISTIC_LOSSES + ("hinge", "least_squares")


class BalanceMonitor(keras.callbacks.Callback):
    """Warns when one GAN player wins for many consecutive training steps.

    The discriminator wins when its loss is near 0 (`discriminator_loss <=
    loss_floor`) or, for the logistic losses, when D(real) ~ 1 and D(fake) ~ 0
    (`real_score >= 1 - score_margin` and `fake_score <= score_margin`): the generator
    then gets vanishing gradients. The generator wins when, for the logistic losses,
    D(fake) ~ 1 (`fake_score >= 1 - score_margin`): the discriminator no longer tells
    samples apart. After `patience` consecutive steps of either it warns once per
    episode, records the episode in `self.events` and, with `stop_training=True`,
    stops training. Each epoch's logs (so `metrics.csv`) get the steps each player
    won: `discriminator_winning_steps`, `generator_winning_steps`.

    Keras reports running means over the epoch; the monitor recovers the values of
    each reporting window (one step, or `steps_per_execution` steps) from them.

    Args:
        patience: consecutive winning steps before warning, or `"epoch"`: one epoch's
            steps (at most 200).
        score_margin: how close to 0 / 1 a mean score must be.
        loss_floor: discriminator losses at or below this count as winning.
        stop_training: stop `fit` when imbalance is detected.

    Example:
    ```python
    monitor = kerasgen.callbacks.BalanceMonitor(patience=200)
    gan.fit(x, epochs=20, callbacks=[monitor])
    print(monitor.events)
    ```
    """

    def __init__(self, patience=200, score_margin=0.05, loss_floor=0.05, stop_training=False):
        super().__init__()
        if patience != "epoch" and (isinstance(patience, bool) or not isinstance(patience, int) or patience < 1):
            raise ValueError(f"patience must be a positive int or 'epoch', got {patience!r}")
        if not 0 < score_margin < 0.5:
            raise ValueError(f"score_margin must be in (0, 0.5), got {score_margin!r}")
        if not loss_floor >= 0:
            raise ValueError(f"loss_floor must be >= 0, got {loss_floor!r}")
        self.patience = patience
        self.score_margin = score_margin
        self.loss_floor = loss_floor
        self.stop_training = stop_training
        self.events = []
        self.streaks = {"discriminator": 0, "generator": 0}
        self.epoch_wins = {"discriminator": 0, "generator": 0}  # steps won this epoch
        self._step = 0
        self._previous = None

    def on_train_begin(self, logs=None):
        loss = getattr(self.model, "loss_name", None)
        if loss not in FLOORED_LOSSES:
            raise ValueError(
                "BalanceMonitor needs a model whose discriminator loss has a floor "
                f"(loss one of {list(FLOORED_LOSSES)}: GAN, ConditionalGAN, VAEGAN), got "
                f"{type(self.model).__name__} with loss {loss!r}"
            )
        self._probabilities = loss in LOGISTIC_LOSSES
        if self.patience == "epoch":  # one epoch's steps, at most 200
            self.patience = max(1, min(200, (self.params or {}).get("steps") or 200))

    def on_epoch_begin(self, epoch, logs=None):
        self._previous = None  # Keras resets the running means each epoch
        self.epoch_wins = {"discriminator": 0, "generator": 0}

    def on_epoch_end(self, epoch, logs=None):
        """Logs the epoch's steps each player won (`discriminator_winning_steps`,
        `generator_winning_steps`): CSVLogger and `metrics.csv` record them."""
        if logs is not None:
            logs.update({f"{player}_winning_steps": float(steps)
                         for player, steps in self.epoch_wins.items()})

    def on_train_batch_end(self, batch, logs=None):
        names = ("discriminator_loss", "real_score", "fake_score")
        if not logs or any(name not in logs for name in names):
            return
        # With steps_per_execution > 1 Keras reports a group's last step as
        # begin + steps_per_execution - 1, even past the epoch's end: count no further.
        count = min(batch + 1, (self.params or {}).get("steps") or batch + 1)
        means = {name: float(logs[name]) for name in names}
        previous_count, previous = self._previous or (0, None)
        steps = count - previous_count
        if steps <= 0:
            return
        window = means if previous is None else {
            name: (count * means[name] - previous_count * previous[name]) / steps for name in names
        }
        self._previous = (count, means)
        self._step += steps
        self.update(window, steps)

    def update(self, values, steps=1):
        """Counts `steps` steps whose mean values are `values`; warns on long streaks."""
        margin = self.score_margin
        winner = None
        if values["discriminator_loss"] <= self.loss_floor or (
            self._probabilities and values["real_score"] >= 1 - margin and values["fake_score"] <= margin
        ):
            winner = "discriminator"
        elif self._probabilities and values["fake_score"] >= 1 - margin:
            winner = "generator"
        for player in self.streaks:
            self.streaks[player] = self.streaks[player] + steps if player == winner else 0
        if winner:
            self.epoch_wins[winner] += steps
        if winner and self.streaks[winner] >= self.patience and (
            not self.events or self.events[-1]["start_step"] != self._step - self.streaks[winner]
        ):
            self.warn(winner, values)

    def warn(self, winner, values):
        start = self._step - self.streaks[winner]
        self.events.append({"winner": winner, "start_step": start, "step": self._step, **values})
        advice = (
            "lower the discriminator's learning rate, add instance noise or label smoothing"
            if winner == "discriminator"
            else "raise discriminator_steps or the discriminator's learning rate"
        )
        warnings.warn(
            f"GAN imbalance: the {winner} has been winning for {self.streaks[winner]} steps "
            f"(discriminator_loss {values['discriminator_loss']:.3g}, D(real) "
            f"{values['real_score']:.3g}, D(fake) {values['fake_score']:.3g}); {advice}.",
            stacklevel=2,
        )
        if self.stop_training:
            self.model.stop_training = True
