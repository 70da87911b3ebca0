"""The training base shared by every kerasgen model."""

import keras
import numpy as np

from kerasgen import backend as kg_backend
from kerasgen.datasets import from_arrays


class GenerativeModel(keras.Model):
    """Base class: metric trackers, update steps, input checks and sampling network.

    Subclasses set `metric_names` (the log keys, equal to tracker names), implement
    `train_step` with `self.minimize(loss_fn, variables, optimizer)` for each update,
    `test_step`, `sample(num_samples, seed)` and `sampling_network()` (the network that
    maps noise to data, for export). `output_range` is the value range of samples.
    """

    metric_names = ("loss",)
    output_range = (0.0, 1.0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, optimizer="adam", steps_per_execution=1, jit_compile="auto", **kwargs):
        # "auto" lets Keras pick per backend and device: no XLA for TensorFlow on CPU
        # (measured slower than tf.function for these models), eager torch, jitted JAX
        # (unjitted, every op of a JAX step would run eagerly).
        if keras.backend.backend() == "torch":
            # Keras's torch trainer runs one step per call (it refuses more); the setting
            # only amortizes per-call overhead, so recipes that ask for more still train.
            steps_per_execution = 1
        super().compile(
            optimizer=optimizer,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            **kwargs,
        )

    def compile_from_config(self, config):
        # `compile` is overridden, so Keras leaves restoring it to us.
        config = keras.saving.deserialize_keras_object(config)
        # Whether to jit depends on the backend and device loading the model (a model
        # trained on TensorFlow/CPU saves False, which would leave JAX steps eager).
        config["jit_compile"] = "auto"
        self.compile(**config)
        self.build_optimizers()

    def build_optimizers(self):
        """Creates optimizer variables so saved optimizer state can be loaded into them."""
        if getattr(self, "optimizer", None) is not None:
            self.optimizer.build(self.trainable_variables)

    # On JAX, Keras jits `train_step(state, data)`; these wrap ours (which take `data`)
    # into pure functions of the state. No-ops on TensorFlow and torch.
    def make_train_function(self, force=False):
        with kg_backend.step_functions(self):
            return super().make_train_function(force)

    def make_test_function(self, force=False):
        with kg_backend.step_functions(self):
            return super().make_test_function(force)

    def minimize(self, loss_fn, variables, optimizer):
        """One update: `loss_fn() -> (loss, logs)`, only `variables` change."""
        return kg_backend.minimize(loss_fn, variables, optimizer)

    def record(self, values):
        """Updates the trackers named in `values` and returns every tracker's result."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return kg_backend.step_logs({name: tracker.result() for name, tracker in self.trackers.items()})

    @staticmethod
    def unpack_inputs(data):
        """`x` from the `fit` batch (`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`)."""
        x = data[0] if isinstance(data, (tuple, list)) else data
        # torch's train_on_batch / test_on_batch pass NumPy batches through unconverted.
        return keras.ops.convert_to_tensor(x)

    def check_data(self, x, expected_shape, name="x"):
        """Checks user arrays before training: numeric, finite, per-example shape."""
        x, _ = from_arrays(x, name=name)
        if tuple(x.shape[1:]) != tuple(expected_shape):
            raise ValueError(
                f"{name} must have per-example shape {tuple(expected_shape)} for this "
                f"model, got {tuple(x.shape[1:])} (full shape {x.shape})"
            )
        return x

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, np.ndarray):
            x = self.check_data(x, self.data_shape)
            if not args:
                x, y, kwargs = kg_backend.fit_arrays(x, y, kwargs)
        return super().fit(x, y, *args, **kwargs)

    @property
    def data_shape(self):
        """Per-example shape of the training data."""
        raise NotImplementedError

    def sampling_network(self):
        """The Keras network that maps noise (and labels) to samples."""
        raise NotImplementedError

    def sample(self, num_samples, seed=None):
        raise NotImplementedError


def predict_in_batches(network, inputs, batch_size=256):
    """Runs `network` in inference mode over `inputs` in batches; returns NumPy arrays.

    Calls the network directly rather than `predict` (which pays start-up costs per
    call); multi-output networks give a list of arrays.
    """
    outputs = []
    for start in range(0, len(inputs), batch_size):
        batch = network(inputs[start : start + batch_size], training=False)
        if isinstance(batch, (list, tuple)):
            outputs.append([keras.ops.convert_to_numpy(b) for b in batch])
        else:
            outputs.append([keras.ops.convert_to_numpy(batch)])
    merged = [np.concatenate(parts) for parts in zip(*outputs)]
    return merged if len(merged) > 1 else merged[0]
