"""PNG grids of uint8 samples (`kerasgen_runtime.images`)."""

from kerasgen_runtime.images import GRID_PAD_VALUE, GRID_PADDING, image_grid, write_png  # noqa: F401
