"""Sampling speed of every zoo sampling network: the exported ONNX file against TensorFlow.

For each zoo decoder / generator, exports it with `kerasgen.export` (ONNX with the
export-time rewrites, the same ONNX without them, the SavedModel; all checked against
Keras), then for 1 and 2 threads (one process each, so that TensorFlow, onnxruntime and
NumPy's BLAS all get that many threads) times at batch 1, 64, 256 and 1024:

  - `onnxruntime.InferenceSession` with default options (threads set) on the file,
  - the same on the file exported without rewrites (`to_onnx(optimize=False)`),
  - `kerasgen_runtime.Sampler.decode` (one call or the batch split over the threads, as
    it measured on its first batches of that size, which run before the timing),
  - the int8 file (`to_onnx(precision="int8")`, judged by the data's classifier) in a
    plain session and in the Sampler, where the export wrote one (it refuses an int8
    graph that is not faster or fails its quality gate; the reason is printed),
  - Keras `network(z, training=False)`, a `tf.function` of the network (the serving
    function both exporters trace), `network.predict`, the reloaded SavedModel;

best time of interleaved repeats (the runners take turns, so that on a shared machine
all see the same load, with a 50 ms pause after each turn, so that one runtime's
spinning threads do not slow the next), the ratios against the issue's targets, a
summary of the Sampler against a plain session on the same file (>= 1.00: never slower)
and against Keras `model(z)` (the target at batch 1: 10x), a per-op onnxruntime
profile (`SessionOptions.enable_profiling`) at batch 256, and the achieved GFLOP/s
against the machine's peak measured in the same process: a 1024^3 fp32 matmul in
onnxruntime and in NumPy. All numbers come from this run.

    python benchmarks/sampling.py --quick            # DCGAN, VAE and AE, batch 1 and 256 (~4 min)
    python benchmarks/sampling.py                    # all, batch 1/64/256/1024 (~30 min)
    python benchmarks/sampling.py --markdown out.md  # also write the README table
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ENTRIES = ("vae_mnist5k", "beta_vae_mnist5k", "ae_mnist5k", "dae_mnist5k", "dcgan_mnist5k",
           "wgan_gp_mnist5k", "cgan_mnist5k", "vae_gan_mnist5k")
QUICK_ENTRIES = ("dcgan_mnist5k", "vae_mnist5k", "ae_mnist5k")
TF_RUNNERS = ("Keras model(z)", "tf.function", "predict")


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


def export_all(entries, directory):
    """Exports each entry's sampling network three ways; returns the manifest."""
    from kerasgen import zoo
    from kerasgen.export import to_onnx, to_saved_model

    manifest = {}
    for name in entries:
        entry = zoo.Entry.open(name)
        model = entry.load_model()
        base = os.path.join(directory, name)
        report = to_onnx(model, base + ".onnx")
        to_onnx(model, base + ".plain.onnx", optimize=False)
        to_saved_model(model, base + "_savedmodel")
        applied = report["metadata"]["optimization"]["applied"]
        manifest[name] = {
            "onnx": base + ".onnx", "plain_onnx": base + ".plain.onnx",
            "saved_model": base + "_savedmodel",
            "flops_per_sample": flops_per_sample(model.sampling_network()),
            "rewrites": [f"{a['rewrite']} ({len(a['nodes'])})" for a in applied],
            "max_abs_diff": report["max_abs_diff"], "tolerance": report["tolerance"],
            **export_int8(model, entry, base + ".int8.onnx"),
        }
        print(f"exported {name}: rewrites {manifest[name]['rewrites'] or 'none'}; max |diff| vs "
              f"Keras {max(report['max_abs_diff'].values()):.2g}; int8: "
              f"{manifest[name]['int8_note']}", flush=True)
    return manifest


def export_int8(model, entry, path):
    """`{"int8": path or None, "int8_note"}`: the int8 export, or why it was refused."""
    from kerasgen.export import ExportCheckError, to_onnx
    from kerasgen.zoo.extractors import default_extractor_name

    judge = default_extractor_name((entry.recipe or {}).get("data"))
    try:
        report = to_onnx(model, path, precision="int8", judge=judge)
    except (ExportCheckError, ValueError) as error:
        return {"int8": None, "int8_note": f"refused: {error}"}
    gate, ratio = report["quantization"]["quality_gate"], report["quantization"]["cpu_time_ratio_vs_float32"]
    return {"int8": path, "int8_note": (
        f"{1 / ratio['64']:.2f}x float32 at batch 64 (1 thread); gate under {judge}: FID vs "
        f"float32 {gate['fid_int8_vs_float32']:.3g} (limit {gate['fid_float32_vs_other_seed']:.3g}), "
        f"same label {100 * gate['label_agreement']:.1f}%")}


