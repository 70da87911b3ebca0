"""Files in a `--data` folder that would hang or blow up a run are refused by name."""

import os

import numpy as np
import pytest
from PIL import Image

from kerasgen import cli
from kerasgen.data import folders, layouts
from tests.own_data import unblock_after, write_bomb


@pytest.fixture
def folder(tmp_path):
    for index in range(4):
        Image.fromarray(np.full((8, 8), 40 * index, "uint8")).save(tmp_path / f"{index}.png")
    return tmp_path


def fit(capsys, *args):
    code = cli.main(["fit", *map(str, args), "--verbose", "0"])
    return code, capsys.readouterr().err


def test_a_fifo_named_x_png_is_refused_by_name(folder, tmp_path, capsys):
    fifo = str(folder / "x.png")
    os.mkfifo(fifo)
    timer = unblock_after(fifo, 20)
    try:
        with pytest.raises(ValueError, match=r"x\.png' is a FIFO; expected a regular PNG/JPEG file"):
            folders.from_folder(str(folder))
        code, err = fit(capsys, "vae", "--data", folder, "--epochs", "1", "--out", tmp_path / "run")
    finally:
        timer.cancel()
    assert code == 2 and "x.png' is a FIFO" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run" / "model.keras").exists()


def test_a_fifo_in_a_paired_folder_is_refused(tmp_path):
    images, maps = layouts.draw_layouts(2, image_size=16, seed=0)
    for part in ("images", "labels"):
        (tmp_path / part).mkdir()
    for index, (image, label_map) in enumerate(zip(images, maps)):
        Image.fromarray((image * 255).astype("uint8")).save(tmp_path / "images" / f"{index}.png")
        layouts.save_label_map(str(tmp_path / "labels" / f"{index}.png"), label_map)
    os.mkfifo(tmp_path / "labels" / "2.png")
    (tmp_path / "images" / "2.png").write_bytes((tmp_path / "images" / "0.png").read_bytes())
    timer = unblock_after(str(tmp_path / "labels" / "2.png"), 20)
    try:
        with pytest.raises(ValueError, match=r"2\.png' is a FIFO"):
            folders.from_folder(str(tmp_path))
    finally:
        timer.cancel()


def test_a_decompression_bomb_is_one_line_naming_the_file(folder, tmp_path, capsys):
    write_bomb(folder / "bomb.png")
    with pytest.raises(ValueError, match=r"bomb\.png' is too large \(225000000 pixels\)"):
        folders.from_folder(str(folder))
    code, err = fit(capsys, "vae", "--data", folder, "--epochs", "1", "--out", tmp_path / "run")
    assert code == 2 and "bomb.png' is too large" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
