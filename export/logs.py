"""The converters' logging: tf2onnx and onnxruntime's quantizer log chatty INFO/WARNING
lines to the root logger, which an export silences while it runs them."""

import contextlib
import logging


@contextlib.contextmanager
def quiet_logging():
    """tf2onnx and the quantizer log chatty INFO/WARNING lines to the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
