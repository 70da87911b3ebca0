"""Verifying a self-checking bundle (`kerasgen export MODEL --format bundle|hub`) with
NumPy and onnxruntime alone.

A bundle is a folder holding ONNX file(s), reference inputs and the outputs computed
from them at export (`.npy`), a card, and `manifest.json`, which lists every other file
with its size and sha256, the reference batches (seed, inputs, outputs per model) and
each model's tolerance. `verify_bundle(folder)` checks that:

1. every file in the manifest is there with its size and sha256, and the folder holds
   nothing else (a flipped byte or a swapped file fails here, naming the file);
2. each reference `z` is the kerasgen-v1 draw of its seed, bit for bit (the portable
   generator computes the same bits on this machine);
3. each model, run with onnxruntime on the reference inputs, gives the reference
   outputs within its tolerance (weights from another model fail here, naming the
   output), reporting max |diff| per output.

The manifest's own sha256 (printed) identifies the whole bundle: compare it with the
one its publisher states.
"""

import json
import os

import numpy as np

from kerasgen_runtime.files import MANIFEST as FILES_RECORD
from kerasgen_runtime.files import sha256_file
from kerasgen_runtime.latents import draw_latents

MANIFEST = "manifest.json"
FORMAT = "kerasgen-bundle"
FORMAT_VERSION = 1


class Check:
    """One line of the verification: `what` passed or failed, and why."""

    def __init__(self, ok, what, detail):
        self.ok, self.what, self.detail = ok, what, detail

    def line(self):
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}: {self.detail}"


def read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        raise ValueError(f"{directory!r} is not a kerasgen bundle: it holds no {MANIFEST}")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} must be a JSON object with format {FORMAT!r}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version must be {FORMAT_VERSION}, got {manifest.get('format_version')!r}")
    for key in ("files", "models", "references"):
        if not isinstance(manifest.get(key), dict if key != "references" else list):
            raise ValueError(f"{path} must hold {key!r} ({'a list' if key == 'references' else 'an object'})")
    for name in manifest["files"]:
        check_relative(name, path)
    return manifest


def check_relative(name, where):
    """A file name from a manifest stays inside its folder: relative, no `..`, no `\\`."""
    parts = str(name).split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{where}: file names must be relative paths inside the bundle, got {name!r}")
    return name


