"""Networks built from hyperparameters only: encoders, decoders, generators, critics."""

from kerasgen.networks.conv_decoder import ConvDecoder
from kerasgen.networks.conv_encoder import ConvEncoder
from kerasgen.networks.dense_decoder import DenseDecoder
from kerasgen.networks.dense_encoder import DenseEncoder
from kerasgen.networks.mlp import MLP
from kerasgen.networks.network import Network
from kerasgen.networks.dcgan_generator import DCGANGenerator
from kerasgen.networks.dcgan_discriminator import DCGANDiscriminator
from kerasgen.networks.conditional_dcgan_generator import ConditionalDCGANGenerator
from kerasgen.networks.conditional_dcgan_discriminator import ConditionalDCGANDiscriminator
from kerasgen.networks.packed_mlp_discriminator import PackedMLPDiscriminator
from kerasgen.networks.spade import SPADE
from kerasgen.networks.spade_res_block import SPADEResBlock
from kerasgen.networks.spade_generator import SPADEGenerator
from kerasgen.networks.spade_encoder import SPADEEncoder
from kerasgen.networks.multiscale_discriminator import MultiscaleDiscriminator
from kerasgen.networks.vgg_features import VGGFeatures
from kerasgen.networks.layout_segmenter import LayoutSegmenter
from kerasgen.networks.domain_classifier import DomainClassifier
from kerasgen.networks.residual_classifier import ResidualClassifier
from kerasgen.networks.table_encoder import TableEncoder
from kerasgen.networks.table_decoder import TableDecoder
from kerasgen.networks.text_encoder import TextEncoder
from kerasgen.networks.text_decoder import TextDecoder
from kerasgen.networks.resnet_generator import ResNetGenerator
from kerasgen.networks.resnet_discriminator import ResNetDiscriminator
