import keras

from kerasgen.checks import check_positive_int, check_units
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class PackedMLPDiscriminator(Network):
    """An MLP discriminator that judges `packing` vectors at once (PacGAN).

    Its input is `packing` samples concatenated, shape `(packing * input_dim,)`, as
    `kerasgen.models.GAN(packing=...)` feeds it. Each sample first goes through the
    same per-sample layers (`hidden_units`, weights shared across the pack), then
    their features are concatenated and a head (`head_units`) gives one logit. Sharing
    the per-sample layers keeps the resolution of an unpacked discriminator on each
    point, while the head sees the whole pack and so the samples' diversity; a plain
    MLP on the concatenation must first learn to separate the samples.

    Args:
        input_dim: size of one sample (2 for points).
        packing: number of samples judged together.
        hidden_units: sizes of the shared per-sample layers.
        head_units: sizes of the layers on the concatenated features.
        activation: hidden activation.

    Example:
    ```python
    discriminator = kerasgen.networks.PackedMLPDiscriminator(2, packing=4)
    gan = kerasgen.models.GAN(kerasgen.networks.MLP(2, 2), discriminator, packing=4)
    ```

    Reference:
        Lin et al., "PacGAN: The power of two samples in generative adversarial
        networks", NeurIPS 2018.
    """

    def __init__(
        self,
        input_dim,
        packing,
        hidden_units=(256, 256),
        head_units=(256,),
        activation="leaky_relu",
        **kwargs,
    ):
        input_dim = check_positive_int("input_dim", input_dim)
        packing = check_positive_int("packing", packing)
        hidden_units = check_units("hidden_units", hidden_units)
        head_units = check_units("head_units", head_units)
        inputs = keras.Input(shape=(input_dim * packing,), name="inputs")
        x = keras.layers.Reshape((packing, input_dim), name="samples")(inputs)
        for index, units in enumerate(hidden_units):  # Dense acts on the last axis: shared
            x = keras.layers.Dense(units, activation=activation, name=f"shared_{index}")(x)
        x = keras.layers.Flatten(name="features")(x)
        for index, units in enumerate(head_units):
            x = keras.layers.Dense(units, activation=activation, name=f"head_{index}")(x)
        outputs = keras.layers.Dense(1, name="logits")(x)
        kwargs.setdefault("name", "packed_mlp_discriminator")
        super().__init__(inputs, outputs, **kwargs)
        self.packing = packing
        self.remember(
            input_dim=input_dim, packing=packing, hidden_units=hidden_units,
            head_units=head_units, activation=activation,
        )
