"""A user's own image folders, end to end: subsets, colour, sizes, run folders, ranges."""

import json
import os

import numpy as np
import pytest

from kerasgen import cli
from kerasgen.data import folders, subsets
from tests.own_data import write_digit_folder


def fit(*args):
    return cli.main(["fit", *args, "--verbose", "0"])


@pytest.fixture(scope="module")
def grey_classes(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("grey16"))
    write_digit_folder(folder, size=(16, 16), per_class=10)
    return folder


@pytest.fixture(scope="module")
def rgb_flat(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("rgb16"))
    write_digit_folder(folder, size=(16, 16), rgb=True, classes=False, per_class=10)
    return folder


# Subsets -------------------------------------------------------------------------------


def test_subsets_are_seeded_stratified_samples_not_the_first_rows():
    labels = np.repeat(np.arange(10), [50] * 5 + [10] * 5)  # class-sorted, unbalanced
    rows = subsets.subset_rows(len(labels), 60, labels, seed=0)
    counts = np.bincount(labels[rows], minlength=10)
    np.testing.assert_array_equal(counts, [10] * 5 + [2] * 5)  # each class in proportion
    assert len(set(rows)) == 60 and not np.array_equal(rows, np.arange(60))
    assert not np.array_equal(rows, subsets.subset_rows(len(labels), 60, labels, seed=1))
    np.testing.assert_array_equal(rows, subsets.subset_rows(len(labels), 60, labels, seed=0))
    unlabelled = subsets.subset_rows(300, 30, seed=0)
    assert len(set(unlabelled)) == 30 and unlabelled.max() > 30


def test_fit_limit_keeps_every_class_and_records_the_subset(mnist5k, tmp_path):
    from kerasgen import training

    spec = training.default_spec("vae")
    report = {}
    (x, y), _ = training.prepare_data(spec, limit=500, report=report)
    # mnist5k's training split is class-sorted: the first 500 rows are 400 zeros, 100 ones.
    np.testing.assert_array_equal(np.bincount(y, minlength=10), [50] * 10)
    assert "seeded random subset of 500 of 4000" in report["subset"] and "seed 0" in report["subset"]


def test_evaluate_n_on_a_class_sorted_folder_uses_every_class(tmp_path):
    from kerasgen.metrics.evaluate import load_real_data

    folder = str(tmp_path / "sorted")
    for label in range(10):  # each class's images carry their label as a grey value
        os.makedirs(os.path.join(folder, str(label)))
        for index in range(20):
            from PIL import Image

            Image.fromarray(np.full((8, 8), label * 20, np.uint8)).save(
                os.path.join(folder, str(label), f"{index:02d}.png"))
    report = {}
    x = load_real_data(folder, num_samples=100, seed=0, report=report)
    classes = np.round(x[:, 0, 0, 0] * 255 / 20).astype(int)
    np.testing.assert_array_equal(np.bincount(classes, minlength=10), [10] * 10)
    assert "100 of 200" in report["real_subset"] and "seed 0" in report["real_subset"]


# Colour and size -----------------------------------------------------------------------


def test_folders_keep_their_channels_and_convert_by_the_stated_rule(tmp_path):
    from PIL import Image

    grey = str(tmp_path / "grey")
    write_digit_folder(grey, size=(8, 8), per_class=1, num_classes=2)
    assert folders.from_folder(grey)[0].shape == (2, 8, 8, 1)
    colour = str(tmp_path / "rgb")
    write_digit_folder(colour, size=(8, 8), rgb=True, per_class=1, num_classes=2)
    x, _ = folders.from_folder(colour)
    assert x.shape == (2, 8, 8, 3) and not np.allclose(x[..., 0], x[..., 2])
    assert folders.from_folder(colour, color_mode="grayscale")[0].shape == (2, 8, 8, 1)
    assert folders.from_folder(colour, image_size=(4, 6))[0].shape == (2, 4, 6, 3)
    # RGBA: alpha dropped, colour kept as stored; palette: expanded through the palette.
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 0
    os.makedirs(tmp_path / "alpha")
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha" / "a.png")
    Image.fromarray(np.full((4, 4, 3), (0, 102, 0), np.uint8)).convert("P").save(tmp_path / "alpha" / "p.png")
    x, _ = folders.from_folder(str(tmp_path / "alpha"))
    assert x.shape == (2, 4, 4, 3)
    np.testing.assert_allclose(x[0, 0, 0], [200 / 255, 0, 0], atol=1e-6)
    np.testing.assert_allclose(x[1, 0, 0], [0, 102 / 255, 0], atol=1e-6)


def test_rgb_folder_trains_a_three_channel_model(rgb_flat, tmp_path):
    import keras

    import kerasgen.models  # noqa: F401

    out = str(tmp_path / "run")
    assert fit("vae", "--data", rgb_flat, "--epochs", "1", "--batch-size", "32", "--out", out) == 0
    model = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    assert model.data_shape == (16, 16, 3)
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["image_shape"] == [16, 16, 3]


