"""`import kerasgen` is enough to load a kerasgen `.keras` file of every family."""

import subprocess
import sys
import textwrap

import numpy as np

from kerasgen.models import GAN, VAE, VAEGAN, WGANGP, Autoencoder, ConditionalGAN
from kerasgen.networks import (
    DomainClassifier, ResidualClassifier,
    ConditionalDCGANDiscriminator, ConditionalDCGANGenerator, DCGANDiscriminator,
    DCGANGenerator, DenseDecoder, DenseEncoder, ConvEncoder,
)

SHAPE = (8, 8, 1)


def tiny_models():
    dense = dict(hidden_units=(4,))
    return {
        "ae": Autoencoder(DenseEncoder(SHAPE, 2, **dense), DenseDecoder(2, SHAPE, **dense)),
        "vae": VAE(DenseEncoder(SHAPE, 2, variational=True, **dense), DenseDecoder(2, SHAPE, **dense)),
        "gan": GAN(DCGANGenerator(2, SHAPE, filters=(4, 2)), DCGANDiscriminator(SHAPE, filters=(2, 4))),
        "wgan_gp": WGANGP(DCGANGenerator(2, SHAPE, filters=(4, 2)),
                          DCGANDiscriminator(SHAPE, filters=(2, 4))),
        "cgan": ConditionalGAN(
            ConditionalDCGANGenerator(2, 3, SHAPE, filters=(4, 2), embedding_dim=2),
            ConditionalDCGANDiscriminator(SHAPE, 3, filters=(2, 4)),
        ),
        "vae_gan": VAEGAN(ConvEncoder(SHAPE, 2, filters=(2,), variational=True),
                          DCGANGenerator(2, SHAPE, filters=(4, 2)),
                          DCGANDiscriminator(SHAPE, filters=(2, 4))),
        "classifier": DomainClassifier(SHAPE, 3, filters=(2,), feature_dim=4),
        "residual_classifier": ResidualClassifier(SHAPE, 3, filters=(2, 4), feature_dim=4),
    }


LOADER = textwrap.dedent(
    """
    import sys
    import keras, kerasgen
    import numpy as np
    x = np.random.default_rng(0).uniform(0, 1, (2, 8, 8, 1)).astype("float32")
    for path in sys.argv[1:]:
        model = keras.saving.load_model(path, safe_mode=True)
        network = model.sampling_network() if hasattr(model, "sampling_network") else model
        inputs = x if network is model else [np.zeros((2, 2), "float32")]
        if network is not model and len(network.inputs) == 2:
            inputs.append(np.zeros((2,), "int32"))
        output = keras.ops.convert_to_numpy(network(inputs if len(inputs) > 1 else inputs[0]))
        np.save(path + ".npy", output)
        print(type(model).__name__)
    """
)


def test_every_family_loads_after_import_kerasgen_alone(tmp_path):
    models = tiny_models()
    paths = []
    for name, model in models.items():
        model.save(str(tmp_path / f"{name}.keras"))
        paths.append(str(tmp_path / f"{name}.keras"))
    result = subprocess.run([sys.executable, "-c", LOADER, *paths], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [
        "Autoencoder", "VAE", "GAN", "WGANGP", "ConditionalGAN", "VAEGAN", "DomainClassifier",
        "ResidualClassifier",
    ]
    for name, model in models.items():
        network = model.sampling_network() if hasattr(model, "sampling_network") else model
        loaded = np.load(str(tmp_path / f"{name}.keras.npy"))
        if network is model:
            x = np.random.default_rng(0).uniform(0, 1, (2, *SHAPE)).astype("float32")
            expected = network(x)
        elif len(network.inputs) == 2:
            expected = network([np.zeros((2, 2), "float32"), np.zeros((2,), "int32")])
        else:
            expected = network(np.zeros((2, 2), "float32"))
        np.testing.assert_allclose(loaded, np.asarray(expected), atol=1e-6, err_msg=name)
