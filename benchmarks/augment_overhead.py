"""What differentiable augmentation costs per DCGAN training step.

Trains the dcgan recipe (28x28x1, batch 64) on a seeded random sample of mnist5k with
`augment` None, "diffaugment" and "ada" and prints the median wall-clock time of a
training step (after `--warmup` steps) and its ratio to no augmentation:

    python benchmarks/augment_overhead.py --steps 20
"""

import argparse
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)

    from kerasgen.data import named_datasets, subsets, to_signed_range
    from kerasgen.recipes import gans

    (x, y), _ = named_datasets.load("mnist5k")
    x, _ = subsets.random_subset(x, y, n=args.batch_size, seed=0)
    x = to_signed_range(x).astype("float32")
    medians = {}
    for augment in (None, "diffaugment", "ada"):
        model = gans.build_dcgan(x.shape[1:], augment=augment)
        times = []
        for _ in range(args.warmup + args.steps):
            start = time.perf_counter()
            model.train_on_batch(x)
            times.append(time.perf_counter() - start)
        medians[augment] = float(np.median(times[args.warmup:]))
    for augment, seconds in medians.items():
        print(f"augment={str(augment):12s} median step {seconds * 1000:8.1f} ms  "
              f"ratio {seconds / medians[None]:.2f}")


if __name__ == "__main__":
    main()
