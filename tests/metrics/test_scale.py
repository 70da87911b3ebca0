"""Every feature metric carries its scale (real-vs-real floor, trivial baselines, the
judge's quality), and a judge that cannot tell real images from a trivial baseline, or a
classifier near chance, gives no verdict."""

import os

import numpy as np
import pytest

from kerasgen.metrics import scale
from kerasgen.metrics.evaluate import evaluate, load_real_data
from kerasgen.commands.evaluate import format_table, make_report
from tests.metrics.conftest import ImageSource
from tests.own_data import write_digit_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """300 tinted 8x8 digits of 3 classes, one sub-folder per class."""
    directory = str(tmp_path_factory.mktemp("tinted"))
    write_digit_folder(directory, size=(8, 8), rgb=True, per_class=100, num_classes=3)
    return directory


@pytest.fixture(scope="module")
def real(folder):
    return load_real_data(folder)


def run(model, folder, extractor, metrics="fid,kid"):
    report = {}
    results = evaluate(model, folder, metrics=metrics, num_samples=100,
                                extractor=extractor, progress=False, report=report)
    printed = make_report(results, model="m", data=folder, seed=0)
    scale.add_to_report(printed, report["judge"])
    return printed, format_table(printed)


def test_baselines_are_blurred_and_mean_images():
    images = np.random.default_rng(0).random((5, 9, 8, 3)).astype("float32")
    blurred = scale.blurred(images, 4)
    assert blurred.shape == images.shape
    np.testing.assert_allclose(blurred[:, :4, :4], images[:, :4, :4].mean(axis=(1, 2), keepdims=True)
                               * np.ones((1, 4, 4, 1)), rtol=1e-6)
    assert np.all(scale.mean_image(images) == images.mean(axis=0))


def test_every_number_carries_a_floor_at_the_same_n_and_baselines(folder, real):
    report, table = run(ImageSource(real), folder, "identity")
    for name in ("fid", "kid"):
        entry = report["metrics"][name]
        measured = entry["details"]["scale"]
        # the floor: 100 other real images of the folder (it holds 300) at the same N
        assert measured["num_floor"] == entry["num_real"] == 100
        assert set(measured["baselines"]) == {"blurred 4x4", "mean image"}
        assert f"{name} {entry['value']:.4g}: real-vs-real floor {measured['floor']:.4g}" in table
    fid = report["metrics"]["fid"]
    # raw pixels see blur: FID separates it from the floor, and says so
    assert fid["details"]["scale"]["baselines"]["blurred 4x4"] > 2 * fid["details"]["scale"]["floor"]
    assert fid["verdict"] == "ok"
    assert report["judge"]["kind"] == "identity" and "raw pixels" in table


def test_raw_pixels_rank_grey_tiles_above_coloured_blobs_and_are_called_weak(folder, real):
    # The case: grey tiles (every sample the data's per-pixel mean, a grey
    # smudge) against coloured blobs (the digits blurred away). Raw-pixel KID prefers the
    # tiles -- and its own scale says it cannot tell real images from their mean image.
    grey = scale.mean_image(real)
    blobs = scale.blurred(real, 4)
    tiles, _ = run(ImageSource(grey), folder, "identity", metrics="kid")
    blurry, table = run(ImageSource(blobs), folder, "identity", metrics="kid")
    assert tiles["metrics"]["kid"]["value"] < blurry["metrics"]["kid"]["value"]
    verdict = blurry["metrics"]["kid"]["verdict"]
    assert verdict.startswith("weak judge: the trivial baseline 'mean image' scores kid")
    assert f"kid: {verdict}; not a verdict on the model" in table.splitlines()


def classifier_file(folder, directory, shuffle):
    from kerasgen.data.folders import from_folder
    from kerasgen.metrics import train_domain_classifier

    x, y = from_folder(folder)
    if shuffle:  # a judge that learned nothing about the classes: near chance
        y = np.random.default_rng(0).permutation(y)
    model = train_domain_classifier(x, y, epochs=3 if shuffle else 40, batch_size=32,
                                    filters=(8,), feature_dim=16, seed=0)
    path = os.path.join(directory, f"judge_{'shuffled' if shuffle else 'trained'}.keras")
    model.save(path)
    return path


def test_a_near_chance_classifier_gives_no_verdict(folder, real, tmp_path):
    blobs = ImageSource(scale.blurred(real, 4))
    report, table = run(blobs, folder, classifier_file(folder, tmp_path, shuffle=True), "fid,kid,is")
    judge = report["judge"]
    assert judge["weak"] and judge["num_classes"] == 3 and judge["accuracy"] < 0.6
    assert all(entry["verdict"].startswith("weak judge: ") for entry in report["metrics"].values())
    weak = [line for line in table.splitlines() if line.startswith("weak judge:")]
    assert len(weak) == 1 and "near chance" in weak[0] and "not a verdict" in weak[0]


def test_a_trained_classifier_is_not_called_weak(folder, real, tmp_path):
    report, table = run(ImageSource(real), folder, classifier_file(folder, tmp_path, shuffle=False),
                        "fid,is")
    judge = report["judge"]
    assert not judge["weak"] and judge["accuracy"] > 0.67, judge
    assert report["metrics"]["fid"]["verdict"] == "ok" and "fid: weak judge" not in table
    # The folder's rows are sorted by class; IS of real images is measured on them
    # shuffled (in class order each of its splits would hold one class: IS near 1).
    assert report["metrics"]["is"]["details"]["scale"]["floor"] > 1.5
