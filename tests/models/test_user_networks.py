"""Networks a user brings (kerasgen/models/user_networks.py): subclassed keras.Models,
built or not, functional ones and the keras.io VAE encoder, for VAE, Autoencoder, GAN,
ConditionalGAN, WGANGP and VAEGAN; each trains, samples, and round-trips a `.keras` file."""

import keras
import numpy as np
import pytest

import kerasgen

SHAPE = (8, 8, 1)
LATENT = 4


@keras.saving.register_keras_serializable(package="tests_user_networks")
class Encoder(keras.Model):
    def __init__(self, latent_dim=LATENT, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.mean = keras.layers.Dense(latent_dim)
        self.log_var = keras.layers.Dense(latent_dim)

    def call(self, x):
        h = self.hidden(self.flatten(x))
        return [self.mean(h), self.log_var(h)]

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="tests_user_networks")
class Decoder(keras.Model):
    def __init__(self, activation="sigmoid", **kwargs):
        super().__init__(**kwargs)
        self.activation = activation
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(int(np.prod(SHAPE)), activation=activation)
        self.reshape = keras.layers.Reshape(SHAPE)

    def call(self, z):
        return self.reshape(self.out(self.hidden(z)))

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}


@keras.saving.register_keras_serializable(package="tests_user_networks")
class Critic(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.logit = keras.layers.Dense(1)

    def call(self, x):
        return self.logit(self.hidden(self.flatten(x)))


@keras.saving.register_keras_serializable(package="tests_user_networks")
class LabelledGenerator(keras.Model):
    def __init__(self, num_classes=3, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.embed = keras.layers.Embedding(num_classes, LATENT)
        self.decoder = Decoder(activation="tanh")

    def call(self, inputs):
        z, label = inputs
        return self.decoder(z * self.embed(label))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="tests_user_networks")
class LabelledCritic(keras.Model):
    def __init__(self, num_classes=3, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.embed = keras.layers.Embedding(num_classes, int(np.prod(SHAPE)))
        self.critic = Critic()

    def call(self, inputs):
        x, label = inputs
        return self.critic(keras.ops.reshape(x, (-1, int(np.prod(SHAPE)))) * self.embed(label))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def images(n=64):
    return np.random.default_rng(0).uniform(size=(n, *SHAPE)).astype("float32")


def keras_io_encoder():
    """The keras.io VAE example's encoder: a functional model giving [z_mean, z_log_var, z]."""

    class Sampling(keras.layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            eps = keras.random.normal(keras.ops.shape(z_mean))
            return z_mean + keras.ops.exp(0.5 * z_log_var) * eps

    inputs = keras.Input(SHAPE)
    h = keras.layers.Dense(16, activation="relu")(keras.layers.Flatten()(inputs))
    z_mean = keras.layers.Dense(LATENT, name="z_mean")(h)
    z_log_var = keras.layers.Dense(LATENT, name="z_log_var")(h)
    return keras.Model(inputs, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])], name="encoder")


def round_trip(model, tmp_path, check):
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(check(loaded), check(model), atol=1e-6)


@pytest.mark.parametrize("build_encoder", [True, False])
def test_vae_takes_subclassed_networks_and_saves(build_encoder, tmp_path):
    encoder, decoder = Encoder(), Decoder()
    if build_encoder:
        encoder(images(2))  # built by a call on a batch
    else:
        decoder.build((None, LATENT))  # the encoder is shaped by the decoder's output
    vae = kerasgen.models.VAE(encoder, decoder, seed=0)
    assert vae.data_shape == SHAPE and vae.latent_dim == LATENT
    vae.compile(optimizer="adam")
    history = vae.fit(images(), epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert vae.sample(4, seed=0).shape == (4, *SHAPE)
    assert vae.encoder.layers[-1] is encoder  # the user's network, with its weights
    round_trip(vae, tmp_path, lambda m: m.reconstruct(images(4)))


def test_unbuilt_encoder_and_decoder_are_refused_with_what_to_do():
    with pytest.raises(ValueError, match=r"encoder and decoder must not both be unbuilt .*encoder\.build"):
        kerasgen.models.VAE(Encoder(), Decoder())


def test_unbuilt_generator_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match=r"generator must have a known input shape.*generator\.build"):
        kerasgen.models.GAN(Decoder(), Critic())


