"""SemiSupervisedVAE (M2): labelled and unlabelled terms, classify, per-class samples."""

import numpy as np
import pytest

from kerasgen import cli, recipes
from kerasgen.data import named_datasets
from kerasgen.data import LabelledBatches, hide_labels
from tests.harness import check_saved_model_round_trip


def small_m2(x, seed=0):
    return recipes.get("m2").build(x.shape[1:], num_classes=10, latent_dim=4, hidden_units=(64,),
                                   classifier="mlp", seed=seed)


def test_hide_labels_is_a_seeded_stratified_choice():
    y = np.repeat(np.arange(3), 20)
    kept = hide_labels(y, 4, seed=1)
    assert np.bincount(kept[kept >= 0]).tolist() == [4, 4, 4] and (kept == -1).sum() == 48
    assert np.array_equal(kept, hide_labels(y, 4, seed=1))
    assert not np.array_equal(kept, hide_labels(y, 4, seed=2))
    with pytest.raises(ValueError, match="--labels-per-class 21 is more than class 0 holds \\(20"):
        hide_labels(y, 21)


def test_batches_mix_unlabelled_and_labelled_rows():
    x = np.random.default_rng(0).random((30, 8, 8, 1)).astype("float32")
    y = hide_labels(np.arange(30) % 3, 2)
    batches = LabelledBatches(x, y, batch_size=10, labelled_batch_size=4, seed=0)
    images, labels = batches[1]
    assert len(batches) == 3 and images.shape == (14, 8, 8, 1)
    assert (labels[:10] == -1).all() and (labels[10:] >= 0).all()
    assert all(np.any(np.all(x[y == label] == image, axis=(1, 2, 3)))
               for image, label in zip(images[10:], labels[10:]))


def test_batches_binarize_afresh_each_epoch():
    x = np.random.default_rng(0).random((30, 8, 8, 1)).astype("float32")
    y = hide_labels(np.arange(30) % 3, 2)
    batches = LabelledBatches(x, y, batch_size=10, labelled_batch_size=4, binarize=True, seed=0)
    first, _ = batches[0]
    assert set(np.unique(first)) <= {0.0, 1.0} and np.array_equal(first, batches[0][0])
    batches.on_epoch_end()
    assert not np.array_equal(first, batches[0][0])
    # Each pixel is 1 with its intensity: the mean over many draws approaches x.
    draws = np.mean([LabelledBatches(x, np.arange(30) % 3, batch_size=30, binarize=True, seed=s)[0][0]
                     for s in range(200)], axis=0)
    assert draws.shape[0] == 30 + 50 and abs(draws[:30].mean() - x.mean()) < 0.01
    with pytest.raises(ValueError, match="binarize needs x in \\[0, 1\\]"):
        LabelledBatches(x * 2, y, binarize=True)


def test_m2_learns_from_few_labels_and_round_trips(tmp_path):
    (x, y), (x_test, y_test) = named_datasets.load("digits")
    y_partial = hide_labels(y, 5, seed=0)
    model = small_m2(x)
    history = model.fit(LabelledBatches(x, y_partial, batch_size=64, labelled_batch_size=32, seed=0),
                        epochs=12, verbose=0).history
    assert set(history) == {"loss", "labelled_loss", "unlabelled_loss", "classification_loss"}
    assert history["loss"][-1] < history["loss"][0]
    probabilities = model.classify(x_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(probabilities.argmax(1) == y_test) > 0.5  # 50 labels; chance is 0.1
    samples = model.sample(20, seed=0, labels=3)
    assert samples.shape == (20, 8, 8, 1) and np.array_equal(samples, model.sample(20, seed=0, labels=3))
    assert model.encode(x_test[:5]).shape == (5, 4)
    check_saved_model_round_trip(model, tmp_path, outputs=lambda m: m.classify(x_test[:8]))
    with pytest.raises(ValueError, match="labels must be 4 int"):
        model.sample(4, labels=10)


def test_fit_command_takes_labels_per_class(tmp_path, capsys):
    out = tmp_path / "m2"
    code = cli.main(["fit", "m2", "--data", "digits", "--labels-per-class", "5", "--epochs", "1",
                     "--set", "classifier=mlp", "--set", "hidden_units=[32]", "--out", str(out),
                     "--verbose", "0"])
    assert code == 0 and (out / "model.keras").exists() and (out / "samples.png").exists()
    code = cli.main(["fit", "m2", "--data", "digits", "--labels-per-class", "1000", "--epochs", "1",
                     "--out", str(tmp_path / "bad")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "--labels-per-class 1000 is more than class 0 holds" in error
    assert error.count("\n") == 0


def test_zoo_entry_refuses_flags_it_would_ignore(tmp_path, capsys):
    code = cli.main(["fit", "m2_mnist5k", "--labels-per-class", "5", "--out", str(tmp_path / "e")])
    assert code == 2 and "--labels-per-class apply to a recipe name" in capsys.readouterr().err
