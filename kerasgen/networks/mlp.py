import keras

from kerasgen.checks import check_positive_int, check_units
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class MLP(Network):
    """Multilayer perceptron for 2-D data: GAN generators and discriminators on mixtures.

    Args:
        input_dim: size of the input vector (latent size for a generator).
        output_dim: size of the output (2 for points, 1 for a discriminator score).
        hidden_units: sizes of the hidden layers.
        activation: hidden activation.
        output_activation: final activation, `None` for linear outputs / logits.

    Example:
    ```python
    generator = kerasgen.networks.MLP(input_dim=2, output_dim=2)
    discriminator = kerasgen.networks.MLP(input_dim=2, output_dim=1)
    ```
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        hidden_units=(128, 128),
        activation="relu",
        output_activation=None,
        **kwargs,
    ):
        input_dim = check_positive_int("input_dim", input_dim)
        output_dim = check_positive_int("output_dim", output_dim)
        hidden_units = check_units("hidden_units", hidden_units)
        inputs = keras.Input(shape=(input_dim,), name="inputs")
        x = inputs
        for index, units in enumerate(hidden_units):
            x = keras.layers.Dense(units, activation=activation, name=f"dense_{index}")(x)
        x = keras.layers.Dense(output_dim, name="logits")(x)
        outputs = keras.layers.Activation(output_activation or "linear", name="outputs")(x)
        kwargs.setdefault("name", "mlp")
        super().__init__(inputs, outputs, **kwargs)
        self.latent_dim = input_dim
        self.image_shape = (output_dim,)
        self.output_activation = output_activation
        self.remember(
            input_dim=input_dim, output_dim=output_dim, hidden_units=hidden_units,
            activation=activation, output_activation=output_activation,
        )
