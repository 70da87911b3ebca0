"""`kerasgen sample`: the outputs users ask for, and one-line errors for the mistakes."""

import os

import numpy as np
import pytest
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote
from PIL import Image

from kerasgen import cli
from kerasgen.metrics import DomainClassifier
from kerasgen.models import VAE, Autoencoder, ConditionalGAN
from kerasgen.networks import (
    ConditionalDCGANDiscriminator, ConditionalDCGANGenerator, DenseDecoder, DenseEncoder,
)
from kerasgen_runtime.outputs import GRID_MAX_SAMPLES

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "runtime", "tests", "fixtures")
SHAPE = (4, 4, 1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    directory = tmp_path_factory.mktemp("models")
    models = {
        "vae": VAE(DenseEncoder(SHAPE, 2, hidden_units=(8,), variational=True),
                   DenseDecoder(2, SHAPE, hidden_units=(8,))),
        "ae": Autoencoder(DenseEncoder(SHAPE, 2, hidden_units=(8,)),
                          DenseDecoder(2, SHAPE, hidden_units=(8,))),
        "cgan": ConditionalGAN(
            ConditionalDCGANGenerator(2, 3, (8, 8, 1), filters=(4, 2), embedding_dim=2),
            ConditionalDCGANDiscriminator((8, 8, 1), 3, filters=(2, 4)),
        ),
        "classifier": DomainClassifier((8, 8, 1), 3, filters=(2,), feature_dim=4),
    }
    paths = {}
    for name, model in models.items():
        paths[name] = str(directory / f"{name}.keras")
        model.save(paths[name])
    return models, paths


def sample(capsys, *args):
    code = cli.main(["sample", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_npy_gets_arrays_and_png_gets_a_png(saved, tmp_path, capsys):
    models, paths = saved
    code, _ = sample(capsys, paths["cgan"], "-n", "300", "--seed", "4", "--batch-size", "64",
                     "-o", tmp_path / "g.npy")
    assert code == 0
    samples = np.load(tmp_path / "g.npy")  # an .npy file, not PNG bytes under that name
    assert samples.shape == (300, 8, 8, 1) and samples.dtype == np.float32
    np.testing.assert_allclose(samples, models["cgan"].sample(300, seed=4), atol=1e-6)
    code, _ = sample(capsys, paths["cgan"], "-n", "7", "--label", "2", "-o", tmp_path / "twos.npy")
    np.testing.assert_allclose(np.load(tmp_path / "twos.npy"),
                               models["cgan"].sample(7, seed=0, labels=2), atol=1e-6)
    assert sample(capsys, paths["vae"], "-n", "9", "-o", tmp_path / "g.png")[0] == 0
    with Image.open(tmp_path / "g.png") as image:
        assert image.format == "PNG"
    assert sorted([n for n in os.listdir(tmp_path) if n != MANIFEST]) == ["g.npy", "g.png", "twos.npy"]


@pytest.mark.parametrize("model, extra, output, message", [
    ("classifier", [], "g.png", "model is a DomainClassifier, not a generative model"),
    ("ae", [], "g.png", "its latent has no prior"),
    ("vae", ["--label", "3"], "g.png", "--label needs a conditional model (a cGAN), got a VAE"),
    ("cgan", ["--label", "3"], "g.png", r"--label must be in [0, 2], got 3"),
    ("vae", [], "g.jpg", "output must end with .npy (float32 samples) or .png"),
    ("vae", ["-n", str(GRID_MAX_SAMPLES + 1)], "g.png", "a PNG grid holds at most"),
    ("missing.keras", [], "g.png", "model file"),
])
def test_mistakes_give_one_line_errors(saved, tmp_path, capsys, model, extra, output, message):
    path = saved[1].get(model, str(tmp_path / model))
    code, text = sample(capsys, path, *extra, "-o", tmp_path / output)
    assert code == 2 and message in text and "Traceback" not in text
    assert len(text.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_onnx_files_are_sampled_with_the_runtime(tmp_path, capsys):
    from kerasgen_runtime import Sampler

    gan = os.path.join(FIXTURES, "gan.onnx")
    assert sample(capsys, gan, "-n", "5", "-o", tmp_path / "s.npy")[0] == 0
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), Sampler(gan).sample(5, seed=0))
    code, text = sample(capsys, os.path.join(FIXTURES, "vae_encoder.onnx"), "-o", tmp_path / "e.npy")
    assert code == 2 and "holds a VAE encoder" in text
    code, text = sample(capsys, os.path.join(FIXTURES, "autoencoder.onnx"), "-o", tmp_path / "a.npy")
    assert code == 2 and "no prior" in text
    assert [n for n in os.listdir(tmp_path) if n != MANIFEST] == ["s.npy"]


@pytest.mark.parametrize("name, message", [
    ("short_rows.onnx", "returned samples of shape [1, 1, 3, 1], expected [10, 1, 3, 1]"),
    ("nonfinite.onnx", "returned NaN or inf in"),
    ("lying_dims.onnx", "returned samples of shape [10, 1, 3, 1], expected [10, 1, 4, 1]"),
])
@pytest.mark.parametrize("output", ["s.npy", "g.png"])
def test_onnx_files_that_break_their_metadata_are_one_line(tmp_path, capsys, name, message, output):
    code, text = sample(capsys, os.path.join(FIXTURES, name), "-n", "10", "-o", tmp_path / output)
    lines = text.strip().splitlines()
    assert code == 2 and len(lines) == 1 and message in lines[0], lines
    assert [n for n in os.listdir(tmp_path) if n != MANIFEST] == []
