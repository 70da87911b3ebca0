"""`kerasgen quickstart`: zoo weights -> ONNX -> onnxruntime samples -> PNG, offline.

Each step prints what it did and how long it took.
"""

import os
import time


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "quickstart",
        help="load the zoo VAE, export its decoder to ONNX, sample 64 digits with onnxruntime",
    )
    parser.add_argument("--entry", default="vae_mnist5k")
    parser.add_argument("--out", default="kerasgen-quickstart", help="folder for the ONNX file and the PNG")
    parser.add_argument("-n", "--num-samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)


class _Step:
    def __init__(self, text):
        self.text = text

    def __enter__(self):
        self.start = time.perf_counter()
        print(f"- {self.text} ...", flush=True)
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            print(f"  done in {time.perf_counter() - self.start:.2f} s", flush=True)


def run(args):
    total = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, f"{args.entry}.onnx")
    grid_path = os.path.join(args.out, f"{args.entry}_samples.png")
    with _Step(f"load zoo entry {args.entry} (sha256 verified)"):
        from kerasgen import zoo

        entry = zoo.Entry.open(args.entry)
        model = entry.load_model()
    with _Step(f"export the decoder to ONNX with a parity check -> {onnx_path}"):
        from kerasgen.export import to_onnx

        to_onnx(model, onnx_path, source={"zoo_entry": entry.name, "weights_sha256": entry.config["weights"]["sha256"]})
    with _Step(f"sample {args.num_samples} images with onnxruntime (seed {args.seed}) -> {grid_path}"):
        from kerasgen_runtime import Sampler

        Sampler(onnx_path).save_grid(grid_path, args.num_samples, seed=args.seed)
    print(f"Quickstart finished in {time.perf_counter() - total:.1f} s: {grid_path}")
    return 0
