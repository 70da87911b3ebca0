"""Exact rewrites of an ONNX graph into forms onnxruntime's CPU kernels run faster.

NumPy and `onnx` only. Each rewrite computes the same function as the node it replaces
(up to float32 summation order) and leaves the graph's inputs and outputs as they were:

- `narrow_conv`: a stride-1 `Conv` to at most `MAX_NARROW_CHANNELS` output channels
  becomes the equivalent stride-1 `ConvTranspose` (kernel flipped in space, in/out axes
  swapped, pads `k - 1 - p`). onnxruntime computes a narrow Conv as im2col and a GEMM
  with M = channels (or, in its NCHWc layout, pads the channels to a block of 16); the
  ConvTranspose is one GEMM of M = channels x k x k and a col2im.
- `subpixel` and `conv_on_phases` (in `kerasgen.export.subpixel`): a stride-s
  `ConvTranspose` as stride-1 `Conv`s of its output phases and a `DepthToSpace`; the
  Conv after such a `DepthToSpace` computed on the phases directly.
- `fold_batch_norm`: a `BatchNormalization` (inference), or the per-channel `Mul` /
  `Add` that tf2onnx writes for one, right after a Conv or ConvTranspose is folded into
  its weights and bias. Runs before the others, so that rewritten forms keep no
  separate normalization (and the activation can move next to the Conv).
- `spatial_mean_as_pool`: a `ReduceMean` over the spatial axes (1, 2) of an NHWC map
  (an instance normalization's mean and variance) becomes `Transpose` to NCHW,
  `GlobalAveragePool`, `Transpose` back. Not for speed but for portability: given the
  same input bits, onnxruntime's ReduceMean over those axes sums in another order on
  x86 than in onnxruntime-web's WebAssembly build (up to 1.1e-6, about 18 ulps, apart
  on SPADE's means), while GlobalAveragePool gives the same bits in both. `kerasgen.export.to_onnx`
  applies it to every export.

Each function takes a `ModelProto` and returns `(new_proto, names of the rewritten
nodes)`; the input proto is not modified.
"""

import copy

import numpy as np
from onnx import helper, numpy_helper, shape_inference

MAX_NARROW_CHANNELS = 4
# Elementwise ops that commute with DepthToSpace (a permutation of elements).
ELEMENTWISE_ACTIVATIONS = ("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "HardSigmoid", "Selu")


class Graph:
    """Lookup helpers over a copy of a ModelProto's graph."""

    def __init__(self, proto):
        self.proto = copy.deepcopy(proto)
        self.graph = self.proto.graph
        self.initializers = {t.name: t for t in self.graph.initializer}

    def array(self, name):
        tensor = self.initializers.get(name)
        return None if tensor is None else numpy_helper.to_array(tensor)

    def consumers(self, name):
        return [node for node in self.graph.node if name in node.input]

    def is_graph_output(self, name):
        return any(output.name == name for output in self.graph.output)

    def add_initializer(self, name, array, dtype="float32"):
        name = self.unique(name)
        tensor = numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype), name)
        self.graph.initializer.append(tensor)
        self.initializers[name] = tensor
        return name

    def unique(self, name):
        taken = {t.name for t in self.graph.initializer}
        for node in self.graph.node:
            taken.update(node.output)
            taken.add(node.name)
        candidate, index = name, 0
        while candidate in taken:
            index += 1
            candidate = f"{name}_{index}"
        return candidate

    def finish(self):
        """Drops unused initializers and stale value_info; returns the proto."""
        used = {name for node in self.graph.node for name in node.input}
        used.update(output.name for output in self.graph.output)
        kept = [t for t in self.graph.initializer if t.name in used]
        del self.graph.initializer[:]
        self.graph.initializer.extend(kept)
        produced = {name for node in self.graph.node for name in node.output}
        infos = [v for v in self.graph.value_info if v.name in produced]
        del self.graph.value_info[:]
        self.graph.value_info.extend(infos)
        return self.proto


