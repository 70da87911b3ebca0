"""`kerasgen sample MODEL -n 64 --seed 0 -o grid.png [--label 3]`."""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "sample", help="draw samples from a .keras model (or zoo entry) into a PNG grid"
    )
    parser.add_argument("model", help="a .keras file or a zoo entry name")
    parser.add_argument("-n", "--num-samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", type=int, default=None, help="class label (conditional models)")
    parser.add_argument("-o", "--output", required=True, help="PNG file to write")
    parser.set_defaults(func=run)


def load_model(name_or_path):
    """A `.keras` file (safe_mode) or, when the zoo is installed, a zoo entry name."""
    import os

    import keras

    import kerasgen.models  # noqa: F401  (registers the classes)

    if os.path.isfile(name_or_path):
        return keras.saving.load_model(name_or_path, safe_mode=True)
    try:
        from kerasgen import zoo
    except ImportError:
        zoo = None
    if zoo is not None and hasattr(zoo, "load"):
        return zoo.load(name_or_path)
    raise ValueError(f"model must be a .keras file or a zoo entry, got {name_or_path!r}")


def run(args):
    import numpy as np

    from kerasgen import plotting
    from kerasgen.io import check_output_path

    check_output_path(args.output)  # before loading or downloading anything
    model = load_model(args.model)
    if args.label is not None:
        labels = np.full(args.num_samples, args.label, dtype="int64")
        samples = model.sample(args.num_samples, seed=args.seed, labels=labels)
    else:
        samples = model.sample(args.num_samples, seed=args.seed)
    if samples.ndim == 4:
        plotting.save_image_grid(args.output, samples, model.output_range, scale=2)
    else:
        plotting.save_scatter(args.output, samples)
    print(f"Wrote {args.num_samples} samples to {args.output}")
    return 0
