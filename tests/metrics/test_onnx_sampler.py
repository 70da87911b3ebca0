"""Evaluating an exported ONNX sampler gives the numbers of its Keras model."""

import os

import numpy as np
import pytest

from kerasgen_runtime import Sampler

from kerasgen.metrics import evaluate


def test_onnx_sampler_matches_its_keras_model(classifier, mnist5k, tmp_path):
    from kerasgen.export import to_onnx
    from kerasgen.models import VAE
    from kerasgen.networks import ConvDecoder, ConvEncoder

    vae = VAE(
        ConvEncoder((28, 28, 1), 4, filters=(8, 16), variational=True),
        ConvDecoder(4, (28, 28, 1), filters=(16, 8)),
        seed=0,
    )
    path = os.path.join(tmp_path, "vae.onnx")
    to_onnx(vae, path)
    sampler = Sampler(path)

    real = mnist5k[1][0]
    options = dict(metrics="fid,prd", num_samples=200, extractor=classifier, progress=False)
    from_onnx = evaluate(sampler, real, **options)
    from_keras = evaluate(vae, real, **options)
    assert from_onnx["fid"].value == pytest.approx(from_keras["fid"].value, rel=1e-4)
    assert from_onnx["precision"].value == pytest.approx(from_keras["precision"].value, abs=0.01)
    assert from_onnx["fid"].num_generated == 200
    np.testing.assert_allclose(sampler.sample(4, seed=3), vae.sample(4, seed=3), atol=1e-5)
