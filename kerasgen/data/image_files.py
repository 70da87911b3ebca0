"""Image files: listing a folder's images, its colour mode, and reading them as arrays."""

import os

import numpy as np
from kerasgen_runtime.images import check_regular_file, open_image, read_image

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
COLOR_MODES = ("auto", "grayscale", "rgb")


def list_images(directory):
    """`(files, labels, class_names)` of an image folder, in sorted order.

    Images directly in `directory` are unlabelled; with one sub-folder per class (and no
    loose images) `labels` is each file's class index (sub-folders sorted by name, as
    `keras.utils.image_dataset_from_directory` numbers them), else `None`.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"directory must be an existing folder, got {directory!r}")
    files = []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for file_name in sorted(names):
            if file_name.lower().endswith(IMAGE_EXTENSIONS):
                # A FIFO or device named x.png would block the first read forever.
                files.append(check_regular_file(os.path.join(root, file_name)))
    files.sort()
    if not files:
        raise ValueError(
            f"directory {directory!r} holds no images (looked for {', '.join(IMAGE_EXTENSIONS)})"
        )
    relative = [os.path.relpath(os.path.dirname(f), directory) for f in files]
    class_names = sorted(set(relative))
    if "." in class_names:  # loose images: no labels
        return files, None, []
    top = {name.split(os.sep)[0] for name in class_names}
    empty = sorted(name for name in os.listdir(directory)
                   if os.path.isdir(os.path.join(directory, name)) and name not in top)
    if empty:  # a class folder without images would shift every later class's index
        raise ValueError(
            f"class folder {os.path.join(directory, empty[0])!r} holds no images (looked for "
            f"{', '.join(IMAGE_EXTENSIONS)}); add images to it or remove it"
        )
    index = {name: i for i, name in enumerate(class_names)}
    return files, np.asarray([index[r] for r in relative], dtype="int64"), class_names


# PIL modes that hold one grey value per pixel (LA/La/PA: with alpha).
GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F")


def folder_color_mode(files):
    """`"rgb"` if any image has colour channels (RGB, RGBA, palette, CMYK, ...), else
    `"grayscale"`: `color_mode="auto"` keeps a folder's channels."""
    for path in files:
        with open_image(path) as image:  # ValueError naming an unreadable file
            if image.mode not in GREY_MODES:
                return "rgb"
    return "grayscale"


def check_image_options(color_mode, image_size):
    if color_mode not in COLOR_MODES:
        raise ValueError(f"color_mode must be one of {list(COLOR_MODES)}, got {color_mode!r}")
    if image_size is not None:
        if (len(tuple(image_size)) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0
                                                     for v in image_size)):
            raise ValueError(f"image_size must be (height, width), two positive ints, got {image_size!r}")
        image_size = tuple(int(v) for v in image_size)
    return image_size


def load_images(files, image_size=None, color_mode="grayscale"):
    """Reads image files into float32 `(N, H, W, C)` in [0, 1].

    Each file is read by `kerasgen_runtime.images.read_image` (the one image reader:
    regular files only, decompression bombs refused). Conversion rule (PIL's `convert`,
    as Keras's decoders treat channels): `"grayscale"` gives L = 0.299 R + 0.587 G +
    0.114 B; `"rgb"` repeats a grey value on three channels; palette images are
    expanded through their palette; an alpha channel is dropped (the colour values are
    kept as stored, not composited). `image_size` resizes bilinearly without keeping
    the aspect ratio, like `keras.utils.image_dataset_from_directory`.
    """
    images = []
    for path in files:
        array = read_image(path, 1 if color_mode == "grayscale" else 3, image_size)
        if images and array.shape != images[0].shape:
            raise ValueError(
                f"image {path!r} has shape {array.shape}, expected {images[0].shape} like "
                "the first image; pass image_size=(height, width) (--image-size H W) to "
                "resize them all"
            )
        images.append(array)
    return np.stack(images).astype("float32") / 255.0
