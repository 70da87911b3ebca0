"""What an exported sampling network is: the metadata stored with every export.

NumPy and the standard library only: the runtime sampler reads this in a process that
has no TensorFlow or Keras. In an ONNX file each field is a `metadata_props` entry
`kerasgen.<field>` holding the field's JSON; beside a SavedModel it is one JSON file.

The fields are documented in `kerasgen_runtime.metadata` (the reader side); this module
adds `describe_model`, which writes them for a kerasgen model.
"""

import warnings

from kerasgen_runtime.latents import KERASGEN_V1

from kerasgen import precision
from kerasgen.models import GenerativeModel

from kerasgen_runtime.metadata import (  # noqa: F401  (the reader side lives in the runtime)
    FILENAME,
    FORMAT_VERSION,
    NETWORKS,
    PREFIX,
    PRIOR,
    SAMPLING_KEYS,
    SOURCE_KEYS,
    check_source,
    check_value_range,
    from_onnx_props,
    layout_of,
    load_json,
    to_onnx_props,
    validate,
)


def describe_model(model, encoder=False, source=None):
    """Metadata of `model`'s sampling network (or its encoder), from the export contract.

    `model` provides `sampling_network()`, `latent_dim` and `output_range`, and
    declares what it is as `kerasgen.models.GenerativeModel` does (an object that is
    not a kerasgen model, such as a bare network in a test, declares nothing and is
    read as the defaults: no conditioning, the standard normal prior):
    `conditioning` says what the sampling network takes besides `z` (nothing, a
    `label` with `num_classes`, a `label_map` with `map_shape`); `prior` is `None` for
    a plain autoencoder, whose decoder is then exported with a warning and a `null`
    prior. Returns `(network, metadata)`; the exporter adds the parity check fields.
    """
    conditioning = getattr(model, "conditioning", GenerativeModel.conditioning)
    network, image_shape, kind, num_classes, prior = _exported_network(model, encoder, conditioning)
    # A network trained under mixed precision is exported computing in float32.
    network = precision.float32_copy(network)
    import kerasgen

    value_range = list(getattr(model, "output_range", (None, None)))
    tensors = describe_tensors(kind, model.latent_dim, list(image_shape), value_range,
                               num_classes, prior)
    metadata = {
        "format_version": FORMAT_VERSION,
        "kerasgen_version": kerasgen.__version__,
        "model_class": type(model).__name__,
        "network": kind,
        "description": DESCRIPTIONS[kind].format(model=type(model).__name__),
        "latent_dim": model.latent_dim,
        "prior": prior,
        "layout": layout_of(image_shape),
        "image_shape": list(image_shape),
        "value_range": value_range,
        "num_classes": num_classes,
        "inputs": [name for name, spec in tensors.items() if spec["role"] == "input"],
        "outputs": [name for name, spec in tensors.items() if spec["role"] == "output"],
        "tensors": tensors,
        "source": check_source(source),
    }
    if getattr(model, "class_names", None):  # a class folder's names, recorded by fit
        metadata["class_names"] = list(model.class_names)
    if kind != "encoder" and prior is not None:
        metadata["latent_generator"] = KERASGEN_V1
    if kind == "encoder" and getattr(model, "likelihood", None) == "table":
        # Rows in the table's units: the parity check draws them around these statistics.
        standardize = model.encoder.get_layer("standardize")
        metadata["input_statistics"] = {"mean": [float(v) for v in standardize.mean],
                                        "std": [float(v) for v in standardize.std]}
    if kind == "decoder" and getattr(model, "likelihood", None) in ("bernoulli", "gaussian", "table"):
        metadata["likelihood"] = likelihood_of(model)  # what kerasgen_runtime.Scorer scores with
    if kind != "encoder" and conditioning == "label_map":
        describe_label_map(metadata, model)
    return network, validate(metadata)


