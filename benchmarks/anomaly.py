"""Anomaly detection with a VAE (and an autoencoder) trained on normal data only.

    python benchmarks/anomaly.py --out /tmp/anomaly

1. mnist5k: a Bernoulli VAE (MLP 784-512-256-16) trained on the training digits 0-8
   (3,600 images); normal = the 900 test digits 0-8, anomalies = the 100 test 9s.
2. breast_cancer (scikit-learn): benign tumours are normal. A table VAE and a table
   autoencoder trained on a seeded 75% of the benign rows; normal = the other 25%
   (89 rows), anomalies = the 212 malignant rows.

Prints, per model and score, the AUROC and the detection rate at a 5% false-positive
rate on the normal test rows, as JSON. The trained models and the CSV files are left
in --out, so `kerasgen evaluate ... --metrics anomaly` measures them again (the
commands are printed).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def digits(out, epochs, seed, num_samples):
    import keras

    from kerasgen import recipes
    from kerasgen.data import named_datasets, subsets
    from kerasgen.metrics.anomaly import anomaly_report

    (x, y), (x_test, y_test) = named_datasets.load("mnist5k")
    keras.utils.set_random_seed(seed)
    model = recipes.get("vae").build(x.shape[1:], latent_dim=16, architecture="mlp", seed=seed)
    model.fit(x[y != 9], epochs=epochs, batch_size=128, verbose=0)
    path = os.path.join(out, "vae_mnist5k_0-8.keras")
    model.save(path)
    report = anomaly_report(model, x_test[y_test != 9], x_test[y_test == 9], num_samples=num_samples,
                            seed=seed)
    command = (f"kerasgen evaluate {path} --metrics anomaly --data mnist5k --normal-classes 0-8 "
               f"--anomaly-samples {num_samples} --seed {seed}")
    return {"model": path, "report": report, "command": command}


def breast_cancer(out, epochs, seed, num_samples):
    import keras
    import sklearn.datasets

    from kerasgen import recipes
    from kerasgen.data import named_datasets, subsets
    from kerasgen.data import read_table
    from kerasgen.data.tables import feature_statistics
    from kerasgen.metrics.anomaly import anomaly_report

    frame = sklearn.datasets.load_breast_cancer(as_frame=True).frame.drop(columns="target")
    target = sklearn.datasets.load_breast_cancer().target
    benign = frame[target == 1]
    test_rows = subsets.subset_rows(len(benign), int(round(0.25 * len(benign))), seed=seed)
    is_test = benign.index.isin(benign.index[test_rows])
    files = {name: os.path.join(out, f"breast_cancer_{name}.csv") for name in ("benign_train", "benign_test", "malignant")}
    benign[~is_test].to_csv(files["benign_train"], index=False)
    benign[is_test].to_csv(files["benign_test"], index=False)
    frame[target == 0].to_csv(files["malignant"], index=False)
    train = read_table(files["benign_train"])
    mean, std = feature_statistics(train.columns, train.x)
    table = {"columns": train.columns, "mean": mean.tolist(), "std": std.tolist()}
    normal = read_table(files["benign_test"], columns=train.columns).x
    anomalies = read_table(files["malignant"], columns=train.columns).x
    results = {}
    for recipe in ("vae", "ae"):
        keras.utils.set_random_seed(seed)
        options = {"learning_rate": 3e-3, "seed": seed} if recipe == "vae" else {"learning_rate": 3e-3}
        model = recipes.get(recipe).build(train.x.shape[1:], latent_dim=4, table=table, **options)
        model.fit(train.x, epochs=epochs, batch_size=32, verbose=0)
        path = os.path.join(out, f"{recipe}_breast_cancer_benign.keras")
        model.save(path)
        results[recipe] = {
            "model": path, "report": anomaly_report(model, normal, anomalies, num_samples=num_samples, seed=seed),
            "command": (f"kerasgen evaluate {path} --metrics anomaly --data {files['benign_test']} "
                        f"--anomalies {files['malignant']} --anomaly-samples {num_samples} --seed {seed}"),
        }
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder for the trained models and CSV files")
    parser.add_argument("--digits-epochs", type=int, default=30)
    parser.add_argument("--table-epochs", type=int, default=300)
    parser.add_argument("--num-samples", type=int, default=100, help="draws of z per example (VAE)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    results = {"breast_cancer": breast_cancer(args.out, args.table_epochs, args.seed, args.num_samples),
               "mnist5k_0-8_vs_9": digits(args.out, args.digits_epochs, args.seed, args.num_samples)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
