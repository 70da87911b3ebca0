"""The check every export passes before it is written: same outputs as Keras, no noise ops.

NumPy only; the exporters feed it Keras outputs and the exported artifact's outputs.
"""

import numpy as np

from kerasgen_runtime.latents import draw_latents

# Odd and large batches too: a rewrite or a layout that mixes the batch dimension shows
# up at 7 (not a multiple of anything) and at 64.
CHECK_BATCH_SIZES = (1, 7, 64)
TOLERANCE = 1e-5
# Stacks of transposed convolutions accumulate in a different order in onnxruntime
# (col2im) than in TensorFlow, so their float32 results may differ by more than 1e-5.
TRANSPOSED_CONV_TOLERANCE = 1e-4
# Op types that draw noise; an exported sampling graph takes its noise as an input.
RANDOM_OPS = ("Random", "Multinomial", "Bernoulli")


class ExportCheckError(RuntimeError):
    """An exported artifact failed its check; nothing was written."""


def tolerance_for(layer_types, tolerance=None):
    """`(tolerance, reason)`: 1e-5, or 1e-4 for a network with transposed convolutions."""
    if tolerance is not None:
        if not (isinstance(tolerance, (int, float)) and tolerance >= 0):
            raise ValueError(f"tolerance must be a float >= 0, got {tolerance!r}")
        return float(tolerance), "given by the caller"
    if any(name.startswith("Conv") and name.endswith("Transpose") for name in layer_types):
        return TRANSPOSED_CONV_TOLERANCE, "network has transposed convolutions"
    return TOLERANCE, "default"


def check_inputs(metadata, batch_size, seed=0):
    """Host-drawn inputs of the exported graph: `z` (and `label`), or `x` for an encoder."""
    if metadata["network"] == "encoder":
        rng = np.random.default_rng(seed)
        shape = (batch_size, *metadata["image_shape"])
        low, high = metadata["value_range"]
        statistics = metadata.get("input_statistics")
        if statistics:  # a table encoder: rows around the training rows' mean, in their units
            x = np.asarray(statistics["mean"]) + np.asarray(statistics["std"]) * rng.standard_normal(shape)
        elif low is None or high is None:
            x = rng.standard_normal(shape)
        else:
            x = rng.uniform(low, high, shape)
        return {"x": x.astype("float32")}
    inputs = {"z": draw_latents(batch_size, metadata["latent_dim"], seed)}
    if metadata.get("label_map_shape"):  # SPADE: random class maps
        shape = (batch_size, *metadata["label_map_shape"])
        inputs["label_map"] = np.random.default_rng(seed).integers(0, metadata["num_classes"], shape).astype("int64")
    elif metadata.get("num_classes"):
        inputs["label"] = np.arange(batch_size, dtype="int64") % metadata["num_classes"]
    return inputs


def max_abs_difference(expected, actual, what):
    """Largest |expected - actual| over the named outputs; raises on shape or NaN trouble."""
    worst = 0.0
    for name, reference in expected.items():
        if name not in actual:
            raise ExportCheckError(f"{what} has no output {name!r} (outputs: {sorted(actual)})")
        reference, value = np.asarray(reference), np.asarray(actual[name])
        if reference.shape != value.shape:
            raise ExportCheckError(
                f"{what} output {name!r} has shape {value.shape}, Keras gives {reference.shape}"
            )
        if not np.all(np.isfinite(reference)):
            raise ExportCheckError(f"the Keras network's output {name!r} is not finite")
        if not np.all(np.isfinite(value)):
            raise ExportCheckError(f"{what} output {name!r} is not finite")
        worst = max(worst, float(np.max(np.abs(reference.astype("float64") - value))))
    return worst


def check_parity(keras_fn, artifact_fn, metadata, what, tolerance, batch_sizes=CHECK_BATCH_SIZES):
    """Runs both functions on the same host-drawn inputs at each batch size.

    `keras_fn(inputs)` and `artifact_fn(inputs)` map the input dict to an output dict.
    Returns `{batch_size: max |diff|}`; raises ExportCheckError above `tolerance`.
    """
    differences = {}
    for batch_size in batch_sizes:
        inputs = check_inputs(metadata, batch_size, seed=batch_size)
        difference = max_abs_difference(keras_fn(inputs), artifact_fn(inputs), what)
        if not difference <= tolerance:
            raise ExportCheckError(
                f"{what} differs from Keras by max |diff| = {difference:.3g} at batch "
                f"{batch_size}, above the tolerance {tolerance:g}; nothing was written"
            )
        differences[batch_size] = difference
    return differences


def check_no_random_ops(op_types, what):
    found = sorted({op for op in op_types if any(name in op for name in RANDOM_OPS)})
    if found:
        raise ExportCheckError(
            f"{what} contains random ops {found}: an exported sampling graph must take its "
            "noise as an input (draw z on the host); nothing was written"
        )
