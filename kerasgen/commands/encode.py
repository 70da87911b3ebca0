"""`kerasgen encode MODEL --data D -o features.npy`: one code per example."""

import os


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "encode", help="write each example's code (a VAE's posterior mean, an autoencoder's code) to .npy",
        description="Encode data with a trained autoencoder or VAE: one row per example, the "
        "posterior mean of a VAE or the code of an autoencoder, in the data's order.",
    )
    parser.add_argument("model", help="a .keras file, a run folder holding model.keras or a zoo entry")
    parser.add_argument("--data", required=True,
                        help="a dataset name (its --split), an image folder, or a .csv / .npy table")
    parser.add_argument("--split", default="test", choices=("train", "test", "all"),
                        help="of a dataset name (default: test); files and folders are read whole")
    parser.add_argument("--label-column", default=None,
                        help="a table column of labels to leave out of the features (default: "
                        "the one the model's run or zoo entry recorded, if the file has it)")
    parser.add_argument("-o", "--output", required=True, help="the .npy file to write")
    parser.add_argument("--labels-output", default=None,
                        help="also write the examples' labels (.npy), where the data has them")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.set_defaults(func=run)


def check_output(path, overwrite, flag):
    if not str(path).endswith(".npy"):
        raise ValueError(f"{flag} must be a .npy file name, got {path!r}")
    if os.path.exists(path) and not overwrite:
        raise ValueError(f"{flag} {path!r} exists; pass --overwrite to replace it")


def run(args):
    import numpy as np

    from kerasgen.commands.models import load_model
    from kerasgen.data import sources
    from kerasgen.data.tables import is_table_path
    from kerasgen_runtime.files import atomic_path
    from kerasgen.metrics.linear_probe import codes
    from kerasgen.models import GenerativeModel

    check_output(args.output, args.overwrite, "--output")
    if args.labels_output:
        check_output(args.labels_output, args.overwrite, "--labels-output")
    model, found = load_model(args.model, "model", onnx=False)
    if not (isinstance(model, GenerativeModel) and model.encodes):
        raise ValueError(f"model {args.model!r} ({type(model).__name__}) has no encoder; "
                         "encode needs an autoencoder or a VAE")
    columns = getattr(model, "columns", None)
    named = not is_table_path(args.data) and sources.resolve_source(args.data)[0] == "name"
    if named and args.split != "all":
        x, y = sources.load_split(args.data, args.split)
    else:
        # A table is read with the options the model's run recorded (--impute, --label-column).
        options = sources.recorded_table_options(found, args.data, args.label_column)
        x, y = sources.load_examples(args.data, columns=columns, **options)
    features = codes(model, x)
    with atomic_path(args.output) as tmp:
        np.save(tmp, features)
    if args.labels_output:
        if y is None:
            raise ValueError(f"--labels-output: data {args.data!r} has no labels")
        with atomic_path(args.labels_output) as tmp:
            np.save(tmp, y)
    print(f"Wrote {args.output}: {features.shape[0]} examples x {features.shape[1]} features")
    return 0
