"""SavedModel export of a model's sampling network (or VAE encoder), reloaded and checked."""

import errno
import os

import keras
import numpy as np
import tensorflow as tf

from kerasgen.export import checks
from kerasgen.export.metadata import FILENAME, describe_model
from kerasgen.export.serving import keras_outputs, layer_types, serving_function
from kerasgen_runtime.files import DirectoryKind, atomic_path, check_output_path, write_json

# What a SavedModel export written here holds; only such a directory is ever replaced.
SAVED_MODEL = DirectoryKind(
    "SavedModel export", required=(FILENAME, "saved_model.pb"),
    allowed=("variables", "assets", "fingerprint.pb"),
)


def to_saved_model(model, path, encoder=False, source=None, tolerance=None, overwrite=False):
    """Exports `model.sampling_network()` (or its encoder) as a TensorFlow SavedModel.

    The `serving_default` signature takes `z` float32 `[batch, latent_dim]` (plus
    `label` int64 `[batch]` for conditional models) and returns `{"x": ...}`; an encoder
    takes `x` and returns `mean` and `log_var`. The metadata (see
    `kerasgen.export.metadata`) is written inside the directory as
    `kerasgen_metadata.json`. Before the directory appears at `path`, the SavedModel is
    reloaded with `tf.saved_model.load` and checked against Keras at batch 1, 7 and 64
    (max |diff| <= 1e-5, 1e-4 for transposed-conv stacks); a failure raises
    `ExportCheckError` and leaves `path` as it was.

    Args:
        model: a kerasgen model (provides `sampling_network()`, `latent_dim`,
            `output_range`, and `num_classes` when conditional).
        path: output directory; it must not exist, or be a previous kerasgen
            SavedModel export (holding `kerasgen_metadata.json` and nothing else of
            anyone's) and `overwrite` be set. Any other directory is refused.
        encoder: export the VAE encoder `x -> (mean, log_var)` instead.
        source: `{"zoo_entry", "weights_sha256", "file"}` recorded in the metadata.
        tolerance: parity tolerance overriding the default.
        overwrite: replace a previous kerasgen SavedModel export at `path`.

    Returns:
        A report dict: `path`, `format`, `metadata`, `max_abs_diff` per batch size,
        `tolerance`, `tolerance_reason`.

    Example:
    ```python
    kerasgen.export.to_saved_model(vae, "vae_decoder")
    decoder = tf.saved_model.load("vae_decoder").signatures["serving_default"]
    x = decoder(z=tf.constant(kerasgen_runtime.latents.draw_latents(16, vae.latent_dim, 0)))["x"]
    ```
    """
    path = check_output_path(path, SAVED_MODEL, overwrite)
    network, metadata = describe_model(model, encoder=encoder, source=source)
    tolerance, reason = checks.tolerance_for(layer_types(network), tolerance)
    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint("serve", serving_function(network, metadata))
    with atomic_path(path, SAVED_MODEL, overwrite) as tmp:
        write_archive(archive, tmp, path)
        differences = check_saved_model(tmp, network, metadata, tolerance)
        metadata["check"] = {
            "runtime": f"tensorflow {tf.__version__} (reloaded SavedModel)",
            "max_abs_diff": {str(b): d for b, d in differences.items()},
            "tolerance": tolerance,
            "tolerance_reason": reason,
        }
        write_json(os.path.join(tmp, FILENAME), metadata)
    return {
        "path": path,
        "format": "saved_model",
        "metadata": metadata,
        "max_abs_diff": differences,
        "tolerance": tolerance,
        "tolerance_reason": reason,
    }


def write_archive(archive, tmp, path):
    """`archive.write_out(tmp)`; TensorFlow's error for a full or unwritable disk becomes
    an OSError naming `path` (the temporary folder is removed by the caller)."""
    try:
        archive.write_out(tmp, verbose=False)
    except tf.errors.OpError as error:
        reason = str(error.message).rsplit(";", 1)[-1].strip() or type(error).__name__
        code = errno.ENOSPC if "No space left" in reason else errno.EIO
        raise OSError(code, f"could not write the SavedModel: {reason}", path) from None


def check_saved_model(path, network, metadata, tolerance, batch_sizes=checks.CHECK_BATCH_SIZES):
    """Reloads the SavedModel at `path` and compares it with Keras; max |diff| per batch."""
    serve = tf.saved_model.load(path).signatures["serving_default"]

    def run(inputs):
        outputs = serve(**{name: tf.constant(value) for name, value in inputs.items()})
        return {name: np.asarray(value) for name, value in outputs.items()}

    return checks.check_parity(
        lambda inputs: keras_outputs(network, metadata, inputs),
        run, metadata, "the reloaded SavedModel", tolerance, batch_sizes,
    )
