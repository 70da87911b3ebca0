"""Recipe gan_rgb: the ResNet GAN with spectral norm, hinge loss and EMA, on RGB folders."""

import csv
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasgen import recipes, training
from tests.own_data import write_digit_folder

TINY = {"latent_dim": 8, "generator_filters": 4, "discriminator_filters": 4}
# Class sub-folders named as a user's might be: spaces, accents, punctuation, a leading dash.
ODD_NAMES = ("zéro 0", "-one", "two, (2)", "drei;3")


@pytest.fixture(scope="module")
def rgb_folder(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("rgb32"))
    write_digit_folder(path, size=(32, 32), rgb=True, per_class=6, num_classes=len(ODD_NAMES))
    for label, name in enumerate(ODD_NAMES):
        os.rename(os.path.join(path, str(label)), os.path.join(path, name))
    return path


@pytest.mark.parametrize("size, blocks", [(32, 3), (64, 4)])
def test_builds_for_32_and_64_pixel_rgb_images(size, blocks):
    model = recipes.get("gan_rgb").build((size, size, 3), **TINY)
    assert model.loss_name == "hinge" and model.share_fake_batch
    assert model.get_config().get("augment") is None  # off by default (measured; see the recipe)
    assert model.generator.get_config()["filters"] == (4,) * blocks
    assert model.discriminator.get_config()["spectral_norm"] is True
    assert model.generator_optimizer.use_ema and model.generator_optimizer.ema_momentum == 0.99
    assert not model.discriminator_optimizer.use_ema
    assert model.generator_optimizer.beta_1 == 0.0
    images = keras.ops.convert_to_numpy(model.sample(2, seed=0))
    assert images.shape == (2, size, size, 3)


def test_augmentation_is_a_setting_of_the_recipe():
    model = recipes.get("gan_rgb").build((32, 32, 3), augment="diffaugment", augment_policy="translation,cutout",
                                         **TINY)
    assert model.get_config()["augment"] == "diffaugment"
    assert model.get_config()["augment_policy"] == "translation,cutout"


def test_refuses_other_sizes_and_channels_naming_the_flag():
    build = recipes.get("gan_rgb").build
    with pytest.raises(ValueError, match=r"32x32 or 64x64 .* got \(48, 48, 3\); resize the images with "
                                         r"--image-size 32 32"):
        build((48, 48, 3))
    with pytest.raises(ValueError, match=r"3 \(RGB\) channels .* got \(32, 32, 1\); load the images with "
                                         r"--color-mode rgb"):
        build((32, 32, 1))


def test_kerasgen_fit_gan_rgb_on_a_folder_trains_with_finite_losses(rgb_folder, tmp_path):
    out = str(tmp_path / "run")
    sets = [arg for key, value in TINY.items() for arg in ("--set", f"{key}={value}")]
    command = [sys.executable, "-m", "kerasgen.cli", "fit", "gan_rgb", "--data", rgb_folder, "--epochs", "2",
               "--batch-size", "8", "--out", out, "--verbose", "0", *sets]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.getcwd())
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "4 classes" in result.stdout and "zéro 0" in result.stdout
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    for row in rows:
        for key in ("discriminator_loss", "generator_loss"):
            assert math.isfinite(float(row[key])), row
    model = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    assert model.sample(2, seed=0).shape == (2, 32, 32, 3)


def test_resume_is_bit_identical_with_spectral_norm_and_ema(rgb_folder, tmp_path):
    """The power-iteration vectors `u`, the EMA and both optimizers resume exactly."""
    def spec(epochs):
        settings = training.default_spec("gan_rgb")
        settings.update(data=rgb_folder, epochs=epochs, batch_size=8, hyperparameters=dict(TINY))
        return settings

    whole, _, _, _ = training.train(spec(2), str(tmp_path / "a"), verbose=0, monitor=False)
    training.train(spec(1), str(tmp_path / "b"), verbose=0, monitor=False)
    resumed, _, _, _ = training.train(spec(2), str(tmp_path / "b"), resume=True, verbose=0, monitor=False)
    vectors = [w for w in resumed.weights if "vector_u" in w.path]
    assert len(vectors) == 10  # 3 convolutions in each of 3 blocks, and the logit layer
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
