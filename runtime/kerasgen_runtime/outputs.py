"""Where samples go: `.npy` arrays streamed to disk, or one PNG grid of bounded size.

Both sampling commands (`kerasgen sample`, `kerasgen-sample`) check the output path
before any work and write batch by batch, so `-n 1000000` to `.npy` holds one batch in
memory, not a million samples.
"""

import os

import numpy as np
from numpy.lib import format as npy_format

from kerasgen_runtime.files import atomic_path
from kerasgen_runtime.latents import check_positive_int

OUTPUT_SUFFIXES = (".npy", ".png")
# A grid of 64 x 64 samples (about 1,900 x 1,900 pixels for 28 x 28 digits); more
# samples go to an .npy file, which is streamed.
GRID_MAX_SAMPLES = 4096


def output_kind(path, num_samples, grid=True):
    """`"npy"` or `"png"` from the suffix; raises ValueError for anything else, or for a
    PNG grid of more than `GRID_MAX_SAMPLES` samples (`grid=False`: a PNG that is not a
    grid of images, e.g. a scatter plot of points, has no such limit)."""
    path = os.fspath(path)
    check_positive_int("num_samples", num_samples)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ValueError(
            f"output must end with .npy (float32 samples) or .png (an image grid), got {path!r}"
        )
    if suffix == ".png" and grid:
        check_grid_size(num_samples)
    return suffix[1:]


def check_grid_size(num_samples):
    if num_samples > GRID_MAX_SAMPLES:
        raise ValueError(
            f"a PNG grid holds at most {GRID_MAX_SAMPLES} samples, got {num_samples}; "
            "write them to an .npy file instead (streamed to disk)"
        )


def write_npy(path, batches, num_samples, sample_shape, dtype="float32"):
    """Streams `batches` (arrays of `sample_shape` rows) into one `.npy` file.

    The `.npy` header is written first, then each batch's bytes in turn, to a temporary
    file beside `path` that is renamed onto it when complete; `num_samples` rows must
    arrive in total. Plain sequential writes, not a memory map: a map's written pages
    count in the process's resident memory until the file is closed.
    """
    dtype = np.dtype(dtype)
    shape = (check_positive_int("num_samples", num_samples), *tuple(sample_shape))
    header = {"descr": npy_format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            npy_format.write_array_header_1_0(f, header)
            count = 0
            for batch in batches:
                batch = np.asarray(batch)
                if batch.shape[1:] != shape[1:] or count + len(batch) > num_samples:
                    raise ValueError(
                        f"batches must have rows of shape {list(shape[1:])} and {num_samples} "
                        f"rows in total, got a batch of shape {list(batch.shape)} after {count}"
                    )
                f.write(np.ascontiguousarray(batch, dtype=dtype).tobytes())
                count += len(batch)
            if count != num_samples:
                raise ValueError(f"expected {num_samples} samples, got {count}")
    return os.fspath(path)
