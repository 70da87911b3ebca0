"""Tiny exported models shared by the export tests (exported once per session)."""

import keras
import pytest

from kerasgen.models import GAN, VAE, ConditionalGAN
from kerasgen.networks import (
    ConditionalDCGANDiscriminator, ConditionalDCGANGenerator, ConvDecoder, ConvEncoder,
    DCGANDiscriminator, DCGANGenerator,
)

IMAGE_SHAPE = (16, 16, 1)
LATENT_DIM = 8
NUM_CLASSES = 5


class SamplingContract:
    """The export contract of a kerasgen model around a bare network (for odd networks)."""

    def __init__(self, network, output_range):
        self.network = network
        self.latent_dim = network.inputs[0].shape[-1]
        self.output_range = output_range
        self.data_shape = tuple(network.output_shape[1:])

    def sampling_network(self):
        return self.network


def keras_samples(model, z, labels=None):
    network = model.sampling_network()
    inputs = z if labels is None else [z, labels.astype("int32")]
    return keras.ops.convert_to_numpy(network(inputs, training=False))


class AddNoise(keras.layers.Layer):
    """Adds fresh Gaussian noise on every call, even at inference: not exportable."""

    def call(self, x):
        return x + keras.random.normal(keras.ops.shape(x))


def noisy_model():
    z = keras.Input((LATENT_DIM,), name="z")
    x = keras.layers.Dense(16, activation="sigmoid")(AddNoise()(z))
    return SamplingContract(keras.Model(z, keras.layers.Reshape((16,))(x)), (0.0, 1.0))


@pytest.fixture(scope="session")
def vae():
    keras.utils.set_random_seed(1)
    return VAE(
        ConvEncoder(IMAGE_SHAPE, LATENT_DIM, filters=(8, 16), variational=True),
        ConvDecoder(LATENT_DIM, IMAGE_SHAPE, filters=(16, 8)),
    )


@pytest.fixture(scope="session")
def dcgan():
    keras.utils.set_random_seed(2)
    return GAN(
        DCGANGenerator(LATENT_DIM, IMAGE_SHAPE, filters=(16, 8), batch_norm=True),
        DCGANDiscriminator(IMAGE_SHAPE, filters=(8, 16)),
    )


@pytest.fixture(scope="session")
def conditional():
    keras.utils.set_random_seed(3)
    return ConditionalGAN(
        ConditionalDCGANGenerator(LATENT_DIM, NUM_CLASSES, IMAGE_SHAPE, filters=(16, 8), embedding_dim=4),
        ConditionalDCGANDiscriminator(IMAGE_SHAPE, NUM_CLASSES, filters=(8, 16)),
    )


@pytest.fixture(scope="session")
def models(vae, dcgan, conditional):
    return {"vae": vae, "dcgan": dcgan, "conditional": conditional}


@pytest.fixture(scope="session")
def exported(models, tmp_path_factory):
    """name -> (path, report) of each model's checked ONNX export."""
    from kerasgen.export import to_onnx

    directory = tmp_path_factory.mktemp("onnx")
    result = {}
    for name, model in models.items():
        path = str(directory / f"{name}.onnx")
        result[name] = (path, to_onnx(model, path))
    return result
