"""Self-checking bundles and hub folders: one folder that proves what it computes.

`to_bundle(model, "dir")` writes the checked ONNX export (`model.onnx`), its int8 variant
where it passes its gate (`precision="int8"`), reference inputs (kerasgen-v1 `z` of a few
seeds, labels or label maps) with the outputs computed from them at export (`.npy`),
a card (`README.md`, with `samples.png`) and `manifest.json` with the sha256 of every
file. `kerasgen verify dir` or `kerasgen-sample --verify dir` (no TensorFlow) checks it
again anywhere (`kerasgen_runtime.bundle`).

`layout="hub"` writes the same content as a model hub expects it: the ONNX files in
`onnx/` (`model.onnx`, `model_int8.onnx`), a README with YAML front matter and the
card, and a KerasHub-style preset (`config.json`: the Keras config; `model.weights.h5`;
`metadata.json`: versions, the weights' sha256 and the export metadata), which
`kerasgen.zoo.load(folder)` loads; publishing is an upload of the folder, which
verifies like a bundle.
"""

import json
import os
import shutil
import tempfile

import numpy as np
import onnxruntime
from kerasgen_runtime import Sampler
from kerasgen_runtime.bundle import FORMAT, FORMAT_VERSION, MANIFEST
from kerasgen_runtime.files import MANIFEST as FILES_RECORD
from kerasgen_runtime.files import (
    DirectoryKind, check_output_path, replace_directory, sha256_file, write_directory_manifest,
)
from kerasgen_runtime.latents import KERASGEN_V1, draw_latents

from kerasgen.export.checks import ExportCheckError
from kerasgen.export.onnx_export import to_onnx
from kerasgen.zoo.preset import save_preset

# (name, seed, batch size) of the reference batches: odd and even sizes
REFERENCE_BATCHES = (("seed0_n1", 0, 1), ("seed7_n7", 7, 7), ("seed42_n16", 42, 16))
# int8 kernels may round one quantization step differently on CPUs with other integer
# instructions (VNNI or not); float32 kernels differ in the last bits only.
INT8_TOLERANCE = 0.02
LAYOUTS = {
    "bundle": {"model": "model.onnx", "int8": "model_int8.onnx"},
    "hub": {"model": "onnx/model.onnx", "int8": "onnx/model_int8.onnx"},
}
KINDS = {
    "bundle": DirectoryKind("kerasgen bundle", [MANIFEST],
                            [MANIFEST, "README.md", "samples.png", "model.onnx", "model_int8.onnx", "references"]),
    "hub": DirectoryKind("kerasgen hub folder", [MANIFEST, "onnx"],
                         [MANIFEST, "README.md", "samples.png", "config.json", "model.weights.h5",
                          "metadata.json", "onnx", "references"]),
}


