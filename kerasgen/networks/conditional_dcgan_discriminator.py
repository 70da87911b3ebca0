import keras

from kerasgen.checks import check_positive_int, check_rate, check_shape, check_units
from kerasgen.networks.dcgan_discriminator import downsampling_stack
from kerasgen.networks.network import Network, check_bool, spectral


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalDCGANDiscriminator(Network):
    """Class-conditional DCGAN discriminator with a projection head: inputs `[x, label]`.

    The logit is `w . phi(x) + embed(label) . phi(x)`, where `phi(x)` is the flattened
    output of the convolutions (the layer `"features"`): the label selects a direction
    in feature space instead of being concatenated to the image.

    Args:
        image_shape: `(height, width, channels)`.
        num_classes: number of labels.
        filters: filters of each stride-2 convolution.
        kernel_size: convolution kernel size.
        dropout: dropout rate on the features.
        spectral_norm: wrap the convolutions and the output layer in
            `keras.layers.SpectralNormalization`. The label embedding stays plain: Keras's
            wrapper casts its output to its input's dtype, the labels' int32.

    Example:
    ```python
    discriminator = kerasgen.networks.ConditionalDCGANDiscriminator((28, 28, 1), 10)
    logits = discriminator([images, labels])
    ```

    Reference:
        Miyato and Koyama, "cGANs with Projection Discriminator", 2018.
    """

    def __init__(
        self,
        image_shape,
        num_classes,
        filters=(64, 128),
        kernel_size=4,
        dropout=0.0,
        spectral_norm=False,
        **kwargs,
    ):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        num_classes = check_positive_int("num_classes", num_classes)
        filters = check_units("filters", filters)
        dropout = check_rate("dropout", dropout)
        spectral_norm = check_bool("spectral_norm", spectral_norm)
        x = keras.Input(shape=image_shape, name="x")
        label = keras.Input(shape=(), dtype="int32", name="label")
        features = downsampling_stack(x, filters, kernel_size, spectral_norm)
        if dropout:
            features = keras.layers.Dropout(dropout, name="dropout")(features)
        embedded = keras.layers.Embedding(
            num_classes, features.shape[-1], name="label_embedding"
        )(label)
        projection = keras.layers.Dot(axes=1, name="projection")([embedded, features])
        unconditional = spectral(
            keras.layers.Dense(1, name="unconditional_logits"), spectral_norm
        )(features)
        outputs = keras.layers.Add(name="logits")([unconditional, projection])
        kwargs.setdefault("name", "conditional_dcgan_discriminator")
        super().__init__([x, label], outputs, **kwargs)
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.remember(
            image_shape=image_shape, num_classes=num_classes, filters=filters,
            kernel_size=kernel_size, dropout=dropout, spectral_norm=spectral_norm,
        )
