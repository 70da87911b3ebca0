"""Semantic layouts: the procedural `layouts` dataset and a loader for paired folders.

Both return `(images, label_maps)` the way the named datasets return `(x, y)`:
float32 NHWC images in [0, 1] and int64 maps `(N, H, W)` of class indices.

The `layouts` rule (seeded; train and test drawn from different seeds, so the split is
fixed). Each scene is a background (class 0) with 1-4 shapes drawn in turn, later ones
on top: discs (class 1), axis-aligned boxes (class 2) and triangles (class 3), with
random centres and sizes. Each class has its own texture family:

| class | region     | texture                                   |
|-------|------------|-------------------------------------------|
| 0     | background | smooth vertical gradient                  |
| 1     | disc       | concentric rings around the disc's centre |
| 2     | box        | diagonal stripes                          |
| 3     | triangle   | checkerboard                              |

Colour is the per-image *style*, independent of the map: one random base hue per image,
each class at a fixed hue offset (0, 0.25, 0.5, 0.75 turns) from it, a random
saturation per image and a random brightness per image; the texture mixes a light and
a dark tone of the class's colour, with a random period and phase per image. So the map
fixes *where* each texture goes, while the colours can only come from the style code.
"""

import os

import numpy as np
from kerasgen_runtime.files import atomic_path
from kerasgen_runtime.images import check_regular_file, read_image, read_label_map
from PIL import Image

from kerasgen.data.image_files import IMAGE_EXTENSIONS, folder_color_mode

NUM_CLASSES = 4
CLASS_NAMES = ("background", "disc", "box", "triangle")
HUE_OFFSETS = np.array([0.0, 0.25, 0.5, 0.75])