def _exported_network(model, encoder, conditioning):
    """`(network, image_shape, kind, num_classes, prior)` of what `describe_model`
    exports: the encoder, or the sampling network (warning when it has no prior)."""
    if encoder:
        network = getattr(model, "encoder", None)
        outputs = getattr(network, "outputs", None)
        if network is None or outputs is None or len(outputs) != 2:
            raise ValueError(
                f"encoder=True needs a model whose `encoder` outputs [mean, log_var] "
                f"(a VAE), got {type(model).__name__}"
            )
        image_shape = tuple(network.input_shape[1:])
        kind, num_classes, prior = "encoder", None, PRIOR
    else:
        if not callable(getattr(model, "sampling_network", None)):
            raise ValueError(
                f"model must provide sampling_network() (a kerasgen model), got "
                f"{type(model).__name__}"
            )
        network = model.sampling_network()
        image_shape = tuple(network.output_shape[1:])
        num_classes = model.num_classes if conditioning == "label" else None
        if conditioning == "label":
            kind = "conditional_generator"
        elif network is getattr(model, "generator", None):
            kind = "generator"
        else:
            kind = "decoder"
        prior = getattr(model, "prior", GenerativeModel.prior)
        if prior is None:
            warnings.warn(
                f"{type(model).__name__}'s latent has no prior: random N(0, I) codes decode "
                "to smudges. The decoder is exported with prior null (decode codes of real "
                "images); export a VAE or GAN to sample new images",
                RuntimeWarning,
                stacklevel=4,
            )
    return network, image_shape, kind, num_classes, prior


def likelihood_of(model):
    """A VAE decoder's p(x|z) as plain values (`kerasgen_runtime.scorer`)."""
    if model.likelihood == "table":
        return model.decoder.get_layer("table_head").likelihood_metadata()
    if model.likelihood == "gaussian":
        return {"kind": "gaussian", "observation_std": float(model.observation_std)}
    return {"kind": "bernoulli"}


def describe_label_map(metadata, model):
    """A SPADE generator's fields: `label_map` int64 `[batch, H, W]` of class indices
    (one-hot encoded inside the graph) and `z`, in that order; `label_map_shape`,
    `label_map_encoding` ("class_indices") and `num_classes` say how to feed it."""
    height, width = model.map_shape
    metadata.update(
        network="generator", num_classes=int(model.num_classes), label_map_shape=[int(height), int(width)],
        label_map_encoding="class_indices", inputs=["label_map", "z"],
        description=f"the SPADE generator of a {type(model).__name__}: a semantic label map and style "
        "noise z -> an image x with that layout",
    )
    tensors = dict(metadata["tensors"])
    tensors.pop("label", None)
    metadata["tensors"] = {
        "label_map": {"role": "input", "dtype": "int64", "shape": ["batch", int(height), int(width)],
                      "meaning": f"class index of each pixel, an int in [0, {model.num_classes - 1}]"},
        **{name: spec for name, spec in tensors.items()},
    }


DESCRIPTIONS = {
    "decoder": "the decoder of a {model}: latent codes z -> data x",
    "generator": "the generator of a {model}: latent noise z -> data x",
    "conditional_generator": "the conditional generator of a {model}: latent noise z and "
    "a class label -> data x of that class",
    "encoder": "the encoder of a {model}: data x -> the Gaussian posterior q(z|x) as mean "
    "and log_var",
}


def describe_tensors(kind, latent_dim, image_shape, value_range, num_classes, prior):
    """`{name: {"role", "dtype", "shape", "meaning"}}` of the graph's inputs and outputs."""
    low, high = ("-inf" if value_range[0] is None else value_range[0],
                 "inf" if value_range[1] is None else value_range[1])
    data = {"dtype": "float32", "shape": ["batch", *image_shape]}
    latent = {"dtype": "float32", "shape": ["batch", latent_dim]}
    if kind == "encoder":
        return {
            "x": {"role": "input", **data,
                  "meaning": f"images in [{low}, {high}], the range the model trained on"},
            "mean": {"role": "output", **latent, "meaning": "posterior mean of z"},
            "log_var": {"role": "output", **latent,
                        "meaning": "posterior log-variance of z; a posterior sample is "
                        "mean + exp(0.5 * log_var) * eps with eps ~ N(0, I)"},
        }
    if prior is None:
        z_meaning = ("latent code; this latent has no prior, so feed codes of real images "
                     "(the model's encoder), not random noise")
    else:
        z_meaning = ("latent noise; draw it from the standard normal N(0, I) on the host, "
                     "e.g. kerasgen_runtime.draw_latents(n, latent_dim, seed), the generator "
                     "named in latent_generator")
    tensors = {"z": {"role": "input", **latent, "meaning": z_meaning}}
    if kind == "conditional_generator":
        tensors["label"] = {"role": "input", "dtype": "int64", "shape": ["batch"],
                            "meaning": f"class of each sample, an int in [0, {num_classes - 1}]"}
    tensors["x"] = {"role": "output", **data, "meaning": f"generated data in [{low}, {high}]"}
    return tensors
