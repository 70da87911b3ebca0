"""`kerasgen plot --data FOLDER` shows reconstructions of a seeded stratified choice of
the folder's images, not its first class."""

import numpy as np
from PIL import Image

from kerasgen import cli

SHADES = {"a": 30, "b": 90, "c": 150, "d": 210}  # one grey level per class folder


def test_reconstructions_come_from_every_class(tmp_path, capsys):
    data = tmp_path / "shapes"
    for name, shade in SHADES.items():
        (data / name).mkdir(parents=True)
        for i in range(10):
            Image.fromarray(np.full((16, 16), shade, "uint8")).save(data / name / f"{i}.png")
    out = str(tmp_path / "run")
    assert cli.main(["fit", "vae", "--data", str(data), "--epochs", "1", "--batch-size", "8",
                     "--latent-dim", "2", "--out", out, "--verbose", "0"]) == 0
    shown = {}
    for seed in (0, 1):
        folder = tmp_path / f"plots{seed}"
        assert cli.main(["plot", out, "--data", str(data), "--kind", "reconstructions",
                         "--seed", str(seed), "-o", str(folder)]) == 0
        grid = np.asarray(Image.open(folder / "reconstructions.png"))
        tile = grid.shape[1] // 16
        shown[seed] = [int(grid[tile // 2, column * tile + tile // 2]) for column in range(16)]
        assert sorted(shown[seed]) == sorted(v for v in SHADES.values() for _ in range(4)), shown
    again = tmp_path / "again"
    assert cli.main(["plot", out, "--data", str(data), "--kind", "reconstructions",
                     "--seed", "0", "-o", str(again)]) == 0
    assert np.array_equal(np.asarray(Image.open(again / "reconstructions.png")),
                          np.asarray(Image.open(tmp_path / "plots0" / "reconstructions.png")))
