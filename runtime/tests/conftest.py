"""The runtime tests need NumPy, onnxruntime and pytest only (Pillow for PNG tests).

They sample the tiny ONNX files in fixtures/, written by make_fixtures.py with kerasgen.
"""

import os

import pytest

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


@pytest.fixture
def fixture_path():
    return lambda name: os.path.join(FIXTURES, name)
