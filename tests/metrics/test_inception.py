import os

import numpy as np
import pytest

from kerasgen_runtime.files import sha256_file
from kerasgen.metrics import get_extractor, inception_v3


@pytest.fixture
def tiny_file(tmp_path):
    path = os.path.join(tmp_path, "inception_v3_notop.h5")
    with open(path, "wb") as f:
        f.write(b"not really weights")
    return path


def test_local_file_with_wrong_hash_is_refused(tiny_file):
    with pytest.raises(ValueError, match="has sha256 [0-9a-f]{64}, expected 00ff"):
        inception_v3(weights=tiny_file, sha256="00ff" * 16)


def test_local_file_without_hash_must_be_the_official_one(tiny_file):
    actual = sha256_file(tiny_file)
    with pytest.raises(ValueError, match=f"not the official.*its sha256 is {actual}.*sha256="):
        inception_v3(weights=tiny_file)
    with pytest.raises(ValueError, match="not the official"):
        get_extractor(tiny_file)  # the CLI's --extractor FILE path


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="weights must be an existing file or 'imagenet'"):
        inception_v3(weights=os.path.join(tmp_path, "nope.h5"))


def test_offline_without_file_says_how_to_provide_one(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError) as error:
        inception_v3(weights="imagenet", allow_download=False, cache_dir=str(tmp_path))
    message = str(error.value)
    for expected in (
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "https://storage.googleapis.com/",
        "weights='/path/to/file.h5'",
        "--extractor /path/to/file.h5",
        "downloading is disabled",
    ):
        assert expected in message
    monkeypatch.setenv("KERASGEN_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="downloading is disabled"):
        inception_v3(cache_dir=str(tmp_path))


def test_cached_file_is_verified_too(tmp_path):
    models = os.path.join(tmp_path, "models")
    os.makedirs(models)
    with open(os.path.join(models, "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
              "wb") as f:
        f.write(b"truncated download")
    with pytest.raises(ValueError, match="not the official"):
        inception_v3(weights="imagenet", allow_download=False, cache_dir=str(tmp_path))


@pytest.mark.slow
def test_local_weights_file_gives_2048_features(tmp_path, tiny_file):
    """End to end without a download: random InceptionV3 weights saved to a local file."""
    import keras

    path = os.path.join(tmp_path, "inception.weights.h5")
    keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(299, 299, 3), pooling="avg"
    ).save_weights(path)
    extractor = inception_v3(weights=path, sha256=sha256_file(path))
    assert extractor.extractor_id.startswith("inception_v3@sha256:")
    gray = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    features = extractor(gray)
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))
    # Grayscale is tiled to three channels.
    np.testing.assert_allclose(extractor(np.repeat(gray, 3, axis=-1)), features, atol=1e-5)
    # The right hash of a file that is not InceptionV3 weights passes the check, then
    # loading fails clearly.
    with pytest.raises(ValueError, match="could not be loaded into InceptionV3"):
        inception_v3(weights=tiny_file, sha256=sha256_file(tiny_file))
