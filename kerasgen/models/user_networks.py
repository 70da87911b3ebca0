"""Networks a user brings: functional, Sequential or subclassed `keras.Model`s.

Every model takes its networks through `accept_encoder_decoder` or `accept_players`,
which return functional models with known input and output shapes (what the models,
their checks and the exporters read). A functional or Sequential model with an input
is used as it is. A subclassed model (or a Sequential model without an input) is called
on `keras.Input`s and wrapped: `keras.Model(inputs, network(inputs))`, whose only
inner layer is the user's network (its weights are the user's). Its input shape is the
one it was built with (`network.build(shape)` or a call on a batch), or, when it has
not been built, the one its partner implies: a decoder takes the encoder's code, an
encoder the decoder's output, a discriminator the generator's samples.

An encoder of a variational model must output `[mean, log_var]`; one with more outputs
(the keras.io VAE encoder's `[z_mean, z_log_var, z]`) is cut to its first two.
"""

import keras


def accept_network(network, name, input_shapes=None, num_outputs=None, input_dtypes=None):
    """`network` as a functional `keras.Model`.

    Args:
        network: a functional, Sequential or subclassed `keras.Model`.
        name: the argument's name, for errors.
        input_shapes: shapes (without the batch axis) of the inputs of an unbuilt
            subclassed network, or None when they cannot be known.
        num_outputs: outputs the model reads; a network with more keeps its first ones.
        input_dtypes: dtypes of those inputs (float32 when None).
    """
    if not isinstance(network, keras.layers.Layer):
        raise ValueError(f"{name} must be a keras.Model, got {type(network).__name__}")
    if functional_inputs(network) is None:
        shapes = built_input_shapes(network) or input_shapes
        if shapes is None:
            raise ValueError(unbuilt_message(network, name))
        dtypes = input_dtypes or ["float32"] * len(shapes)
        inputs = [keras.Input(tuple(shape), dtype=dtype) for shape, dtype in zip(shapes, dtypes)]
        outputs = network(inputs if len(inputs) > 1 else inputs[0])
        wrapper = keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs, name=network.name)
        if getattr(network, "num_classes", None) is not None:
            wrapper.num_classes = network.num_classes
        network = wrapper
    return with_outputs(network, name, num_outputs)


def accept_encoder_decoder(encoder, decoder, variational):
    """The encoder and decoder as functional models (an unbuilt one shaped by the other)."""
    num_outputs = 2 if variational else None
    if functional_inputs(encoder) is not None or built_input_shapes(encoder):
        encoder = accept_network(encoder, "encoder", num_outputs=num_outputs)
        decoder = accept_network(decoder, "decoder", [tuple(encoder.outputs[0].shape[1:])])
    elif functional_inputs(decoder) is not None or built_input_shapes(decoder):
        decoder = accept_network(decoder, "decoder")
        encoder = accept_network(encoder, "encoder", [tuple(decoder.outputs[0].shape[1:])], num_outputs)
    else:
        raise ValueError(
            f"encoder and decoder must not both be unbuilt subclassed keras.Models (kerasgen "
            f"cannot know the data shape), got {type(encoder).__name__} and "
            f"{type(decoder).__name__}: build one first, e.g. encoder.build((None, 28, 28, 1))"
        )
    return encoder, decoder


def accept_players(generator, discriminator, packing=1):
    """The generator and discriminator as functional models; an unbuilt discriminator
    takes the generator's samples (`packing` of them on the last axis), and its label
    when the generator takes `[z, label]`."""
    generator = accept_network(generator, "generator")
    sample_shape = tuple(generator.outputs[0].shape[1:])
    shapes = [sample_shape[:-1] + (sample_shape[-1] * packing,)]
    dtypes = ["float32"]
    if len(generator.inputs) == 2:
        shapes.append(tuple(generator.inputs[1].shape[1:]))
        dtypes.append(generator.inputs[1].dtype)
    return generator, accept_network(discriminator, "discriminator", shapes, input_dtypes=dtypes)


# Helpers -------------------------------------------------------------------------------


def functional_inputs(network):
    """The inputs of a functional (or built Sequential) model, None for other networks."""
    try:
        inputs = network.inputs
    except (AttributeError, ValueError):
        return None
    return list(inputs) if inputs else None


def built_input_shapes(network):
    """Input shapes (without the batch axis) a subclassed network was built with, or None."""
    if not getattr(network, "built", False):
        return None
    config = network.get_build_config() or {}
    shape = config.get("input_shape")
    if shape is None:
        return None
    shapes = list(shape) if shape and isinstance(shape[0], (list, tuple)) else [shape]
    return [tuple(s[1:]) for s in shapes]


def with_outputs(network, name, num_outputs):
    """The network, cut to its first `num_outputs` outputs."""
    if num_outputs is None:
        return network
    count = len(network.outputs)
    if count == num_outputs:
        return network
    if count < num_outputs:
        raise ValueError(
            f"{name} must output [mean, log_var] (return both from call(), e.g. "
            f"`return [z_mean, z_log_var]`; kerasgen's networks: variational=True), got "
            f"{count} output(s)"
        )
    inputs = network.inputs[0] if len(network.inputs) == 1 else network.inputs
    return keras.Model(inputs, network.outputs[:num_outputs], name=network.name)


def unbuilt_message(network, name):
    kind = "Sequential model without an Input" if isinstance(network, keras.Sequential) else (
        "subclassed keras.Model")
    return (
        f"{name} must have a known input shape, got an unbuilt {kind} "
        f"{type(network).__name__}: build it first, e.g. {name}.build((None, 64)) for a "
        f"noise vector of 64, or call it once on a batch"
    )
