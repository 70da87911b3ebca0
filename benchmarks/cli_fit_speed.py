"""Steady-state epoch time of `kerasgen fit RECIPE` (the command users run) against a
keras.io-style model of the same architecture trained with `model.fit` on arrays.

For each recipe two rows, each a fresh process as a user's run is:
- cli: `kerasgen fit RECIPE --data DATA --limit N --epochs E --out TMP` (the CLI's
  whole path with its defaults: its input pipeline, the CSV row each epoch, the
  checkpoint when `--checkpoint-every auto` saves it, the sample grid and the monitors
  when `--monitor-every auto` runs them, the progress bar; the row prints which epochs
  were monitored, from `metrics.csv`);
- keras.io: the recipe's own networks (fresh, the same layers and parameter count)
  trained by the train step the keras.io examples write (`keras_io_references.py`),
  `model.fit(x, batch_size=B, epochs=E)` on the same seeded subset as NumPy arrays.

DATA is mnist5k (`--data`), and for the RGB recipe `gan_rgb` the 32x32 RGB dataset
`color_digits32`. The keras.io rows use the keras.io DCGAN step for `gan_rgb` too
(binary cross-entropy where the recipe uses the hinge loss; no `training=True`, so the
discriminator's spectral norm does not update its vectors: if anything a cheaper step).

An epoch's time is the wall time from one epoch's `on_epoch_begin` to the next's (a
callback added last; for the CLI after its own callbacks), so it holds the epoch's
steps, every epoch-end callback and the epoch boundary. The first epoch (tracing) and
the last (no next epoch begins) are left out; each row is the mean of the epochs
between, best of `--repeats` runs. The rows of all recipes take turns within a repeat,
so they see the same machine load. The ratio is keras.io time / CLI time (> 1: the CLI
is faster; the target is >= 1.2).

`--profile` then runs each recipe's CLI once under cProfile, enabled from the second
epoch's start to the last epoch's start, and prints where that time went: the train
steps (Keras's train function), each epoch-end callback (checkpoint, sample grid,
monitors), the CSV rewrite (inside the checkpoint's time), the progress bar, the
Python side of the input pipeline, and the rest. It also times the input pipeline
alone: one epoch of batches drawn through what `fit` gets (the `tf.data` pipeline under
TensorFlow) and through the PyDataset's `__getitem__`.

    python benchmarks/cli_fit_speed.py [--recipes vae dcgan wgan_gp cgan] [--limit 1024]
        [--epochs 4] [--repeats 2] [--profile] [--data mnist5k]
        [--recipes gan_rgb]   # on color_digits32

`--mixed-precision float32 mixed_bfloat16 mixed_float16` adds CLI rows with the CLI's
`--mixed-precision` (the keras.io rows stay float32: their train step has no loss
scaling); `--rows cli` leaves the keras.io rows out, for a machine without TensorFlow
(their train step is TensorFlow's), e.g. a GPU machine under the JAX or PyTorch backend
(`KERAS_BACKEND`; under JAX Keras compiles the train step with XLA, under PyTorch it
runs eagerly). The summary names the backend and the device.
"""

import argparse
import cProfile
import csv
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECIPES = ("vae", "dcgan", "wgan_gp", "cgan", "gan_rgb")
RGB_DATA = "color_digits32"  # gan_rgb trains on 32x32 RGB images


class EpochClock:
    """Records `time.perf_counter()` at every `on_epoch_begin` (and optionally runs a
    profiler between the second epoch's start and the last epoch's start)."""

    def __init__(self, epochs, profiler=None):
        import keras

        clock = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                clock.starts.append(time.perf_counter())
                if clock.profiler is not None and epoch == 1:
                    clock.profiler.enable()
                if clock.profiler is not None and epoch == epochs - 1:
                    clock.profiler.disable()

        self.starts, self.profiler, self.callback = [], profiler, Callback()

    def steady_epochs(self):
        """Seconds of each epoch after the first that has a next epoch's start."""
        return [b - a for a, b in zip(self.starts[1:], self.starts[2:])]


def data_of(recipe, args):
    return RGB_DATA if recipe == "gan_rgb" else args.data