def best_times(runners, repeats, min_seconds=0.02, max_calls=64, rotate=False):
    """Best seconds per call of each runner over `repeats` turns.

    A turn times a block of consecutive calls lasting about `min_seconds` (one call for
    slow runners, `max_calls` at most), sized from the second warm-up call. With
    `rotate`, each turn starts one runner later, so each goes first as often as the others.
    """
    blocks = {}
    for name, fn in runners.items():
        fn()
        start = time.perf_counter()
        fn()
        blocks[name] = max(1, min(max_calls, int(min_seconds / (time.perf_counter() - start))))
    best = dict.fromkeys(runners, float("inf"))
    names = list(runners)
    for turn in range(repeats):
        shift = turn % len(names) if rotate else 0
        for name in names[shift:] + names[:shift]:
            fn = runners[name]
            start = time.perf_counter()
            for _ in range(blocks[name]):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / blocks[name])
            time.sleep(0.05)  # let this runtime's spinning threads go idle
    return best


def gemm_peak(threads, size=1024, repeats=5):
    """GFLOP/s of a `size`^3 float32 matmul in onnxruntime and in NumPy."""
    import numpy as np
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])], "gemm",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [size, size]) for n in "ab"],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [size, size])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(proto)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(proto.SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    a, b = (np.random.default_rng(i).standard_normal((size, size)).astype("float32") for i in (0, 1))
    best = best_times({"onnxruntime": lambda: session.run(None, {"a": a, "b": b}),
                       "numpy": lambda: a @ b}, repeats)
    return {name: 2 * size**3 / seconds / 1e9 for name, seconds in best.items()}


def profile(path, inputs, threads, calls=3):
    """Share of onnxruntime kernel time per op type (top 5) over `calls` runs."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(tempfile.gettempdir(), "kerasgen_profile")
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    for _ in range(calls):
        session.run(None, inputs)
    trace = session.end_profiling()
    with open(trace) as f:
        events = json.load(f)
    os.remove(trace)
    totals = {}
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            op = event["args"]["op_name"]
            totals[op] = totals.get(op, 0) + event["dur"]
    whole = sum(totals.values())
    top = sorted(totals.items(), key=lambda kv: -kv[1])[:5]
    return {op: round(100 * t / whole, 1) for op, t in top}


def runners_for(entry, files, batch, threads):
    """`{label: zero-argument callable}` sampling `batch` latents with each runtime."""
    import keras
    import onnxruntime
    import tensorflow as tf

    from kerasgen.export import checks
    from kerasgen.export.serving import keras_outputs, serving_function
    from kerasgen_runtime import Sampler

    network, metadata = entry["network"], entry["metadata"]
    inputs = checks.check_inputs(metadata, batch, seed=batch)
    tensors = {k: tf.constant(v) for k, v in inputs.items()}
    if "tf_function" not in entry:
        entry["tf_function"] = serving_function(network, metadata)
        entry["serve"] = tf.saved_model.load(files["saved_model"]).signatures["serving_default"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        entry["sessions"] = {
            key: onnxruntime.InferenceSession(files[key], options, providers=["CPUExecutionProvider"])
            for key in ("onnx", "plain_onnx", "int8") if files.get(key)}
        entry["sampler"] = Sampler(files["onnx"], num_threads=threads)
        entry["int8_sampler"] = Sampler(files["int8"], num_threads=threads) if files.get("int8") else None
    label = inputs.get("label")
    keras_inputs = [inputs["z"], label.astype(network.inputs[1].dtype).reshape(
        (-1, 1) if len(network.inputs[1].shape) == 2 else (-1,))] if label is not None else inputs["z"]
    sampler, sessions = entry["sampler"], entry["sessions"]
    int8 = {}
    if entry["int8_sampler"] is not None:
        int8 = {"int8 session": lambda: sessions["int8"].run(None, inputs),
                "int8 Sampler": lambda: entry["int8_sampler"].decode(inputs["z"], label)}
    return inputs, {**int8,
        "onnxruntime session": lambda: sessions["onnx"].run(None, inputs),
        "session, no rewrites": lambda: sessions["plain_onnx"].run(None, inputs),
        "kerasgen Sampler": lambda: sampler.decode(inputs["z"], label),
        "Keras model(z)": lambda: keras_outputs(network, metadata, inputs),
        "tf.function": lambda: entry["tf_function"](**tensors)["x"].numpy(),
        "predict": lambda: network.predict(keras_inputs, batch_size=batch, verbose=0),
        "SavedModel": lambda: entry["serve"](**tensors)["x"].numpy(),
    }


def settle(sampler, inputs):
    """Runs a Sampler until it has chosen between one call and the batch split for this
    batch size (its first batches of a size take turns, timed); returns the choice
    (None: one thread, never timed)."""
    from kerasgen_runtime.batch_split import BatchSplitter, size_bucket

    if sampler is None:
        return None
    bucket = size_bucket(min(len(inputs["z"]), 256))  # decode runs batches of 256
    for _ in range(2 * (BatchSplitter.WARMUP + BatchSplitter.MAX_REPEATS) + 1):
        if bucket in sampler.split_choices or sampler.split_threads <= 1:
            break
        sampler.decode(inputs["z"], inputs.get("label"))
    return sampler.split_choices.get(bucket)


def worker(args):
    """Times every runner at `args.threads` threads; writes the results as JSON."""
    args.threads = args.threads[0]
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from kerasgen import zoo
    from kerasgen.export.metadata import describe_model

    with open(args.manifest) as f:
        manifest = json.load(f)
    results = {"threads": args.threads, "peak_gflops": gemm_peak(args.threads), "networks": {}}
    for name, files in manifest.items():
        network, metadata = describe_model(zoo.Entry.open(name).load_model())
        entry = {"network": network, "metadata": metadata}
        rows = {}
        for batch in args.batches:
            inputs, runners = runners_for(entry, files, batch, args.threads)
            repeats = args.repeats if batch < 1024 else max(2, args.repeats // 2)
            choices = {key: settle(entry[key], inputs) for key in ("sampler", "int8_sampler")}
            best = best_times(runners, repeats)
            rows[str(batch)] = {label: seconds * 1e3 for label, seconds in best.items()}
            rows[str(batch)]["split"] = choices
            if batch == 256 or batch == max(args.batches):
                rows[str(batch)]["profile"] = profile(files["onnx"], inputs, args.threads)
            print(f"  {args.threads} thread(s) {name} batch {batch}: " + ", ".join(
                f"{k} {v:.2f} ms" for k, v in rows[str(batch)].items() if isinstance(v, float))
                + f"; Sampler split: {choices}", flush=True)
        results["networks"][name] = rows
    with open(args.output, "w") as f:
        json.dump(results, f)


def ratio_lines(name, files, rows, peak, threads):
    """Target ratios of one network at one thread count."""
    lines = []
    for batch, row in rows.items():
        tf_best = min(row[k] for k in TF_RUNNERS)
        gflops = int(batch) * files["flops_per_sample"] / (row["onnxruntime session"] / 1e3) / 1e9
        text = (f"{name} t={threads} b={batch}: Sampler {tf_best / row['kerasgen Sampler']:.2f}x, "
                f"session {tf_best / row['onnxruntime session']:.2f}x the fastest TF path; "
                f"rewrites {row['session, no rewrites'] / row['onnxruntime session']:.2f}x; "
                f"{gflops:.1f} GFLOP/s = {100 * gflops / peak:.0f}% of GEMM peak")
        split = {key: ("split" if int(batch) >= 64 else "1-thread session") if value
                 else "one call" if value is False else "-"
                 for key, value in row.get("split", {}).items()}
        text += (f"; Sampler {row['onnxruntime session'] / row['kerasgen Sampler']:.2f}x the plain "
                 f"session on its file (chose {split.get('sampler', '-')})")
        if "int8 Sampler" in row:
            text += (f", int8 Sampler {row['int8 session'] / row['int8 Sampler']:.2f}x the int8 "
                     f"session (chose {split.get('int8_sampler', '-')})")
            text += (f"; int8 Sampler {tf_best / row['int8 Sampler']:.2f}x the fastest TF path, "
                     f"int8 session {row['onnxruntime session'] / row['int8 session']:.2f}x the float32 one")
        if batch == "1":
            text += (f"; Sampler vs model(z) {row['Keras model(z)'] / row['kerasgen Sampler']:.1f}x,"
                     f" vs tf.function {row['tf.function'] / row['kerasgen Sampler']:.1f}x")
        lines.append(text)
        if "profile" in row:
            lines.append("    profile: " + ", ".join(f"{op} {p}%" for op, p in row["profile"].items()))
    return lines


def sampler_summary(results, entries=("vae_mnist5k", "dcgan_mnist5k"), batches=("1", "256")):
    """Lines: the Sampler against a plain session on its file and against `model(z)`."""
    lines = [f"{'network':14s} {'threads':>7s} {'batch':>5s} {'Sampler ms':>10s} {'session ms':>10s} "
             f"{'model(z) ms':>11s} {'session/Sampler':>15s} {'model(z)/Sampler':>16s}  Sampler chose"]
    for result in results:
        for name in entries:
            for batch in batches:
                row = result["networks"].get(name, {}).get(batch)
                if row is None:
                    continue
                sampler, session, keras_call = (row[k] for k in ("kerasgen Sampler", "onnxruntime session",
                                                                 "Keras model(z)"))
                choice = (row.get("split") or {}).get("sampler")
                chose = ("-" if choice is None else "one call" if choice is False
                         else "split" if int(batch) >= 64 else "1-thread session")
                lines.append(f"{name:14s} {result['threads']:7d} {batch:>5s} {sampler:10.3f} {session:10.3f} "
                             f"{keras_call:11.3f} {session / sampler:14.2f}x {keras_call / sampler:15.2f}x  {chose}")
    return lines


def markdown_table(manifest, results):
    runners = ["onnxruntime session", "session, no rewrites", "kerasgen Sampler", "int8 session",
               "int8 Sampler", *TF_RUNNERS, "SavedModel"]
    lines = ["| network | threads | batch | " + " | ".join(runners)
             + " | Sampler / fastest TF | int8 Sampler / fastest TF |",
             "|" + "---|" * (len(runners) + 5)]
    for result in results:
        for name, rows in result["networks"].items():
            for batch, row in rows.items():
                tf_best = min(row[k] for k in TF_RUNNERS)
                cells = " | ".join(f"{row[r]:.3g}" if r in row else "-" for r in runners)
                int8 = f"{tf_best / row['int8 Sampler']:.2f}x" if "int8 Sampler" in row else "-"
                lines.append(f"| {name} | {result['threads']} | {batch} | {cells} | "
                             f"{tf_best / row['kerasgen Sampler']:.2f}x | {int8} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="DCGAN and AE, batch 1 and 256")
    parser.add_argument("--entries", nargs="+", default=None, help="zoo entries to time")
    parser.add_argument("--batches", type=int, nargs="+", default=None)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=None, help="interleaved turns per batch")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--markdown", default=None, help="also write the table here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    entries = args.entries or (QUICK_ENTRIES if args.quick else ENTRIES)
    batches = args.batches or ([1, 256] if args.quick else [1, 64, 256, 1024])
    repeats = args.repeats or (3 if args.quick else 7)
    directory = tempfile.mkdtemp(prefix="kerasgen_sampling_")
    manifest_path = os.path.join(directory, "manifest.json")
    with open(manifest_path, "w") as f:
        json.dump(export_all(entries, directory), f)
    with open(manifest_path) as f:
        manifest = json.load(f)
    results = []
    for threads in args.threads:
        output = os.path.join(directory, f"results_{threads}.json")
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
               "MKL_NUM_THREADS": str(threads), "TF_CPP_MIN_LOG_LEVEL": "3"}
        subprocess.run([sys.executable, __file__, "--worker", "--manifest", manifest_path,
                        "--output", output, "--threads", str(threads), "--repeats", str(repeats),
                        "--batches", *map(str, batches)], env=env, check=True)
        with open(output) as f:
            results.append(json.load(f))
    import numpy
    import onnxruntime
    import tensorflow

    print(f"\n{os.uname().machine}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"onnxruntime {onnxruntime.__version__}, TensorFlow {tensorflow.__version__}, "
          f"NumPy {numpy.__version__}")
    for name, files in manifest.items():
        print(f"{name}: {files['flops_per_sample'] / 1e6:.2f} MFLOP/sample, rewrites "
              f"{', '.join(files['rewrites']) or 'none'}; int8: {files['int8_note']}")
    for result in results:
        peak = max(result["peak_gflops"].values())
        print(f"\n{result['threads']} thread(s): GEMM peak " + ", ".join(
            f"{k} {v:.0f} GFLOP/s" for k, v in result["peak_gflops"].items()))
        for name, rows in result["networks"].items():
            print("\n".join(ratio_lines(name, manifest[name], rows, peak, result["threads"])))
    print("\nkerasgen Sampler against a plain onnxruntime session on the same file (>= 1.00x: never "
          "slower) and against Keras model(z) (target at batch 1: 10x)")
    print("\n".join(sampler_summary(results)))
    table = markdown_table(manifest, results)
    print("\nbest ms per call (interleaved repeats)\n" + table)
    if args.markdown:
        from kerasgen_runtime.files import atomic_path

        with atomic_path(args.markdown) as tmp, open(tmp, "w") as f:
            f.write(table + "\n")
    if args.json:
        from kerasgen_runtime.files import write_json

        write_json(args.json, {"manifest": manifest, "results": results})


if __name__ == "__main__":
    main()
