import os

import numpy as np
import pytest

from kerasgen.export.onnx_export import to_onnx
from kerasgen.data.layouts import save_label_map
from kerasgen_runtime import SPADESampler
from kerasgen_runtime.cli import main as sample_main
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote
from tests.models.spade_checks import CLASSES, SIZE, tiny_data, tiny_spade


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spade")
    model = tiny_spade()
    x, maps = tiny_data()
    model.fit(x, maps, epochs=1, batch_size=4, verbose=0)
    generator = to_onnx(model, os.path.join(directory, "spade.onnx"))
    encoder = to_onnx(model, os.path.join(directory, "spade_encoder.onnx"), encoder=True)
    return model, generator, encoder, directory


def test_export_takes_label_map_and_z_and_records_the_map(exported):
    _, generator, encoder, _ = exported
    metadata = generator["metadata"]
    assert metadata["inputs"] == ["label_map", "z"]
    assert metadata["label_map_shape"] == [SIZE, SIZE] and metadata["label_map_encoding"] == "class_indices"
    assert metadata["num_classes"] == CLASSES and metadata["value_range"] == [-1.0, 1.0]
    assert max(generator["max_abs_diff"].values()) <= generator["tolerance"]
    assert encoder["metadata"]["network"] == "encoder" and encoder["metadata"]["outputs"] == ["mean", "log_var"]


def test_runtime_sampler_reproduces_the_keras_samples_and_styles(exported):
    model, generator, encoder, _ = exported
    _, maps = tiny_data()
    sampler = SPADESampler(generator["path"], encoder=encoder["path"])
    np.testing.assert_allclose(sampler.sample(maps[0], 3, seed=5), model.sample(3, seed=5, label_maps=maps[0]), atol=1e-5)
    x, _ = tiny_data()
    reference = np.clip(np.rint((x[1] + 1) * 127.5), 0, 255).astype("uint8")
    expected = model.sample(2, label_maps=maps[:2], style_images=reference.astype("float32") / 127.5 - 1.0)
    np.testing.assert_allclose(sampler.sample(maps[:2], style_image=reference), expected, atol=1e-5)
    with pytest.raises(ValueError, match=r"label_map must hold classes in \[0, 2\)"):
        sampler.sample(np.full((SIZE, SIZE), 7), 1)
    with pytest.raises(ValueError, match="needs the style encoder"):
        SPADESampler(generator["path"]).sample(maps[0], 1, style_image=reference)


def test_kerasgen_sample_cli_draws_a_label_map_png(exported, tmp_path):
    from PIL import Image

    _, generator, encoder, _ = exported
    _, maps = tiny_data()
    map_path, style_path = os.path.join(tmp_path, "map.png"), os.path.join(tmp_path, "ref.png")
    save_label_map(map_path, maps[0])
    Image.fromarray(np.full((SIZE, SIZE, 3), 200, "uint8")).save(style_path)
    out = os.path.join(tmp_path, "out.png")
    assert sample_main([generator["path"], "--label-map", map_path, "-n", "4", "-o", out]) == 0
    with Image.open(out) as grid:
        assert grid.size[0] > 2 * SIZE
    styled = os.path.join(tmp_path, "styled.png")
    code = sample_main([generator["path"], "--label-map", map_path, "--style-image", style_path,
                        "--encoder", encoder["path"], "-n", "2", "-o", styled])
    assert code == 0 and os.path.isfile(styled)
    assert sample_main([generator["path"], "--label-map", style_path, "-o", os.path.join(tmp_path, "bad.png")]) == 2


def test_spade_samples_follow_the_suffix_are_streamed_and_capped(exported, tmp_path, capsys):
    _, generator, _, _ = exported
    _, maps = tiny_data()
    map_path = os.path.join(tmp_path, "map.png")
    save_label_map(map_path, maps[0])
    sampler = SPADESampler(generator["path"])
    out = os.path.join(tmp_path, "k.npy")
    assert sample_main([generator["path"], "--label-map", map_path, "-n", "300", "--batch-size", "64",
                        "-o", out]) == 0
    samples = np.load(out)  # float32 samples, not the bytes of a PNG
    assert samples.shape == (300, SIZE, SIZE, 3) and samples.dtype == np.float32
    batches = list(sampler.sample_batches(maps[0], 300, seed=0, batch_size=64))
    assert [len(b) for b in batches] == [64, 64, 64, 64, 44]
    np.testing.assert_array_equal(np.concatenate(batches), samples)
    np.testing.assert_allclose(sampler.sample(maps[0], 300, seed=0), samples, atol=1e-6)
    # In memory at most 1 GiB (400,000 samples of 16 x 16 x 3 are 1.1 GiB): refused at once.
    with pytest.raises(ValueError, match=r"num_samples 400000 would hold 1.1 GiB .* stream them with sample_batches"):
        sampler.sample(maps[0], 400_000)
    capsys.readouterr()
    assert sample_main([generator["path"], "--label-map", map_path, "-n", "5000",
                        "-o", os.path.join(tmp_path, "big.png")]) == 2
    assert "a PNG grid holds at most 4096 samples" in capsys.readouterr().err
    assert sorted(n for n in os.listdir(tmp_path) if n != MANIFEST) == ["k.npy", "map.png"]