def run_cli_row(recipe, args, clock):
    sys.path.insert(0, ROOT)
    import kerasgen_cli
    from kerasgen import training

    train = training.train

    def timed_train(spec, out, **kwargs):
        kwargs["callbacks"] = tuple(kwargs.get("callbacks", ())) + (clock.callback,)
        return train(spec, out, **kwargs)

    training.train = timed_train
    with tempfile.TemporaryDirectory() as tmp:
        status = kerasgen_cli.main(["fit", recipe, "--data", data_of(recipe, args), "--limit", str(args.limit),
                                    "--epochs", str(args.epochs), "--out", os.path.join(tmp, "run"),
                                    "--mixed-precision", args.mixed_precision[0]])
        if status:
            raise SystemExit(f"kerasgen fit {recipe} exited with {status}")
        with open(os.path.join(tmp, "run", "metrics.csv"), newline="") as f:
            monitored = [int(float(row["monitored"] or 0)) for row in csv.DictReader(f)]
    print("MONITORED " + json.dumps(monitored))


def recipe_data(recipe, args):
    from kerasgen import recipes, training
    from kerasgen.training_data import prepare_data

    spec = dict(training.default_spec(recipe), data=data_of(recipe, args))
    (x, y), _ = prepare_data(spec, args.limit)
    return spec, recipes.get(recipe), x, y


def run_keras_io_row(recipe, args, clock):
    import keras
    from keras_io_references import keras_io_model

    spec, found, x, y = recipe_data(recipe, args)
    keras.utils.set_random_seed(0)
    model = keras_io_model(recipe, x.shape[1:], num_classes=int(y.max()) + 1 if found.labels else None)
    model.fit(x, y if found.labels else None, batch_size=spec["batch_size"], epochs=args.epochs,
              callbacks=[clock.callback], verbose=0)


def run_row(row, recipe, args):
    """Runs one row in this process; prints its steady-state epoch times as JSON."""
    profiler = cProfile.Profile() if args.profile_to else None
    clock = EpochClock(args.epochs, profiler)
    (run_cli_row if row == "cli" else run_keras_io_row)(recipe, args, clock)
    if profiler is not None:
        profiler.dump_stats(args.profile_to)
    print("EPOCHS " + json.dumps(clock.steady_epochs()))


