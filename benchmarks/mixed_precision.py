"""Training throughput of kerasgen's recipes with and without mixed precision.

For each recipe, models built under `float32`, `mixed_float16` (loss-scaled) and
`mixed_bfloat16` (`kerasgen.precision`) train on the same seeded random subset of
mnist5k. The policies take turns within each round, so all see the same machine load;
every measurement trains a freshly built model after one warm-up epoch (tracing, XLA).
Prints samples/s per round and the median ratio of each policy to float32 in the same
round. Runs on CPU and on a GPU alike (whatever device the backend picks).

    python benchmarks/mixed_precision.py --recipes vae dcgan --limit 1024 --epochs 2 --rounds 3
    KERAS_BACKEND=jax python benchmarks/mixed_precision.py ...
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kerasgen import precision, recipes, training  # noqa: E402
from kerasgen.data import named_datasets  # noqa: E402

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def training_images(recipe_name, limit, seed=0):
    """A seeded random subset of mnist5k's training images, in the recipe's range."""
    x = named_datasets.load("mnist5k")[0][0].astype("float32")
    x = x.reshape((-1, 28, 28, 1)) / (255.0 if x.max() > 1.0 else 1.0)
    x = x[np.random.default_rng(seed).choice(len(x), size=min(limit, len(x)), replace=False)]
    if training.default_spec(recipe_name)["preprocessing"] == "signed":
        x = 2.0 * x - 1.0
    return x


def throughput(recipe_name, policy, x, epochs, batch_size):
    """Samples/s of `epochs` epochs of a fresh model built under `policy`."""
    keras.utils.set_random_seed(0)
    with precision.dtype_policy(policy):
        model = recipes.get(recipe_name).build(x.shape[1:])
    model.fit(x, epochs=1, batch_size=batch_size, verbose=0)  # traces, warms up
    start = time.perf_counter()
    history = model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    finite = all(np.isfinite(values[-1]) for values in history.history.values())
    return epochs * len(x) / seconds, finite


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["vae", "dcgan"])
    parser.add_argument("--policies", nargs="+", default=list(POLICIES[1:]), choices=POLICIES[1:])
    parser.add_argument("--limit", type=int, default=1024, help="training images (seeded random subset)")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per measurement")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    devices = keras.distribution.list_devices()
    print(f"backend {keras.backend.backend()}, devices {devices}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    for recipe_name in args.recipes:
        x = training_images(recipe_name, args.limit)
        ratios = {policy: [] for policy in args.policies}
        for round_ in range(args.rounds):
            measured = {}
            for policy in ("float32", *args.policies):
                measured[policy], finite = throughput(recipe_name, policy, x, args.epochs, args.batch_size)
                if not finite:
                    print(f"  {recipe_name} {policy}: a non-finite loss")
            for policy in args.policies:
                ratios[policy].append(measured[policy] / measured["float32"])
            print(f"{recipe_name} round {round_ + 1}: " + ", ".join(
                f"{policy} {value:.0f} samples/s" for policy, value in measured.items()), flush=True)
        print(f"{recipe_name} median ratio to float32: " + ", ".join(
            f"{policy} {statistics.median(values):.2f}" for policy, values in ratios.items()), flush=True)


if __name__ == "__main__":
    main()
