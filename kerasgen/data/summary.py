"""The one line `kerasgen fit` prints about the data it read: how many images, their
shape, the colour mode (and whether the folder mixed grey and colour files), the classes
with their counts, and the files of a folder it skipped and why."""

import collections
import os

import numpy as np
from kerasgen_runtime.images import open_image

from kerasgen.data.image_files import GREY_MODES, IMAGE_EXTENSIONS


def folder_facts(directory):
    """`(file modes, skipped)` of an image folder: a Counter of "grey" / "colour" over its
    images, and the names of the files it holds that are not images."""
    modes, skipped = collections.Counter(), []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            if not name.lower().endswith(IMAGE_EXTENSIONS):
                skipped.append(os.path.relpath(path, directory))
                continue
            with open_image(path) as image:
                modes["grey" if image.mode in GREY_MODES else "colour"] += 1
    return modes, skipped


def describe(source, x, y, class_names=None, color_mode=None, modes=None, skipped=()):
    """One line about `x` (N, ...) and its labels `y`, read from `source`."""
    x = np.asarray(x)
    kind = "images" if x.ndim == 4 else "examples"
    parts = [f"{len(x)} {kind} from {source}, each {'x'.join(str(d) for d in x.shape[1:])}"]
    if x.ndim == 4:
        mode = color_mode or ("rgb" if x.shape[-1] == 3 else "grayscale")
        if modes and len(modes) > 1:
            mode += (f" (mixed: {modes['colour']} colour and {modes['grey']} grey files, "
                     f"all read as {mode})")
        parts.append(mode)
    if y is None:
        parts.append("no classes")
    else:
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        names = [class_names[int(i)] if class_names else str(int(i)) for i in labels]
        counted = ", ".join(f"{name} ({count})" for name, count in zip(names, counts))
        parts.append(f"{len(labels)} classes: {counted}")
    if skipped:
        shown = ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        parts.append(f"skipped {len(skipped)} file(s) that are not .png/.jpg/.jpeg ({shown})")
    return "; ".join(parts)
