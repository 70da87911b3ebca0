"""Networks built from hyperparameters only: encoders, decoders, generators, critics."""

from kerasgen.networks.conv_decoder import ConvDecoder
from kerasgen.networks.conv_encoder import ConvEncoder
from kerasgen.networks.dense_decoder import DenseDecoder
from kerasgen.networks.dense_encoder import DenseEncoder
from kerasgen.networks.mlp import MLP
from kerasgen.networks.network import Network
