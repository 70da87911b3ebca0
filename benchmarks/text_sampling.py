"""Sampling text: the runtime (onnxruntime, the exported decoder step) vs the same decoder
in Keras with its step in a `tf.function`, both running the same loop
(`kerasgen_runtime.text_sampler.decode_loop`) on the same codes and noise.

Times 1,000 samples at batch 64 from the zoo entry text_vae_names (greedy and
temperature 1), best of `--repeats` runs each, checks both give the same strings, and
prints samples/s and the runtime's speed-up (target >= 1).

    python benchmarks/text_sampling.py [--num-samples 1000] [--batch-size 64] [--threads 2]
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kerasgen import zoo  # noqa: E402
from kerasgen.export.text_step import to_onnx_step  # noqa: E402
from kerasgen_runtime.text_sampler import TextSampler, decode_loop, draw_noise  # noqa: E402


def keras_step(decoder):
    h, latent = decoder.hidden_units, decoder.latent_dim

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32), tf.TensorSpec([None, h], tf.float32),
                                  tf.TensorSpec([None, latent], tf.float32)])
    def step(token, state, z):
        return decoder.step(token, state, z)

    return lambda token, state, z: tuple(v.numpy() for v in step(token, state, z))


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    model = zoo.load("text_vae_names")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "step.onnx")
        to_onnx_step(model, path)
        runtime = TextSampler(path, num_threads=args.threads)
        step = keras_step(model.decoder)
        print(f"{args.num_samples} samples at batch {args.batch_size}, {args.threads} threads, "
              f"best of {args.repeats} (keras {keras.__version__}, tensorflow {tf.__version__})")
        for name, temperature in (("greedy", None), ("temperature 1", 1.0)):
            z, u = draw_noise(args.num_samples, model.latent_dim, model.max_length + 1, seed=0)
            loop = lambda fn: decode_loop(fn, z, u, model.max_length, model.decoder.hidden_units,  # noqa: E731
                                          temperature, None, args.batch_size)
            loop(step)  # trace the tf.function once
            keras_seconds, keras_ids = best_time(lambda: loop(step), args.repeats)
            runtime_seconds, runtime_ids = best_time(lambda: loop(runtime.step), args.repeats)
            same = (keras_ids == runtime_ids).all()
            print(f"{name:14s} keras tf.function {args.num_samples / keras_seconds:8.0f} samples/s | runtime "
                  f"{args.num_samples / runtime_seconds:8.0f} samples/s | runtime speed-up "
                  f"{keras_seconds / runtime_seconds:.2f}x | same strings: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
