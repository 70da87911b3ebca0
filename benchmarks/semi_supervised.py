"""Semi-supervised M2 on mnist5k with N labels per class, against a classifier trained
on the same labels alone.

    python benchmarks/semi_supervised.py --labels-per-class 10 --epochs 100

Prints the test accuracy (1,000 mnist5k test digits) of M2's classifier q(y|x), trained
on all 4,000 training images of which `labels-per-class` x 10 keep their label (a seeded
stratified choice, `kerasgen.data.hide_labels`), and of the same classifier network
trained on those labelled images alone (same augmentation, same number of updates).
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--classifier", default="conv", choices=("conv", "mlp"))
    parser.add_argument("--max-shift", type=int, default=2, help="augmentation shift in pixels")
    parser.add_argument("--classification-weight", type=float, default=50.0)
    parser.add_argument("--hidden-units", type=int, nargs="+", default=[500, 500],
                        help="of the encoder q(z|x,y) and decoder p(x|y,z) MLPs")
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="write the trained M2 model here (.keras)")
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    from kerasgen import recipes
    from kerasgen.data import named_datasets
    from kerasgen.data import LabelledBatches, hide_labels

    (x, y), (x_test, y_test) = named_datasets.load("mnist5k")
    y_partial = hide_labels(y, args.labels_per_class, seed=args.seed)
    keras.utils.set_random_seed(args.seed)
    build = recipes.get("m2").build
    model = build(x.shape[1:], num_classes=10, classifier=args.classifier, seed=args.seed,
                  classification_weight=args.classification_weight, hidden_units=args.hidden_units,
                  latent_dim=args.latent_dim)
    batches = LabelledBatches(x, y_partial, max_shift=args.max_shift, seed=args.seed)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        logs = model.fit(batches, epochs=epoch + 1, initial_epoch=epoch, verbose=0, shuffle=False).history
        if (epoch + 1) % 5 == 0 or epoch + 1 == args.epochs:
            accuracy = float(np.mean(model.classify(x_test).argmax(1) == y_test))
            print(f"epoch {epoch + 1}: test accuracy {accuracy:.4f}, loss {logs['loss'][-1]:.2f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    m2_accuracy = float(np.mean(model.classify(x_test).argmax(1) == y_test))
    seconds = time.perf_counter() - start
    if args.save:
        model.save(args.save)
    labelled = y_partial >= 0
    baseline = build(x.shape[1:], num_classes=10, classifier=args.classifier, seed=args.seed).classifier
    baseline_accuracy = supervised_baseline(x[labelled], y[labelled], x_test, y_test, baseline,
                                            steps=args.epochs * len(batches), seed=args.seed,
                                            max_shift=args.max_shift)
    print(json.dumps({
        "labels": int(labelled.sum()), "classifier": args.classifier, "epochs": args.epochs,
        "hidden_units": args.hidden_units, "latent_dim": args.latent_dim,
        "m2_test_accuracy": m2_accuracy, "labels_only_test_accuracy": baseline_accuracy,
        "num_test": len(x_test), "m2_training_seconds": round(seconds, 1),
    }))


if __name__ == "__main__":
    main()
