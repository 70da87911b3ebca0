"""`kerasgen-sample`: sample an exported kerasgen ONNX file with NumPy and onnxruntime alone.

    kerasgen-sample vae_decoder.onnx -n 64 --seed 0 -o grid.png [--label 3]
    kerasgen-sample text_step.onnx -n 100 --seed 0 -o names.txt [--temperature 0.8 --top-k 5]
    kerasgen-sample spade.onnx --label-map map.png -n 8 -o out.png [--style-image ref.png --encoder enc.onnx]
    kerasgen-sample --verify BUNDLE_DIR
"""

import argparse
import sys

from kerasgen_runtime.files import check_output_path
from kerasgen_runtime.latents import check_positive_int
from kerasgen_runtime.metadata import load_json
from kerasgen_runtime.outputs import GRID_MAX_SAMPLES, output_kind, write_npy
from kerasgen_runtime.sampler import Sampler


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasgen-sample",
        description="Sample an exported kerasgen ONNX decoder/generator with onnxruntime "
        "(no TensorFlow or Keras needed). kerasgen-sample --verify DIR checks a bundle "
        "(kerasgen export --format bundle|hub): sha256 of every file, reference outputs recomputed.",
    )
    parser.add_argument("model", help="an .onnx file written by `kerasgen export`")
    parser.add_argument("-n", "--num-samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent draw")
    parser.add_argument("-o", "--output", required=True,
                        help="float32 samples (.npy, streamed to disk) or a PNG grid (.png, "
                        f"at most {GRID_MAX_SAMPLES} samples); for a text step export, a .txt "
                        "file of strings, one a line")
    parser.add_argument("--label", default=None,
                        help="class of every sample, an index or a class name (conditional "
                        "models; default: all classes)")
    parser.add_argument("--label-map", default=None,
                        help="SPADE exports: single-channel PNG of class indices to draw images for")
    parser.add_argument("--style-image", default=None,
                        help="SPADE exports: reference image whose style the samples take (needs --encoder)")
    parser.add_argument("--encoder", default=None, help="SPADE exports: the style encoder's .onnx file")
    parser.add_argument("--columns", type=int, default=None, help="grid columns")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=None,
                        help="text step exports (-o FILE.txt): sample at this temperature (default: greedy)")
    parser.add_argument("--top-k", type=int, default=None,
                        help="text step exports (-o FILE.txt): sample from the k likeliest tokens")
    parser.add_argument("--metadata", default=None,
                        help="JSON file or inline JSON with metadata fields to supply/override")
    return parser


def check_png_writer():
    """Writing a PNG needs Pillow (the `png` extra): said before any sampling."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise ValueError("-o *.png needs Pillow, which is not installed: pip install "
                         "'kerasgen-zoo-runtime[png]' (or write the samples to an .npy file)") from None


def check_arguments(args):
    """The output path, its kind and the options, before any sampling."""
    output = check_output_path(args.output)
    if args.columns is not None:
        check_positive_int("--columns", args.columns)
    kind = output_kind(output, args.num_samples)  # .npy or a .png grid
    if kind == "png":
        check_png_writer()
    return output, kind


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--verify" in argv:
        return verify_main(argv)
    args = build_parser().parse_args(argv)
    try:
        return sample(args)
    except KeyboardInterrupt:  # Ctrl-C: atomic_path has removed its temporary
        print(f"kerasgen-sample: interrupted; nothing was written to {args.output!r}",
              file=sys.stderr)
        return 130


def sample(args):
    if args.output.endswith(".txt"):  # strings from a text decoder's step graph
        from kerasgen_runtime.text_sampler import text_main

        return text_main(args)
    if args.label_map is not None:
        return spade_main(args)
    try:
        output, kind = check_arguments(args)  # before any work
        metadata = load_json(args.metadata) if args.metadata else None
        sampler = Sampler(args.model, num_threads=args.threads, metadata=metadata)
        if kind == "npy":
            batches = sampler.sample_batches(args.num_samples, args.seed, args.label,
                                             args.batch_size)
            write_npy(output, batches, args.num_samples, sampler.image_shape)
        else:
            sampler.save_grid(output, args.num_samples, args.seed, args.label, args.columns)
    except ValueError as error:
        print(f"kerasgen-sample: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full or read-only disk: one line, no traceback
        print(f"kerasgen-sample: error: could not write {args.output!r}: "
              f"{error.strerror or error}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.num_samples} samples of shape {list(sampler.image_shape)} "
        f"(seed {args.seed}) to {output}"
    )
    return 0


def spade_main(args):
    from kerasgen_runtime.images import read_image, read_label_map
    from kerasgen_runtime.spade_sampler import SPADESampler

    try:
        output, kind = check_arguments(args)  # before any sampling
        sampler = SPADESampler(args.model, encoder=args.encoder, num_threads=args.threads)
        style = read_image(args.style_image, sampler.image_shape[-1]) if args.style_image else None
        label_map = read_label_map(args.label_map)
        if kind == "npy":
            batches = sampler.sample_batches(label_map, args.num_samples, args.seed, style, args.batch_size)
            write_npy(args.output, batches, args.num_samples, sampler.image_shape)
        else:
            sampler.save_grid(args.output, label_map, args.num_samples, args.seed, style, args.columns)
    except (ValueError, OSError) as error:
        print(f"kerasgen-sample: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.num_samples} samples for {args.label_map} (seed {args.seed}) to {args.output}")
    return 0


def verify_main(argv):
    """`kerasgen-sample --verify DIR`: checks a bundle; exit 1 naming the first failure."""
    from kerasgen_runtime import bundle

    parser = argparse.ArgumentParser(prog="kerasgen-sample --verify",
                                     description="Verify a kerasgen bundle (sha256 of every file, "
                                     "reference outputs recomputed with onnxruntime).")
    parser.add_argument("--verify", required=True, metavar="DIR", help="the bundle folder")
    args = parser.parse_args(argv)
    try:
        return bundle.main(args.verify)
    except (ValueError, OSError) as error:
        print(f"kerasgen-sample: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