def load_layouts(image_size=32, num_train=4000, num_test=1000, seed=0):
    """The `layouts` dataset: `(x_train, y_train), (x_test, y_test)`.

    Args:
        image_size: height and width (32 or 64 are the sizes used here; any >= 16).
        num_train, num_test: number of scenes in each split.
        seed: train uses `seed`, test `seed + 1`.
    """
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 16:
        raise ValueError(f"image_size must be an int >= 16, got {image_size!r}")
    for name, value in (("num_train", num_train), ("num_test", num_test)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    return draw_layouts(num_train, image_size, seed), draw_layouts(num_test, image_size, seed + 1)


def draw_layouts(num_scenes, image_size=32, seed=0):
    """`num_scenes` scenes `(images, label_maps)` drawn with numpy seed `seed`."""
    rng = np.random.default_rng(seed)
    images = np.empty((num_scenes, image_size, image_size, 3), dtype="float32")
    maps = np.empty((num_scenes, image_size, image_size), dtype="int64")
    for index in range(num_scenes):
        label_map, textures = draw_map(rng, image_size)
        maps[index] = label_map
        images[index] = paint(rng, label_map, textures)
    return images, maps


def draw_map(rng, size):
    """A label map and, per class, its texture field in [0, 1] over the whole image."""
    yy, xx = np.mgrid[0:size, 0:size].astype("float64") / size
    label_map = np.zeros((size, size), dtype="int64")
    ring = np.zeros((size, size))
    for _ in range(rng.integers(1, 5)):
        kind = int(rng.integers(1, NUM_CLASSES))
        cy, cx = rng.uniform(0.15, 0.85, size=2)
        radius = rng.uniform(0.12, 0.3)
        if kind == 1:
            distance = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
            mask = distance < radius
            period = rng.uniform(0.08, 0.14)
            ring = np.where(mask, 0.5 + 0.5 * np.cos(2 * np.pi * distance / period), ring)
        elif kind == 2:
            half_h, half_w = radius * rng.uniform(0.6, 1.2, size=2)
            mask = (np.abs(yy - cy) < half_h) & (np.abs(xx - cx) < half_w)
        else:  # an upward triangle: apex above the centre, base below
            height = 2 * radius
            top = cy - radius
            depth = (yy - top) / height
            mask = (depth >= 0) & (depth <= 1) & (np.abs(xx - cx) <= depth * radius * 1.1)
        label_map[mask] = kind
    period = rng.uniform(0.14, 0.22)
    phase = rng.uniform(0, 1)
    textures = np.stack([
        yy,  # background: vertical gradient
        ring,
        0.5 + 0.5 * np.sign(np.sin(2 * np.pi * ((xx + yy) / period + phase))),  # stripes
        ((np.floor(xx / (period * 0.8) + phase) + np.floor(yy / (period * 0.8))) % 2),  # checks
    ])
    return label_map, textures


def paint(rng, label_map, textures):
    """The scene's pixels: each class's texture in two tones of its style colour."""
    hue = rng.uniform(0, 1)
    saturation = rng.uniform(0.45, 0.9)
    brightness = rng.uniform(0.65, 1.0)
    image = np.zeros(label_map.shape + (3,))
    for label in range(NUM_CLASSES):
        class_hue = (hue + HUE_OFFSETS[label]) % 1.0
        light = hsv_to_rgb(class_hue, saturation * 0.6, brightness)
        dark = hsv_to_rgb(class_hue, saturation, brightness * 0.55)
        texture = textures[label][..., None]
        colour = light * texture + dark * (1 - texture)
        image = np.where((label_map == label)[..., None], colour, image)
    return np.clip(image, 0, 1).astype("float32")


def hsv_to_rgb(hue, saturation, value):
    """One HSV colour (each in [0, 1]) as an RGB array of 3."""
    i = int(hue * 6) % 6
    f = hue * 6 - int(hue * 6)
    p, q, t = value * (1 - saturation), value * (1 - f * saturation), value * (1 - (1 - f) * saturation)
    return np.array([(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)][i])


# ---------------------------------------------------------------------------------------
# A paired folder: images/ and labels/


def is_paired_folder(directory):
    """True for a folder holding `images/` and `labels/` sub-folders."""
    return all(os.path.isdir(os.path.join(str(directory), part)) for part in ("images", "labels"))


def from_paired_folder(directory, num_classes=None, color_mode="auto"):
    """Loads `directory/images/NAME.*` with `directory/labels/NAME.png` as `(x, y)`.

    Label maps are single-channel PNGs of class indices (8- or 16-bit grey, or
    palette PNGs, whose indices are the classes). Every image needs a label map of the
    same name (any image extension) and size, and every map an image.

    Args:
        directory: the folder holding `images/` and `labels/`.
        num_classes: classes must be in `[0, num_classes)`; None accepts any >= 0.
        color_mode: `"rgb"`, `"grayscale"`, or `"auto"`: grayscale when every image
            is a grey PNG/JPEG, RGB otherwise.

    Returns:
        `(x, y)`: float32 images `(N, H, W, C)` in [0, 1], int64 maps `(N, H, W)`.
    """
    if color_mode not in ("grayscale", "rgb", "auto"):
        raise ValueError(f"color_mode must be 'grayscale', 'rgb' or 'auto', got {color_mode!r}")
    if not is_paired_folder(directory):
        raise ValueError(f"directory must be a folder holding images/ and labels/, got {directory!r}")

    def stems(part, extensions):
        folder = os.path.join(directory, part)
        found = {}
        for name in sorted(os.listdir(folder)):
            stem, extension = os.path.splitext(name)
            if extension.lower() in extensions:
                if stem in found:
                    raise ValueError(f"{part}/ holds two files named {stem!r} ({found[stem]}, {name})")
                check_regular_file(os.path.join(folder, name))  # a FIFO would block
                found[stem] = name
        return found

    images, labels = stems("images", IMAGE_EXTENSIONS), stems("labels", (".png",))
    if not images:
        raise ValueError(f"{os.path.join(directory, 'images')!r} holds no images ({', '.join(IMAGE_EXTENSIONS)})")
    for have, lack, what in ((images, labels, "labels/ has no label map (.png)"), (labels, images, "images/ has no image")):
        missing = sorted(set(have) - set(lack))
        if missing:
            raise ValueError(f"{what} for {len(missing)} file(s): {', '.join(have[m] for m in missing[:5])}")
    if color_mode == "auto":
        color_mode = folder_color_mode([os.path.join(directory, "images", name) for name in images.values()])
    xs, ys = [], []
    for stem in sorted(images):
        image_path = os.path.join(directory, "images", images[stem])
        label_path = os.path.join(directory, "labels", labels[stem])
        x = read_image(image_path, 3 if color_mode == "rgb" else 1).astype("float32") / 255.0
        y = read_label_map(label_path)
        if x.shape[:2] != y.shape:
            raise ValueError(
                f"label map {label_path!r} has size {y.shape}, expected {x.shape[:2]} like its image {image_path!r}"
            )
        if xs and x.shape != xs[0].shape:
            raise ValueError(f"image {image_path!r} has shape {x.shape}, expected {xs[0].shape} like the first image")
        bad = (y < 0) | (num_classes is not None and y >= num_classes)
        if np.any(bad):
            raise ValueError(
                f"label map {label_path!r} must hold classes in [0, {num_classes}), got values in "
                f"[{y.min()}, {y.max()}]"
            )
        xs.append(x)
        ys.append(y)
    return np.stack(xs), np.stack(ys)


def save_label_map(path, label_map):
    """Writes an int map `(H, W)` as an 8-bit single-channel PNG (atomically)."""
    label_map = np.asarray(label_map)
    if label_map.ndim != 2 or label_map.min() < 0 or label_map.max() > 255:
        raise ValueError(f"label_map must be a 2-D map of classes in [0, 255], got shape {label_map.shape}")
    with atomic_path(path) as tmp:
        Image.fromarray(label_map.astype("uint8"), mode="L").save(tmp, format="PNG")
