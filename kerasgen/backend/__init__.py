"""The one place where training differs per Keras backend.

Models declare *what* to update: a loss function, the variables it trains and the
optimizer that updates them. The module for the active backend says *how*: TensorFlow
records a `GradientTape`, torch calls `backward`, JAX differentiates a pure function
of the training state (see `jax_backend`).
"""

import contextlib
import importlib
import json
import os
import shutil
import tempfile

import keras
from kerasgen_runtime.files import atomic_path

from kerasgen.backend.joint_optimizer import JointOptimizer


def _module():
    name = keras.backend.backend()
    if name not in ("tensorflow", "jax", "torch"):
        raise RuntimeError(f"kerasgen supports the tensorflow, jax and torch backends, got {name!r}")
    return importlib.import_module(f"kerasgen.backend.{name}_backend")


def minimize(loss_fn, variables, optimizer):
    """Computes `loss_fn()`, differentiates it w.r.t. `variables`, applies `optimizer`.

    `loss_fn` takes no argument and returns `(loss, logs)`; `logs` is a dict of tensors
    to report. Only `variables` change. Returns `logs`. A `LossScaleOptimizer`
    (mixed_float16, see `kerasgen.precision`) differentiates its scaled loss.
    """
    return _module().minimize(scaled_loss(loss_fn, optimizer), variables, optimizer)


def forward(fn, variables):
    """Runs `fn()` and keeps what differentiating it w.r.t. `variables` later needs.

    Returns `(output, pass_)`: use `output` freely (as a constant) in other updates, then
    hand `pass_` to `minimize_through`, which differentiates through this same forward
    pass instead of running it again. A GAN uses it to generate one batch that serves both
    the discriminator's and the generator's update.
    """
    return _module().forward(fn, list(variables))


def minimize_through(pass_, loss_fn, optimizer):
    """One update of the variables given to `forward`: `loss_fn(output) -> (loss, logs)`.

    The gradient flows from the loss to `output` and on through the recorded forward
    pass to its variables; only they change. Returns `logs`.
    """
    return _module().minimize_through(pass_, scaled_loss(loss_fn, optimizer), optimizer)


def scaled_loss(loss_fn, optimizer):
    """`loss_fn` returning its loss multiplied by the loss scale of `optimizer` when it is
    a `keras.optimizers.LossScaleOptimizer` (whose `apply` divides the gradients by the
    scale again, and skips the update when they are not finite); else `loss_fn`.

    The scale keeps float16 gradients from underflowing to zero; the logs keep the
    unscaled loss.
    """
    if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return loss_fn

    def scaled(*args):
        loss, logs = loss_fn(*args)
        return optimizer.scale_loss(keras.ops.cast(loss, "float32")), logs

    return scaled


def gradients(scalar_fn, tensor):
    """Gradient of `scalar_fn(tensor)` w.r.t. the input tensor (for gradient penalties)."""
    return _module().gradients(scalar_fn, tensor)


def step_functions(model):
    """Context in which Keras builds `model`'s train/test functions.

    On JAX, Keras calls `train_step(state, data)`; inside this context the model's
    `train_step(data)` / `test_step(data)` are wrapped into such pure functions.
    Elsewhere it does nothing.
    """
    if keras.backend.backend() == "jax":
        return _module().stateless_steps(model)
    return contextlib.nullcontext()


def steps_per_execution(model, requested):
    """The number of steps per `fit` call that `model` can run on the active backend.

    `requested` where it works: torch runs one step per call (Keras's torch trainer
    refuses more), and so does a TensorFlow model under a strategy with several
    replicas (`MirroredStrategy` over 2+ devices, `MultiWorkerMirroredStrategy`), where
    Keras's (3.15) multi-step loop over a distributed iterator fails with "You must feed
    a value for placeholder tensor ... while/cond/Placeholder". The setting only
    amortizes per-call overhead; the training is the same step for step.
    """
    name = keras.backend.backend()
    if name == "torch":
        return 1
    if name == "tensorflow":
        return _module().steps_per_execution(model, requested)
    return requested


def worker_failures(model, callbacks=None):
    """Context around `fit`: when a worker of a TensorFlow multi-worker run dies, the
    others stop with a one-line `SystemExit` naming it and the last committed checkpoint
    (of an `EpochCheckpoint` in `callbacks`), not a collective-op traceback. A checkpoint
    is committed by one rename, so the one `checkpoint.json` names stays valid."""
    if keras.backend.backend() != "tensorflow":
        return contextlib.nullcontext()
    # Imported here: kerasgen.callbacks imports this package (a top-level import would
    # be a circle).
    from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint

    directories = [c.directory for c in callbacks or () if isinstance(c, EpochCheckpoint)]
    return _module().worker_failures(model, directories[0] if directories else None)


def fit_arrays(x, y, kwargs):
    """`fit`'s `(x, y, kwargs)` for NumPy `x` (and `y`), ready for Keras's `fit`.

    On TensorFlow, where Keras's array pipeline loses seconds at every epoch boundary,
    the arrays become a `tf.data` pipeline that batches and shuffles them the same way
    (see `tensorflow_backend.fit_arrays`). Elsewhere they pass through.
    """
    if keras.backend.backend() == "tensorflow":
        return _module().fit_arrays(x, y, kwargs)
    return x, y, kwargs


def fit_batches(batches):
    """What `fit` trains on for `batches`, a `kerasgen.data.ShuffledBatches`.

    On TensorFlow with one replica, batches that only gather rows become a `tf.data`
    pipeline holding the same batches in the same order (a function of seed, epoch
    and batch index; `tensorflow_backend.epoch_dataset`): Keras's PyDataset path calls
    Python for every batch and loses seconds at every epoch boundary. Elsewhere, and
    for batches that change what they hold (shifts, binarization), the PyDataset.
    """
    if keras.backend.backend() == "tensorflow" and batches.gathers_rows:
        return _module().fit_batches(batches)
    return batches


def is_chief():
    """Whether this process writes the run's files (checkpoints, `.keras` files).

    In a multi-worker run only one process does: under TensorFlow (`TF_CONFIG`) the
    `chief` task, or worker 0 when the cluster has none; under JAX
    (`keras.distribution.initialize` / `jax.distributed`) process 0. A single process
    is always the chief.
    """
    if keras.backend.backend() in ("tensorflow", "jax"):
        return _module().is_chief()
    return True


def is_single_process():
    """Whether the run is one process (a decision one process takes from its own clock,
    such as `kerasgen.callbacks.EpochCadence`'s, then needs no agreement)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.process_count() == 1
    if keras.backend.backend() == "tensorflow":
        return not (json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster"))
    return True


def step_logs(logs):
    """The logs a train/test step returns, in the form Keras can reduce over replicas."""
    if keras.backend.backend() == "tensorflow":
        return _module().step_logs(logs)
    return logs


def save_on_chief(model, path):
    """Saves `model` to the `.keras` file `path` (atomically) in the chief process only.

    Every process of a multi-process run must call it at the same point: under JAX,
    reading the model's values is a collective that needs all processes (a save in the
    chief alone waits on, or mixes with, the others' next step). The other processes
    save into a private temporary folder that is removed at once (TensorFlow's
    multi-worker guide does the same). Returns whether this process wrote `path`.
    """
    if is_chief():
        with atomic_path(path) as tmp:
            model.save(tmp)
        return True
    folder = tempfile.mkdtemp(prefix="kerasgen-not-chief-")
    try:
        model.save(os.path.join(folder, "model.keras"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return False
