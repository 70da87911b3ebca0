"""`kerasgen fit MODEL --data NAME|DIR --epochs N --out DIR [--resume]`."""

import os
import time

from kerasgen.io import atomic_path, write_json


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "fit",
        help="train a model from a recipe and write model.keras, samples and curves",
        description="Train a recipe (vae, beta_vae, ae, dae, linear_ae, gan, dcgan, wgan_gp, "
        "cgan, vae_gan) on a dataset name or an image folder. Checkpoints every epoch; "
        "--resume continues from the last one.",
    )
    parser.add_argument("model", help="recipe name (vae, dcgan, gan, ...) or zoo entry (vae_mnist5k, ...)")
    parser.add_argument("--data", default=None, help="dataset name or folder of images")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--latent-dim", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training examples")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    parser.set_defaults(func=run)


def write_outputs(model, spec, out, history, x_train):
    """model.keras, samples.png (a scatter plot for 2-D data), history.png/json."""
    from kerasgen import plotting
    from kerasgen.zoo.evaluation import write_samples

    with atomic_path(os.path.join(out, "model.keras")) as tmp:
        model.save(tmp)
    write_samples(model, spec, out, x_reference=x_train, seed=spec["seed"])
    if history:
        plotting.save_history_plot(os.path.join(out, "history.png"), history)
        write_json(os.path.join(out, "history.json"), history)


def run(args):
    start = time.perf_counter()
    hyperparameters = {}
    if args.latent_dim is not None:
        hyperparameters["latent_dim"] = args.latent_dim
    from kerasgen.zoo.build import build_entry, find_recipe

    if find_recipe(args.model) is not None:
        # A zoo entry: run its recipe (optionally on --data) and write an entry folder.
        config = build_entry(
            args.model, args.out, data=args.data, epochs=args.epochs, seed=args.seed,
            limit=args.limit, resume=args.resume, verbose=args.verbose,
        )
        print(f"Wrote zoo entry {args.out} ({config['training']['seconds']:.1f} s training, "
              f"{time.perf_counter() - start:.1f} s total)")
        return 0

    from kerasgen import training

    spec = training.default_spec(args.model)
    spec["hyperparameters"].update(hyperparameters)
    spec["seed"] = args.seed or 0
    for key in ("data", "epochs", "batch_size"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    model, history, seconds, (x_train, _) = training.train(
        spec, args.out, resume=args.resume, limit=args.limit, verbose=args.verbose
    )
    write_outputs(model, spec, args.out, history, x_train)
    print(f"Wrote {args.out}/model.keras, samples and curves "
          f"({seconds:.1f} s training, {time.perf_counter() - start:.1f} s total)")
    return 0