def test_a_size_the_network_cannot_take_names_the_flag(tmp_path, capsys):
    folder = str(tmp_path / "odd")
    write_digit_folder(folder, size=(30, 30), per_class=2, num_classes=2)
    assert fit("vae", "--data", folder, "--epochs", "1", "--out", str(tmp_path / "a")) == 2
    assert "--image-size 32 32" in capsys.readouterr().err
    assert fit("dcgan", "--data", folder, "--epochs", "1", "--out", str(tmp_path / "b")) == 2
    assert "--image-size 32 32" in capsys.readouterr().err


# Run folders ---------------------------------------------------------------------------


def test_resume_refuses_another_run_and_fit_refuses_an_existing_one(grey_classes, tmp_path, capsys):
    out = str(tmp_path / "run")
    base = ["--data", grey_classes, "--epochs", "1", "--batch-size", "32", "--out", out]
    assert fit("vae", *base) == 0
    capsys.readouterr()
    assert fit("dcgan", *base, "--resume") == 2
    err = capsys.readouterr().err
    assert "holds a different run" in err and "recipe: run has 'vae', now 'dcgan'" in err
    assert fit("vae", *base, "--resume", "--seed", "3") == 2
    assert "seed: run has 0, now 3" in capsys.readouterr().err
    assert fit("vae", *base) == 2  # no flag: the old run is kept
    assert "already holds a kerasgen run" in capsys.readouterr().err
    assert os.path.exists(os.path.join(out, "checkpoint.json"))
    # --overwrite with data that fails to load keeps the old run
    assert fit("vae", "--data", grey_classes + "_typo", "--epochs", "1", "--out", out, "--overwrite") == 2
    assert os.path.exists(os.path.join(out, "checkpoint.json"))
    assert fit("dcgan", *base, "--overwrite") == 0
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["recipe"] == "dcgan"


