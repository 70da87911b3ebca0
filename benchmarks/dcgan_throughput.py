"""DCGAN training throughput: kerasgen's GAN vs a keras.io-style DCGAN, same run.

Both train the same DCGAN architecture (generator: dense 7x7x128, transposed convs
128-64, conv to 1 channel, tanh; discriminator: convs 64-128, dense logit; LeakyReLU
0.2; the parameter counts are checked equal) with the same batch size, Adam(2e-4,
beta_1=0.5) optimizers and backend on the mnist5k training images in [-1, 1]. The
keras.io model is written as in "DCGAN to generate face images" (a custom train_step
with two GradientTapes, real and fake images concatenated for the discriminator, noisy
labels, BinaryCrossentropy, compiled with Keras defaults); its discriminator returns
logits and uses `from_logits=True` so the layers match exactly. Rows:

- keras.io DCGAN with Keras defaults (the reference, ratio 1.00);
- keras.io DCGAN with the same `steps_per_execution` as kerasgen (a control: how much
  of the difference is that setting alone);
- keras.io DCGAN with that `steps_per_execution` and fed kerasgen's input pipeline (a
  control: kerasgen's `fit` turns NumPy arrays into a `tf.data` pipeline without
  autotuning, because deleting Keras's iterator at each epoch's end waits for its
  autotuning thread; this row gives the keras.io model that advantage too);
- kerasgen GAN with `steps_per_execution=1`, and as the `dcgan` recipe compiles it;
- kerasgen GAN as the recipe compiles it but fed Keras's own array pipeline
  (`keras.Model.fit`, skipping kerasgen's `fit`; a control for the pipeline's share);
- kerasgen GAN as the recipe compiles it but with `share_fake_batch=False` (a control:
  the recipe's generator phase reuses the discriminator phase's generated batch, one
  generator forward pass fewer per step; this row generates a fresh batch instead, as
  the keras.io model does);
- kerasgen GAN as the recipe compiles it but with the plain convolution in the
  generator's 64 -> 1 channel output layer (a control: `kerasgen.networks.narrow_conv`
  computes that layer as a matmul and a depthwise shift when training under
  TensorFlow, whose CPU convolution is slow for one output channel).

The runners take turns (interleaved repeats, best of each) so all see the same machine
load. Prints samples/s and ratios against the reference, and the recipe's ratio
against the fastest keras.io row (target >= 1.2): the model's speed-up alone when
that row is the one fed kerasgen's pipeline.

    python benchmarks/dcgan_throughput.py [--epochs 2] [--batch-size 128] [--repeats 3]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from fit_throughput import best_throughputs, print_ratios  # noqa: E402
from keras_io_dcgan import LATENT_DIM, keras_io_dcgan  # noqa: E402
from kerasgen import recipes  # noqa: E402
from kerasgen.data import named_datasets, value_ranges


def kerasgen_dcgan(steps_per_execution=None, share_fake_batch=True, narrow_conv=True):
    model = recipes.get("dcgan").build((28, 28, 1), latent_dim=LATENT_DIM, share_fake_batch=share_fake_batch)
    if not narrow_conv:
        model.generator.get_layer("logits").max_taps_filters = 0
    if steps_per_execution is not None:
        model.compile(
            generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            discriminator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            steps_per_execution=steps_per_execution,
        )
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    (x, _), _ = named_datasets.load("mnist5k")
    x = value_ranges.to_signed_range(x)
    keras.utils.set_random_seed(0)
    recipe_steps = kerasgen_dcgan().steps_per_execution
    reference_name = "keras.io DCGAN (Keras defaults)"
    recipe_name = f"kerasgen GAN (dcgan recipe, steps_per_execution={recipe_steps})"
    candidates = {  # name: (build, pipeline)
        reference_name: (keras_io_dcgan, "model"),
        f"keras.io DCGAN (steps_per_execution={recipe_steps})": (lambda: keras_io_dcgan(recipe_steps), "model"),
        f"keras.io DCGAN (steps_per_execution={recipe_steps}, kerasgen pipeline)": (
            lambda: keras_io_dcgan(recipe_steps), "kerasgen"),
        "kerasgen GAN (steps_per_execution=1)": (lambda: kerasgen_dcgan(1), "model"),
        recipe_name: (kerasgen_dcgan, "model"),
        "kerasgen GAN (dcgan recipe, Keras's array pipeline)": (kerasgen_dcgan, "keras"),
        "kerasgen GAN (dcgan recipe, share_fake_batch=False)": (lambda: kerasgen_dcgan(share_fake_batch=False), "model"),
        "kerasgen GAN (dcgan recipe, plain output convolution)": (lambda: kerasgen_dcgan(narrow_conv=False), "model"),
    }
    plain, ours = keras_io_dcgan(), kerasgen_dcgan()
    counts = [m.count_params() for m in (plain.generator, ours.generator, plain.discriminator, ours.discriminator)]
    if counts[0] != counts[1] or counts[2] != counts[3]:
        raise SystemExit(f"architectures differ: parameter counts {counts}")
    results = best_throughputs(candidates, x, args.epochs, args.batch_size, args.repeats)
    print(f"backend={keras.backend.backend()} batch={args.batch_size} images={len(x)} "
          f"epochs={args.epochs} repeats={args.repeats} generator_params={counts[1]} "
          f"discriminator_params={counts[3]}")
    print_ratios(results, reference_name, recipe_name, "dcgan recipe")


if __name__ == "__main__":
    main()
