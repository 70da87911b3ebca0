"""The `shapes` dataset: one coloured shape on a varied background, 32x32 RGB.

Procedural and offline; the class is the shape:

| class | shape    | drawn as                                        |
|-------|----------|-------------------------------------------------|
| 0     | circle   | a filled disc                                   |
| 1     | square   | a filled square, rotated                        |
| 2     | triangle | a filled equilateral triangle, rotated          |
| 3     | ring     | a disc with a hole of 45-65% of its radius      |
| 4     | cross    | a plus of two bars a third as thick as long, rotated |

The rule (seeded; train and test drawn from different seeds). Each image is drawn at
4x its size and reduced by area averaging (anti-aliased edges). The background is a
linear gradient between two random colours in a random direction, plus Gaussian
pixel noise (std 0.03). The shape's colour has a random hue at least 0.25 turns away
from both background hues, saturation in [0.6, 1] and value in [0.7, 1]; its size
(circumradius) is uniform in [0.22, 0.4] of the image side, its centre uniform where
the whole shape fits, its rotation uniform.
"""

import numpy as np
from PIL import Image, ImageDraw

from kerasgen.data.layouts import hsv_to_rgb
from kerasgen.data.subsets import per_class_splits

CLASS_NAMES = ("circle", "square", "triangle", "ring", "cross")
SUPERSAMPLE = 4
NOISE_STD = 0.03


def load_shapes(image_size=32, num_train_per_class=400, num_test_per_class=100, seed=0):
    """The `shapes` dataset: `(x_train, y_train), (x_test, y_test)`.

    Args:
        image_size: height and width (>= 16; default 32).
        num_train_per_class, num_test_per_class: images per shape in each split
            (default 400 / 100: 2,000 train and 500 test images).
        seed: train uses `seed`, test `seed + 1`.

    Returns:
        float32 `(N, image_size, image_size, 3)` images in [0, 1] and int64 labels
        (the index in `CLASS_NAMES`), ordered by class.
    """
    return per_class_splits(draw_shapes, image_size, num_train_per_class, num_test_per_class, seed,
                            min_image_size=16)


def draw_shapes(num_per_class, image_size=32, seed=0):
    """`num_per_class` images of every shape, `(images, labels)`, drawn with seed `seed`."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(CLASS_NAMES)), num_per_class).astype("int64")
    images = np.stack([draw_one(rng, label, image_size) for label in labels])
    return images, labels


def draw_one(rng, label, image_size):
    """One image of class `label` as float32 `(size, size, 3)` in [0, 1]."""
    big = image_size * SUPERSAMPLE
    hues = rng.random(2)
    ends = [hsv_to_rgb(h, rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.9)) for h in hues]
    angle = rng.uniform(0, 2 * np.pi)
    grid = np.linspace(-0.5, 0.5, big)
    t = np.clip(np.cos(angle) * grid[None, :] + np.sin(angle) * grid[:, None] + 0.5, 0, 1)
    background = ends[0] * (1 - t[..., None]) + ends[1] * t[..., None]
    canvas = Image.fromarray((background * 255).astype("uint8"), "RGB")
    hue = _far_hue(rng, hues)
    colour = tuple(int(255 * c) for c in hsv_to_rgb(hue, rng.uniform(0.6, 1), rng.uniform(0.7, 1)))
    radius = rng.uniform(0.22, 0.4) * big
    centre = rng.uniform(radius, big - radius, size=2)
    _draw_shape(ImageDraw.Draw(canvas), CLASS_NAMES[label], centre, radius,
                rng.uniform(0, 2 * np.pi), colour, rng)
    small = np.asarray(canvas.resize((image_size, image_size), Image.BOX), dtype="float32") / 255.0
    noisy = small + NOISE_STD * rng.standard_normal(small.shape)
    return np.clip(noisy, 0.0, 1.0).astype("float32")


def _far_hue(rng, hues, distance=0.25):
    """A hue at least `distance` turns (circularly) from each of `hues`."""
    while True:
        hue = rng.random()
        gaps = np.abs((hue - np.asarray(hues) + 0.5) % 1.0 - 0.5)
        if np.all(gaps >= distance):
            return hue


def _polygon(centre, radius, rotation, corners):
    angles = rotation + 2 * np.pi * np.arange(corners) / corners
    return [(centre[0] + radius * np.cos(a), centre[1] + radius * np.sin(a)) for a in angles]


def _draw_shape(draw, name, centre, radius, rotation, colour, rng):
    x, y = centre
    if name == "circle":
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    elif name == "square":
        draw.polygon(_polygon(centre, radius, rotation, 4), fill=colour)
    elif name == "triangle":
        draw.polygon(_polygon(centre, radius, rotation, 3), fill=colour)
    elif name == "ring":
        inner = radius * rng.uniform(0.45, 0.65)
        width = max(1, int(round(radius - inner)))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=colour, width=width)
    elif name == "cross":
        half = radius / 3.0  # half of the bar's thickness; the bar's half length is `radius`
        for turn in (0.0, np.pi / 2):
            a = rotation + turn
            along = np.array([np.cos(a), np.sin(a)])
            across = np.array([-along[1], along[0]])
            corners = [centre + sx * radius * along + sy * half * across
                       for sx, sy in ((1, 1), (1, -1), (-1, -1), (-1, 1))]
            draw.polygon([tuple(c) for c in corners], fill=colour)
