"""`kerasgen.zoo.load`: a model from a zoo entry's name or folder, an entry's URI, or a
KerasHub-style preset folder, its weights checked against their sha256 first."""

import os

from kerasgen.zoo import preset, remote
from kerasgen.zoo.entry import ENTRY_FILE, Entry


def load(name_or_path, sha256=None):
    """Loads a zoo entry (name, folder or URI) as a Keras model; weights sha256-verified.

    `name_or_path` may be an `https://` / `http://` URL of an entry file (its weights are
    downloaded to the cache, checked against the entry's sha256, then loaded) or a
    `file://` URI of an entry folder or its entry.json; `sha256` pins the entry file of
    a URI. A KerasHub-style preset folder (config.json, model.weights.h5, metadata.json
    with the weights' sha256; `kerasgen export --format hub` writes one) loads too. The
    model is built from the entry's exact `get_config()` and is not compiled; compile
    it to continue training.
    """
    if remote.is_uri(name_or_path):
        return remote.open_uri(name_or_path, sha256).load_model()
    if sha256 is not None:
        raise ValueError(f"sha256 pins the entry file of a URI; {name_or_path!r} is a name or folder")
    if not os.path.isfile(os.path.join(str(name_or_path), ENTRY_FILE)) and preset.is_preset(name_or_path):
        return preset.open_preset(name_or_path).load_model()  # KerasHub-style folder
    return Entry.open(name_or_path).load_model()
