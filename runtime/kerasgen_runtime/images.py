"""Image files in and out: the one reader of PNG/JPEG files and PNG grids of samples.

NumPy and Pillow only, like the runtime sampler. Every image kerasgen reads (training
folders, label maps, style images) goes through `open_image`, so each file gets the
same checks: a regular file (a FIFO or device named `x.png` is refused, not waited on)
and at most `MAX_IMAGE_PIXELS` pixels (a decompression bomb is refused before it is
decoded). The contract: `read_image` gives uint8 pixels `(H, W, C)`, `read_label_map`
int64 class indices `(H, W)`; `to_value_range` maps pixels to a model's value range.
"""

import contextlib
import math
import os
import re
import stat
import warnings

import numpy as np

from kerasgen_runtime.files import atomic_path
from kerasgen_runtime.latents import check_positive_int

GRID_PADDING = 2
GRID_PAD_VALUE = 128
# Pillow's own default (about 89 million pixels, a 9,459 x 9,459 image): larger images
# are refused, where Pillow would only warn up to twice that.
MAX_IMAGE_PIXELS = 89_478_485
LABEL_MAP_MODES = ("L", "P", "I", "I;16")


def check_regular_file(path, what="image"):
    """`path` if it names a regular file (links followed); ValueError otherwise."""
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode  # stat never blocks, even on a FIFO
    except OSError as error:
        raise ValueError(f"could not read {what} file {path!r}: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
        raise ValueError(f"{what} file {path!r} is {kind}; expected a regular PNG/JPEG file")
    return path


@contextlib.contextmanager
def open_image(path, what="image"):
    """`PIL.Image.open(path)` for a regular file of at most `MAX_IMAGE_PIXELS` pixels.

    Anything Pillow cannot read (not an image, truncated, too large) is a ValueError
    that names the file; the image is decoded only when its pixels are used.
    """
    from PIL import Image, UnidentifiedImageError

    path = check_regular_file(path, what)
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; the size check below refuses.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except Image.DecompressionBombError as error:  # more than twice Pillow's limit
            pixels = re.search(r"\((\d+) pixels\)", str(error))
            too_large(path, what, f"{pixels.group(1)} pixels" if pixels else "")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise ValueError(f"could not read {what} file {path!r}: {first_line(error)}") from None
    if image.width * image.height > MAX_IMAGE_PIXELS:
        image.close()
        too_large(path, what, f"{image.width} x {image.height}")
    with image:
        try:
            yield image
        except (OSError, SyntaxError) as error:  # raised while decoding the pixels
            raise ValueError(f"could not read {what} file {path!r}: {first_line(error)}") from None


def first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def too_large(path, what, size):
    raise ValueError(
        f"{what} file {path!r} is too large ({size}): at most {MAX_IMAGE_PIXELS} pixels "
        "(a decompression bomb?)"
    )


def read_image(path, channels=3, size=None, what="image"):
    """uint8 pixels `(H, W, channels)` of a PNG/JPEG file.

    `channels` 1 gives L = 0.299 R + 0.587 G + 0.114 B, 3 gives RGB (a grey value
    repeated); a palette is expanded through its colours and alpha is dropped (the
    colour values are kept as stored, not composited). `size` `(height, width)`
    resizes bilinearly without keeping the aspect ratio.
    """
    from PIL import Image

    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    with open_image(path, what) as image:
        if image.mode == "P":
            image = image.convert("RGBA")
        image = image.convert("RGB" if channels == 3 else "L")
        if size is not None and image.size != (size[1], size[0]):
            image = image.resize((size[1], size[0]), Image.BILINEAR)
        array = np.asarray(image)
    return array if array.ndim == 3 else array[..., None]


def read_label_map(path):
    """int64 class indices `(H, W)` of a single-channel PNG (8/16-bit grey or palette)."""
    with open_image(path, "label map") as image:
        if image.mode not in LABEL_MAP_MODES:
            raise ValueError(
                f"label map {os.fspath(path)!r} must be a single-channel PNG of class indices, "
                f"got mode {image.mode!r}"
            )
        return np.asarray(image).astype("int64")


def to_value_range(pixels, value_range):
    """uint8 pixels mapped linearly onto `value_range` (`[low, high]`) as float32."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"pixels must be uint8 (what read_image returns), got dtype {pixels.dtype}")
    low, high = (float(v) for v in value_range)
    return (pixels.astype("float32") * ((high - low) / 255.0) + low).astype("float32")


def image_grid(images, columns=None):
    """Tiles uint8 images `(n, h, w, c)` into one `(H, W)` or `(H, W, c)` array."""
    count, height, width, channels = images.shape
    columns = check_positive_int("columns", columns) if columns else math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    step_y, step_x = height + GRID_PADDING, width + GRID_PADDING
    grid = np.full(
        (rows * step_y + GRID_PADDING, columns * step_x + GRID_PADDING, channels),
        GRID_PAD_VALUE, dtype="uint8",
    )
    for index, image in enumerate(images):
        top = GRID_PADDING + (index // columns) * step_y
        left = GRID_PADDING + (index % columns) * step_x
        grid[top : top + height, left : left + width] = image
    return grid[..., 0] if channels == 1 else grid


def write_png(path, grid):
    from PIL import Image  # only needed for grids

    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        raise ValueError(f"grid path must end with .png, got {path!r}")
    with atomic_path(path) as tmp:
        Image.fromarray(grid).save(tmp, format="PNG")
