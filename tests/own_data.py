"""Small image folders made from scikit-learn's digits, as a user's own data would be."""

import os

import numpy as np


def write_digit_folder(directory, size=(16, 16), rgb=False, classes=True, per_class=12,
                       num_classes=10, seed=0, mode=None):
    """Writes `per_class` digits of each class as PNGs; returns the labels in file order.

    `classes=True` puts each class in its own sub-folder (`0/`, `1/`, ...), else all
    files lie flat. `rgb` tints each digit with a class colour (3 distinct channels);
    `mode` forces a PIL mode ("P", "RGBA", "LA", ...).
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    bunch = load_digits()
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    labels = []
    for label in range(num_classes):
        rows = rng.choice(np.flatnonzero(bunch.target == label), size=per_class, replace=False)
        folder = os.path.join(directory, str(label)) if classes else directory
        os.makedirs(folder, exist_ok=True)
        for index, row in enumerate(rows):
            grey = Image.fromarray((bunch.images[row] * 255 / 16).astype("uint8"), "L")
            grey = grey.resize((size[1], size[0]), Image.BILINEAR)
            image = grey
            if rgb:
                tint = np.array([(label * 37) % 256, (label * 91 + 60) % 256, 255 - label * 20]) / 255.0
                array = np.asarray(grey, dtype="float32")[..., None] * tint
                image = Image.fromarray(array.astype("uint8"), "RGB")
            if mode is not None:
                image = image.convert(mode)
            image.save(os.path.join(folder, f"digit{label}_{index:03d}.png"))
            labels.append(label)
    return np.asarray(labels)


def write_bomb(path, width=15_000, height=15_000):
    """A valid grey PNG of `width x height` zeros: a few hundred KB on disk, 225 million
    pixels (900 MB as float32) once decoded: a decompression bomb."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then the row's zeros
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def unblock_after(path, seconds):
    """Opens and closes a FIFO's write end after `seconds`: a reader stuck on it gets EOF,
    so a test of code that would wait on the FIFO fails instead of hanging."""
    import threading

    def unblock():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader waiting
            pass

    timer = threading.Timer(seconds, unblock)
    timer.daemon = True
    timer.start()
    return timer
