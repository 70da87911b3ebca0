"""onnxruntime sessions of exported files: opening, running and checking their outputs.

NumPy and onnxruntime only (no TensorFlow, no Keras); shared by the samplers.
"""

import os

import numpy as np
import onnxruntime


def open_session(path, num_threads=None, providers=None, spin_wait=False):
    """An onnxruntime session, with clear errors for missing, empty or corrupted files."""
    if not os.path.isfile(path):
        raise ValueError(f"path must be an existing .onnx file, got {path!r}")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{path} is empty, not an ONNX model")
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    if num_threads is not None:
        options.intra_op_num_threads = num_threads
    options.log_severity_level = 4  # errors are reported by us (one line), not on stderr
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin_wait else "0")
    try:
        return onnxruntime.InferenceSession(
            path, sess_options=options, providers=providers or ["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own pybind error types
        reason = str(error).strip().splitlines()[0][:300]
        raise ValueError(
            f"{path} is not a readable ONNX model (corrupted or truncated?); "
            f"onnxruntime says: {reason}"
        ) from None


def run_session(session, output_name, feeds, path):
    """`session.run` of one output; onnxruntime's errors (a graph whose dynamic
    dimensions disagree with its metadata, say) become a one-line ValueError."""
    try:
        return session.run([output_name], feeds)[0]
    except Exception as error:  # onnxruntime raises its own pybind error types
        reason = str(error).strip().splitlines()[0][:300]
        shapes = {name: list(value.shape) for name, value in feeds.items()}
        raise ValueError(
            f"{path} could not be run on inputs of shapes {shapes} (does its metadata match "
            f"the graph?); onnxruntime says: {reason}"
        ) from None


def check_samples(x, shape, path):
    """Refuses outputs that are not `shape` or not finite: a file that returns fewer
    rows than asked, other dimensions than its metadata states, or NaN/inf."""
    x = np.asarray(x)
    if tuple(x.shape) != tuple(shape):
        raise ValueError(
            f"{path} returned samples of shape {list(x.shape)}, expected {list(shape)} "
            "(the number asked for, of the image_shape in its metadata)"
        )
    if np.isfinite(np.add.reduce(x, axis=None)):  # a finite sum: every value is finite
        return x
    finite = np.isfinite(x)
    if not finite.all():
        rows = np.flatnonzero(~finite.reshape(len(x), -1).all(axis=1))
        raise ValueError(
            f"{path} returned NaN or inf in {len(rows)} of {len(x)} samples (first: row "
            f"{rows[0]} of the batch); the exported network is broken for these inputs"
        )
    return x


def graph_names(session, path):
    """Names of the latent input, the optional integer label input and the image output."""
    inputs = session.get_inputs()
    floats = [i.name for i in inputs if i.type.startswith("tensor(float")]
    integers = [i.name for i in inputs if i.type.startswith("tensor(int")]
    z_name = "z" if "z" in floats else (floats[0] if len(floats) == 1 else None)
    label_name = "label" if "label" in integers else (integers[0] if len(integers) == 1 else None)
    if z_name is None or len(inputs) != 1 + bool(label_name):
        raise ValueError(
            f"{path} must take a float input 'z' and optionally an integer 'label', "
            f"got inputs {[(i.name, i.type) for i in inputs]}"
        )
    outputs = [o.name for o in session.get_outputs()]
    x_name = "x" if "x" in outputs else outputs[0]
    return z_name, label_name, x_name
