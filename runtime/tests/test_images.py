"""The one image reader: uint8 pixels, regular files only, decompression bombs refused."""

import os
import struct
import threading
import zlib

import numpy as np
import pytest

from kerasgen_runtime.images import (
    MAX_IMAGE_PIXELS, read_image, read_label_map, to_value_range,
)

Image = pytest.importorskip("PIL.Image")


def write_bomb(path, width=15_000, height=15_000):
    """A valid grey PNG of `width x height` zeros: a few hundred KB on disk, 225
    million pixels (900 MB as float32) once decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then the row's zeros
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def unblock_after(path, seconds):
    """Opens and closes the FIFO's write end after `seconds`, so a reader stuck on it
    returns (with EOF) and a failing test ends instead of hanging."""
    def unblock():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:  # no reader waiting: nothing to unblock
            pass

    timer = threading.Timer(seconds, unblock)
    timer.start()
    return timer


def test_pixels_are_uint8_and_map_linearly_onto_a_value_range(tmp_path):
    pixels = np.arange(256, dtype="uint8").reshape(16, 16)
    Image.fromarray(np.stack([pixels] * 3, -1)).save(tmp_path / "a.png")
    rgb = read_image(tmp_path / "a.png")
    assert rgb.dtype == np.uint8 and rgb.shape == (16, 16, 3)
    np.testing.assert_array_equal(rgb[..., 0], pixels)
    assert read_image(tmp_path / "a.png", channels=1).shape == (16, 16, 1)
    signed = to_value_range(rgb, (-1, 1))
    assert signed.dtype == np.float32 and signed.min() == -1.0 and signed.max() == 1.0
    np.testing.assert_allclose(signed, rgb / 127.5 - 1.0, atol=1e-6)
    assert to_value_range(rgb, [0, 1]).max() == 1.0
    with pytest.raises(ValueError, match="pixels must be uint8"):
        to_value_range(signed, (0, 1))


@pytest.mark.parametrize("reader", [read_image, read_label_map])
def test_a_fifo_named_like_an_image_is_refused_not_waited_on(reader, tmp_path):
    path = str(tmp_path / "x.png")
    os.mkfifo(path)
    timer = unblock_after(path, 10)
    try:
        with pytest.raises(ValueError, match=r"x\.png' is a FIFO; expected a regular PNG/JPEG file"):
            reader(path)
    finally:
        timer.cancel()
    with pytest.raises(ValueError, match="is a folder"):
        reader(str(tmp_path))


def test_a_decompression_bomb_is_refused_in_one_line(tmp_path):
    path = tmp_path / "bomb.png"
    write_bomb(path)
    assert os.path.getsize(path) < 1_000_000 and 15_000 * 15_000 > 2 * MAX_IMAGE_PIXELS
    with pytest.raises(ValueError, match=r"bomb\.png' is too large \(225000000 pixels\): at most 89478485 pixels") as error:
        read_image(path)
    assert "\n" not in str(error.value)
    # Between Pillow's warning and its error (1-2x its limit) it would decode: refused too.
    write_bomb(path, 10_000, 10_000)
    with pytest.raises(ValueError, match=r"too large \(10000 x 10000\)"):
        read_label_map(path)


def test_files_that_are_not_images_name_the_file(tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ValueError, match=r"could not read image file .*notes\.png"):
        read_image(tmp_path / "notes.png")
    with pytest.raises(ValueError, match=r"could not read label map file .*missing\.png"):
        read_label_map(tmp_path / "missing.png")
    Image.fromarray(np.zeros((4, 4, 3), "uint8")).save(tmp_path / "rgb.png")
    with pytest.raises(ValueError, match="must be a single-channel PNG of class indices, got mode 'RGB'"):
        read_label_map(tmp_path / "rgb.png")
