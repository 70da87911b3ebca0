"""Writes the tiny ONNX files the runtime tests sample (run with kerasgen installed).

    python runtime/tests/make_fixtures.py

The runtime tests run where neither TensorFlow nor Keras is installed, so the exports
and the samples Keras gives for them are made here once and committed (a few KB):
`expected.npz` holds each model's `sample(5, seed=0)` (cGAN: labels 0..4) from Keras;
`vae_scores.npz` six 4x4 inputs and the VAE's `anomaly_score` of them from Keras
(`python runtime/tests/make_fixtures.py --scores` writes only that file, for the VAE
exports already here: its weights are the seeded ones `models()` builds, checked against
`expected.npz`).
"""

import os
import warnings

import keras
import numpy as np

import kerasgen
from kerasgen.models import GAN, VAE, Autoencoder, ConditionalGAN
from kerasgen.networks import (
    ConditionalDCGANDiscriminator, ConditionalDCGANGenerator, DenseDecoder, DenseEncoder,
    DCGANDiscriminator, DCGANGenerator,
)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
LATENT_DIM = 3
NUM_CLASSES = 4


def models():
    keras.utils.set_random_seed(0)
    vae = VAE(DenseEncoder((4, 4, 1), LATENT_DIM, hidden_units=(8,), variational=True),
              DenseDecoder(LATENT_DIM, (4, 4, 1), hidden_units=(8,)))
    gan = GAN(DCGANGenerator(LATENT_DIM, (8, 8, 1), filters=(4, 2)),
              DCGANDiscriminator((8, 8, 1), filters=(2, 4)))
    cgan = ConditionalGAN(
        ConditionalDCGANGenerator(LATENT_DIM, NUM_CLASSES, (8, 8, 1), filters=(4, 2), embedding_dim=2),
        ConditionalDCGANDiscriminator((8, 8, 1), NUM_CLASSES, filters=(2, 4)),
    )
    autoencoder = Autoencoder(DenseEncoder((4, 4, 1), LATENT_DIM, hidden_units=(8,)),
                              DenseDecoder(LATENT_DIM, (4, 4, 1), hidden_units=(8,)))
    return {"vae": vae, "gan": gan, "cgan": cgan, "autoencoder": autoencoder}


def write_scores():
    """`vae_scores.npz`: inputs `x` and the Keras VAE's scores (16 draws, seed 3)."""
    vae = models()["vae"]
    with np.load(os.path.join(HERE, "expected.npz")) as expected:
        np.testing.assert_allclose(vae.sample(5, seed=0), expected["vae"], atol=1e-5)  # same weights
    x = np.random.default_rng(0).random((6, 4, 4, 1)).astype("float32")
    x[3:] = (x[3:] > 0.5).astype("float32")
    scores = {method: vae.anomaly_score(x, method=method, num_samples=16, seed=3)
              for method in ("negative_elbo", "negative_iw_bound")}
    np.savez(os.path.join(HERE, "vae_scores.npz"), x=x, **scores)


def main():
    os.makedirs(HERE, exist_ok=True)
    expected = {}
    for name, model in models().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the autoencoder has no prior
            kerasgen.export.to_onnx(model, os.path.join(HERE, f"{name}.onnx"))
        if model.prior is not None:
            expected[name] = model.sample(5, seed=0)
    kerasgen.export.to_onnx(models()["vae"], os.path.join(HERE, "vae_encoder.onnx"), encoder=True)
    np.savez(os.path.join(HERE, "expected.npz"), **expected)
    write_scores()
    for file in sorted(os.listdir(HERE)):
        print(f"{file}: {os.path.getsize(os.path.join(HERE, file))} bytes")


if __name__ == "__main__":
    import sys

    write_scores() if sys.argv[1:] == ["--scores"] else main()
