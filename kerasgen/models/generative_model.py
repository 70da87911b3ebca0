"""The training base shared by every kerasgen model."""

import keras
import numpy as np

from kerasgen import backend as kg_backend
from kerasgen import precision
from kerasgen.data.user_arrays import from_arrays
from kerasgen.data.value_ranges import check_training_range

SEED_STATE_KEY = "noise_seed_state"


class GenerativeModel(keras.Model):
    """Base class: metric trackers, update steps, input checks and sampling network.

    Subclasses set `metric_names` (the log keys, equal to tracker names), implement
    `train_step` with `self.minimize(loss_fn, variables, optimizer)` for each update,
    `test_step`, `sample(num_samples, seed)` and `sampling_network()` (the network that
    maps noise to data, for export). `output_range` is the value range of samples.

    A model declares what it is; the training runner, the commands, the zoo and export
    read these declarations instead of guessing from the methods a model has:
    - `prior`: the distribution `sample` draws latents from (`None`: the latent has
      none, as in a plain autoencoder, which cannot sample new data);
    - `conditioning`: what `sample` takes beside the seed: `"none"`, `"label"` (a class
      per sample, `num_classes`) or `"label_map"` (a map of classes per sample,
      `num_classes` and `map_shape`);
    - `encodes`: it has `encode(x)`, the codes of data (a posterior's `(mean, log_var)`
      or a deterministic code);
    - `reconstructs`: it also has `decode` and `reconstruct`;
    - `interpolates`: it has `interpolate(a, b, steps)` (a decoded path between the
      codes of two inputs);
    - `scores_likelihood`: it has `log_likelihood(x, num_samples, seed)`, an estimate
      of log p(x) per example;
    - `monitors`: names of the training monitors that apply to it (keys of
      `kerasgen.callbacks.MONITORS`);
    - `preview(seed, images)`: what a sample grid shows of it.
    """

    metric_names = ("loss",)
    output_range = (0.0, 1.0)
    prior = "standard_normal"
    conditioning = "none"
    encodes = False
    reconstructs = False
    interpolates = False
    scores_likelihood = False
    monitors = ()

    def __init__(self, class_names=None, **kwargs):
        super().__init__(**kwargs)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        # Names of the classes of the data (a class folder's sorted sub-folders), if known:
        # kept in the `.keras` config, the exports' metadata, shown wherever a class is.
        self.class_names = None if class_names is None else tuple(str(name) for name in class_names)

    def get_config(self):
        config = super().get_config()
        if self.class_names is not None:
            config["class_names"] = list(self.class_names)
        return config

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, optimizer="adam", steps_per_execution=1, jit_compile="auto", **kwargs):
        # "auto" lets Keras pick per backend and device: no XLA for TensorFlow on CPU
        # (measured slower than tf.function for these models), eager torch, jitted JAX
        # (unjitted, every op of a JAX step would run eagerly).
        # What the backend and strategy can run: one step per call on torch and under
        # several TensorFlow replicas (see `kerasgen.backend.steps_per_execution`).
        steps_per_execution = kg_backend.steps_per_execution(self, steps_per_execution)
        # Mixed precision (kerasgen.precision): float32 network outputs, and loss scaling
        # where layers compute in float16 (each player's optimizer, not the joint one).
        precision.float32_outputs(self)
        if not isinstance(optimizer, kg_backend.JointOptimizer):
            optimizer = precision.loss_scaled(optimizer, self)
        super().compile(
            optimizer=optimizer,
            auto_scale_loss=False,
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

    # The value range `fit` checks its data against (None: any); by default the range of
    # the model's samples (a sigmoid/Bernoulli decoder: [0, 1], a tanh generator: [-1, 1]).
    @property
    def input_range(self):
        low, high = self.output_range
        return None if low is None or high is None else (low, high)

    def check_range(self, x, name="x"):
        """Raises a ValueError if `x` (an array, or a first batch) does not lie in
        `input_range`, naming the range seen, the one expected and the converting helper."""
        if self.input_range is not None and np.size(x):
            check_training_range(np.asarray(x), self.input_range, name)

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, np.ndarray):
            x = self.check_data(x, self.data_shape)
            self.check_range(x)
            if not args:
                x, y, kwargs = kg_backend.fit_arrays(x, y, kwargs)
        else:
            first = first_batch(x)
            if first is not None:
                self.check_range(first, "the first batch of x")
        with kg_backend.worker_failures(self, kwargs.get("callbacks")):
            return super().fit(x, y, *args, **kwargs)

    # Keras does not save SeedGenerator states; without this a reloaded model would replay
    # other noise and a resumed run would not continue where it stopped.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        if getattr(self, "seed_generator", None) is not None:
            store[SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if SEED_STATE_KEY in keys and getattr(self, "seed_generator", None) is not None:
            self.seed_generator.state.assign(store[SEED_STATE_KEY])
        super().load_own_variables({key: store[key] for key in keys if key != SEED_STATE_KEY})

    @property
    def data_shape(self):
        """Per-example shape of the training data."""
        raise NotImplementedError

    def sampling_network(self):
        """The Keras network that maps noise (and labels) to samples."""
        raise NotImplementedError

    def preview(self, num_samples=64, seed=0, images=None):
        """What a grid of this model shows: `(samples, columns)` (columns None: a square
        grid), or None when it has nothing to show.

        `num_samples` samples of the prior (8 per class instead, a class a row, for a
        label-conditioned model); without a prior, `images` (real inputs, 8 a row)
        above their reconstructions.
        """
        if self.conditioning == "label":
            labels = np.repeat(np.arange(self.num_classes), 8)
            return self.sample(len(labels), seed=seed, labels=labels), 8
        if self.prior is None:
            if images is None or not self.reconstructs:
                return None
            images = np.asarray(images, "float32")
            return np.concatenate([images, self.reconstruct(images)]), 8
        return self.sample(num_samples, seed=seed), None

    def sample(self, num_samples, seed=None, latent_generator="kerasgen-v1"):
        if self.prior is None:
            raise ValueError(
                f"{type(self).__name__} cannot sample: its latent has no prior (random codes "
                "decode to smudges); decode codes of real images (decode(encode(x))), or "
                "train a VAE or GAN to sample new data"
            )
        raise NotImplementedError(f"{type(self).__name__} does not implement sample()")


def first_batch(data):
    """The images of the first batch of a `tf.data.Dataset` or `PyDataset` (else None)."""
    if isinstance(data, keras.utils.PyDataset):
        batch = data[0]
    elif type(data).__module__.startswith("tensorflow") and hasattr(data, "take"):
        batch = next(iter(data.take(1)), None)
    else:
        return None
    if isinstance(batch, dict) or batch is None:
        return None
    batch = batch[0] if isinstance(batch, (tuple, list)) else batch
    return keras.ops.convert_to_numpy(batch)


def deserialize_networks(config, names):
    """A copy of a model's `config` with the serialized networks under `names` turned
    back into Keras objects (a `None` entry, an optional network left out, stays). They
    are built under the model's mixed precision policy, if any (`kerasgen.precision`)."""
    config = dict(config)
    with precision.saved_policy(config):
        for name in names:
            if config.get(name) is not None:
                config[name] = precision.float32_outputs(keras.saving.deserialize_keras_object(config[name]))
    return config


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
