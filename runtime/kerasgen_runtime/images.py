"""PNG grids of uint8 samples (NumPy and Pillow only, like the runtime sampler)."""

import math
import os

import numpy as np

from kerasgen_runtime.files import atomic_path
from kerasgen_runtime.latents import check_positive_int

GRID_PADDING = 2
GRID_PAD_VALUE = 128


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
