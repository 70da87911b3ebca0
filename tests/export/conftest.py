"""Tiny exported models shared by the export tests (exported once per session)."""

import keras
import pytest

from kerasgen.models import VAE
from kerasgen.networks import ConvDecoder, ConvEncoder

IMAGE_SHAPE = (16, 16, 1)
LATENT_DIM = 8
NUM_CLASSES = 5


class SamplingContract:
    """The export contract of a kerasgen model around a bare generator network."""

    def __init__(self, network, output_range, num_classes=None):
        self.network = network
        self.latent_dim = network.inputs[0].shape[-1]
        self.output_range = output_range
        self.num_classes = num_classes
        self.data_shape = tuple(network.output_shape[1:])

    def sampling_network(self):
        return self.network


def dcgan_generator():
    """kerasgen's DCGAN generator when it is there, else a tanh ConvDecoder."""
    try:
        from kerasgen.networks import DCGANGenerator
    except ImportError:
        return ConvDecoder(LATENT_DIM, IMAGE_SHAPE, filters=(16, 8), output_activation="tanh")
    return DCGANGenerator(LATENT_DIM, IMAGE_SHAPE, filters=(16, 8), batch_norm=True)


def conditional_generator():
    """A small class-conditional generator with inputs [z, label] (label int32, shape ())."""
    z = keras.Input((LATENT_DIM,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    embedded = keras.layers.Embedding(NUM_CLASSES, 4, name="label_embedding")(label)
    x = keras.layers.Concatenate()([z, embedded])
    x = keras.layers.Dense(4 * 4 * 8, activation="relu")(x)
    x = keras.layers.Reshape((4, 4, 8))(x)
    x = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(1, 3, padding="same", activation="tanh")(x)
    return keras.Model([z, label], x, name="conditional_generator")


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
    return SamplingContract(dcgan_generator(), (-1.0, 1.0))


@pytest.fixture(scope="session")
def conditional():
    keras.utils.set_random_seed(3)
    return SamplingContract(conditional_generator(), (-1.0, 1.0), num_classes=NUM_CLASSES)


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