def test_keras_io_encoder_uses_its_first_two_outputs():
    decoder = Decoder()
    vae = kerasgen.models.VAE(keras_io_encoder(), decoder, seed=0)
    assert len(vae.encoder.outputs) == 2
    vae.compile(optimizer="adam")
    vae.fit(images(), epochs=1, batch_size=32, verbose=0)
    mean, log_var = vae.encode(images(3))
    assert mean.shape == log_var.shape == (3, LATENT)


def test_one_output_encoder_is_told_what_to_return():
    inputs = keras.Input(SHAPE)
    encoder = keras.Model(inputs, keras.layers.Dense(LATENT)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match=r"encoder must output \[mean, log_var\] \(return both"):
        kerasgen.models.VAE(encoder, Decoder())


def test_autoencoder_takes_subclassed_networks():
    encoder = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(LATENT)])  # no Input
    encoder.build((None, *SHAPE))
    model = kerasgen.models.Autoencoder(encoder, Decoder())
    model.compile(optimizer="adam")
    model.fit(images(), epochs=1, batch_size=32, verbose=0)
    assert model.reconstruct(images(2)).shape == (2, *SHAPE)


@pytest.mark.parametrize("model_class", ["GAN", "WGANGP"])
def test_gan_takes_subclassed_networks_and_saves(model_class, tmp_path):
    generator = Decoder(activation="tanh")
    generator.build((None, LATENT))
    gan = getattr(kerasgen.models, model_class)(generator, Critic(), seed=0)  # critic: unbuilt
    assert gan.data_shape == SHAPE and gan.latent_dim == LATENT
    gan.compile(generator_optimizer="adam", discriminator_optimizer="adam")
    gan.fit(images() * 2 - 1, epochs=1, batch_size=32, verbose=0)
    round_trip(gan, tmp_path, lambda m: m.sample(4, seed=0))


def test_gan_packing_shapes_an_unbuilt_discriminator():
    generator = Decoder(activation="tanh")
    generator.build((None, LATENT))
    gan = kerasgen.models.GAN(generator, Critic(), packing=2, seed=0)
    assert tuple(gan.discriminator.input_shape[1:]) == (8, 8, 2)


def test_conditional_gan_takes_subclassed_networks_and_saves(tmp_path):
    generator = LabelledGenerator()
    generator.build([(None, LATENT), (None,)])
    cgan = kerasgen.models.ConditionalGAN(generator, LabelledCritic(), seed=0)
    assert cgan.num_classes == 3
    cgan.compile(generator_optimizer="adam", discriminator_optimizer="adam")
    labels = np.arange(64) % 3
    cgan.fit(images() * 2 - 1, labels, epochs=1, batch_size=32, verbose=0)
    assert cgan.sample(4, labels=2, seed=0).shape == (4, *SHAPE)
    round_trip(cgan, tmp_path, lambda m: m.sample(4, labels=1, seed=0))


def test_vaegan_takes_a_subclassed_encoder_and_generator(tmp_path):
    encoder = Encoder()
    encoder.build((None, *SHAPE))
    inputs = keras.Input(SHAPE)
    features = keras.layers.Dense(16, activation="relu", name="features")(keras.layers.Flatten()(inputs))
    discriminator = keras.Model(inputs, keras.layers.Dense(1)(features))
    model = kerasgen.models.VAEGAN(encoder, Decoder(), discriminator, seed=0)
    model.compile(generator_optimizer="adam", encoder_optimizer="adam", discriminator_optimizer="adam")
    model.fit(images(), epochs=1, batch_size=32, verbose=0)
    round_trip(model, tmp_path, lambda m: m.sample(4, seed=0))


def test_vaegan_says_a_subclassed_discriminator_hides_its_feature_layer():
    encoder = Encoder()
    encoder.build((None, *SHAPE))
    with pytest.raises(ValueError, match=r"feature_layer must name a layer.*subclassed"):
        kerasgen.models.VAEGAN(encoder, Decoder(), Critic(), seed=0)


def test_a_subclassed_decoder_exports_to_onnx(tmp_path):
    from kerasgen.export import to_onnx
    from kerasgen_runtime import Sampler

    encoder = Encoder()
    encoder(images(1))
    vae = kerasgen.models.VAE(encoder, Decoder(), seed=0)
    path = str(tmp_path / "decoder.onnx")
    to_onnx(vae, path)  # checked against Keras by the exporter
    z = np.random.default_rng(1).normal(size=(3, LATENT)).astype("float32")
    np.testing.assert_allclose(Sampler(path).decode(z), vae.decode(z), atol=1e-5)
