"""What `kerasgen fit` tells the user: every recipe in its help, and a last line that
names the files it wrote and times that add up."""

import os
import re
import subprocess
import sys

import pytest

from kerasgen import cli, recipes


@pytest.fixture
def digits(digits16):
    """The session's read-only folder of 16x16 digits, 8 per class (tests/conftest.py)."""
    return digits16


def last_line(capsys):
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_fit_help_lists_every_recipe():
    code = "import sys, kerasgen_cli; sys.exit(kerasgen_cli.main(['fit', '--help']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    described = set(re.findall(r"[a-z][a-z0-9_]+", result.stdout))
    assert set(recipes.names()) <= described, sorted(set(recipes.names()) - described)


def test_a_classifier_fit_names_what_it_wrote(digits, tmp_path, capsys):
    out = str(tmp_path / "run")
    assert cli.main(["fit", "classifier", "--data", digits, "--epochs", "1", "--batch-size", "16",
                     "--out", out]) == 0
    line = last_line(capsys)
    assert "samples and curves" not in line
    named = re.findall(re.escape(out) + r"/([\w.]+)", line)
    assert named == ["model.keras", "samples.png", "history.png", "history.json"], line
    assert "samples.png (training images)" in line
    assert all(os.path.isfile(os.path.join(out, name)) for name in named)


def test_after_a_resume_the_times_say_which_run_they_count(digits, tmp_path, capsys):
    out = str(tmp_path / "run")
    args = ["fit", "classifier", "--data", digits, "--batch-size", "16", "--out", out]
    assert cli.main([*args, "--epochs", "3"]) == 0
    first = re.search(r"\((\S+) s training, (\S+) s total\)$", last_line(capsys))
    assert first and float(first[1]) <= float(first[2])
    assert cli.main([*args, "--epochs", "4", "--resume"]) == 0
    line = last_line(capsys)
    match = re.search(r"\((\S+) s training in this run \((\S+) s over all runs\), (\S+) s total\)$", line)
    assert match, line
    this_run, all_runs, total = map(float, match.groups())
    assert 0 < this_run <= total
    assert all_runs > float(first[1])  # the earlier run's training is counted


def test_fit_prints_one_line_about_the_data_it_read(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    data = tmp_path / "shapes"
    rng = np.random.default_rng(0)
    for name, count, channels in (("circle", 6, 3), ("square", 4, 1)):
        (data / name).mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 256, (16, 16, channels), dtype="uint8")
            Image.fromarray(pixels if channels == 3 else pixels[..., 0]).save(data / name / f"{i}.png")
    (data / "notes.txt").write_text("not an image")
    assert cli.main(["fit", "ae", "--data", str(data), "--epochs", "1", "--batch-size", "5",
                     "--latent-dim", "2", "--out", str(tmp_path / "run"), "--verbose", "0"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Data: ")]
    assert lines == [
        f"Data: 10 images from {data}, each 16x16x3; rgb (mixed: 6 colour and 4 grey files, all "
        "read as rgb); 2 classes: circle (6), square (4); skipped 1 file(s) that are not "
        ".png/.jpg/.jpeg (notes.txt)"], lines
