"""Semi-supervised M2 on mnist5k with N labels per class, against a classifier trained
on the same labels alone.

    python benchmarks/semi_supervised.py --out /tmp/m2_benchmark

Trains M2 with the recipe of the zoo entry `m2_mnist5k` (`zoo/m2_mnist5k/recipe.json`,
through `kerasgen.training.train`, the code `kerasgen fit m2_mnist5k` runs, so the two
give the same model) on all 4,000 mnist5k training images of which `labels-per-class`
x 10 keep their label (a seeded stratified choice, `kerasgen.data.hide_labels`), then the
same classifier network on those labelled images alone (same shifts, same number of
updates, batches of the labelled rows M2's batches carry). Prints the test accuracy of
both on the 1,000 mnist5k test digits. `--epochs`, `--labels-per-class`, `--seed` and
`--set KEY=VALUE` override the recipe.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def supervised_baseline(x, y, x_test, y_test, classifier, steps, seed, max_shift, batch_size=50):
    """The classifier network alone, trained on the labelled rows with cross-entropy."""
    import keras
    import numpy as np

    from kerasgen.data.random_shift import shift_images

    keras.utils.set_random_seed(seed)
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        rows = rng.choice(len(x), size=batch_size)
        images = shift_images(x[rows], max_shift, rng) if max_shift else x[rows]
        classifier.train_on_batch(images, y[rows])
    return float(np.mean(classifier.predict(x_test, verbose=0).argmax(1) == y_test))


def benchmark_spec(args):
    """The zoo entry's recipe with the command line's overrides."""
    from kerasgen.zoo.build import resolve_spec

    _, spec = resolve_spec(args.entry)
    for key in ("epochs", "labels_per_class", "seed"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    for item in args.set:
        key, _, text = item.partition("=")
        spec["hyperparameters"][key] = json.loads(text)
    return spec


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entry", default="m2_mnist5k", help="the zoo entry whose recipe M2 trains with")
    parser.add_argument("--labels-per-class", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a recipe hyperparameter (JSON value); repeatable")
    parser.add_argument("--out", required=True, help="the run folder M2 trains in (model.keras)")
    parser.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    from kerasgen import recipes, training
    from kerasgen.data import named_datasets
    from kerasgen_runtime.files import atomic_path

    spec = benchmark_spec(args)
    start = time.perf_counter()
    model, _, seconds, (x, y_partial) = training.train(spec, args.out, verbose=2, overwrite=args.overwrite)
    with atomic_path(os.path.join(args.out, "model.keras")) as tmp:
        model.save(tmp)
    _, (x_test, y_test) = named_datasets.load(spec["data"])
    m2_accuracy = float(np.mean(model.classify(x_test).argmax(1) == y_test))
    labelled = y_partial >= 0
    keras.utils.set_random_seed(spec["seed"])
    baseline = recipes.get("m2").build(x.shape[1:], num_classes=model.num_classes,
                                       **spec["hyperparameters"]).classifier
    steps = spec["epochs"] * int(np.ceil(len(x) / spec["batch_size"]))
    baseline_accuracy = supervised_baseline(x[labelled], y_partial[labelled], x_test, y_test, baseline,
                                            steps=steps, seed=spec["seed"],
                                            max_shift=spec.get("augmentation_shift", 0))
    print(json.dumps({
        "entry_recipe": args.entry, "labels": int(labelled.sum()), "epochs": spec["epochs"],
        "hyperparameters": spec["hyperparameters"], "preprocessing": spec["preprocessing"],
        "m2_test_accuracy": m2_accuracy, "labels_only_test_accuracy": baseline_accuracy,
        "labels_only_updates": steps, "num_test": len(x_test), "m2_training_seconds": round(seconds, 1),
        "total_seconds": round(time.perf_counter() - start, 1),
    }))


if __name__ == "__main__":
    main()
