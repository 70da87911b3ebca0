"""Recipe for semi-supervised learning with the M2 model (Kingma et al. 2014)."""

import math

import keras

from kerasgen import models, networks
from kerasgen.recipes import register


@register("m2", epochs=100, batch_size=100, labels=True)
def build_m2(data_shape, num_classes=None, latent_dim=32, hidden_units=(500, 500), classifier="conv",
             classification_weight=50.0, learning_rate=1e-3, likelihood="bernoulli", observation_std=1.0,
             seed=0):
    """M2: q(y|x) a conv net (`classifier="conv"`, the paper's is an MLP: `"mlp"`),
    q(z|x,y) and p(x|y,z) MLPs with `hidden_units`; a Bernoulli likelihood for images, a
    Gaussian one for codes (M1+M2)."""
    if num_classes is None:
        raise ValueError("recipe 'm2' needs num_classes (labelled data)")
    if classifier not in ("conv", "mlp"):
        raise ValueError(f"classifier must be 'conv' or 'mlp', got {classifier!r}")
    data_shape, hidden_units = tuple(data_shape), tuple(hidden_units)
    if classifier == "conv":
        classify = networks.ConvEncoder(data_shape, num_classes, filters=(32, 64), hidden_units=256,
                                        name="classifier")
    else:
        classify = networks.DenseEncoder(data_shape, num_classes, hidden_units=hidden_units,
                                         name="classifier")
    pixels = math.prod(data_shape)
    encoder = networks.DenseEncoder((pixels + num_classes,), latent_dim, hidden_units=hidden_units,
                                    variational=True, name="dense_encoder")
    decoder = networks.DenseDecoder(latent_dim + num_classes, data_shape,
                                    hidden_units=tuple(reversed(hidden_units)),
                                    output_activation="sigmoid" if likelihood == "bernoulli" else None,
                                    name="dense_decoder")
    model = models.SemiSupervisedVAE(classify, encoder, decoder,
                                     classification_weight=classification_weight, likelihood=likelihood,
                                     observation_std=observation_std, seed=seed,
                                     name="semi_supervised_vae")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model
