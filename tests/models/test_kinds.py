"""Every model declares what it is, and the declarations are true of the model: the
methods a declaration promises exist and work, and `preview` shows what it says."""

import keras
import numpy as np
import pytest

from kerasgen.callbacks import MONITORS
from kerasgen.models import GenerativeModel
from tests.backend import tiny_models
from tests.models.spade_checks import tiny_spade

CONDITIONINGS = ("none", "label", "label_map")
NAMES = sorted(tiny_models.MODELS)


def declarations(model):
    return {name: getattr(model, name) for name in (
        "prior", "conditioning", "encodes", "reconstructs", "interpolates", "scores_likelihood", "monitors")}


@pytest.mark.parametrize("name", NAMES)
def test_declarations_are_true_of_each_model(name):
    model, inputs = tiny_models.build(name)
    x = inputs[0]
    kind = declarations(model)
    assert isinstance(model, GenerativeModel)
    assert kind["conditioning"] in CONDITIONINGS and kind["prior"] in (None, "standard_normal")
    assert set(kind["monitors"]) <= set(MONITORS)
    if kind["conditioning"] == "label":
        assert model.num_classes > 1
    if kind["reconstructs"]:
        assert kind["encodes"]
        assert len(model.reconstruct(x[:2])) == 2
        assert len(model.decode(np.zeros((2, model.latent_dim), "float32"))) == 2
    if kind["encodes"]:
        assert len(np.asarray(model.encode(x[:2])[0] if isinstance(model.encode(x[:2]), tuple)
                              else model.encode(x[:2]))) == 2
    if kind["interpolates"]:
        assert len(model.interpolate(x[0], x[1], steps=3)) == 3
    if kind["scores_likelihood"]:
        assert np.all(np.isfinite(model.log_likelihood(x[:2], num_samples=2, seed=0)))
    if kind["prior"] is not None:
        assert len(model.sample(3, seed=0)) == 3


@pytest.mark.parametrize("name", NAMES)
def test_preview_shows_samples_or_reconstructions(name):
    model, inputs = tiny_models.build(name)
    x = inputs[0]
    preview = model.preview(9, seed=0, images=x[:4])
    if model.prior is None:  # an autoencoder: the inputs above their reconstructions
        grid, columns = preview
        np.testing.assert_array_equal(grid[:4], x[:4])
        np.testing.assert_allclose(grid[4:], model.reconstruct(x[:4]), atol=1e-6)
        assert columns == 8
        assert model.preview(9, seed=0) is None  # no images: nothing to show
    elif model.conditioning == "label":  # 8 samples per class, a class a row
        grid, columns = preview
        assert len(grid) == 8 * model.num_classes and columns == 8
    else:
        grid, columns = preview
        assert len(grid) == 9 and columns is None
        np.testing.assert_array_equal(grid, model.sample(9, seed=0))


def test_spade_declares_label_maps_and_shows_no_preview():
    model = tiny_spade(compile=False)
    assert model.conditioning == "label_map" and model.encodes and not model.reconstructs
    assert model.preview(9, seed=0) is None  # its samples need label maps


def test_a_classifier_is_no_generative_model():
    classifier = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert not isinstance(classifier, GenerativeModel)
