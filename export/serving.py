"""The serving function both exporters trace: named inputs in, named outputs out.

Decoders and generators: `z` float32 `[batch, latent_dim]` (plus `label` int64 `[batch]`
for conditional models) -> `{"x": ...}`. Encoders: `x` -> `{"mean", "log_var"}`. The
network runs in inference mode, outputs are float32 (also under a mixed-precision
policy) and the graph holds no random op.
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.export.checks import check_no_random_ops


def serving_function(network, metadata):
    """A `tf.function` with a fixed input signature wrapping `network` (see module doc)."""
    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            f"export needs the TensorFlow Keras backend, got KERAS_BACKEND="
            f"{keras.backend.backend()!r}: save the model (.keras) and export it in a process "
            "with KERAS_BACKEND=tensorflow"
        )
    if metadata["network"] == "encoder":
        signature = [tf.TensorSpec([None, *metadata["image_shape"]], tf.float32, name="x")]

        def serve(x):
            mean, log_var = network(x, training=False)
            return {"mean": tf.cast(mean, tf.float32), "log_var": tf.cast(log_var, tf.float32)}

    elif metadata.get("label_map_shape"):  # SPADE: [label_map, z] -> x
        signature = [
            tf.TensorSpec([None, *metadata["label_map_shape"]], tf.int64, name="label_map"),
            tf.TensorSpec([None, metadata["latent_dim"]], tf.float32, name="z"),
        ]

        def serve(label_map, z):
            return {"x": tf.cast(network([z, tf.cast(label_map, tf.int32)], training=False), tf.float32)}

    elif metadata["num_classes"]:
        signature = [
            tf.TensorSpec([None, metadata["latent_dim"]], tf.float32, name="z"),
            tf.TensorSpec([None], tf.int64, name="label"),
        ]

        def serve(z, label):
            x = network([z, network_label(network, label)], training=False)
            return {"x": tf.cast(x, tf.float32)}

    else:
        signature = [tf.TensorSpec([None, metadata["latent_dim"]], tf.float32, name="z")]

        def serve(z):
            return {"x": tf.cast(network(z, training=False), tf.float32)}

    function = tf.function(serve, input_signature=signature)
    graph = function.get_concrete_function().graph
    check_no_random_ops([op.type for op in graph.get_operations()], "the traced network")
    return function


def network_label(network, label):
    """The int64 `[batch]` label as the network's label input wants it (int32, rank)."""
    spec = network.inputs[1]
    label = tf.cast(label, spec.dtype)
    return tf.reshape(label, [-1, 1]) if len(spec.shape) == 2 else label


def keras_outputs(network, metadata, inputs):
    """The Keras network's outputs on the check inputs, named like the export's."""
    if metadata["network"] == "encoder":
        mean, log_var = network(inputs["x"], training=False)
        return {"mean": to_numpy(mean), "log_var": to_numpy(log_var)}
    if metadata.get("label_map_shape"):
        return {"x": to_numpy(network([inputs["z"], inputs["label_map"].astype("int32")], training=False))}
    if metadata["num_classes"]:
        label = inputs["label"].astype(network.inputs[1].dtype)
        if len(network.inputs[1].shape) == 2:
            label = label[:, None]
        return {"x": to_numpy(network([inputs["z"], label], training=False))}
    return {"x": to_numpy(network(inputs["z"], training=False))}


def to_numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def layer_types(network):
    """Class names of every layer in `network`, nested models included."""
    names = []
    for layer in network.layers:
        names.append(type(layer).__name__)
        if hasattr(layer, "layers"):
            names.extend(layer_types(layer))
    return names
