"""Generative models: subclassed `keras.Model`s that own their training algorithm."""

from kerasgen.models.autoencoder import Autoencoder
from kerasgen.models.denoising_autoencoder import DenoisingAutoencoder
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.models.linear_autoencoder import LinearAutoencoder
from kerasgen.models.vae import VAE
from kerasgen.models.semi_supervised_vae import SemiSupervisedVAE
from kerasgen.models.adversarial import AdversarialModel
from kerasgen.models.gan import GAN
from kerasgen.models.wgan_gp import WGANGP
from kerasgen.models.conditional_gan import ConditionalGAN
from kerasgen.models.vae_gan import VAEGAN
from kerasgen.models.spade_gan import SPADEGAN
from kerasgen.models.sequence_vae import SequenceVAE
