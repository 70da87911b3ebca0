import keras

from kerasgen.checks import check_positive_int, check_shape, check_units
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class LayoutSegmenter(Network):
    """A small fully convolutional segmenter: per-pixel class logits for an image.

    3x3 convolutions with ReLU at full resolution, dilated 1, 2, 4, ... (receptive
    field enough for texture periods of several pixels), then a 1x1 convolution to one
    logit per class. The last hidden layer, named `"features"`, averaged over the image,
    is the domain feature extractor of kerasgen's SPADE evaluation (FID/KID on layouts).
    The SPADE protocol trains it on the real training layouts and measures how well a
    generated image can be segmented back into its input map.

    Args:
        image_shape: `(height, width, channels)`, values in [0, 1].
        num_classes: number of classes.
        filters: filters of each hidden convolution; the i-th is dilated `2**i`.

    Example:
    ```python
    segmenter = kerasgen.networks.LayoutSegmenter((32, 32, 3), num_classes=4)
    logits = segmenter(images)  # (batch, 32, 32, 4)
    ```
    """

    def __init__(self, image_shape, num_classes, filters=(32, 32, 64, 64), **kwargs):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        num_classes = check_positive_int("num_classes", num_classes)
        filters = check_units("filters", filters)
        inputs = keras.Input(shape=image_shape, name="x")
        x = inputs
        for index, count in enumerate(filters):
            name = "features" if index == len(filters) - 1 else f"conv_{index}"
            x = keras.layers.Conv2D(count, 3, padding="same", dilation_rate=2**index, activation="relu",
                                    name=name)(x)
        outputs = keras.layers.Conv2D(num_classes, 1, name="logits")(x)
        kwargs.setdefault("name", "layout_segmenter")
        super().__init__(inputs, outputs, **kwargs)
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.remember(image_shape=image_shape, num_classes=num_classes, filters=filters)

    def feature_extractor(self):
        """A model `images -> (features averaged over pixels, per-pixel class logits)`."""
        features = keras.layers.GlobalAveragePooling2D(name="pooled")(self.get_layer("features").output)
        return keras.Model(self.inputs, [features, self.outputs[0]])
