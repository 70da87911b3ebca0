"""Generative models: subclassed `keras.Model`s that own their training algorithm."""

from kerasgen.models.autoencoder import Autoencoder
from kerasgen.models.denoising_autoencoder import DenoisingAutoencoder
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.models.linear_autoencoder import LinearAutoencoder
from kerasgen.models.vae import VAE
