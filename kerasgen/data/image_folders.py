"""Writing images out as a folder of PNGs with one sub-folder per class: the layout
`kerasgen fit RECIPE --data FOLDER` and `kerasgen.data.from_folder` read.

    kerasgen.data.write_image_folder("shapes_train", x, y, class_names=("circle", ...))
    kerasgen.data.write_dataset_folder("shapes", "shapes_train", split="train")

The folder is written whole in a temporary folder beside it and renamed into place
(`kerasgen_runtime.files.atomic_path`), with a manifest of every file; an existing
folder is replaced only when it is one kerasgen wrote and nothing in it was changed or
added (`overwrite=True`), never a user's folder.
"""

import os

import numpy as np
from kerasgen_runtime.files import DirectoryKind, atomic_path
from PIL import Image

from kerasgen.data.value_ranges import check_value_range


def folder_kind(class_names):
    """The `DirectoryKind` of an image folder with these class sub-folders."""
    return DirectoryKind("kerasgen image folder", required=(), allowed=tuple(class_names))


def write_image_folder(path, x, y, class_names=None, overwrite=False):
    """Writes images `x` in [0, 1] (NHWC, 1 or 3 channels) as PNGs, one sub-folder per class.

    Args:
        path: the folder to create (it must not exist, be empty, or, with `overwrite`,
            be an unchanged folder this function wrote).
        x: float images `(N, H, W, C)` in [0, 1], `C` 1 or 3.
        y: int labels `(N,)` in `[0, len(class_names))`.
        class_names: sub-folder names, one per class, each one path component; default
            `class_0`, `class_1`, ... Sub-folders are read back sorted by name, so the
            default names keep the label order for up to 10 classes; give names that sort
            in label order to keep it for more.
        overwrite: replace a previous folder of this kind.

    Returns:
        `path`. File names are `{class}/{index:05d}.png`, `index` the row in `x`.
    """
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(f"x must be images (N, H, W, 1 or 3), got shape {x.shape}")
    check_value_range(x, (0.0, 1.0), name="x")
    y = np.asarray(y)
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold one int label per image ({len(x)}), got shape {y.shape}")
    names = _class_names(class_names, int(y.max()) + 1 if len(y) else 0)
    if len(y) and (y.min() < 0 or y.max() >= len(names)):
        raise ValueError(f"y must lie in [0, {len(names) - 1}], got [{y.min()}, {y.max()}]")
    if sorted(names) != list(names):
        raise ValueError(f"class_names must be sorted (folders are read back sorted), got {list(names)}")
    pixels = np.round(x * 255.0).astype("uint8")
    with atomic_path(path, kind=folder_kind(names), overwrite=overwrite, flag="path") as tmp:
        os.makedirs(tmp)
        for label, name in enumerate(names):
            os.makedirs(os.path.join(tmp, name))
        for index, (image, label) in enumerate(zip(pixels, y)):
            image = image[..., 0] if image.shape[-1] == 1 else image
            Image.fromarray(image).save(os.path.join(tmp, names[label], f"{index:05d}.png"))
    return path


def write_dataset_folder(name, path, split="train", overwrite=False, **options):
    """Writes a named dataset's `split` (`kerasgen.data.load(name, **options)`) as an
    image folder (see `write_image_folder`); class sub-folders are the dataset's class
    names prefixed with their index (`0_circle`), so they sort in label order."""
    from kerasgen.data import named_datasets

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    train, test = named_datasets.load(name, **options)
    x, y = train if split == "train" else test
    if np.ndim(x) != 4 or np.ndim(y) != 1:
        raise ValueError(f"name must be a dataset of labelled images, got {name!r}")
    names = named_datasets.class_names(name) or [str(i) for i in range(int(y.max()) + 1)]
    width = len(str(len(names) - 1))
    return write_image_folder(path, x, y, [f"{i:0{width}d}_{n}" for i, n in enumerate(names)],
                              overwrite=overwrite)


def _class_names(class_names, num_classes):
    if class_names is None:
        return [f"class_{i}" for i in range(num_classes)]
    names = [str(n) for n in class_names]
    for name in names:
        if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
            raise ValueError(f"class_names must be single path components, got {name!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"class_names must be distinct, got {names}")
    return names
