"""Training throughput of the VAE and the DCGAN under each Keras backend, side by side.

Each backend runs in its own process (a Keras backend is fixed at start-up) and trains
the `vae` and `dcgan` recipes, as `kerasgen fit` builds them, on mnist5k training
images: one untimed epoch (tracing / jit compilation), then `--epochs` timed epochs.
A control column trains the VAE recipe's encoder (mean) and decoder as a plain Keras
model with Keras's own `train_step` (`compile(loss="binary_crossentropy")`): it shows
how fast each backend runs these layers without kerasgen's training code, so a low ratio
there is the backend's, not kerasgen's. Backends take turns over `--repeats` rounds and the best round of each is kept, so all
see the same machine load. Prints training images per second and the ratio to
TensorFlow (1.00). Backends that are not installed are reported as such.

`--single-thread` runs every backend on one intra-op thread (OMP_NUM_THREADS=1 for
torch, TF_NUM_INTRAOP_THREADS=1, XLA's `intra_op_parallelism_threads=1`). On a machine
shared with other jobs, torch's OpenMP threads spin-wait when the cores are
oversubscribed and its default-threads figures drop several-fold; single-threaded
figures compare the backends' kernels and training code instead.

    python benchmarks/backends.py [--images 2048] [--epochs 2] [--repeats 2]
        [--backends tensorflow,jax,torch] [--single-thread]
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ("vae", "dcgan")
COLUMNS = MODELS + ("keras_ae",)


def measure(images, epochs):
    """In a worker process: images/s of each model under the active backend."""
    import keras

    from kerasgen import recipes
    from kerasgen.data import named_datasets, value_ranges

    (x, _), _ = named_datasets.load("mnist5k")
    x = x[:images]
    result = {"backend": keras.backend.backend()}
    for name in MODELS:
        recipe = recipes.get(name)
        data = value_ranges.to_signed_range(x) if recipe.value_range == (-1.0, 1.0) else x
        model = recipe.build(x.shape[1:])
        model.fit(data, epochs=1, batch_size=recipe.batch_size, verbose=0)  # compile
        start = time.perf_counter()
        model.fit(data, epochs=epochs, batch_size=recipe.batch_size, verbose=0)
        result[name] = epochs * len(data) / (time.perf_counter() - start)
        result[f"{name}_jit_compile"] = bool(model.jit_compile)
    result["keras_ae"] = keras_autoencoder_throughput(x, epochs)
    return result


def keras_autoencoder_throughput(x, epochs):
    """The control: the VAE recipe's layers trained by Keras's own train step."""
    import keras

    from kerasgen import recipes

    vae = recipes.get("vae").build(x.shape[1:])
    inputs = keras.Input(x.shape[1:])
    mean, _ = vae.encoder(inputs)
    model = keras.Model(inputs, vae.decoder(mean))
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", jit_compile="auto")
    model.fit(x, x, epochs=1, batch_size=128, verbose=0)
    start = time.perf_counter()
    model.fit(x, x, epochs=epochs, batch_size=128, verbose=0)
    return epochs * len(x) / (time.perf_counter() - start)


SINGLE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}
XLA_SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def run_worker(backend, images, epochs, single_thread=False):
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if single_thread:
        environment.update(SINGLE_THREAD)
        environment["XLA_FLAGS"] = f"{environment.get('XLA_FLAGS', '')} {XLA_SINGLE_THREAD}".strip()
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, environment.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", "--images", str(images), "--epochs", str(epochs)],
        env=environment, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{backend} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def installed(backend):
    return importlib.util.find_spec(backend) is not None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs")
    parser.add_argument("--repeats", type=int, default=2, help="rounds over the backends")
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--single-thread", action="store_true", help="one intra-op thread per backend")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.images, args.epochs)))
        return 0

    backends = [b for b in args.backends.split(",") if b]
    missing = [b for b in backends if not installed(b)]
    backends = [b for b in backends if b not in missing]
    if "tensorflow" not in backends:
        raise SystemExit("the tensorflow backend is the reference and must be included")
    best = {backend: {} for backend in backends}
    for _ in range(args.repeats):
        for backend in backends:
            result = run_worker(backend, args.images, args.epochs, args.single_thread)
            for name in COLUMNS:
                best[backend][name] = max(best[backend].get(name, 0.0), result[name])
            best[backend]["jit"] = result["vae_jit_compile"]

    print(f"Training throughput on mnist5k ({args.images} images, {args.epochs} timed epochs, "
          f"best of {args.repeats} interleaved rounds, "
          f"{'one thread' if args.single_thread else 'default threads'}), images/s and ratio to TensorFlow:")
    print(f"{'backend':<12}" + "".join(f"{name + ' img/s':>16}{'ratio':>7}" for name in COLUMNS) + "  jit")
    reference = best["tensorflow"]
    for backend in backends:
        row = f"{backend:<12}"
        for name in COLUMNS:
            row += f"{best[backend][name]:>16.0f}{best[backend][name] / reference[name]:>7.2f}"
        print(row + f"  {'xla' if best[backend]['jit'] else 'no'}")
    for backend in missing:
        print(f"{backend:<12}not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
