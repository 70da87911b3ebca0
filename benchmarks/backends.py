"""Training throughput of the VAE and the DCGAN under each Keras backend, side by side.

Each backend runs in its own process (a Keras backend is fixed at start-up) and trains
the `vae` and `dcgan` recipes, as `kerasgen fit` builds them, on mnist5k training
images: one untimed epoch (tracing / jit compilation), then `--epochs` timed epochs.
Backends take turns over `--repeats` rounds and the best round of each is kept, so all
see the same machine load. Prints training images per second and the ratio to
TensorFlow (1.00). Backends that are not installed are reported as such.

    python benchmarks/backends.py [--images 2048] [--epochs 2] [--repeats 2]
        [--backends tensorflow,jax,torch]
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


def measure(images, epochs):
    """In a worker process: images/s of each model under the active backend."""
    import keras

    from kerasgen import datasets, recipes

    (x, _), _ = datasets.load("mnist5k")
    x = x[:images]
    result = {"backend": keras.backend.backend()}
    for name in MODELS:
        recipe = recipes.get(name)
        data = datasets.to_signed_range(x) if recipe.value_range == (-1.0, 1.0) else x
        model = recipe.build(x.shape[1:])
        model.fit(data, epochs=1, batch_size=recipe.batch_size, verbose=0)  # compile
        start = time.perf_counter()
        model.fit(data, epochs=epochs, batch_size=recipe.batch_size, verbose=0)
        result[name] = epochs * len(data) / (time.perf_counter() - start)
        result[f"{name}_jit_compile"] = bool(model.jit_compile)
    return result


def run_worker(backend, images, epochs):
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
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
            result = run_worker(backend, args.images, args.epochs)
            for name in MODELS:
                best[backend][name] = max(best[backend].get(name, 0.0), result[name])
                best[backend][f"{name}_jit_compile"] = result[f"{name}_jit_compile"]

    print(f"Training throughput on mnist5k ({args.images} images, {args.epochs} timed epochs, "
          f"best of {args.repeats} interleaved rounds), images/s and ratio to TensorFlow:")
    print(f"{'backend':<12}" + "".join(f"{name + ' img/s':>14}{'ratio':>8}" for name in MODELS) + "  jit")
    reference = best["tensorflow"]
    for backend in backends:
        row = f"{backend:<12}"
        for name in MODELS:
            row += f"{best[backend][name]:>14.0f}{best[backend][name] / reference[name]:>8.2f}"
        print(row + f"  {'xla' if best[backend]['vae_jit_compile'] else 'no'}")
    for backend in missing:
        print(f"{backend:<12}not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
