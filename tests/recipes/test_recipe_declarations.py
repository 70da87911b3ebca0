"""Recipes declare what they need (the image divisor, tables, labels), and the training
runner reads the declaration instead of the recipe's name."""

import os
import pkgutil

import numpy as np
import pytest

from kerasgen import recipes, training


def test_every_module_of_the_package_registers_its_recipes():
    modules = {info.name for info in pkgutil.iter_modules(recipes.__path__)}
    assert {"autoencoders", "gans", "spade", "text"} <= modules
    assert {"vae", "dcgan", "spade", "text_vae"} <= set(recipes.names())


@pytest.mark.parametrize("name, shape, divisor", [
    ("dcgan", (28, 28, 1), 4), ("dcgan", (32, 32, 3), 8), ("wgan_gp", (64, 64, 3), 16),
    ("cgan", (28, 28, 1), 4), ("vae_gan", (32, 32, 3), 8), ("vae", (64, 64, 3), 4), ("spade", (32, 32, 3), 4),
])
def test_image_divisor_is_declared_per_recipe(name, shape, divisor):
    recipe = recipes.get(name)
    recipe.check_image_shape(shape)  # fits
    bad = (shape[0], shape[1] + divisor // 2, shape[2])  # the divisor follows the height
    with pytest.raises(ValueError, match=f"recipe {name!r}, whose networks need height and width "
                                         f"divisible by {divisor}; resize the images with --image-size"):
        recipe.check_image_shape(bad)


def test_only_recipes_that_declare_tables_train_on_them(tmp_path):
    assert sorted(name for name in recipes.names() if recipes.get(name).tables) == ["ae", "beta_vae", "vae"]
    path = os.path.join(tmp_path, "rows.csv")
    with open(path, "w") as f:
        f.write("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(20)))
    spec = dict(training.default_spec("dcgan"), data=path)
    x = np.zeros((20, 2), "float32")
    with pytest.raises(ValueError, match=r"recipe 'dcgan' does not train on tables, got data .*; "
                                         r"use ae, beta_vae or vae"):
        training.build_model(spec, x, None)
