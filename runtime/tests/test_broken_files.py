"""ONNX files whose outputs break their metadata's promises are refused in one line.

The files are real graphs run by onnxruntime (make_broken_fixtures.py): one returns fewer
rows than asked, one NaN, one other dimensions than its metadata states, one needs
another latent size than its metadata states.
"""

import os
import re

import numpy as np
import pytest

from kerasgen_runtime import Sampler
from kerasgen_runtime.cli import main

CASES = [
    ("short_rows.onnx", r"returned samples of shape \[1, 1, 3, 1\], expected \[10, 1, 3, 1\]"),
    ("nonfinite.onnx", r"returned NaN or inf in \d+ of 10 samples"),
    ("lying_dims.onnx", r"returned samples of shape \[10, 1, 3, 1\], expected \[10, 1, 4, 1\]"),
    ("lying_latent.onnx", r"could not be run on inputs of shapes \{'z': \[10, 5\]\}"),
]


@pytest.mark.parametrize("name, message", CASES)
def test_the_sampler_checks_every_batch(name, message, fixture_path):
    sampler = Sampler(fixture_path(name))
    with pytest.raises(ValueError, match=message):
        sampler.sample(10, seed=0)
    # Several batches: each one is checked (a 3-row batch of 5-wide latents reshapes
    # into 5 rows, so lying_latent.onnx then fails the row count instead).
    anything = rf"{name} (returned samples of shape|returned NaN|could not be run)"
    with pytest.raises(ValueError, match=anything):
        sampler.sample(10, seed=0, batch_size=3)
    with pytest.raises(ValueError, match=anything):
        list(sampler.sample_batches(10, seed=0, batch_size=4))


@pytest.mark.parametrize("name, message", CASES)
@pytest.mark.parametrize("output", ["samples.npy", "grid.png"])
def test_the_command_prints_one_line_and_writes_nothing(name, message, output, fixture_path,
                                                         tmp_path, capfd):
    code = main([fixture_path(name), "-n", "10", "--seed", "0", "-o", str(tmp_path / output)])
    captured = capfd.readouterr()
    assert code == 2 and "wrote" not in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerasgen-sample: error: ")
    assert re.search(message, lines[0])
    assert os.listdir(tmp_path) == []


def test_split_batches_are_checked_too(fixture_path):
    # 64 samples on 2 threads run as two sub-batches of one-thread sessions.
    sampler = Sampler(fixture_path("nonfinite.onnx"), num_threads=2, split_batches=True)
    assert sampler.split_threads == 2
    with pytest.raises(ValueError, match="returned NaN or inf"):
        sampler.sample(64, seed=0)
    z = np.abs(np.random.default_rng(0).standard_normal((64, 3))).astype("float32") + 0.1
    assert np.isfinite(sampler.decode(z)).all()  # positive latents: log is finite, accepted


def test_huge_dimensions_in_metadata_are_refused_before_any_allocation(fixture_path, tmp_path, capfd):
    with pytest.raises(ValueError, match=r"metadata image_shape \[50000, 50000, 1\] holds 2500000000 "
                                         r"values per sample, more than the 16777216"):
        Sampler(fixture_path("huge_dims.onnx"))
    code = main([fixture_path("huge_dims.onnx"), "-n", "300", "-o", str(tmp_path / "x.npy")])
    err = capfd.readouterr().err
    assert code == 2 and "holds 2500000000 values per sample" in err and len(err.strip().splitlines()) == 1
    overrides = [({"latent_dim": 10**9}, r"metadata latent_dim must be at most 65536, got 1000000000"),
                 ({"image_shape": [1, 10**6, 1]}, r"metadata image_shape must be at most 65536, got 1000000"),
                 ({"num_classes": 10**7}, r"metadata num_classes must be at most 65536")]
    for metadata, message in overrides:
        with pytest.raises(ValueError, match=message):
            Sampler(fixture_path("lying_dims.onnx"), metadata=metadata)
    assert os.listdir(tmp_path) == []
