"""What an exported sampling network is: the metadata stored with every export.

NumPy and the standard library only: the runtime sampler reads this in a process that
has no TensorFlow or Keras. In an ONNX file each field is a `metadata_props` entry
`kerasgen.<field>` holding the field's JSON; beside a SavedModel it is one JSON file.

Fields:
    format_version: version of this metadata layout (1).
    kerasgen_version: version of kerasgen that wrote the export.
    model_class: class name of the exported model (`"VAE"`, `"DCGAN"`, ...).
    network: `"decoder"` (noise to data: decoders and generators) or `"encoder"`.
    latent_dim: size of `z`.
    prior: distribution of `z`; `"standard_normal"` (draw it with
        `kerasgen.latents.draw_latents`).
    layout: `"NHWC"` for images, `"NC"` for vectors.
    image_shape: per-example shape of `x`, e.g. `[28, 28, 1]`.
    value_range: `[low, high]` of `x`; `null` for an unbounded side.
    num_classes: number of labels of a conditional model (classes of the label map for
        semantic synthesis), `null` otherwise.
    label_map_shape, label_map_encoding: semantic synthesis (SPADE) only: `[H, W]` of
        the `label_map` input and `"class_indices"` (int64 `[batch, H, W]` of classes in
        `[0, num_classes)`, one-hot encoded inside the graph).
    inputs, outputs: tensor names of the graph.
    source: `{"zoo_entry", "weights_sha256", "file"}`, each `null` when unknown.
    check: the parity check the export passed (batch sizes, max |diff|, tolerance).
    quantization: `null`, or how the weights were quantized and what it changed.
"""

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

    `model` provides `sampling_network()`, `latent_dim`, `output_range`, and
    `num_classes` when the sampling network takes `[z, label]`. Returns
    `(network, metadata)`; the parity check fields are added by the exporter.
    """
    if encoder:
        network = getattr(model, "encoder", None)
        outputs = getattr(network, "outputs", None)
        if network is None or outputs is None or len(outputs) != 2:
            raise ValueError(
                f"encoder=True needs a model whose `encoder` outputs [mean, log_var] "
                f"(a VAE), got {type(model).__name__}"
            )
        image_shape = tuple(network.input_shape[1:])
        inputs, output_names, num_classes = ["x"], ["mean", "log_var"], None
    else:
        if not callable(getattr(model, "sampling_network", None)):
            raise ValueError(
                f"model must provide sampling_network() (a kerasgen model), got "
                f"{type(model).__name__}"
            )
        network = model.sampling_network()
        image_shape = tuple(network.output_shape[1:])
        conditional = len(network.inputs) == 2
        num_classes = getattr(model, "num_classes", None) if conditional else None
        if conditional and num_classes is None:
            raise ValueError(
                f"{type(model).__name__}'s sampling network takes [z, label] but the model "
                "has no num_classes"
            )
        inputs = ["z", "label"] if conditional else ["z"]
        output_names = ["x"]
        if getattr(model, "map_shape", None) is not None:  # semantic synthesis (SPADEGAN)
            inputs = ["label_map", "z"]
    import kerasgen

    metadata = {
        "format_version": FORMAT_VERSION,
        "kerasgen_version": kerasgen.__version__,
        "model_class": type(model).__name__,
        "network": "encoder" if encoder else "decoder",
        "latent_dim": model.latent_dim,
        "prior": PRIOR,
        "layout": layout_of(image_shape),
        "image_shape": list(image_shape),
        "value_range": list(getattr(model, "output_range", (None, None))),
        "num_classes": num_classes,
        "inputs": inputs,
        "outputs": output_names,
        "source": check_source(source),
    }
    if not encoder and getattr(model, "map_shape", None) is not None:
        metadata.update(label_map_shape=list(model.map_shape), label_map_encoding="class_indices")
    return network, validate(metadata)
