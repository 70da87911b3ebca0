"""Sampling speed: the onnxruntime sampler against Keras, `predict` and the SavedModel.

Exports a decoder with `kerasgen.export` (ONNX and SavedModel, both checked), then
measures in one run:
  - batch-1 latency, p50 over `--calls` calls after warm-up, of
    `Sampler.decode(z)` (onnxruntime), `network(z, training=False)`,
    `network.predict(z)` and the reloaded SavedModel's `serving_default`;
  - batch-256 throughput (samples/s, median of `--repeats` calls) of the same four;
    the runners take turns call by call, so that on a shared machine all of them see
    the same load;
  - achieved GFLOP/s from the decoder's FLOP count (multiply-adds x 2), and samples
    per CPU-second (process CPU time, robust to a busy machine);
and prints the ratios against the issue's targets (batch 1: >= 10x `model(z)`, >= 100x
`predict`; batch 256: >= 1.0x `model(z)`). All numbers come from this run.

    python benchmarks/sampling.py                       # MNIST-size ConvDecoder (VAE)
    python benchmarks/sampling.py --network dcgan       # DCGAN generator, 28x28
    python benchmarks/sampling.py --model vae.keras     # a saved kerasgen model
"""

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np


def build_network(name, latent_dim):
    from kerasgen.networks import ConvDecoder

    if name == "vae":
        return ConvDecoder(latent_dim, (28, 28, 1), filters=(64, 32)), (0.0, 1.0)
    if name == "dcgan":
        try:
            from kerasgen.networks import DCGANGenerator
        except ImportError:
            from kerasgen.networks.dcgan_generator import DCGANGenerator
        return DCGANGenerator(latent_dim, (28, 28, 1), filters=(128, 64)), (-1.0, 1.0)
    raise ValueError(f"--network must be 'vae' or 'dcgan', got {name!r}")


class Decoder:
    """The export contract around a bare network."""

    def __init__(self, network, output_range):
        self.network = network
        self.latent_dim = network.inputs[0].shape[-1]
        self.output_range = output_range

    def sampling_network(self):
        return self.network


def flops_per_sample(network):
    """Multiply-adds x 2 of Dense, Conv2D and Conv2DTranspose layers (nested included)."""
    import keras

    total = 0
    for layer in network.layers:
        if hasattr(layer, "layers"):
            total += flops_per_sample(layer)
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            height, width = layer.input.shape[1:3]
            kh, kw, c_out, c_in = layer.kernel.shape
            total += 2 * height * width * kh * kw * c_in * c_out
        elif isinstance(layer, keras.layers.Conv2D):
            height, width = layer.output.shape[1:3]
            kh, kw, c_in, c_out = layer.kernel.shape
            total += 2 * height * width * kh * kw * c_in * c_out
    return total


