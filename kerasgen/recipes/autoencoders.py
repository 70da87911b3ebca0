"""Recipes for the autoencoder family and the VAE."""

import keras

from kerasgen import models, networks
from kerasgen.recipes import register
from kerasgen.schedules import LinearWarmup


def _filters(image_shape):
    """Stride-2 stages for an image size: 28/32 -> 2 stages, 64 -> 3."""
    return (32, 64, 128) if image_shape[0] >= 64 else (32, 64)


def encoder_decoder(data_shape, latent_dim, variational, output_activation="sigmoid",
                    hidden_units=(512, 256), architecture="auto", conv_hidden_units=256, table=None):
    """Networks for `architecture` "conv", "mlp" or "auto" (conv for images of 28 px or
    more, dense for 8x8 images and vectors). `conv_hidden_units` is the dense layer
    between the convolutions and the code (0: none); it holds most of a conv
    autoencoder's parameters. `table` (`{"columns", "mean", "std"}`, from
    `kerasgen.training` for a table file) gives dense table networks instead."""
    data_shape = tuple(data_shape)
    if table is not None:
        # The image default (512, 256) is far more than a table of tens of columns needs.
        hidden_units = (128, 64) if tuple(hidden_units) == (512, 256) else tuple(hidden_units)
        encoder = networks.TableEncoder(table["columns"], table["mean"], table["std"], latent_dim,
                                        hidden_units=hidden_units, variational=variational,
                                        name="table_encoder")
        decoder = networks.TableDecoder(latent_dim, table["columns"], table["mean"], table["std"],
                                        hidden_units=tuple(reversed(hidden_units)), name="table_decoder")
        return encoder, decoder
    if architecture not in ("auto", "conv", "mlp"):
        raise ValueError(f"architecture must be 'auto', 'conv' or 'mlp', got {architecture!r}")
    if architecture == "auto":
        architecture = "conv" if len(data_shape) == 3 and data_shape[0] >= 28 else "mlp"
    if architecture == "conv":
        filters = _filters(data_shape)
        encoder = networks.ConvEncoder(data_shape, latent_dim, filters=filters,
                                       hidden_units=conv_hidden_units, variational=variational,
                                       name="conv_encoder")
        decoder = networks.ConvDecoder(latent_dim, data_shape, filters=tuple(reversed(filters)),
                                       hidden_units=conv_hidden_units, output_activation=output_activation,
                                       name="conv_decoder")
    else:
        encoder = networks.DenseEncoder(data_shape, latent_dim, hidden_units=hidden_units,
                                        variational=variational, name="dense_encoder")
        decoder = networks.DenseDecoder(latent_dim, data_shape, hidden_units=tuple(reversed(hidden_units)),
                                        output_activation=output_activation, name="dense_decoder")
    return encoder, decoder


@register("vae", epochs=30, batch_size=128, tables=True)
def build_vae(data_shape, num_classes=None, latent_dim=16, beta=1.0, learning_rate=1e-3,
              warmup_steps=0, seed=0, likelihood="bernoulli", architecture="auto",
              hidden_units=(512, 256), steps_per_execution=8, table=None):
    encoder, decoder = encoder_decoder(data_shape, latent_dim, variational=True,
                                       output_activation="sigmoid" if likelihood == "bernoulli" else None,
                                       hidden_units=tuple(hidden_units), architecture=architecture,
                                       table=table)
    if table is not None:
        likelihood = "table"  # Gaussian per numeric column, categorical per one-hot group
    if warmup_steps:
        beta = LinearWarmup(beta, warmup_steps)
    model = models.VAE(encoder, decoder, likelihood=likelihood, beta=beta, seed=seed, name="vae")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), steps_per_execution=steps_per_execution)
    return model


@register("beta_vae", epochs=30, batch_size=128, tables=True)
def build_beta_vae(data_shape, num_classes=None, latent_dim=10, beta=4.0, learning_rate=1e-3, seed=0,
                   architecture="auto", hidden_units=(512, 256), table=None):
    return build_vae(data_shape, latent_dim=latent_dim, beta=beta, learning_rate=learning_rate, seed=seed,
                     architecture=architecture, hidden_units=hidden_units, table=table)


@register("ae", epochs=20, batch_size=128, tables=True)
def build_autoencoder(data_shape, num_classes=None, latent_dim=16, loss="bce", learning_rate=1e-3,
                      hidden_units=256, table=None):
    if table is not None:
        encoder, decoder = encoder_decoder(data_shape, latent_dim, variational=False, table=table,
                                           hidden_units=(128, 64) if hidden_units == 256 else hidden_units)
        loss = "table"  # Gaussian per numeric column, categorical per one-hot group
    else:
        encoder, decoder = encoder_decoder(data_shape, latent_dim, variational=False,
                                           conv_hidden_units=hidden_units)
    model = models.Autoencoder(encoder, decoder, loss=loss, name="autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


@register("dae", epochs=20, batch_size=128)
def build_denoising_autoencoder(data_shape, num_classes=None, latent_dim=16, loss="bce",
                                noise="gaussian", noise_level=0.3, learning_rate=1e-3, seed=0,
                                hidden_units=256):
    encoder, decoder = encoder_decoder(data_shape, latent_dim, variational=False,
                                       conv_hidden_units=hidden_units)
    model = models.DenoisingAutoencoder(encoder, decoder, loss=loss, noise=noise,
                                        noise_level=noise_level, seed=seed,
                                        name="denoising_autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


@register("linear_ae", epochs=30, batch_size=256)
def build_linear_autoencoder(data_shape, num_classes=None, latent_dim=16, learning_rate=3e-3):
    model = models.LinearAutoencoder(data_shape, latent_dim, name="linear_autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model
