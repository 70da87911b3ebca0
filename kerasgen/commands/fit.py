"""`kerasgen fit MODEL --data NAME|DIR --epochs N --out DIR [--resume]`."""

import json
import os
import time

from kerasgen.io import atomic_path, write_json

CHECKPOINT = "checkpoint.keras"
CHECKPOINT_STATE = "checkpoint.json"


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "fit",
        help="train a model from a recipe and write model.keras, samples and curves",
        description="Train a recipe (vae, beta_vae, ae, dae, linear_ae, gan, dcgan, wgan_gp, "
        "cgan, vae_gan) on a dataset name or an image folder. Checkpoints every epoch; "
        "--resume continues from the last one.",
    )
    parser.add_argument("model", help="recipe name, e.g. vae, dcgan, gan")
    parser.add_argument("--data", default=None, help="dataset name or folder of images")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--latent-dim", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training examples")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    parser.set_defaults(func=run)


def load_training_data(data, value_range, limit=None, image_shape=None):
    """Training (and test, when the source has one) arrays scaled to `value_range`."""
    from kerasgen import datasets

    if os.path.isdir(data):
        color_mode = "rgb" if image_shape is not None and image_shape[-1] == 3 else "grayscale"
        size = None if image_shape is None else image_shape[:2]
        x_train, y_train = datasets.from_folder(data, image_size=size, color_mode=color_mode)
        x_test = y_test = None
    else:
        (x_train, y_train), (x_test, y_test) = datasets.load(data)
    if limit:
        x_train, y_train = x_train[:limit], None if y_train is None else y_train[:limit]
    if x_train.ndim == 4 and tuple(value_range) == (-1.0, 1.0):
        x_train = datasets.to_signed_range(x_train)
        x_test = None if x_test is None else datasets.to_signed_range(x_test)
    return (x_train, y_train), (x_test, y_test)


def train(recipe_name, data=None, epochs=None, batch_size=None, out=".", seed=0, resume=False,
          limit=None, verbose=1, hyperparameters=None, callbacks=()):
    """Builds (or resumes) a recipe's model, trains it and writes the run folder.

    Returns `(model, history_dict, seconds)`.
    """
    import keras

    from kerasgen import recipes
    from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint

    recipe = recipes.get(recipe_name)
    data = data or recipe.data
    epochs = recipe.epochs if epochs is None else epochs
    batch_size = batch_size or recipe.batch_size
    if epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs}")
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, _) = load_training_data(data, recipe.value_range, limit)

    checkpoint = os.path.join(out, CHECKPOINT)
    history, initial_epoch, seconds = {}, 0, 0.0
    if resume and os.path.exists(checkpoint):
        model = keras.saving.load_model(checkpoint, safe_mode=True)
        with open(os.path.join(out, CHECKPOINT_STATE)) as f:
            state = json.load(f)
        history, initial_epoch, seconds = state["history"], state["epoch"], state["seconds"]
        print(f"Resuming from epoch {initial_epoch} ({checkpoint})")
    else:
        num_classes = int(y_train.max()) + 1 if getattr(recipe, "conditional", False) else None
        model = recipe.build(x_train.shape[1:], num_classes=num_classes, **(hyperparameters or {}))

    inputs = (x_train, y_train) if getattr(model, "num_classes", None) else x_train
    saver = EpochCheckpoint(checkpoint, os.path.join(out, CHECKPOINT_STATE), history, seconds)
    if initial_epoch < epochs:
        model.fit(
            *((inputs,) if not isinstance(inputs, tuple) else inputs),
            epochs=epochs, initial_epoch=initial_epoch, batch_size=batch_size,
            shuffle=True, verbose=verbose, callbacks=[saver, *callbacks],
        )
    write_outputs(model, out, saver.history, x_train, seed)
    return model, saver.history, saver.seconds


def write_outputs(model, out, history, x_train, seed=0):
    """model.keras, samples.png (or scatter.png for 2-D data), history.png/json."""
    from kerasgen import plotting

    with atomic_path(os.path.join(out, "model.keras")) as tmp:
        model.save(tmp)
    samples = model.sample(64 if x_train.ndim == 4 else 2500, seed=seed)
    if samples.ndim == 4:
        plotting.save_image_grid(os.path.join(out, "samples.png"), samples, model.output_range, scale=2)
    else:
        plotting.save_scatter(os.path.join(out, "scatter.png"), samples, reference=x_train[:2500])
    if history:
        plotting.save_history_plot(os.path.join(out, "history.png"), history)
        write_json(os.path.join(out, "history.json"), history)


def run(args):
    start = time.perf_counter()
    hyperparameters = {}
    if args.latent_dim is not None:
        hyperparameters["latent_dim"] = args.latent_dim
    _, history, seconds = train(
        args.model, data=args.data, epochs=args.epochs, batch_size=args.batch_size,
        out=args.out, seed=args.seed, resume=args.resume, limit=args.limit,
        verbose=args.verbose, hyperparameters=hyperparameters,
    )
    print(f"Wrote {args.out}/model.keras, samples and curves "
          f"({seconds:.1f} s training, {time.perf_counter() - start:.1f} s total)")
    return 0
