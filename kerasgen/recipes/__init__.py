"""Recipes: named builders of compiled models, used by `kerasgen fit NAME` and the zoo.

A recipe is a function `build(data_shape, num_classes=None, **hyperparameters) -> model`
returning a compiled kerasgen model, plus its default training settings. Recipes are
registered with `@register("name", epochs=..., batch_size=...)`.
"""

import importlib
import pkgutil

RECIPES = {}


class Recipe:
    """A registered builder and what it declares it needs (see `register`)."""

    # A recipe with its own data pipeline (text) sets `fit(args, hyperparameters)`, which
    # then runs `kerasgen fit NAME` instead of the image pipeline of `kerasgen.training`.
    fit = None

    def __init__(self, name, build, epochs, batch_size, data, value_range, labels=False,
                 image_divisor=4, tables=False):
        self.name = name
        self.labels = labels
        self.build = build
        self.epochs = epochs
        self.batch_size = batch_size
        self.data = data
        self.value_range = value_range
        self.image_divisor = image_divisor
        self.tables = tables

    def check_image_shape(self, shape):
        """Refuses an image size the recipe's networks cannot take, naming the flag to fix it."""
        if len(shape) != 3:
            return
        height, width = shape[:2]
        factor = self.image_divisor(shape) if callable(self.image_divisor) else self.image_divisor
        if height % factor or width % factor:
            fit = [max(factor, int(round(v / factor)) * factor) for v in (height, width)]
            raise ValueError(
                f"image size {height}x{width} does not fit recipe {self.name!r}, whose networks "
                f"need height and width divisible by {factor}; resize the images with "
                f"--image-size {fit[0]} {fit[1]} (kerasgen.data.from_folder(image_size=...))"
            )


def register(name, epochs=30, batch_size=128, data="mnist5k", value_range=(0.0, 1.0), labels=False,
             image_divisor=4, tables=False):
    """Registers `build` under `name`.

    `value_range` is the range the model trains on ((0, 1) or (-1, 1) for images, None
    for 2-D points); `labels=True` when the model trains on `(x, y)` pairs (conditional
    GANs, classifiers): `build` then receives `num_classes`. `image_divisor` (an int, or
    a function of the image shape) must divide an image's height and width (the
    networks' stride-2 stages; the default 4 is the conv autoencoders' two);
    `tables=True` when `build` takes `table` (a table file's columns and statistics).
    """

    def decorator(build):
        RECIPES[name] = Recipe(name, build, epochs, batch_size, data, value_range, labels,
                               image_divisor, tables)
        return build

    return decorator


def get(name):
    _load_all()
    if name not in RECIPES:
        raise ValueError(f"model must be one of {sorted(RECIPES)}, got {name!r}")
    return RECIPES[name]


def names():
    _load_all()
    return sorted(RECIPES)


def _load_all():
    # Every module of this package registers its recipes: a new one needs no edit here.
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
