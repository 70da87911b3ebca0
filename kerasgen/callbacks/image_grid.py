import os

import keras
import numpy as np

from kerasgen import backend
from kerasgen.callbacks.epoch_cadence import check_every, cost_of, is_due
from kerasgen.plotting import save_image_grid


class ImageGrid(keras.callbacks.Callback):
    """Writes a PNG grid of the model's `preview` every `every` epochs: samples, or
    for a model without a prior, reconstructions (see `GenerativeModel.preview`).

    Args:
        directory: folder for the PNGs (`epoch_001.png`, ...).
        num_images: samples per grid (at most this many `images`).
        every: write every N epochs, and after the last (`fit`'s `epochs`, or an
            epoch after which an earlier callback stopped training); or a
            `kerasgen.callbacks.EpochCadence` that decides.
        seed: seed of the latents, fixed so successive grids are comparable.
        images: real images a model without a prior shows with their
            reconstructions (the inputs above, the reconstructions below).

    In a multi-process run every process computes the grid (running the model may be a
    collective step under JAX) and only the chief (`kerasgen.backend.is_chief`) writes it.

    Example:
    ```python
    vae.fit(x, epochs=30, callbacks=[kerasgen.callbacks.ImageGrid("grids", every=5)])
    ```
    """

    def __init__(self, directory, num_images=64, every=1, seed=0, images=None):
        super().__init__()
        check_every(every)
        self.directory = directory
        self.num_images = num_images
        self.every = every
        self.seed = seed
        self.images = None if images is None else np.asarray(images[:num_images], "float32")
        self.paths = []

    def on_epoch_end(self, epoch, logs=None):
        if not is_due(self, self.every, epoch):
            return
        with cost_of(self.every):
            self.write(epoch)

    def write(self, epoch):
        """Writes the grid of the model as it is after `epoch` (0-based)."""
        model = self.model
        if len(model.data_shape) != 3:
            return  # 2-D data: see kerasgen.plotting.save_scatter
        preview = model.preview(self.num_images, seed=self.seed, images=self.images)
        if preview is None:
            return
        grid, columns = preview
        if not backend.is_chief():
            return  # the other processes computed the same grid; one file is written
        value_range = model.output_range
        if value_range[0] is None:
            value_range = (float(grid.min()), float(grid.max()) + 1e-6)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        self.paths.append(save_image_grid(path, grid, value_range, columns=columns))