def attributes(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def plain_2d(node, graph):
    """Attributes of a 2-D, group-1, dilation-1 Conv/ConvTranspose with constant weights.

    None when the node is anything else (then it is left alone).
    """
    attrs = attributes(node)
    weight = graph.array(node.input[1])
    bias = graph.array(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if weight is None or weight.ndim != 4 or weight.dtype != np.float32:
        return None
    if len(node.input) > 2 and node.input[2] and bias is None:
        return None
    if attrs.get("group", 1) != 1 or any(d != 1 for d in attrs.get("dilations", [1, 1])):
        return None
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        return None
    if "output_shape" in attrs:
        return None
    kernel = list(attrs.get("kernel_shape", weight.shape[2:]))
    if kernel != list(weight.shape[2:]):
        return None
    return {
        "weight": weight,
        "bias": bias,
        "kernel": kernel,
        "strides": list(attrs.get("strides", [1, 1])),
        "pads": list(attrs.get("pads", [0, 0, 0, 0])),
        "output_padding": list(attrs.get("output_padding", [0, 0])),
    }


def channel_constant(graph, node, channels):
    """The per-channel constant `[channels]` of a Mul/Add on an NCHW map, else None."""
    for name in node.input:
        value = graph.array(name)
        if value is None or value.dtype != np.float32 or value.ndim > 4:
            continue
        shape = (1,) * (4 - value.ndim) + value.shape  # right-aligned to [N, C, H, W]
        if shape[0] == shape[2] == shape[3] == 1 and shape[1] in (1, channels):
            other = [n for n in node.input if n != name]
            return np.broadcast_to(value.reshape(-1), (channels,)).astype("float64"), other
    return None, None


def fold_batch_norm(proto):
    """Folds inference BatchNormalization -- or the per-channel Mul and Add tf2onnx turns it
    into -- into the Conv/ConvTranspose right before it, repeatedly."""
    graph = Graph(proto)
    folded = []
    changed = True
    while changed:
        changed = False
        for producer in list(graph.graph.node):
            if producer.op_type not in ("Conv", "ConvTranspose"):
                continue
            consumers = graph.consumers(producer.output[0])
            if len(consumers) != 1 or graph.is_graph_output(producer.output[0]):
                continue
            follower, form = consumers[0], plain_2d(producer, graph)
            if form is None or len(follower.output) != 1:
                continue
            out_axis = 0 if producer.op_type == "Conv" else 1
            channels = form["weight"].shape[out_axis]
            scale = shift = None
            if follower.op_type == "BatchNormalization":
                stats = [graph.array(name) for name in follower.input[1:5]]
                if any(s is None for s in stats):
                    continue
                gamma, beta, mean, var = (s.astype("float64") for s in stats)
                scale = gamma / np.sqrt(var + attributes(follower).get("epsilon", 1e-5))
                shift = beta - mean * scale
            elif follower.op_type in ("Mul", "Add"):
                value, other = channel_constant(graph, follower, channels)
                if value is None or other != [producer.output[0]]:
                    continue
                scale, shift = (value, 0.0) if follower.op_type == "Mul" else (1.0, value)
            else:
                continue
            shape = [1, 1, 1, 1]
            shape[out_axis] = -1
            weight = form["weight"].astype("float64") * np.reshape(
                np.broadcast_to(scale, (channels,)), shape)
            bias = form["bias"].astype("float64") if form["bias"] is not None else np.zeros(channels)
            bias = bias * scale + shift
            inputs = [
                producer.input[0],
                graph.add_initializer(producer.name + "_folded_weight", weight),
                graph.add_initializer(producer.name + "_folded_bias", np.broadcast_to(bias, (channels,))),
            ]
            del producer.input[:]
            producer.input.extend(inputs)
            producer.output[0] = follower.output[0]
            graph.graph.node.remove(follower)
            folded.append(follower.name)
            changed = True
    return graph.finish(), folded


def reduce_axes(graph, node):
    """A ReduceMean's axes (attribute before opset 18, constant input after), or None."""
    attrs = attributes(node)
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    axes = graph.array(node.input[1]) if len(node.input) > 1 and node.input[1] else None
    return None if axes is None else [int(a) for a in axes.reshape(-1)]


def spatial_mean_as_pool(proto):
    """ReduceMean over axes (1, 2) of a rank-4 tensor, keepdims -> Transpose,
    GlobalAveragePool, Transpose."""
    inferred = shape_inference.infer_shapes(proto).graph
    ranks = {value.name: len(value.type.tensor_type.shape.dim)
             for value in [*inferred.input, *inferred.value_info] if value.type.tensor_type.HasField("shape")}
    graph = Graph(proto)
    rewritten = []
    for node in list(graph.graph.node):
        if node.op_type != "ReduceMean" or ranks.get(node.input[0]) != 4:
            continue
        axes = reduce_axes(graph, node)
        if axes is None or sorted(a % 4 for a in axes) != [1, 2] or attributes(node).get("keepdims", 1) != 1:
            continue
        channels_first, pooled = graph.unique(node.name + "_nchw"), graph.unique(node.name + "_pooled")
        replacement = [
            helper.make_node("Transpose", [node.input[0]], [channels_first], name=channels_first, perm=[0, 3, 1, 2]),
            helper.make_node("GlobalAveragePool", [channels_first], [pooled], name=pooled),
            helper.make_node("Transpose", [pooled], list(node.output), name=graph.unique(node.name + "_nhwc"),
                             perm=[0, 2, 3, 1]),
        ]
        position = list(graph.graph.node).index(node)
        graph.graph.node.remove(node)
        for offset, new in enumerate(replacement):
            graph.graph.node.insert(position + offset, new)
        rewritten.append(node.name)
    return graph.finish(), rewritten


def narrow_conv(proto, max_channels=MAX_NARROW_CHANNELS):
    """Stride-1 Convs to <= `max_channels` channels -> equivalent stride-1 ConvTranspose."""
    graph = Graph(proto)
    rewritten = []
    for index, node in enumerate(list(graph.graph.node)):
        if node.op_type != "Conv":
            continue
        form = plain_2d(node, graph)
        if form is None or form["strides"] != [1, 1] or form["weight"].shape[0] > max_channels:
            continue
        kernel, pads = form["kernel"], form["pads"]
        if any(p > k - 1 for p, k in zip(pads, kernel + kernel)):
            continue  # a ConvTranspose pad would be negative
        # Conv: y[h] = sum_i W[i] x[h + i - p]; ConvTranspose stride 1 with pad P:
        # y[h] = sum_i W'[i] x[h + P - i]; W'[i] = W[k - 1 - i] and P = k - 1 - p match.
        weight = np.ascontiguousarray(form["weight"][:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        inputs = [node.input[0], graph.add_initializer(node.name + "_as_transpose_weight", weight)]
        if form["bias"] is not None:
            inputs.append(node.input[2])
        replacement = helper.make_node(
            "ConvTranspose", inputs, list(node.output), name=graph.unique(node.name + "_as_transpose"),
            kernel_shape=kernel, strides=[1, 1],
            pads=[kernel[0] - 1 - pads[0], kernel[1] - 1 - pads[1],
                  kernel[0] - 1 - pads[2], kernel[1] - 1 - pads[3]],
        )
        position = list(graph.graph.node).index(node)
        graph.graph.node.remove(node)
        graph.graph.node.insert(position, replacement)
        rewritten.append(node.name)
    return graph.finish(), rewritten
