import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasgen.metrics import extract_features, get_extractor
from kerasgen.networks import DomainClassifier


@pytest.fixture(scope="module")
def extractor():
    return DomainClassifier((28, 28, 1), 10, filters=(8,), feature_dim=16).feature_extractor()


@pytest.fixture(scope="module")
def images(mnist5k):
    _, (x_test, _) = mnist5k
    # Quantised to 8 bits so that PNG files hold exactly these images.
    return np.round(x_test[:50] * 255) / 255


def test_every_source_gives_the_same_features(extractor, images, tmp_path):
    expected, _ = extract_features(extractor, images, batch_size=16, progress=False)
    assert expected.shape == (50, 16)
    for index, image in enumerate(images):
        Image.fromarray((image[..., 0] * 255).round().astype("uint8")).save(
            os.path.join(tmp_path, f"{index:03d}.png")
        )
    sources = {
        "folder": str(tmp_path),
        "tf.data batched": tf.data.Dataset.from_tensor_slices(images).batch(7),
        "tf.data unbatched with labels": tf.data.Dataset.from_tensor_slices(
            (images, np.zeros(50, "int64"))
        ),
        "generator of batches": (images[i : i + 9] for i in range(0, 50, 9)),
        "list of batches": [images[:25], images[25:]],
        "keras PyDataset": Batches(images, 12),
    }
    for name, source in sources.items():
        features, _ = extract_features(extractor, source, batch_size=16, progress=False)
        np.testing.assert_allclose(features, expected, atol=1e-5, err_msg=name)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], np.zeros(len(self.x[rows]))


def test_num_samples_limits_and_progress_goes_to_stderr(extractor, images, capsys):
    features, probabilities = extract_features(extractor, images, num_samples=20, batch_size=8)
    assert features.shape == (20, 16) and probabilities.shape == (20, 10)
    captured = capsys.readouterr()
    assert captured.out == "" and "20/20" in captured.err


def test_grayscale_uint8_and_channels_are_handled(extractor, images):
    as_uint8 = (images * 255).round().astype("uint8")
    np.testing.assert_allclose(extractor(as_uint8), extractor(images), atol=1e-5)
    np.testing.assert_allclose(extractor(images[..., 0]), extractor(images), atol=1e-6)


@pytest.mark.parametrize(
    "bad,message",
    [
        (np.zeros((4, 1, 28, 28), "float32"), "channels-last.*transpose"),
        (np.full((4, 28, 28, 1), -1.0, "float32"), "must lie in \\[0, 1\\].*to_unit_range"),
        (np.full((4, 28, 28, 1), 255.0, "float32"), "must lie in \\[0, 1\\].*divide"),
        (np.full((4, 28, 28, 1), np.nan, "float32"), "must be finite"),
        (np.zeros((4, 32, 32, 1), "float32"), "must be 28x28"),
        (np.zeros((4, 28, 28, 3), "float32"), "must have 1 channel"),
        (np.zeros((4, 784), "float32"), "shape \\(N, height, width, channels\\)"),
    ],
)
def test_bad_images_raise(extractor, bad, message):
    with pytest.raises(ValueError, match=message):
        extractor(bad)


def test_get_extractor_resolves_names_files_and_layers(classifier, classifier_path, images):
    from_file = get_extractor(classifier_path)
    assert from_file.extractor_id == classifier.feature_extractor().extractor_id
    by_layer = get_extractor(classifier, layer_name="flatten")
    assert by_layer.extractor_id.startswith("domain_classifier.flatten@sha256:")
    assert by_layer(images[:3]).shape == (3, 7 * 7 * 32)
    assert get_extractor("identity").extractor_id == "identity"
    with pytest.raises(ValueError, match="layer_name must name a layer.*got 'nope'"):
        get_extractor(classifier, layer_name="nope")
    with pytest.raises(ValueError, match="extractor must be one of"):
        get_extractor("resnet_9000")


def test_a_folder_source_reads_images_through_the_one_reader(tmp_path):
    from kerasgen.metrics.features import iter_batches
    from tests.own_data import unblock_after, write_bomb

    for index in range(3):
        Image.fromarray(np.full((6, 5, 3), 60 * index, "uint8")).save(tmp_path / f"{index}.png")
    (batch,) = iter_batches(str(tmp_path), image_shape=(4, 4, 1))
    assert batch.shape == (3, 4, 4, 1) and batch.dtype == np.uint8  # resized to (height, width)
    fifo = str(tmp_path / "x.png")
    os.mkfifo(fifo)
    timer = unblock_after(fifo, 20)
    try:
        with pytest.raises(ValueError, match=r"x\.png' is a FIFO"):
            list(iter_batches(str(tmp_path)))
    finally:
        timer.cancel()
    os.remove(fifo)
    write_bomb(tmp_path / "z_bomb.png")
    with pytest.raises(ValueError, match=r"z_bomb\.png' is too large"):
        list(iter_batches(str(tmp_path)))
