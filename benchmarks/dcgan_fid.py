"""Sample quality of the zoo's unconditional image GANs vs a keras.io DCGAN, same protocol.

Trains the keras.io DCGAN (benchmarks/keras_io_dcgan.py) on the same 4,000 mnist5k
training images in [-1, 1], for the same epochs and batch size as the
`dcgan_mnist5k` recipe (override with --epochs / --batch-size), then measures it and
the shipped zoo entries with the zoo's `fid_kid` protocol (`kerasgen evaluate`): FID
and KID on `classifier_mnist5k` features, 1,000 generated (latent seed 0) vs the
1,000 test images, classes covered and the KL of the class histogram to uniform,
next to the floor (1,000 training images vs the test images).

    python benchmarks/dcgan_fid.py [--epochs N] [--seed 0] [--entries dcgan_mnist5k ...]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from keras_io_dcgan import LATENT_DIM, keras_io_dcgan  # noqa: E402
from kerasgen import zoo  # noqa: E402
from kerasgen.data import named_datasets, value_ranges
from kerasgen_runtime.latents import draw_latents  # noqa: E402
from kerasgen.zoo import evaluation  # noqa: E402

ENTRIES = ["dcgan_mnist5k", "wgan_gp_mnist5k", "vae_gan_mnist5k"]


class Sampler:
    """What `evaluation.fid_kid` needs of a model: `sample(n, seed)` and `output_range`."""

    output_range = (-1.0, 1.0)

    def __init__(self, generator):
        self.generator = generator

    def sample(self, num_samples, seed=None, latent_generator="kerasgen-v1"):
        z = draw_latents(num_samples, LATENT_DIM, seed, latent_generator)
        return self.generator.predict(z, batch_size=256, verbose=0)


def row(name, metrics, seconds):
    value = {key: item["value"] for key, item in metrics.items()}
    print(f"{name:34s} {value['fid']:8.2f} {value['kid']:8.4f} {int(value['classes_covered']):7d} "
          f"{value['class_kl_to_uniform']:9.4f} {seconds:9.0f}", flush=True)
    return value


def main():
    recipe = zoo.show("dcgan_mnist5k")["recipe"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=recipe["epochs"])
    parser.add_argument("--batch-size", type=int, default=recipe["batch_size"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--entries", nargs="*", default=ENTRIES)
    parser.add_argument("--baseline-weights", help="keep the trained keras.io generator here (a "
                        ".weights.h5 file) and reuse it when it exists, to re-measure the entries only")
    args = parser.parse_args()
    spec = {"data": "mnist5k"}
    (x, _), _ = named_datasets.load("mnist5k")
    keras.utils.set_random_seed(args.seed)
    model = keras_io_dcgan()
    seconds = float("nan")
    if args.baseline_weights and os.path.exists(args.baseline_weights):
        model.generator.load_weights(args.baseline_weights)
        print(f"keras.io generator loaded from {args.baseline_weights}")
    else:
        start = time.perf_counter()
        model.fit(value_ranges.to_signed_range(x), epochs=args.epochs, batch_size=args.batch_size, verbose=0)
        seconds = time.perf_counter() - start
        if args.baseline_weights:
            model.generator.save_weights(args.baseline_weights)
    reference = evaluation.fid_kid(Sampler(model.generator), spec)
    print(f"backend={keras.backend.backend()} images={len(x)} epochs={args.epochs} batch={args.batch_size} "
          f"training seed={args.seed}; extractor {reference['fid']['extractor']}")
    print(f"{'model':34s} {'FID':>8s} {'KID':>8s} {'classes':>7s} {'class KL':>9s} {'train s':>9s}")
    print(f"{'floor (1000 train vs test)':34s} {reference['fid_floor']['value']:8.2f} "
          f"{reference['kid_floor']['value']:8.4f} {10:7d} {reference['test_class_kl_to_uniform']['value']:9.4f}")
    baseline = row("keras.io DCGAN", reference, seconds)
    for name in args.entries:
        entry = zoo.show(name)
        metrics = evaluation.fid_kid(zoo.load(name), spec)
        value = row(f"{name} ({entry['training']['epochs_run']} epochs)", metrics, entry["training"]["seconds"])
        print(f"{'':34s} FID ratio to keras.io {value['fid'] / baseline['fid']:.2f} "
              f"({'better' if value['fid'] < baseline['fid'] else 'NOT better'})", flush=True)


if __name__ == "__main__":
    main()
