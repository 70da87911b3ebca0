"""`kerasgen fit spade --data FOLDER` (paired images/ + labels/) and `kerasgen sample --label-map`."""

import os

import numpy as np
import pytest
from PIL import Image

from kerasgen import cli
from kerasgen.data import layouts


@pytest.mark.slow  # about 30 s idle, builds the full recipe
def test_fit_spade_on_a_paired_folder_then_sample_a_label_map(tmp_path):
    images, maps = layouts.draw_layouts(6, image_size=16, seed=3)
    data = tmp_path / "pairs"
    for index, (image, label_map) in enumerate(zip(images, maps)):
        os.makedirs(data / "images", exist_ok=True)
        os.makedirs(data / "labels", exist_ok=True)
        Image.fromarray((image * 255).astype("uint8")).save(data / "images" / f"{index}.png")
        layouts.save_label_map(str(data / "labels" / f"{index}.png"), label_map)
    out = tmp_path / "run"
    assert cli.main(["fit", "spade", "--data", str(data), "--epochs", "1", "--limit", "4", "--batch-size", "2",
                     "--out", str(out), "--verbose", "0"]) == 0
    assert (out / "model.keras").stat().st_size > 0 and (out / "samples.png").stat().st_size > 0
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(out / "model.keras"), "--label-map", str(data / "labels" / "0.png"),
                     "--style-image", str(data / "images" / "1.png"), "-n", "2", "-o", str(grid)]) == 0
    with Image.open(grid) as written:
        assert np.asarray(written).shape[-1] == 3
