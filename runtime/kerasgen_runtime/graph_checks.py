"""Checks of a sampling network's graph against its metadata, with errors that say
what to pass."""

import json


def check_graph(sampler):
    """A `Sampler`'s metadata must agree with its graph's inputs and outputs."""
    inputs = {i.name: i for i in sampler.session.get_inputs()}
    z_size = inputs[sampler.z_name].shape[-1]
    if isinstance(z_size, int) and z_size != sampler.latent_dim:
        raise ValueError(
            f"metadata latent_dim {sampler.latent_dim} does not match the graph input "
            f"{sampler.z_name!r} of size {z_size} in {sampler.path}"
        )
    if sampler.num_classes and not sampler.label_name:
        raise ValueError(
            f"metadata num_classes is {sampler.num_classes} but the graph in {sampler.path} "
            "has no integer label input"
        )
    shape = next(o.shape for o in sampler.session.get_outputs() if o.name == sampler.x_name)[1:]
    if len(shape) != len(sampler.image_shape) or any(
        isinstance(a, int) and a != b for a, b in zip(shape, sampler.image_shape)
    ):
        raise ValueError(
            f"metadata image_shape {list(sampler.image_shape)} does not match the graph "
            f"output shape {shape} in {sampler.path}"
        )

def missing_metadata_message(sampler, missing, has_kerasgen_metadata):
    """Says which fields are missing and how to pass them, with values off the graph."""
    inputs = {i.name: i for i in sampler.session.get_inputs()}
    outputs = {o.name: o for o in sampler.session.get_outputs()}
    example = {
        "latent_dim": inputs[sampler.z_name].shape[-1],
        "image_shape": [v if isinstance(v, int) else "?" for v in outputs[sampler.x_name].shape[1:]],
        "value_range": [0.0, 1.0],
    }
    if "num_classes" in missing:
        example["num_classes"] = "?"
    where = (
        "its kerasgen metadata is incomplete"
        if has_kerasgen_metadata
        else "it has no kerasgen metadata (not written by kerasgen.export.to_onnx, or its "
        "metadata_props were stripped)"
    )
    return (
        f"{sampler.path}: {where}; missing {missing}. Pass the fields explicitly "
        f"(value_range [0, 1] for sigmoid outputs, [-1, 1] for tanh, [null, null] for "
        f"unbounded): Sampler(path, metadata={json.dumps(example)}) or kerasgen-sample "
        f"... --metadata '{json.dumps(example)}' (inline JSON or a JSON file)"
    )
