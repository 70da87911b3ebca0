"""A domain classifier trained briefly on an mnist5k slice, shared by the metrics tests."""

import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def classifier(mnist5k):
    from kerasgen.metrics import train_domain_classifier

    (x, y), _ = mnist5k
    return train_domain_classifier(
        x[::4], y[::4], epochs=3, batch_size=64, filters=(16, 32), feature_dim=64, seed=0
    )


@pytest.fixture(scope="session")
def classifier_path(classifier, tmp_path_factory):
    path = os.path.join(tmp_path_factory.mktemp("classifier"), "classifier.keras")
    classifier.save(path)
    return path


class ImageSource:
    """A stand-in generator: `sample(n, seed)` returns images from a fixed pool, the
    duck-typed interface `evaluate` uses for kerasgen models and runtime samplers."""

    latent_dim = 1
    output_range = (0.0, 1.0)

    def __init__(self, images):
        self.images = np.asarray(images, dtype="float32")
        self.data_shape = self.images.shape[1:]

    def sample(self, num_samples, seed=None):
        rows = np.random.default_rng(seed).integers(0, len(self.images), num_samples)
        return self.images[rows]
