"""Recipes: named builders of compiled models, used by `kerasgen fit NAME` and the zoo.

A recipe is a function `build(data_shape, num_classes=None, **hyperparameters) -> model`
returning a compiled kerasgen model, plus its default training settings. Recipes are
registered with `@register("name", epochs=..., batch_size=...)`.
"""

RECIPES = {}


class Recipe:
    # A recipe with its own data pipeline (text) sets `fit(args, hyperparameters)`, which
    # then runs `kerasgen fit NAME` instead of the image pipeline of `kerasgen.training`.
    fit = None

    def __init__(self, name, build, epochs, batch_size, data, value_range, labels=False):
        self.name = name
        self.labels = labels
        self.build = build
        self.epochs = epochs
        self.batch_size = batch_size
        self.data = data
        self.value_range = value_range


def register(name, epochs=30, batch_size=128, data="mnist5k", value_range=(0.0, 1.0), labels=False):
    """Registers `build` under `name`.

    `value_range` is the range the model trains on ((0, 1) or (-1, 1) for images, None
    for 2-D points); `labels=True` when the model trains on `(x, y)` pairs (conditional
    GANs, classifiers): `build` then receives `num_classes`.
    """

    def decorator(build):
        RECIPES[name] = Recipe(name, build, epochs, batch_size, data, value_range, labels)
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
    import importlib

    for module in ("autoencoders", "gans", "classifiers", "spade", "semi_supervised", "text"):
        try:
            importlib.import_module(f"kerasgen.recipes.{module}")
        except ModuleNotFoundError as error:
            if error.name != f"kerasgen.recipes.{module}":
                raise
