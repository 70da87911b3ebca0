"""`kerasgen evaluate MODEL --data TRAIN --held-out HELD --metrics memorization`: a folder of
training images as MODEL is flagged, a folder of held-out images is not; the closest
pairs PNG is written beside -o; mistakes are one line naming the flag."""

import json

import numpy as np
import pytest
from PIL import Image

from kerasgen import cli
from kerasgen.data import write_dataset_folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("memorization")
    options = dict(num_train_per_class=40, num_test_per_class=30)
    write_dataset_folder("shapes", root / "train", **options)
    write_dataset_folder("shapes", root / "test", split="test", **options)
    return root


def evaluate(*args):
    return cli.main(["evaluate", *map(str, args), "--metrics", "memorization", "--no-progress"])


def test_training_images_as_samples_are_flagged_and_the_pairs_png_is_written(folders, tmp_path, capsys):
    report_path = tmp_path / "copy.json"
    assert evaluate(folders / "train", "--data", folders / "train", "--held-out", folders / "test",
                    "-n", 100, "-o", report_path) == 0
    out = capsys.readouterr().out
    assert "verdict: copies training images" in out and "DomainClassifier trained here" in out
    report = json.loads(report_path.read_text())
    assert report["metrics"]["memorization"]["value"] == 1.0
    assert report["metrics"]["memorization_pixel"]["value"] == 1.0
    assert report["metrics"]["memorization_feature"]["value"] == 1.0
    assert report["held_out"] == f"every image of folder {str(folders / 'test')!r}"
    pairs = tmp_path / "copy_closest_pairs.png"
    assert report["closest_pairs_png"] == str(pairs)
    with Image.open(pairs) as image:  # 16 pairs: 8 columns x 4 rows of 32 px, scaled x2
        assert image.mode == "RGB" and image.size == (2 * (8 * 34 + 2), 2 * (4 * 34 + 2))


def test_held_out_images_as_samples_are_not_flagged(folders, tmp_path, capsys):
    assert evaluate(folders / "test", "--data", folders / "train", "--held-out", folders / "test",
                    "--extractor", "identity", "--pairs", tmp_path / "pairs.png", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["metrics"]["memorization"]["details"]["verdict"] == "no sign of copying"
    assert report["metrics"]["memorization_pixel"]["value"] == pytest.approx(0.05, abs=0.01)
    assert report["extractor"] == "identity" and (tmp_path / "pairs.png").is_file()


def test_memorization_mistakes_are_one_line_naming_the_flag(folders, tmp_path, capsys):
    assert evaluate(folders / "test", "--data", folders / "train", "--extractor", "identity") == 2
    assert "--held-out is required with --data folder" in capsys.readouterr().err
    assert cli.main(["evaluate", str(folders / "test"), "--data", str(folders / "train"),
                     "--metrics", "fid,memorization"]) == 2
    assert "--metrics memorization is computed on its own, got 'fid,memorization'" in capsys.readouterr().err
    assert evaluate(folders / "test", "--data", folders / "train", "--held-out", folders / "test",
                    "--pairs", tmp_path / "pairs.jpg") == 2
    assert "--pairs must be a .png path, got" in capsys.readouterr().err
    user_file = tmp_path / "mine_closest_pairs.png"
    user_file.write_bytes(b"not ours")
    assert evaluate(folders / "test", "--data", folders / "train", "--held-out", folders / "test",
                    "-o", tmp_path / "mine.json") == 2
    assert "--pairs" in capsys.readouterr().err and user_file.read_bytes() == b"not ours"
    assert not (tmp_path / "mine.json").exists()


def test_a_dataset_name_holds_out_its_test_split(capsys):
    """`--data shapes`: trained on the train split, judged against the test split; here
    the samples are an untrained generator's, far from any image."""
    from kerasgen.models import GAN
    from kerasgen.networks import DCGANDiscriminator, DCGANGenerator

    generator = DCGANGenerator(latent_dim=16, image_shape=(32, 32, 3), filters=(16, 8))
    model = GAN(generator, DCGANDiscriminator((32, 32, 3), filters=(8, 16)))
    from kerasgen.commands import memorization_check

    args = cli.build_parser().parse_args(["evaluate", "x.keras", "--data", "shapes", "--metrics",
                                          "memorization", "-n", "50", "--extractor", "identity"])
    assert memorization_check.run(args, model) == 0
    out = capsys.readouterr().out
    assert "held out: the test split of 'shapes'" in out and "verdict: no sign of copying" in out