def to_bundle(model, directory, source=None, layout="bundle", precision="float32", judge=None,
              reference=None, card=None, overwrite=False, opset=17):
    """Writes a self-checking bundle (or hub folder) of `model`'s sampling network.

    Args:
        model: a kerasgen model with a prior (see `to_onnx`).
        directory: output folder; must not exist, be empty, or (with `overwrite`) hold
            a previous bundle of the same layout and nothing else.
        source: `{"zoo_entry", "weights_sha256", "file"}` recorded in the metadata.
        layout: `"bundle"` (files at the top) or `"hub"` (`onnx/`, front matter, config.json).
        precision: `"float32"`, or `"int8"` to add the int8 variant when it passes its
            gate (a refusal is recorded in the manifest; the bundle is still written).
        judge, reference: the int8 gate's classifier and reference images (`to_onnx`).
        card: markdown appended to the card (a zoo entry's card), or None.
        overwrite: replace a previous bundle of this layout at `directory`.
        opset: ONNX opset, >= 17.

    Returns:
        The manifest (a dict), with `path` added.

    Example:
    ```python
    kerasgen.export.bundle.to_bundle(vae, "vae_bundle")   # then: kerasgen verify vae_bundle
    ```
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, got {layout!r}")
    if precision not in ("float32", "int8"):
        raise ValueError(f"precision must be 'float32' or 'int8', got {precision!r}")
    if getattr(model, "prior", "standard_normal") is None:
        raise ValueError(f"model is a {type(model).__name__}, whose latent has no prior: a bundle "
                         "holds a sampling network (export its decoder with --format onnx)")
    directory = check_output_path(os.path.abspath(os.fspath(directory)), KINDS[layout], overwrite)
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(directory)}.", suffix=".tmp", dir=parent)
    os.chmod(tmp, 0o755)
    try:
        manifest = write_contents(model, tmp, source, layout, precision, judge, reference, card, opset)
        if os.path.isdir(directory) and os.listdir(directory):
            check_output_path(directory, KINDS[layout], overwrite)  # still a previous bundle
        replace_directory(tmp, directory)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return {**manifest, "path": directory}


def write_contents(model, tmp, source, layout, precision, judge, reference, card, opset):
    names = LAYOUTS[layout]
    os.makedirs(os.path.join(tmp, os.path.dirname(names["model"]) or "."), exist_ok=True)
    report = to_onnx(model, os.path.join(tmp, names["model"]), source=source, opset=opset)
    metadata = report["metadata"]
    models = {names["model"]: {"precision": "float32", "tolerance": report["tolerance"]}}
    int8 = None
    if precision == "int8":
        try:
            to_onnx(model, os.path.join(tmp, names["int8"]), source=source, opset=opset,
                    precision="int8", judge=judge, reference=reference)
            models[names["int8"]] = {"precision": "int8", "tolerance": INT8_TOLERANCE}
            int8 = {"written": True}
        except ExportCheckError as error:  # the gate refused it: the bundle says why
            int8 = {"written": False, "reason": str(error)}
    references = write_references(model, tmp, metadata, models)
    samples = write_samples(tmp, names["model"], metadata)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "latent_generator": KERASGEN_V1,
        "model_class": metadata["model_class"], "network": metadata["network"],
        "source": metadata["source"], "models": models, "int8": int8, "references": references,
    }
    write_text(tmp, "README.md", render_card(manifest, metadata, layout, card, samples))
    if layout == "hub":  # a KerasHub-style preset too: kerasgen.zoo.load(folder)
        save_preset(model, tmp, {"kerasgen": metadata, "onnx_files": sorted(models)})
    for name in walk(tmp):  # the per-folder records of the writers: one for the bundle below
        if os.path.basename(name) == FILES_RECORD:
            os.remove(os.path.join(tmp, name))
    manifest["files"] = {}
    for name in sorted(walk(tmp)):
        path = os.path.join(tmp, name)
        manifest["files"][name] = {"sha256": sha256_file(path), "size": os.path.getsize(path)}
    write_text(tmp, MANIFEST, json.dumps(manifest, indent=2) + "\n")
    write_directory_manifest(tmp)  # what kerasgen wrote here: --overwrite replaces only that
    return manifest


def reference_inputs(metadata, seed, count):
    """kerasgen-v1 `z` of `seed`; labels cycling through the classes; SPADE: numpy-seeded maps."""
    inputs = {"z": draw_latents(count, metadata["latent_dim"], seed)}
    if metadata.get("label_map_shape"):
        shape = (count, *metadata["label_map_shape"])
        inputs["label_map"] = np.random.default_rng(seed).integers(0, metadata["num_classes"], shape).astype("int64")
    elif metadata.get("num_classes"):
        inputs["label"] = (np.arange(count, dtype="int64") + seed) % metadata["num_classes"]
    return inputs


def write_references(model, tmp, metadata, models):
    """Saves each batch's inputs and every model's outputs (onnxruntime, at export)."""
    sessions = {name: onnxruntime.InferenceSession(os.path.join(tmp, name), providers=["CPUExecutionProvider"])
                for name in models}
    references = []
    for name, seed, count in REFERENCE_BATCHES:
        inputs = reference_inputs(metadata, seed, count)
        entry = {"name": name, "seed": seed, "inputs": {}, "outputs": {}}
        for key, value in inputs.items():
            entry["inputs"][key] = save_array(tmp, f"references/inputs/{name}/{key}.npy", value)
        for model_file, session in sessions.items():
            stem = os.path.splitext(os.path.basename(model_file))[0]
            outputs = session.run(metadata["outputs"], inputs)
            entry["outputs"][model_file] = {
                key: save_array(tmp, f"references/outputs/{stem}/{name}/{key}.npy", value)
                for key, value in zip(metadata["outputs"], outputs)
            }
        references.append(entry)
    return references


def save_array(tmp, name, value):
    os.makedirs(os.path.join(tmp, os.path.dirname(name)), exist_ok=True)
    np.save(os.path.join(tmp, name), np.ascontiguousarray(value), allow_pickle=False)
    return name


def write_samples(tmp, model_file, metadata):
    """`samples.png`: 64 samples of seed 0 drawn by the runtime from the exported file."""
    shape = metadata["image_shape"]
    if metadata.get("label_map_shape") or len(shape) != 3 or shape[2] not in (1, 3, 4) or None in metadata["value_range"]:
        return False
    sampler = Sampler(os.path.join(tmp, model_file), split_batches=False)
    sampler.save_grid(os.path.join(tmp, "samples.png"), 64, seed=0)
    return True


def render_card(manifest, metadata, layout, card, samples):
    files = ", ".join(f"`{name}` ({spec['precision']})" for name, spec in manifest["models"].items())
    lines = []
    if layout == "hub":
        lines += ["---", "library_name: onnx", "pipeline_tag: unconditional-image-generation",
                  "tags: [kerasgen, onnx, generative]", "---", ""]
    source = metadata["source"].get("zoo_entry") or metadata["source"].get("file") or "a kerasgen model"
    lines += [f"# {metadata['model_class']} {metadata['network']} ({source})", "", metadata["description"], ""]
    if samples:
        lines += ["![64 samples, seed 0 (kerasgen-v1)](samples.png)", ""]
    lines += [
        "## Contents", "",
        f"- Models: {files}.",
        f"- `z`: float32 `[batch, {metadata['latent_dim']}]`, drawn with the portable generator "
        "`kerasgen-v1` (`kerasgen_runtime.draw_latents(n, latent_dim, seed)`; the same bits in the "
        "web page).",
        f"- References: {len(manifest['references'])} input batches (seeds "
        f"{', '.join(str(r['seed']) for r in manifest['references'])}) and each model's outputs, "
        "computed at export (`references/`).",
        "- `manifest.json`: the size and sha256 of every file.",
    ]
    if manifest["int8"] and not manifest["int8"]["written"]:
        lines.append(f"- No int8 variant: {manifest['int8']['reason']}")
    lines += ["", "## Verify", "", "```", "kerasgen verify THIS_FOLDER            # or, without TensorFlow:",
              "kerasgen-sample --verify THIS_FOLDER", "```", "",
              "## Metadata", "", "```json", json.dumps(metadata, indent=2), "```", ""]
    if card:
        lines += ["## Card", "", card.strip(), ""]
    return "\n".join(lines)


def write_text(tmp, name, text):
    with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
        f.write(text)


def walk(tmp):
    for root, _, files in os.walk(tmp):
        for name in files:
            yield os.path.relpath(os.path.join(root, name), tmp).replace(os.sep, "/")
