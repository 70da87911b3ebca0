"""KerasHub-style preset folders: `config.json`, `model.weights.h5`, `metadata.json`.

`save_preset(model, folder)` writes them (a hub folder, `kerasgen export --format hub`,
holds one beside its `onnx/`); `kerasgen.zoo.load(folder)` loads one: the class must be a
registered kerasgen class, and the weights' sha256 (in `metadata.json`) is checked
before Keras reads them, as for zoo entries.
"""

import json
import os

from kerasgen_runtime import __version__

from kerasgen_runtime.files import sha256_file
from kerasgen.zoo.entry import Entry

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"


def is_preset(path):
    path = os.fspath(path)
    return all(os.path.isfile(os.path.join(path, name)) for name in (CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE))


def save_preset(model, folder, metadata=None):
    """Writes `model`'s config, weights and metadata (with the weights' sha256) into `folder`
    (an existing folder the caller owns, e.g. a bundle being built)."""
    # Keras inside: `kerasgen zoo list` imports this module (through kerasgen.zoo.load)
    # and runs without Keras or TensorFlow.
    import keras

    config = keras.saving.serialize_keras_object(model)
    with open(os.path.join(folder, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    weights = os.path.join(folder, WEIGHTS_FILE)
    model.save_weights(weights)
    record = {
        "keras_version": keras.__version__,
        "kerasgen_version": __version__,
        "parameter_count": int(model.count_params()),
        "weights": {"file": WEIGHTS_FILE, "sha256": sha256_file(weights), "size": os.path.getsize(weights)},
        **(metadata or {}),
    }
    with open(os.path.join(folder, METADATA_FILE), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    return record


def open_preset(folder):
    """The preset as a zoo `Entry` (its `load_model` verifies the weights, then loads)."""
    folder = os.path.abspath(os.fspath(folder))
    config, metadata = (read_json(os.path.join(folder, name)) for name in (CONFIG_FILE, METADATA_FILE))
    weights = metadata.get("weights")
    if not isinstance(weights, dict) or "sha256" not in weights:
        raise ValueError(f"{os.path.join(folder, METADATA_FILE)} must give weights.sha256 (kerasgen "
                         "checks the weights before loading them); got none")
    entry = Entry.__new__(Entry)
    entry.directory, entry.recipe = folder, None
    entry.config = {"name": os.path.basename(folder), "registered_name": config.get("registered_name"),
                    "config": config.get("config"), "weights": {"file": WEIGHTS_FILE, "sha256": weights["sha256"]}}
    return entry


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable JSON file: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(value).__name__}")
    return value
