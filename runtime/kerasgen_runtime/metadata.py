"""What an exported sampling network is: the metadata stored with every export (reader side).

NumPy and the standard library only: the runtime sampler reads this in a process that
has no TensorFlow or Keras. In an ONNX file each field is a `metadata_props` entry
`kerasgen.<field>` holding the field's JSON; beside a SavedModel it is one JSON file.

Fields:
    format_version: version of this metadata layout (1).
    kerasgen_version: version of kerasgen that wrote the export.
    model_class: class name of the exported model (`"VAE"`, `"DCGAN"`, ...).
    network: which network the file holds: `"decoder"` (an autoencoder's or VAE's,
        `z -> x`), `"generator"` (a GAN's, `z -> x`), `"conditional_generator"`
        (`z, label -> x`) or `"encoder"` (a VAE's, `x -> mean, log_var`).
    description: one sentence saying what the network is and how to feed it.
    latent_dim: size of `z`.
    prior: distribution of `z`; `"standard_normal"` (draw it with
        `kerasgen_runtime.draw_latents`), or `null` for a plain autoencoder's decoder,
        whose latent has no prior (random noise decodes to smudges; decode codes of
        real images).
    latent_generator: how a seed becomes `z`: `"kerasgen-v1"` (portable, specified in
        `kerasgen_runtime.latents`); absent in files exported before it, which mean
        `"numpy-pcg64"` (`numpy.random.default_rng(seed).standard_normal`).
    layout: `"NHWC"` for images, `"NC"` for vectors.
    image_shape: per-example shape of `x`, e.g. `[28, 28, 1]`.
    value_range: `[low, high]` of `x`; `null` for an unbounded side.
    num_classes: number of labels of a conditional model, `null` otherwise.
    inputs, outputs: tensor names of the graph, in the graph's order.
    tensors: `{name: {"dtype", "shape", "meaning"}}` for every input and output;
        `meaning` says what the tensor is and how to draw or read it.
    source: `{"zoo_entry", "weights_sha256", "file"}`, each `null` when unknown.
    check: the parity check the export passed (batch sizes, max |diff|, tolerance).
    likelihood: a VAE decoder's p(x|z), what `kerasgen_runtime.Scorer` scores with:
        `{"kind": "bernoulli"}`, `{"kind": "gaussian", "observation_std"}` or, for a
        table VAE, `{"kind": "table", "numeric", "scale", "epsilon"}` (per slot of x:
        1 for a numeric column's Gaussian, 0 for a one-hot slot; the Gaussian's std).
    precision: `"float32"`, or `"int8"` for a statically quantized graph.
    quantization: `null`, or how the graph was quantized, its measured speed against
        the float32 file and its quality gate (int8).
"""

import json
import math
import re

import numpy as np

from kerasgen_runtime.latents import check_generator, check_positive_int

FORMAT_VERSION = 1
PREFIX = "kerasgen."
FILENAME = "kerasgen_metadata.json"
PRIOR = "standard_normal"
NETWORKS = ("decoder", "generator", "conditional_generator", "encoder")
# Networks that map noise (and a label) to data: what the Sampler runs.
SAMPLING_NETWORKS = ("decoder", "generator", "conditional_generator")
SOURCE_KEYS = ("zoo_entry", "weights_sha256", "file")
# What the runtime sampler cannot work without (num_classes too when there is a label).
SAMPLING_KEYS = ("latent_dim", "image_shape", "value_range")
# Bounds on the sizes a file states, so a wrong or hostile one is refused before any
# array is allocated: each dimension (latent_dim, num_classes, each side of a shape) at
# most MAX_DIMENSION, each sample at most MAX_SAMPLE_VALUES values (a 2,048 x 2,048 x 4
# image, 64 MiB as float32).
MAX_DIMENSION = 65_536
MAX_SAMPLE_VALUES = 2**24


def layout_of(image_shape):
    return "NHWC" if len(image_shape) == 3 else "NC"


def check_source(source):
    """`{"zoo_entry", "weights_sha256", "file"}` with `None` for what is unknown."""
    source = dict(source or {})
    unknown = sorted(set(source) - set(SOURCE_KEYS))
    if unknown:
        raise ValueError(f"source keys must be among {list(SOURCE_KEYS)}, got {unknown}")
    sha = source.get("weights_sha256")
    if sha is not None and not re.fullmatch(r"[0-9a-f]{64}", str(sha)):
        raise ValueError(f"source['weights_sha256'] must be 64 lowercase hex digits, got {sha!r}")
    return {key: source.get(key) for key in SOURCE_KEYS}


