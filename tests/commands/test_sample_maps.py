"""`kerasgen sample SPADE --label-map`: the output follows its suffix, the style image
reaches the encoder in the model's range, and many samples are streamed, not held."""

import numpy as np
import pytest
from PIL import Image

from kerasgen import cli
from kerasgen.data import layouts
from tests.models.spade_checks import CLASSES, SIZE, tiny_spade


@pytest.fixture(scope="module")
def spade(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spade")
    model = tiny_spade(seed=1, compile=False)
    model.save(directory / "spade.keras")
    label_map = np.zeros((SIZE, SIZE), "int64")
    label_map[:, SIZE // 2:] = CLASSES - 1
    layouts.save_label_map(str(directory / "map.png"), label_map)
    # A style image spanning the whole 0-255 range: dark left half, bright right half.
    pixels = np.zeros((SIZE, SIZE, 3), "uint8")
    pixels[:, SIZE // 2:] = 255
    pixels[::2, :, 1] = 128
    Image.fromarray(pixels).save(directory / "style.png")
    Image.fromarray(255 - pixels).save(directory / "other.png")
    return model, directory, label_map, pixels


def sample(capsys, *args):
    code = cli.main(["sample", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_npy_output_holds_float_samples_not_png_bytes(spade, tmp_path, capsys):
    model, directory, label_map, _ = spade
    out = tmp_path / "k.npy"
    code, text = sample(capsys, directory / "spade.keras", "--label-map", directory / "map.png",
                        "-n", "5", "--seed", "3", "--batch-size", "2", "-o", out)
    assert code == 0, text
    samples = np.load(out)  # a PNG written here would not load as an .npy
    assert samples.shape == (5, SIZE, SIZE, 3) and samples.dtype == np.float32
    np.testing.assert_allclose(samples, model.sample(5, seed=3, label_maps=label_map), atol=1e-5)


def test_style_image_reaches_the_encoder_in_the_model_range(spade, tmp_path, capsys):
    model, directory, label_map, pixels = spade
    paths = {name: tmp_path / f"{name}.npy" for name in ("random", "style", "other")}
    args = ["--label-map", directory / "map.png", "-n", "2", "--seed", "0"]
    assert sample(capsys, directory / "spade.keras", *args, "-o", paths["random"])[0] == 0
    for name in ("style", "other"):
        code, text = sample(capsys, directory / "spade.keras", *args, "--style-image",
                            directory / f"{name}.png", "-o", paths[name])
        assert code == 0, text
    random, style, other = (np.load(paths[name]) for name in ("random", "style", "other"))
    # The encoder sees the image in [-1, 1], spanning it as the pixels span 0-255.
    seen = pixels.astype("float32") / 127.5 - 1.0
    assert seen.min() == -1.0 and seen.max() == 1.0
    np.testing.assert_allclose(style, model.sample(2, label_maps=label_map, style_images=seen), atol=1e-5)
    assert np.abs(style - random).max() > 1e-3  # the style replaces the random z
    assert np.abs(style - other).max() > 1e-3  # and a different style gives other samples
    np.testing.assert_array_equal(style[0], style[1])  # one style: the same z for every sample


def test_a_grid_is_capped_and_a_wrong_suffix_is_refused(spade, tmp_path, capsys):
    _, directory, _, _ = spade
    grid = tmp_path / "grid.png"
    code, text = sample(capsys, directory / "spade.keras", "--label-map", directory / "map.png",
                        "-n", "3", "-o", grid)
    assert code == 0, text
    with Image.open(grid) as written:
        assert written.format == "PNG" and np.asarray(written).shape[-1] == 3
    code, text = sample(capsys, directory / "spade.keras", "--label-map", directory / "map.png",
                        "-n", "5000", "-o", tmp_path / "big.png")
    assert code != 0 and "at most 4096 samples" in text and "Traceback" not in text
    assert not (tmp_path / "big.png").exists()
    code, text = sample(capsys, directory / "spade.keras", "--label-map", directory / "map.png",
                        "-o", tmp_path / "k.jpg")
    assert code != 0 and "output must end with .npy" in text
