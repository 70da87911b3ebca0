"""`kerasgen fit vae|ae --data table.csv`: statistics in the model, per-column likelihood."""

import csv

import keras
import numpy as np
import pytest

from kerasgen import cli
from kerasgen.data import read_table
from tests.data.tables_data import write_csv


def fit(tmp_path, recipe, data, *flags):
    out = tmp_path / f"run_{recipe}"
    code = cli.main(["fit", recipe, "--data", str(data), "--out", str(out), "--verbose", "0",
                     "--seed", "0", *flags])
    assert code == 0
    return out, keras.saving.load_model(out / "model.keras", safe_mode=True)


def test_vae_on_wine_keeps_statistics_and_samples_in_real_units(tmp_path):
    data = write_csv(tmp_path / "wine.csv", "wine", text_target=True)
    out, model = fit(tmp_path, "vae", data, "--epochs", "150", "--batch-size", "32",
                     "--set", "latent_dim=4", "--learning-rate", "0.003")
    table = read_table(data)
    assert model.likelihood == "table" and model.columns == table.columns
    standardize = model.encoder.get_layer("standardize")
    np.testing.assert_allclose(standardize.mean[:13], table.x[:, :13].mean(axis=0), rtol=1e-4)
    samples = model.sample(2000, seed=0)
    # Numeric columns come out de-standardized: proline (std ~315) has its data mean.
    proline = 12
    assert abs(samples[:, proline].mean() - table.x[:, proline].mean()) < 0.3 * table.x[:, proline].std()
    np.testing.assert_allclose(samples[:, 13:].sum(axis=1), 1.0, rtol=1e-5)  # probabilities
    with open(out / "samples.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [column["name"] for column in table.columns] and len(rows) == 101
    assert {row[-1] for row in rows[1:]} <= {"class_0", "class_1", "class_2"}
    # Training lowered the negative ELBO (per-column Gaussian + categorical, nats).
    untrained = type(model).from_config(model.get_config())
    untrained.compile()
    trained_loss = model.evaluate(table.x, verbose=0, return_dict=True)["loss"]
    assert trained_loss < untrained.evaluate(table.x, verbose=0, return_dict=True)["loss"] - 5.0


def test_autoencoder_on_diabetes_beats_the_mean(tmp_path):
    data = write_csv(tmp_path / "diabetes.csv", "diabetes")
    _, model = fit(tmp_path, "ae", data, "--epochs", "60", "--batch-size", "32",
                   "--set", "latent_dim=6")
    x = read_table(data).x
    error = (model.reconstruct(x) - x) / x.std(axis=0)
    assert model.reconstruction_loss == "table" and np.mean(error**2) < 0.5


def test_cli_errors_name_the_column_and_recipe(tmp_path, capsys):
    data = write_csv(tmp_path / "bc.csv", "breast_cancer")
    lines = data.read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[0], "abc", 1)
    data.write_text("\n".join(lines) + "\n")
    code = cli.main(["fit", "vae", "--data", str(data), "--out", str(tmp_path / "r"), "--epochs", "1"])
    error = capsys.readouterr().err.strip()
    assert code == 2 and error.count("\n") == 0
    assert "column 'mean radius'" in error and "line 4 holds 'abc'" in error
    wine = write_csv(tmp_path / "wine.csv", "wine")
    code = cli.main(["fit", "dae", "--data", str(wine), "--out", str(tmp_path / "d"), "--epochs", "1"])
    assert code == 2 and "does not train on tables" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["fit", "vae", "--data", str(wine), "--impute", "median", "--out", str(tmp_path / "x")])