def listed_files(directory):
    found = set()
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in files:
            found.add(os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/"))
    # the bundle's manifest, and kerasgen's record of the files it wrote (never read here)
    return found - {MANIFEST, FILES_RECORD}


def check_files(directory, manifest):
    """Size and sha256 of every listed file; files the manifest does not list."""
    checks, bad = [], set()
    for name, expected in sorted(manifest.get("files", {}).items()):
        path = os.path.join(directory, *name.split("/"))
        if not os.path.isfile(path) or os.path.islink(path):
            checks.append(Check(False, name, "missing from the bundle (or a link)"))
        elif os.path.getsize(path) != expected["size"]:
            checks.append(Check(False, name, f"size {os.path.getsize(path)} bytes, the manifest says {expected['size']}"))
        elif sha256_file(path) != expected["sha256"]:
            checks.append(Check(False, name, f"sha256 {sha256_file(path)[:16]}... differs from the manifest's {expected['sha256'][:16]}..."))
        else:
            checks.append(Check(True, name, f"sha256 {expected['sha256'][:16]}..."))
            continue
        bad.add(name)
    for name in sorted(listed_files(directory) - set(manifest.get("files", {}))):
        checks.append(Check(False, name, "not listed in the manifest"))
    return checks, bad


def load_array(directory, name):
    return np.load(os.path.join(directory, *name.split("/")), allow_pickle=False)


def check_latents(directory, reference, generator):
    """The stored z must be the portable draw of the reference's seed, bit for bit."""
    z = load_array(directory, reference["inputs"]["z"])
    expected = draw_latents(z.shape[0], z.shape[1], reference["seed"], generator)
    same = z.dtype == np.float32 and np.array_equal(z.view(np.uint32), expected.view(np.uint32))
    detail = (f"the {generator} draw of seed {reference['seed']}, bit for bit" if same else
              f"not the {generator} draw of seed {reference['seed']} on this machine")
    return Check(same, reference["inputs"]["z"], detail)


def check_outputs(directory, manifest, skip):
    """Runs every model on the reference inputs; max |diff| per output against the stored ones."""
    checks = []
    for model_file, model in sorted(manifest["models"].items()):
        if model_file in skip:
            checks.append(Check(False, model_file, "not run: its bytes differ from the manifest"))
            continue
        try:
            results = run_references(os.path.join(directory, *model_file.split("/")), directory,
                                     manifest["references"], model_file)
        except Exception as error:  # onnxruntime raises its own pybind error types
            reason = str(error).strip().splitlines()[0][:200]
            checks.append(Check(False, model_file, f"onnxruntime cannot run it on the references: {reason}"))
            continue
        for (reference, name, path), result in results:
            expected = load_array(directory, path)
            diff = float(np.max(np.abs(result.astype(np.float64) - expected))) if result.shape == expected.shape else float("inf")
            ok = diff <= model["tolerance"]
            checks.append(Check(ok, f"{model_file} output {name} ({reference['name']})",
                                f"max |diff| {diff:.3g} {'<=' if ok else '>'} tolerance {model['tolerance']:g}"))
    return checks


def run_references(path, directory, references, model_file):
    """`[((reference, output name, stored path), output), ...]` of the model at `path`."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    results = []
    for reference in references:
        feeds = {name: load_array(directory, stored) for name, stored in reference["inputs"].items()}
        wanted = reference["outputs"][model_file]
        outputs = session.run(list(wanted), feeds)
        results += [((reference, name, stored), output) for (name, stored), output in zip(wanted.items(), outputs)]
    return results


def named_files(manifest):
    """Every file the manifest's models and references name."""
    yield from manifest["models"]
    for reference in manifest["references"]:
        yield from reference["inputs"].values()
        for outputs in reference["outputs"].values():
            yield from outputs.values()


def verify_bundle(directory):
    """Checks a bundle; returns `(checks, manifest_sha256)` (every check's `.ok` True: it passes).

    Raises ValueError when `directory` is not a readable bundle at all.
    """
    directory = os.fspath(directory)
    manifest = read_manifest(directory)
    checks, bad = check_files(directory, manifest)
    unlisted = sorted(set(named_files(manifest)) - set(manifest.get("files", {})))
    if unlisted:  # every file verification reads must have been hashed first
        checks.append(Check(False, unlisted[0], "named by the manifest's models or references but not in its files"))
        return checks, sha256_file(os.path.join(directory, MANIFEST))
    generator = manifest.get("latent_generator", "kerasgen-v1")
    for reference in manifest["references"]:
        if reference.get("seed") is not None and reference["inputs"]["z"] not in bad:
            checks.append(check_latents(directory, reference, generator))
    if not any(name.startswith("references/") for name in bad):
        checks.extend(check_outputs(directory, manifest, bad))
    else:
        checks.append(Check(False, "references", "not recomputed: reference files differ from the manifest"))
    return checks, sha256_file(os.path.join(directory, MANIFEST))


def report(directory, checks, manifest_sha256):
    """The lines to print: one per check, then PASS or the first failure, naming it."""
    lines = [f"bundle {directory} (manifest sha256 {manifest_sha256})"]
    lines += ["  " + check.line() for check in checks]
    failures = [check for check in checks if not check.ok]
    if failures:
        lines.append(f"FAIL: {failures[0].what}: {failures[0].detail}"
                     + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""))
    else:
        lines.append(f"PASS: {len(checks)} checks")
    return lines, not failures


def main(directory):
    """`kerasgen-sample --verify DIR` / `kerasgen verify DIR`: prints the report, returns the exit status."""
    checks, digest = verify_bundle(directory)
    lines, ok = report(directory, checks, digest)
    print("\n".join(lines))
    return 0 if ok else 1
