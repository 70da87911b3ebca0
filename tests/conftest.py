import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def mnist5k():
    from kerasgen.data import named_datasets

    return named_datasets.load("mnist5k")


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def digits16(tmp_path_factory):
    """A class folder of 16x16 digits, 8 per class, that tests only read."""
    from tests.own_data import write_digit_folder

    path = str(tmp_path_factory.mktemp("digits16"))
    write_digit_folder(path, size=(16, 16), per_class=8)
    return path
