"""`kerasgen fit MODEL --data NAME|DIR --epochs N --out DIR [--resume | --overwrite]`."""

import json
import os
import sys
import time

from kerasgen_runtime.files import atomic_path, write_json

from kerasgen.checks import int_at_least
from kerasgen.commands.autopilot_options import add_autopilot_arguments, autopilot_settings


positive_int = int_at_least(1)


def monitor_every(text):
    """`--monitor-every`: "auto" or a positive int."""
    import argparse

    if text == "auto":
        return text
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be 'auto' or a positive int, got {text!r}") from None


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "fit",
        help="train a model from a recipe and write model.keras, samples and curves",
        description="Train a recipe (vae, beta_vae, ae, dae, linear_ae, gan, dcgan, wgan_gp, "
        "cgan, vae_gan, m2; gan_rgb for 32x32 or 64x64 RGB folders; classifier, residual_classifier; spade, spade_concat, "
        "layout_segmenter on layouts; text_vae, text_lm on a text file) or a zoo entry's "
        "recipe on a dataset name or an image folder. "
        "Checkpoints every epoch; --resume continues from the last one exactly.",
    )
    parser.add_argument("model", help="recipe name (vae, dcgan, gan, ...) or zoo entry (vae_mnist5k, ...)")
    parser.add_argument("--data", default=None, help="dataset name or folder of images (flat, or one sub-folder per class); "
                        "text recipes: a text file, one item per line, or a folder of .txt files")
    parser.add_argument("--epochs", type=positive_int, default=None)
    parser.add_argument("--batch-size", type=positive_int, default=None)
    parser.add_argument("--latent-dim", type=positive_int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--beta", type=float, default=None, help="KL weight of a VAE")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="any recipe hyperparameter (VALUE read as JSON, else a string); repeatable")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="train on a seeded random subset of N examples (stratified by class)")
    parser.add_argument("--color-mode", default="auto", choices=("auto", "grayscale", "rgb"),
                        help="how a folder's images are read: auto keeps their channels (default)")
    parser.add_argument("--image-size", type=positive_int, nargs=2, default=None, metavar=("H", "W"),
                        help="resize a folder's images (bilinear, as keras.utils.image_dataset_from_directory)")
    parser.add_argument("--labels-per-class", type=positive_int, default=None, metavar="N",
                        help="semi-supervised (m2): keep a seeded random N labels per class, hide the rest")
    parser.add_argument("--impute", default=None, choices=("refuse", "mean"),
                        help="a table's missing values: refuse (default, names the column) or "
                        "mean (numeric mean, most frequent category)")
    parser.add_argument("--categorical", action="append", default=[], metavar="COLUMN",
                        help="one-hot this table column even though it holds numbers; repeatable")
    parser.add_argument("--label-column", default=None,
                        help="a table column of class labels, kept out of the features")
    parser.add_argument("--out", required=True, help="output folder")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    group.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    parser.add_argument("--mixed-precision", default=None, choices=("float32", "mixed_float16", "mixed_bfloat16"),
                        help="Keras dtype policy: compute in float16 (with loss scaling) or bfloat16, keep "
                        "float32 weights (default float32; --resume keeps the run's)")
    parser.add_argument("--tensorboard", action="store_true", help="write TensorBoard logs to OUT/tensorboard")
    add_autopilot_arguments(parser)  # --select-by and its options (kerasgen.commands.autopilot_options)
    parser.add_argument("--cpu-budget", type=float, default=None, metavar="SECONDS",
                        help="stop after the last epoch that fits in SECONDS of this process's CPU "
                        "time (time.process_time, start-up included): a fixed budget on a loaded machine")
    parser.add_argument("--monitor-every", type=monitor_every, default="auto", metavar="auto|N",
                        help="when the model's monitors and the sample grid run: auto (default: when "
                        "the training time since they last ran is 20x their cost, so they take about "
                        "5%% of it at most) or every N epochs; both also after the last epoch. "
                        "metrics.csv's `monitored` column says which epochs were measured")
    parser.add_argument("--checkpoint-every", type=monitor_every, default="auto", metavar="auto|N",
                        help="when the checkpoint is saved: auto (default: when the save costs at most "
                        "5%% of the training time since the last one; every epoch with early stopping "
                        "or --select-by) or every N epochs; always after the last epoch. --resume "
                        "replays the epochs after the last checkpoint, to the same weights")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    parser.set_defaults(func=run)


def cpu_budget(args):
    """`[CPUBudget]` for `--cpu-budget`, else `[]`."""
    if getattr(args, "cpu_budget", None) is None:
        return []
    from kerasgen.callbacks.cpu_budget import CPUBudget

    if not args.cpu_budget > 0:
        raise ValueError(f"--cpu-budget must be a positive number of CPU seconds, got {args.cpu_budget!r}")
    return [CPUBudget(args.cpu_budget)]


def parse_settings(args):
    """Hyperparameters from the flags and `--set key=value`."""
    hyperparameters = {}
    for key, flag in (("latent_dim", "latent_dim"), ("learning_rate", "learning_rate"), ("beta", "beta")):
        if getattr(args, flag) is not None:
            hyperparameters[key] = getattr(args, flag)
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--set must be KEY=VALUE with KEY a hyperparameter name, got {item!r}")
        try:
            hyperparameters[key] = json.loads(text)
        except ValueError:
            hyperparameters[key] = text
    return hyperparameters


def check_hyperparameters(recipe_name, hyperparameters):
    """Refuses names the recipe's builder does not take (a typo must not be ignored)."""
    import inspect

    from kerasgen import recipes

    accepted = set(inspect.signature(recipes.get(recipe_name).build).parameters) - {
        "data_shape", "num_classes", "table"}
    unknown = sorted(set(hyperparameters) - accepted)
    if unknown:
        raise ValueError(f"hyperparameter(s) {unknown} are not taken by recipe {recipe_name!r}; "
                         f"it takes {sorted(accepted)}")


def write_outputs(model, spec, out, history, x_train):
    """model.keras, samples.png (a scatter plot for 2-D data; samples.csv for a table),
    history.png/json. Returns what it wrote, one phrase per file."""
    from kerasgen import plotting
    from kerasgen.models import GenerativeModel
    from kerasgen.zoo.evaluation import write_samples

    with atomic_path(os.path.join(out, "model.keras")) as tmp:
        model.save(tmp)
    written = ["model.keras"]
    if spec.get("table") is not None:
        from kerasgen.data import tables

        # 100 samples of a VAE, or an autoencoder's reconstructions of training rows.
        rows = (model.sample(100, seed=spec["seed"]) if model.prior is not None
                else model.reconstruct(x_train[:100]))
        tables.write_csv(os.path.join(out, "samples.csv"), model.columns, rows)
        written.append("samples.csv")
    else:
        write_samples(model, spec, out, x_reference=x_train, seed=spec["seed"])
        # A classifier samples nothing: its samples.png shows the images it trained on.
        written.append("samples.png" if isinstance(model, GenerativeModel) else "samples.png (training images)")
    if history:
        plotting.save_history_plot(os.path.join(out, "history.png"), history)
        from kerasgen.run_folder import history_json

        write_json(os.path.join(out, "history.json"), history_json(history))
        written += ["history.png", "history.json"]
    return written


def table_options(args):
    """`{"table": {...}}` for a table file (`--data x.csv|x.npy`), else `{}`."""
    from kerasgen.data.tables import is_table_path

    if not is_table_path(args.data):
        if args.impute or args.categorical or args.label_column:
            raise ValueError(f"--impute, --categorical and --label-column apply to a .csv or .npy "
                             f"table, got --data {args.data!r}")
        return {}
    return {"table": {"impute": args.impute or "refuse", "categorical": list(args.categorical),
                      "label_column": args.label_column}}


def interrupted(work, argv):
    """One line: where the last checkpoint is and the command that resumes."""
    from kerasgen.callbacks.epoch_checkpoint import read_state

    try:
        state = read_state(work)
    except ValueError:
        state = None
    command = " ".join(["kerasgen", *[a for a in argv if a not in ("--resume", "--overwrite")], "--resume"])
    if state is None:
        return f"Interrupted before the first checkpoint; nothing to resume in {work}"
    return (f"Interrupted: last checkpoint is epoch {state['epoch']} "
            f"({os.path.join(work, state['file'])}); resume with: {command}")


def run(args):
    """Trains; a warning meant for the user (a `UserWarning`: a monitor's GAN imbalance,
    mode or posterior collapse) is one line on stderr; deprecation and other warnings
    about code are shown as Python shows them."""
    import warnings

    shown = warnings.showwarning

    def one_line(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, UserWarning):
            print(f"kerasgen fit: warning: {message}", file=file or sys.stderr, flush=True)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.showwarning = one_line
        return fit(args)


def fit(args):
    start = time.perf_counter()
    hyperparameters = parse_settings(args)
    selection = autopilot_settings(args)
    from kerasgen.zoo.build import SCRATCH_DIR, build_entry, find_recipe

    options = {"color_mode": args.color_mode, "image_size": args.image_size}
    argv = getattr(args, "argv", None) or sys.argv[1:]
    zoo_entry = find_recipe(args.model) is not None
    work = os.path.join(args.out, SCRATCH_DIR) if zoo_entry else args.out
    try:
        if zoo_entry:
            # A zoo entry: run its recipe (optionally on --data) and write an entry folder.
            given = [flag for flag, value in (("--labels-per-class", args.labels_per_class),
                     ("--select-by", getattr(args, "select_by", None)),
                     ("--impute", args.impute), ("--categorical", args.categorical),
                     ("--label-column", args.label_column),
                     ("--mixed-precision", args.mixed_precision)) if value]
            if given:
                raise ValueError(f"{', '.join(given)} apply to a recipe name (m2, vae, ae, ...), "
                                 f"not to the zoo entry {args.model!r}, whose recipe.json fixes them")
            config = build_entry(
                args.model, args.out, data=args.data, epochs=args.epochs, seed=args.seed,
                limit=args.limit, resume=args.resume, verbose=args.verbose, overwrite=args.overwrite,
                hyperparameters=hyperparameters, batch_size=args.batch_size,
                tensorboard=args.tensorboard, **options,
            )
            print(f"Wrote zoo entry {args.out} "
                  f"({timing(config['training']['seconds'], start, args.resume)})")
            return 0

        from kerasgen import recipes, training

        if recipes.get(args.model).fit is not None:  # a recipe with its own data pipeline (text)
            if selection:
                raise ValueError(f"--select-by applies to image GANs and VAEs, got recipe {args.model!r}")
            from kerasgen import precision

            with precision.dtype_policy(args.mixed_precision):
                return recipes.get(args.model).fit(args, hyperparameters)
        spec = training.default_spec(args.model)
        check_hyperparameters(args.model, hyperparameters)
        spec["hyperparameters"].update(hyperparameters)
        spec["seed"] = args.seed or 0
        for key in ("data", "epochs", "batch_size"):
            if getattr(args, key) is not None:
                spec[key] = getattr(args, key)
        spec.update({k: (list(v) if k == "image_size" and v else v) for k, v in options.items()})
        spec.update(table_options(args))
        spec["autopilot"] = selection
        if args.labels_per_class is not None:
            spec["labels_per_class"] = args.labels_per_class
        spec["mixed_precision"] = args.mixed_precision  # None: float32, or as the resumed run
        from kerasgen.run_folder import run_lock

        import keras

        this_run = []  # [start, end] of this command's model.fit (none: nothing left to train)
        timer = keras.callbacks.LambdaCallback(
            on_train_begin=lambda logs: this_run.append(time.perf_counter()),
            on_train_end=lambda logs: this_run.append(time.perf_counter()))
        with run_lock(args.out):  # held until the outputs are written
            model, history, seconds, (x_train, _) = training.train(
                spec, args.out, resume=args.resume, limit=args.limit, verbose=args.verbose,
                overwrite=args.overwrite, tensorboard=args.tensorboard, monitor=args.monitor_every,
                checkpoint_every=args.checkpoint_every,
                callbacks=[timer] + cpu_budget(args),
            )
            written = write_outputs(model, spec, args.out, history, x_train)
    except KeyboardInterrupt:
        print(interrupted(work, argv), file=sys.stderr)
        return 130
    trained = this_run[1] - this_run[0] if len(this_run) == 2 else 0.0
    print(f"Wrote {', '.join(os.path.join(args.out, name) for name in written)} "
          f"({timing(seconds, start, args.resume, trained)})")
    return 0


def timing(seconds, start, resumed, this_run=None):
    """`seconds` of training (a resumed run's include its earlier runs') and this command's
    time since `start`, worded so that neither reads as part of the other."""
    total = time.perf_counter() - start
    if not resumed:
        return f"{seconds:.1f} s training, {total:.1f} s total"
    if this_run is None:
        return f"{seconds:.1f} s training over all runs; this run took {total:.1f} s"
    return (f"{this_run:.1f} s training in this run ({seconds:.1f} s over all runs), "
            f"{total:.1f} s total")
