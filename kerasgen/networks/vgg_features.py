import keras
from keras import ops

from kerasgen.checks import check_shape
from kerasgen.networks.network import Network

VGG_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="kerasgen")
class VGGFeatures(Network):
    """VGG19's relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1 for images in [-1, 1]
    (the layers of NVlabs's `VGGLoss`), for `kerasgen.models.SPADEGAN`'s perceptual
    loss. RGB in [-1, 1] is mapped to VGG's input (BGR, 0-255, ImageNet mean removed).

    Args:
        image_shape: `(height, width, 3)`.
        weights: `"imagenet"` (downloaded by Keras) or a local weights file.

    Example:
    ```python
    extractor = kerasgen.networks.VGGFeatures((64, 64, 3), weights="vgg19_notop.h5")
    ```
    """

    def __init__(self, image_shape, weights="imagenet", **kwargs):
        image_shape = check_shape("image_shape", image_shape, ranks=(3,))
        if image_shape[-1] != 3:
            raise ValueError(f"image_shape must have 3 channels for VGG19, got {image_shape}")
        vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=image_shape)
        features = keras.Model(vgg.input, [vgg.get_layer(name).output for name in VGG_LAYERS])
        inputs = keras.Input(shape=image_shape, name="x")
        x = (inputs + 1.0) * 127.5
        x = ops.flip(x, axis=-1) - ops.convert_to_tensor(CAFFE_MEAN_BGR)
        super().__init__(inputs, features(x), **kwargs)
        self.remember(image_shape=image_shape, weights=weights)