def validate(metadata, required=SAMPLING_KEYS):
    """Checks and normalizes metadata fields; raises ValueError naming a bad one."""
    metadata = dict(metadata)
    missing = [key for key in required if key not in metadata]
    if missing:
        raise ValueError(f"metadata is missing {missing}")
    if "latent_dim" in metadata:
        metadata["latent_dim"] = check_dimension("metadata latent_dim", metadata["latent_dim"])
    if "image_shape" in metadata:
        metadata["image_shape"] = check_shape("metadata image_shape", metadata["image_shape"], (1, 3))
        metadata.setdefault("layout", layout_of(metadata["image_shape"]))
    if metadata.get("label_map_shape") is not None:
        metadata["label_map_shape"] = check_shape("metadata label_map_shape", metadata["label_map_shape"], (2,))
    if "value_range" in metadata:
        metadata["value_range"] = check_value_range(metadata["value_range"])
    if metadata.get("num_classes") is not None:
        metadata["num_classes"] = check_dimension("metadata num_classes", metadata["num_classes"])
    if metadata.get("class_names") is not None:
        metadata["class_names"] = check_class_names(metadata["class_names"], metadata.get("num_classes"))
    if metadata.setdefault("prior", PRIOR) not in (PRIOR, None):
        raise ValueError(f"metadata prior must be {PRIOR!r} or null, got {metadata['prior']!r}")
    if "latent_generator" in metadata:
        check_generator(metadata["latent_generator"])
    if metadata.setdefault("network", "decoder") not in NETWORKS:
        raise ValueError(f"metadata network must be one of {list(NETWORKS)}, got {metadata['network']!r}")
    return metadata


def check_class_names(names, num_classes=None):
    """A list of distinct strings (one per class when `num_classes` is given)."""
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names) \
            or len(set(names)) != len(names):
        raise ValueError(f"metadata class_names must be a list of distinct strings, got {names!r}")
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(f"metadata class_names must name the {num_classes} classes, got {len(names)} names")
    return list(names)


def resolve_label(label, class_names=None, argument="--label"):
    """A class index from `label`: an int, digits, or one of `class_names` (a class
    folder's names, recorded in the model); the range is the caller's to check."""
    if label is None or isinstance(label, (int, np.integer)):
        return label
    text = str(label)
    if class_names and text in class_names:
        return list(class_names).index(text)
    if text.lstrip("-").isdigit():
        return int(text)
    known = f"one of {list(class_names)} or a class index" if class_names else (
        "a class index (the model records no class names)")
    raise ValueError(f"{argument} must be {known}, got {text!r}")


def check_dimension(name, value):
    """A positive int of at most `MAX_DIMENSION`; ValueError naming `name` otherwise."""
    value = check_positive_int(name, value)
    if value > MAX_DIMENSION:
        raise ValueError(f"{name} must be at most {MAX_DIMENSION}, got {value}")
    return value


def check_shape(name, shape, lengths):
    """A list of `lengths` positive ints, each at most `MAX_DIMENSION`, of at most
    `MAX_SAMPLE_VALUES` values in all."""
    if (
        not isinstance(shape, (list, tuple))
        or len(shape) not in lengths
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in shape)
    ):
        counts = " or ".join(str(n) for n in lengths)
        raise ValueError(f"{name} must be a list of {counts} positive ints, got {shape!r}")
    shape = [check_dimension(name, v) for v in shape]
    if math.prod(shape) > MAX_SAMPLE_VALUES:
        raise ValueError(
            f"{name} {shape} holds {math.prod(shape)} values per sample, more than the "
            f"{MAX_SAMPLE_VALUES} kerasgen allocates"
        )
    return shape


def check_value_range(value_range):
    """`[low, high]` with floats or None (unbounded side), low < high."""
    try:
        low, high = value_range
        low = None if low is None else float(low)
        high = None if high is None else float(high)
    except (TypeError, ValueError):
        raise ValueError(
            f"value_range must be [low, high] of numbers or None, got {value_range!r}"
        ) from None
    for value in (low, high):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"value_range must be finite or None, got {value_range!r}")
    if low is not None and high is not None and not low < high:
        raise ValueError(f"value_range must have low < high, got {value_range!r}")
    return [low, high]


def to_onnx_props(metadata):
    """`{"kerasgen.<field>": json}` for ONNX `metadata_props`."""
    return {PREFIX + key: json.dumps(value) for key, value in metadata.items()}


def from_onnx_props(props):
    """Inverse of `to_onnx_props`; ignores entries that are not kerasgen's."""
    metadata = {}
    for key, text in props.items():
        if key.startswith(PREFIX):
            try:
                metadata[key[len(PREFIX):]] = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError(f"metadata entry {key!r} is not valid JSON: {text!r}") from None
    return metadata


def load_json(path_or_text):
    """Metadata from a JSON file, or from inline JSON text starting with `{`."""
    text = str(path_or_text)
    if not text.lstrip().startswith("{"):
        try:
            with open(text, encoding="utf-8") as f:
                text = f.read()
        except OSError as error:
            raise ValueError(f"metadata file {path_or_text!r} cannot be read: {error}") from None
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"metadata {path_or_text!r} is not valid JSON: {error}") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a JSON object, got {type(metadata).__name__}")
    return metadata
