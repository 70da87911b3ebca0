import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.dcgan_generator import upsampling_stack
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalDCGANGenerator(Network):
    """Class-conditional DCGAN generator: inputs `[z, label]`.

    The label (int32, shape `()` per example) is embedded and concatenated with `z`;
    the rest is `kerasgen.networks.DCGANGenerator`'s upsampling stack.

    Args:
        latent_dim: size of the noise vector `z`.
        num_classes: number of labels; labels are ints in `[0, num_classes)`.
        image_shape: `(height, width, channels)`.
        filters: filters of each stride-2 transposed convolution.
        kernel_size: kernel size of the transposed convolutions.
        batch_norm: batch normalization after each hidden layer.
        output_activation: `"tanh"` for data in [-1, 1], `"sigmoid"` for [0, 1].
        embedding_dim: size of the label embedding.

    Example:
    ```python
    generator = kerasgen.networks.ConditionalDCGANGenerator(64, 10, (28, 28, 1))
    images = generator([z, labels])
    ```

    Reference:
        Mirza and Osindero, "Conditional Generative Adversarial Nets", 2014.
    """

    def __init__(
        self,
        latent_dim,
        num_classes,
        image_shape,
        filters=(128, 64),
        kernel_size=4,
        batch_norm=False,
        output_activation="tanh",
        embedding_dim=32,
        **kwargs,
    ):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        num_classes = check_positive_int("num_classes", num_classes)
        embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        filters = check_units("filters", filters)
        z = keras.Input(shape=(latent_dim,), name="z")
        label = keras.Input(shape=(), dtype="int32", name="label")
        embedded = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(label)
        x = keras.layers.Concatenate(name="z_and_label")([z, embedded])
        outputs = upsampling_stack(x, image_shape, filters, kernel_size, batch_norm, output_activation)
        kwargs.setdefault("name", "conditional_dcgan_generator")
        super().__init__([z, label], outputs, **kwargs)
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.image_shape = image_shape
        self.output_activation = output_activation
        self.remember(
            latent_dim=latent_dim, num_classes=num_classes, image_shape=image_shape,
            filters=filters, kernel_size=kernel_size, batch_norm=bool(batch_norm),
            output_activation=output_activation, embedding_dim=embedding_dim,
        )