def interleaved_p50(runners, calls, warmup, block):
    """Median wall and CPU seconds per call of each runner, taking turns in blocks.

    On a shared machine the load changes from second to second; runners that take
    turns (`block` consecutive calls each, so that one runtime's idle threads do not
    disturb the next call of another) all see the same load. `calls` maps runner name
    -> number of timed calls. CPU time is the whole process's (all threads), which
    waiting for a busy core does not inflate.
    """
    for fn in runners.values():
        for _ in range(warmup):
            fn()
    wall = {name: [] for name in runners}
    cpu = {name: [] for name in runners}
    for turn in range(0, max(calls.values()), block):
        for name, fn in runners.items():
            for _ in range(min(block, calls[name] - turn)):
                start, start_cpu = time.perf_counter(), time.process_time()
                fn()
                cpu[name].append(time.process_time() - start_cpu)
                wall[name].append(time.perf_counter() - start)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in runners}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", default="vae", choices=("vae", "dcgan"))
    parser.add_argument("--model", default=None, help="a .keras file instead of --network")
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--calls", type=int, default=300, help="batch-1 calls (>= 200)")
    parser.add_argument("--predict-calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=20, help="batch-256 calls")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from kerasgen.export import to_onnx, to_saved_model
    from kerasgen.export.runtime import Sampler
    from kerasgen.latents import draw_latents

    if args.model:
        from kerasgen.export.cli import resolve_model

        model, _ = resolve_model(args.model)
        name = os.path.basename(args.model)
    else:
        model, name = Decoder(*build_network(args.network, args.latent_dim)), args.network
    network = model.sampling_network()
    if len(network.inputs) != 1:
        raise ValueError("this benchmark times unconditional decoders (input z only)")
    directory = tempfile.mkdtemp(prefix="kerasgen_bench_")
    onnx_report = to_onnx(model, os.path.join(directory, "decoder.onnx"))
    to_saved_model(model, os.path.join(directory, "decoder_savedmodel"))
    sampler = Sampler(onnx_report["path"], num_threads=args.threads)
    spinning = Sampler(onnx_report["path"], num_threads=args.threads, spin_wait=True)
    serve = tf.saved_model.load(os.path.join(directory, "decoder_savedmodel")).signatures[
        "serving_default"
    ]
    z1 = draw_latents(1, model.latent_dim, seed=0)
    z256 = draw_latents(256, model.latent_dim, seed=1)
    z1_tensor, z256_tensor = tf.constant(z1), tf.constant(z256)

    runners = {
        "onnxruntime Sampler.decode": lambda z, zt: sampler.decode(z),
        "onnxruntime, spin_wait=True": lambda z, zt: spinning.decode(z),
        "Keras model(z, training=False)": lambda z, zt: keras.ops.convert_to_numpy(
            network(z, training=False)
        ),
        "Keras model.predict": lambda z, zt: network.predict(z, batch_size=256, verbose=0),
        "reloaded SavedModel": lambda z, zt: serve(z=zt)["x"].numpy(),
    }
    flops = flops_per_sample(network)
    calls = {label: args.predict_calls if "predict" in label else args.calls for label in runners}
    batch1 = interleaved_p50({k: (lambda run=run: run(z1, z1_tensor)) for k, run in runners.items()},
                             calls, warmup=20, block=25)
    batch256 = interleaved_p50({k: (lambda run=run: run(z256, z256_tensor)) for k, run in runners.items()},
                               dict.fromkeys(runners, args.repeats), warmup=3, block=2)
    results = {
        label: {"batch1_p50_ms": batch1[label][0] * 1e3,
                "batch256_samples_per_s": 256 / batch256[label][0],
                "batch256_samples_per_cpu_s": 256 / batch256[label][1],
                "batch256_gflops": 256 / batch256[label][0] * flops / 1e9}
        for label in runners
    }
    sample_p50 = interleaved_p50({"sample": lambda: sampler.sample(1, seed=0)},
                                 {"sample": args.calls}, 20, args.calls)["sample"][0]

    print(f"decoder: {name}, latent_dim {model.latent_dim}, output {list(network.output_shape[1:])}, "
          f"{flops / 1e6:.2f} MFLOP/sample; threads {args.threads}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"export parity: max |diff| {onnx_report['max_abs_diff']} (tolerance "
          f"{onnx_report['tolerance']:g}, {onnx_report['tolerance_reason']})")
    print(f"{'':34}{'batch-1 p50':>14}{'batch-256':>14}{'GFLOP/s':>9}{'per CPU-s':>12}")
    for label, r in results.items():
        print(f"{label:34}{r['batch1_p50_ms']:>11.3f} ms{r['batch256_samples_per_s']:>11.0f} /s"
              f"{r['batch256_gflops']:>9.2f}{r['batch256_samples_per_cpu_s']:>10.0f} /s")
    print(f"{'onnxruntime Sampler.sample(1, seed)':34}{sample_p50 * 1e3:>11.3f} ms  (includes drawing z)")
    ort = results["onnxruntime Sampler.decode"]
    ratios = {
        "batch-1 speedup vs model(z)": (
            results["Keras model(z, training=False)"]["batch1_p50_ms"] / ort["batch1_p50_ms"], 10.0),
        "batch-1 speedup vs predict": (
            results["Keras model.predict"]["batch1_p50_ms"] / ort["batch1_p50_ms"], 100.0),
        "batch-1 speedup vs SavedModel": (
            results["reloaded SavedModel"]["batch1_p50_ms"] / ort["batch1_p50_ms"], None),
        "batch-256 throughput vs model(z)": (
            ort["batch256_samples_per_s"]
            / results["Keras model(z, training=False)"]["batch256_samples_per_s"], 1.0),
        "batch-256 samples per CPU-s vs model(z)": (
            ort["batch256_samples_per_cpu_s"]
            / results["Keras model(z, training=False)"]["batch256_samples_per_cpu_s"], None),
        "batch-256 throughput vs SavedModel": (
            ort["batch256_samples_per_s"] / results["reloaded SavedModel"]["batch256_samples_per_s"],
            None),
    }
    for label, (ratio, target) in ratios.items():
        verdict = "" if target is None else f"  target >= {target:g}x: {'met' if ratio >= target else 'MISSED'}"
        print(f"{label:40}{ratio:>8.2f}x{verdict}")
    if args.json:
        from kerasgen.io import write_json

        write_json(args.json, {"network": name, "flops_per_sample": flops, "threads": args.threads,
                               "results": results, "ratios": {k: v[0] for k, v in ratios.items()}})


if __name__ == "__main__":
    main()