def child(row, recipe, args, profile_to=None, policy="float32"):
    command = [sys.executable, os.path.abspath(__file__), "--row", row, "--recipes", recipe,
               "--limit", str(args.limit), "--epochs", str(args.epochs), "--data", args.data,
               "--mixed-precision", policy]
    if profile_to:
        command += ["--profile-to", profile_to]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE)
    lines = [line for line in done.stdout.splitlines() if line.startswith("EPOCHS ")]
    if done.returncode or not lines:
        raise SystemExit(f"{row} {recipe} {policy} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    monitored = [line for line in done.stdout.splitlines() if line.startswith("MONITORED ")]
    if monitored:
        print(f"  kerasgen fit {recipe}: grid and monitors ran after epochs "
              f"{[i + 1 for i, m in enumerate(json.loads(monitored[-1][len('MONITORED '):])) if m]}")
    return json.loads(lines[-1][len("EPOCHS "):])


# The parts of a profiled CLI epoch: (label, match on "file:function" of cProfile's keys).
PARTS = (
    ("train steps (Keras train function)", lambda f, n: f.endswith("tensorflow/trainer.py") and n == "function"),
    ("checkpoint (EpochCheckpoint, CSV included)", lambda f, n: f.endswith("epoch_checkpoint.py") and n == "on_epoch_end"),
    ("  of which the CSV rewrite", lambda f, n: f.endswith("run_folder.py") and n == "rewrite_metrics_log"),
    ("sample grid (ImageGrid)", lambda f, n: f.endswith("image_grid.py") and n == "on_epoch_end"),
    ("monitor: sample diversity", lambda f, n: f.endswith("mode_collapse_monitor.py") and n == "on_epoch_end"),
    ("monitor: posterior collapse", lambda f, n: f.endswith("posterior_collapse_monitor.py") and n == "on_epoch_end"),
    ("monitor: gan balance (epoch + batch ends)", lambda f, n: f.endswith("balance_monitor.py")
     and n in ("on_epoch_end", "on_train_batch_end")),
    ("progress bar", lambda f, n: f.endswith("progbar_logger.py") and n in ("on_train_batch_end", "on_epoch_end")),
    ("input pipeline (Python side)", lambda f, n: f.endswith("shuffled_batches.py") and n in ("__getitem__", "order")
     or f.endswith("py_dataset_adapter.py") and n == "_get_iterator"),
)


def profile_summary(path, seconds):
    stats = pstats.Stats(path).stats
    print(f"  profiled epochs: {seconds:.2f} s")
    accounted = 0.0
    for label, match in PARTS:
        total = sum(entry[3] for (f, _, n), entry in stats.items() if match(f, n))
        if not label.startswith("  "):
            accounted += total
        print(f"  {label:45s} {total:7.2f} s  {100 * total / seconds:5.1f}%")
    print(f"  {'the rest (Keras loop, epoch boundary, ...)':45s} {seconds - accounted:7.2f} s  "
          f"{100 * (seconds - accounted) / seconds:5.1f}%")


def pipeline_times(recipe, args):
    """Seconds to draw one epoch of batches through what `fit` gets, and through the
    PyDataset's `__getitem__`."""
    from kerasgen import backend
    from kerasgen.training_data import training_inputs

    spec, found, x, y = recipe_data(recipe, args)
    inputs = training_inputs(spec, found, x, y, 1)
    data = backend.fit_batches(inputs)
    for _ in data if data is not inputs else ():
        pass  # one epoch to start the pipeline
    start = time.perf_counter()
    count = sum(1 for _ in data) if data is not inputs else 0
    fed = time.perf_counter() - start
    start = time.perf_counter()
    for index in range(len(inputs)):
        inputs[index]
    return (fed if count else None), time.perf_counter() - start


def device_name():
    """The Keras backend and the device it trains on, in words."""
    import platform

    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        kind = getattr(device, "device_kind", "")
        name = device.platform if kind in ("", device.platform) else f"{device.platform} {kind}"
    elif backend == "torch":
        import torch

        name = f"cuda {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "cpu"
    else:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        name = f"gpu {gpus[0].name}" if gpus else "cpu"
    return f"backend {backend} on {name}; {platform.machine()}, {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES))
    parser.add_argument("--data", default="mnist5k")
    parser.add_argument("--limit", type=int, default=1024, help="seeded random subset (the CLI's --limit)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run (>= 3: the first and last are left out)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rows", nargs="+", choices=("keras.io", "cli"), default=["keras.io", "cli"])
    parser.add_argument("--mixed-precision", nargs="+", default=["float32"],
                        choices=("float32", "mixed_bfloat16", "mixed_float16"),
                        help="the CLI rows' --mixed-precision policies (keras.io rows: float32)")
    parser.add_argument("--row", choices=("cli", "keras.io"), help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.epochs < 3:
        parser.error(f"--epochs must be at least 3 (the first and last epochs are left out), got {args.epochs}")
    if args.row:
        return run_row(args.row, args.recipes[0], args)
    runs = [(row, policy) for policy in args.mixed_precision for row in args.rows
            if row == "cli" or policy == "float32"]
    best = {}
    for repeat in range(args.repeats):
        for recipe in args.recipes:
            for row, policy in runs:
                epochs = child(row, recipe, args, policy=policy)
                mean = sum(epochs) / len(epochs)
                best[recipe, row, policy] = min(best.get((recipe, row, policy), mean), mean)
                print(f"repeat {repeat + 1} {recipe:8s} {row:8s} {policy:14s} {mean:7.3f} s/epoch  "
                      f"({', '.join(f'{e:.3f}' for e in epochs)})", flush=True)
    print(f"\n{args.data} ({RGB_DATA} for gan_rgb), seeded random subset of {args.limit} (--limit), {args.epochs} epochs a run, "
          f"steady-state epochs {args.epochs - 2}, best of {args.repeats}; load average "
          f"{os.getloadavg()[0]:.2f} now; {device_name()}")
    print(f"{'recipe':8s} {'policy':14s} {'keras.io s/epoch':>16s} {'cli s/epoch':>12s} {'keras.io/cli':>13s}")
    for recipe in args.recipes:
        for policy in args.mixed_precision:
            io, cli = best.get((recipe, "keras.io", "float32")), best.get((recipe, "cli", policy))
            if cli is None:
                continue
            ratio = f"{io / cli:13.2f}  (target >= 1.2)" if io is not None else f"{'-':>13s}"
            io = f"{io:16.3f}" if io is not None else f"{'-':>16s}"
            print(f"{recipe:8s} {policy:14s} {io} {cli:12.3f} {ratio}")
    if args.profile:
        for recipe in args.recipes:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "profile")
                epochs = child("cli", recipe, args, profile_to=path)
                print(f"\nWhere `kerasgen fit {recipe}` spends its steady-state epochs (cProfile):")
                profile_summary(path, sum(epochs))
            fed, pydataset = pipeline_times(recipe, args)
            if fed is not None:
                print(f"  input pipeline alone, one epoch: {fed:.3f} s through fit's tf.data pipeline, "
                      f"{pydataset:.3f} s through the PyDataset's __getitem__")
            else:
                print(f"  input pipeline alone, one epoch: {pydataset:.3f} s (PyDataset)")


if __name__ == "__main__":
    main()
