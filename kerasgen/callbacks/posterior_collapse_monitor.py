import warnings

import keras
import numpy as np

from kerasgen.callbacks.epoch_cadence import check_every, cost_of, is_due


class PosteriorCollapseMonitor(keras.callbacks.Callback):
    """Watches a VAE for posterior collapse: per-dimension KL and active units.

    At the end of every `every` epochs it encodes `data` and logs
    - `kl_per_dimension`: KL(q(z_i|x) || N(0, 1)) averaged over the data, per latent
      dimension (kept in `self.history`, not in the Keras logs);
    - `active_units`: the number of dimensions with Cov_x(E_q[z_i|x]) > `activity_threshold`
      (Burda et al. 2016), added to the Keras logs;
    - `total_kl`: the summed KL, in the logs as `posterior_kl`.
    If the summed KL stays below `kl_threshold` nats for `patience` epochs it warns, and
    stops training when `stop_training=True`: from the epoch of the first measurement
    below the threshold to the current one, every measurement between them below (with
    `every` > 1 the epochs between measurements count). A run whose last epoch's
    measurement is below the threshold also warns, however short the streak: there is
    no later epoch to recover in.

    Args:
        data: images to encode (a held-out slice is best).
        kl_threshold: collapse threshold on the summed KL, in nats.
        activity_threshold: variance threshold of an active unit (0.01).
        patience: epochs under the threshold before warning (counted from the first
            measurement under it).
        stop_training: stop `fit` on collapse.
        every: measure every N epochs and after the last (`fit`'s `epochs`, or an
            epoch after which an earlier callback stopped training); or a
            `kerasgen.callbacks.EpochCadence` that decides. Other epochs' logs lack
            `active_units` and `posterior_kl`.

    Example:
    ```python
    monitor = kerasgen.callbacks.PosteriorCollapseMonitor(x_test[:500])
    vae.fit(x_train, epochs=30, callbacks=[monitor])
    print(monitor.history[-1]["active_units"])
    ```
    """

    def __init__(
        self, data, kl_threshold=0.1, activity_threshold=0.01, patience=2, stop_training=False, every=1
    ):
        super().__init__()
        check_every(every)
        if kl_threshold < 0:
            raise ValueError(f"kl_threshold must be >= 0, got {kl_threshold}")
        if patience < 1:
            raise ValueError(f"patience must be a positive int, got {patience}")
        self.data = np.asarray(data, dtype="float32")
        self.kl_threshold = kl_threshold
        self.activity_threshold = activity_threshold
        self.patience = patience
        self.stop_training = stop_training
        self.every = every
        self.history = []
        self.collapsed = False
        self._below_since = None  # the epoch (1-based) of the first measurement below

    def measure(self, model):
        mean, log_var = model.encode(self.data)
        mean, log_var = mean.astype("float64"), log_var.astype("float64")
        kl = 0.5 * (mean**2 + np.exp(log_var) - log_var - 1.0)
        kl_per_dimension = kl.mean(axis=0)
        activity = mean.var(axis=0)
        return {
            "kl_per_dimension": kl_per_dimension,
            "activity": activity,
            "active_units": int(np.sum(activity > self.activity_threshold)),
            "total_kl": float(kl_per_dimension.sum()),
        }

    def on_epoch_end(self, epoch, logs=None):
        if not is_due(self, self.every, epoch):
            return
        last = epoch + 1 >= (self.params or {}).get("epochs", float("inf")) or bool(self.model.stop_training)
        with cost_of(self.every):
            self.check(logs, epoch + 1, last)

    def check(self, logs, epoch=None, last=False):
        """Measures the model after `epoch` (1-based; None: the measurement after the
        last one; `last`: the run's last epoch), logs and warns."""
        if epoch is None:
            epoch = len(self.history) + 1
        stats = self.measure(self.model)
        self.history.append(stats)
        if logs is not None:
            logs["active_units"] = stats["active_units"]
            logs["posterior_kl"] = stats["total_kl"]
        if stats["total_kl"] >= self.kl_threshold:
            self._below_since = None
        elif self._below_since is None:
            self._below_since = epoch
        epochs_below = 0 if self._below_since is None else epoch - self._below_since + 1
        if epochs_below >= self.patience or (epochs_below and last and not self.collapsed):
            self.collapsed = True
            streak = (f"for {epochs_below} epochs (since epoch {self._below_since})" if epochs_below >= self.patience
                      else f"at the run's last epoch ({epoch})")
            warnings.warn(
                f"Posterior collapse: KL(q(z|x) || p(z)) = {stats['total_kl']:.4f} nats < "
                f"{self.kl_threshold} {streak}; "
                f"{stats['active_units']} active units. Try a KL warm-up "
                "(kerasgen.schedules.LinearWarmup) or a lower beta.",
                stacklevel=2,
            )
            if self.stop_training:
                self.model.stop_training = True
