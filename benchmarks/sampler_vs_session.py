"""`kerasgen_runtime.Sampler` against a plain onnxruntime session on the same file, in a
process that holds nothing else: what a user of the TensorFlow-free runtime wheel runs.

`benchmarks/sampling.py` times the Sampler beside TensorFlow, Keras and seven other
runners in one process; there the Sampler's and the plain session's times can differ by
more than their code does (other runtimes' threads, caches, the order of the turns).
This script asks only "is the Sampler ever slower than the plain file?":

- a first process exports each zoo entry's sampling network with `kerasgen.export.to_onnx`
  (the file `kerasgen export` writes), into a temporary folder;
- then, per file, thread count and batch size, a fresh process that imports onnxruntime,
  NumPy and `kerasgen_runtime` only times three runners: `onnxruntime.InferenceSession`
  with default options (threads set), `Sampler.decode` (after its first batches of that
  size have made its choice between one call and the batch split) and the Sampler's own
  session called directly (so the Sampler's checks are told apart from its session);
  the turns rotate, each runner going first as often as the others, with a 50 ms pause
  after each, and the best time of each runner over `--repeats` turns is kept.

It prints session / Sampler (>= 1.00: the Sampler is not slower) and the choice.

    python benchmarks/sampler_vs_session.py [--entries vae_mnist5k dcgan_mnist5k]
        [--batches 1 256] [--threads 2] [--repeats 15]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from sampling import best_times  # benchmarks/sampling.py: imports no TensorFlow at module level

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
OWN = "Sampler's session"  # the Sampler's own session, called directly


def export(entries, folder):
    """Writes FOLDER/ENTRY.onnx for each entry (run in a process of its own)."""
    from kerasgen import zoo
    from kerasgen.export import to_onnx

    for name in entries:
        to_onnx(zoo.Entry.open(name).load_model(), os.path.join(folder, name + ".onnx"))


def measure(path, threads, batch, repeats):
    """Best seconds per call of each runner (run in a process without TensorFlow)."""
    import numpy as np
    import onnxruntime

    from kerasgen_runtime import Sampler

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    plain = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    sampler = Sampler(path, num_threads=threads)
    z = np.random.default_rng(batch).standard_normal((batch, sampler.latent_dim)).astype("float32")
    feeds = {sampler.z_name: z}
    for _ in range(400):  # the Sampler's first batches of a size make its choice
        sampler.decode(z)
    runners = {
        "session": lambda: plain.run(None, feeds),
        "Sampler": lambda: sampler.decode(z),
        OWN: lambda: sampler.session.run([sampler.x_name], feeds),
    }
    best = best_times(runners, repeats, min_seconds=0.02, max_calls=200, rotate=True)
    chosen = sampler.split_choices
    return {"best": best, "choice": "split" if any(chosen.values()) else "one call"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", nargs="+", default=["vae_mnist5k", "dcgan_mnist5k"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 256])
    parser.add_argument("--threads", nargs="+", type=int, default=[2])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--export-to", help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_to:
        return export(args.entries, args.export_to)
    if args.measure:
        path, threads, batch = args.measure
        print("RESULT " + json.dumps(measure(path, int(threads), int(batch), args.repeats)))
        return None
    script = os.path.abspath(__file__)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, script, "--export-to", folder, "--entries", *args.entries],
                       check=True, capture_output=True)
        for name in args.entries:
            for threads in args.threads:
                for batch in args.batches:
                    done = subprocess.run(
                        [sys.executable, script, "--measure", os.path.join(folder, name + ".onnx"),
                         str(threads), str(batch), "--repeats", str(args.repeats)],
                        capture_output=True, text=True)
                    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
                    if done.returncode or not lines:
                        raise SystemExit(f"{name} t={threads} b={batch} failed:\n{done.stderr[-2000:]}")
                    result = json.loads(lines[-1][len("RESULT "):])
                    rows.append((name, threads, batch, result))
                    best = result["best"]
                    print(f"{name:16s} t={threads} b={batch:<5d} " + ", ".join(
                        f"{key} {1e3 * value:.4f} ms" for key, value in best.items()), flush=True)
    print(f"\nx86_64, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end; "
          f"best of {args.repeats} rotating turns, each runner in a fresh process per row")
    print(f"{'network':16s} {'threads':>7s} {'batch':>5s} {'Sampler ms':>10s} {'session ms':>10s} "
          f"{'session/Sampler':>15s} {'its session/Sampler':>19s}  Sampler chose")
    for name, threads, batch, result in rows:
        best = result["best"]
        print(f"{name:16s} {threads:7d} {batch:5d} {1e3 * best['Sampler']:10.4f} {1e3 * best['session']:10.4f} "
              f"{best['session'] / best['Sampler']:14.2f}x {best[OWN] / best['Sampler']:18.2f}x  "
              f"{result['choice']}")


if __name__ == "__main__":
    main()
