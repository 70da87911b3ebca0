"""The one place the commands turn a MODEL argument into a model.

`kerasgen sample`, `export`, `evaluate`, `plot` and `encode` take the same kinds of
MODEL: a zoo entry (a name or an entry folder), a `.keras` file, a run
folder (one holding `model.keras`, as `kerasgen fit --out` writes) and, where the
command runs one, an `.onnx` export. What is not one of them is one line naming the
argument and what was tried.

Imported by the commands' `run` functions only (not at `kerasgen --help` time), so it
imports what it needs at the top.
"""

import os

from kerasgen_runtime import Sampler

from kerasgen import zoo
from kerasgen.saving import load_model_file
from kerasgen_runtime.files import sha256_file
from kerasgen.zoo.entry import ENTRY_FILE

RUN_MODEL = "model.keras"  # what `kerasgen fit --out DIR` writes in DIR


class Resolved:
    """Where a model came from: `kind` ("zoo", "keras", "run", "onnx" or "images": a
    folder of images, where the command takes one), `path` (the
    `.keras` / `.onnx` file that was loaded, None for a zoo entry) and `entry` (the
    `kerasgen.zoo.Entry`, else None)."""

    def __init__(self, kind, path=None, entry=None):
        self.kind, self.path, self.entry = kind, path, entry

    def source(self):
        """What an export records of its source: `{"zoo_entry", "weights_sha256", "file"}`
        (a zoo entry's verified weights, else the loaded file's own sha256)."""
        if self.entry is not None:
            weights = self.entry.config["weights"]
            return {"zoo_entry": self.entry.name, "weights_sha256": weights["sha256"],
                    "file": weights["file"]}
        return {"zoo_entry": None, "weights_sha256": sha256_file(self.path),
                "file": os.path.basename(self.path)}


def find_model(name_or_path, argument="MODEL", onnx=True, images=False):
    """What `name_or_path` names, as a `Resolved`, without loading it (ValueError if none).
    `images`: a folder of images (holding no model) is a `Resolved("images", folder)`."""
    path = os.fspath(name_or_path)
    if path.endswith(".onnx"):
        if not onnx:
            raise ValueError(f"{argument} {path!r} is an .onnx export; this command needs the "
                             "Keras model (a .keras file, a run folder or a zoo entry)")
        if not os.path.isfile(path):
            raise ValueError(f"{argument} file {path!r} does not exist")
        return Resolved("onnx", path)
    if path.endswith(".keras"):
        return Resolved("keras", path)
    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, ENTRY_FILE)):
        if os.path.isfile(os.path.join(path, RUN_MODEL)):
            return Resolved("run", os.path.join(path, RUN_MODEL))
        if images and _holds_images(path):
            return Resolved("images", path)
    try:
        return Resolved("zoo", entry=zoo.Entry.open(path))
    except ValueError:
        pass
    kinds = ["a .keras file", f"a run folder holding {RUN_MODEL}",
             f"a zoo entry ({', '.join(zoo.list_entries())}) or entry folder"]
    if onnx:
        kinds.append("an .onnx export")
    if images:
        kinds.append("a folder of images")
    found = ""
    if os.path.isdir(path):
        found = f" (the folder holds no {RUN_MODEL}, no {ENTRY_FILE}{' and no images' if images else ''}"
        found += "; a run that has not finished has only checkpoint-NNNN.keras files)"
    elif not os.path.exists(path) and os.sep in path:
        found = " (no such file or folder)"
    raise ValueError(f"{argument} must be {', '.join(kinds[:-1])} or {kinds[-1]}, got {path!r}{found}")


def _holds_images(folder):
    from kerasgen.data.image_files import list_images

    try:
        return bool(list_images(folder)[0])
    except ValueError:
        return False


def load_model(name_or_path, argument="MODEL", onnx=True):
    """`(model, Resolved)`: a `.keras` file or run folder loads with safe_mode=True, a zoo
    entry with its weights sha256-verified, an `.onnx` export as the runtime Sampler."""
    found = find_model(name_or_path, argument, onnx)
    if found.kind == "onnx":
        return Sampler(found.path), found  # ValueError for a corrupted or non-sampling file
    if found.kind == "zoo":
        return found.entry.load_model(), found
    return load_model_file(found.path, argument), found