def test_cli_rejects_a_zero_batch_size_and_names_a_missing_folder(tmp_path, capsys):
    with pytest.raises(SystemExit):
        fit("vae", "--data", "digits", "--batch-size", "0", "--out", str(tmp_path))
    assert "--batch-size: must be a positive int, got 0" in capsys.readouterr().err
    assert fit("vae", "--data", str(tmp_path / "digitz28"), "--epochs", "1", "--out", str(tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert "no folder of that name exists" in err and "digitz28" in err and "mnist5k" in err


# Value ranges --------------------------------------------------------------------------


def test_every_model_checks_its_value_range_on_arrays_and_first_batches():
    import tensorflow as tf

    from kerasgen import recipes
    from kerasgen.data.shuffled_batches import ShuffledBatches

    rng = np.random.default_rng(0)
    unit = rng.random((16, 16, 16, 1)).astype("float32")
    vae = recipes.get("vae").build((16, 16, 1), latent_dim=2, hidden_units=(8,), architecture="mlp")
    for data in (unit * 255, tf.data.Dataset.from_tensor_slices(unit * 255).batch(8),
                 ShuffledBatches(unit * 255, 8)):
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*got values in \[.*to_unit_range.*255"):
            vae.fit(data, epochs=1, verbose=0)
    for name in ("dcgan", "wgan_gp", "vae_gan"):
        gan = recipes.get(name).build((16, 16, 1), latent_dim=4)
        for data in (unit, tf.data.Dataset.from_tensor_slices(unit).batch(8), ShuffledBatches(unit, 8)):
            with pytest.raises(ValueError, match=r"\[-1, 1\].*got \[0, 1\] data.*to_signed_range"):
                gan.fit(data, epochs=1, verbose=0)
    autoencoder = recipes.get("ae").build((16, 16, 1), latent_dim=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        autoencoder.fit(unit * 2 - 1, epochs=1, verbose=0)
    recipes.get("linear_ae").build((16, 16, 1), latent_dim=2).fit(unit * 9 - 3, epochs=1, verbose=0)


# The README's own-data commands --------------------------------------------------------


@pytest.mark.parametrize("classes", [False, True], ids=["flat", "class_folders"])
def test_readme_zoo_recipe_on_your_own_folder(classes, tmp_path):
    import kerasgen.zoo  # noqa: F401

    folder = str(tmp_path / "digits28")
    write_digit_folder(folder, size=(28, 28), classes=classes, per_class=8)
    out = str(tmp_path / "my_vae")
    # README: kerasgen fit vae_mnist5k --data FOLDER --out DIR (here 1 epoch)
    assert fit("vae_mnist5k", "--data", folder, "--epochs", "1", "--out", out) == 0
    from kerasgen import zoo

    model = zoo.load(out)
    assert model.data_shape == (28, 28, 1)
    for name in ("entry.json", "model.weights.h5", "samples.png", "README.md"):
        assert os.path.exists(os.path.join(out, name)), name
    with open(os.path.join(out, "recipe.json")) as f:
        recipe = json.load(f)
    assert recipe["data"] == folder and recipe["validation_fraction"] == 0.1


# Fit niceties --------------------------------------------------------------------------


def test_fit_writes_grids_csv_tensorboard_and_records_settings(grey_classes, tmp_path):
    from PIL import Image

    out = str(tmp_path / "run")
    assert fit("vae", "--data", grey_classes, "--epochs", "2", "--batch-size", "32", "--out", out,
               "--learning-rate", "0.002", "--beta", "0.5", "--set", "latent_dim=3",
               "--set", "hidden_units=[32]") == 0
    for epoch in (1, 2):
        with Image.open(os.path.join(out, "samples", f"epoch_{epoch:03d}.png")) as image:
            assert image.size[0] > 16
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = f.read().splitlines()
    assert rows[0].startswith("epoch,") and "kl_loss" in rows[0] and len(rows) == 3
    with open(os.path.join(out, "run.json")) as f:
        hyperparameters = json.load(f)["hyperparameters"]
    assert hyperparameters == {"learning_rate": 0.002, "beta": 0.5, "latent_dim": 3, "hidden_units": [32]}


def test_tensorboard_logs_or_a_clear_error(tmp_path, capsys):
    import importlib.util

    out = str(tmp_path / "run")
    code = fit("vae", "--data", "digits", "--limit", "64", "--epochs", "1", "--out", out, "--tensorboard")
    if importlib.util.find_spec("tensorboard") is None:
        assert code == 2 and "needs the tensorboard package" in capsys.readouterr().err
    else:
        assert code == 0 and os.listdir(os.path.join(out, "tensorboard"))


def test_unknown_set_key_is_refused(tmp_path, capsys):
    assert fit("vae", "--data", "digits", "--set", "latnt_dim=3", "--out", str(tmp_path)) == 2
    assert "['latnt_dim'] are not taken by recipe 'vae'" in capsys.readouterr().err


def test_vae_cli_warns_on_posterior_collapse(grey_classes, tmp_path, capsys):
    out = str(tmp_path / "run")
    assert fit("vae", "--data", grey_classes, "--epochs", "3", "--batch-size", "16", "--out", out,
               "--beta", "200", "--set", "hidden_units=[32]") == 0
    # The default cadence (--monitor-every auto) may measure only epochs 1 and 3 (0.30
    # nats, then 0.012 in our run): a run that ends below the threshold warns.
    err = capsys.readouterr().err
    # The monitor's warning is one line of kerasgen's; no other package's warning is relabelled.
    assert "kerasgen fit: warning: Posterior collapse" in err
    assert all("Posterior collapse" in line for line in err.splitlines() if "kerasgen fit: warning" in line)


# Pictures ------------------------------------------------------------------------------


def test_plot_writes_every_picture(grey_classes, tmp_path):
    from PIL import Image

    out = str(tmp_path / "run")
    assert fit("vae", "--data", grey_classes, "--epochs", "1", "--batch-size", "32", "--out", out,
               "--set", "hidden_units=[32]") == 0
    pictures = str(tmp_path / "pictures")
    assert cli.main(["plot", os.path.join(out, "model.keras"), "--data", grey_classes, "-o", pictures]) == 0
    expected = {"latent_map.png": (15, 15), "reconstructions.png": (16, 2),
                "interpolation.png": (10, 1), "traversal.png": (9, 10)}
    for name, (columns, rows) in expected.items():
        with Image.open(os.path.join(pictures, name)) as image:
            # 16 px tiles, 2 px padding, scale 2
            assert image.size == (2 * (columns * 18 + 2), 2 * (rows * 18 + 2)), name
    with Image.open(os.path.join(pictures, "latent_projection.png")) as image:
        assert np.asarray(image.convert("RGB")).std() > 10  # a drawn scatter, not blank
    assert not [n for n in os.listdir(pictures) if ".tmp" in n]


# Fit, sample, export, sample with onnxruntime ------------------------------------------


@pytest.mark.parametrize("recipe,size,rgb", [
    ("vae", 32, True),
    pytest.param("dcgan", 32, True, marks=pytest.mark.slow),
    pytest.param("vae", 28, False, marks=pytest.mark.slow),
    pytest.param("dcgan", 28, False, marks=pytest.mark.slow),
])
def test_own_folder_end_to_end_through_onnxruntime(recipe, size, rgb, tmp_path):
    from PIL import Image

    from kerasgen_runtime import cli as runtime

    folder = str(tmp_path / "images")
    write_digit_folder(folder, size=(size, size), rgb=rgb, classes=False, per_class=4)
    out = str(tmp_path / "run")
    assert fit(recipe, "--data", folder, "--epochs", "1", "--batch-size", "20", "--out", out,
               "--set", "latent_dim=8") == 0
    model = os.path.join(out, "model.keras")
    mode = "RGB" if rgb else "L"
    assert cli.main(["sample", model, "-n", "4", "-o", str(tmp_path / "keras.png")]) == 0
    onnx_path = str(tmp_path / "model.onnx")
    assert cli.main(["export", model, "--format", "onnx", "-o", onnx_path]) == 0
    assert runtime.main([onnx_path, "-n", "4", "-o", str(tmp_path / "onnx.png")]) in (0, None)
    for name in ("keras.png", "onnx.png"):
        with Image.open(tmp_path / name) as image:
            assert image.mode == mode, name
