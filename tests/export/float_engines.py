"""An ONNX graph evaluated three more ways, to tell float32's own error from an engine's:
in float64 (`as_float64`), as an ideal float32 engine that rounds each op's exact result
once (`rounded_each_op`), and each op's error alone (`local_errors`). All run with
`onnx.reference.ReferenceEvaluator` (NumPy), in float64 where it matters.
"""

import copy

import numpy as np
from onnx import AttributeProto, TensorProto, helper, numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator
from onnx.reference.ops import op_one_hot

# Ops that move or select float32 values without arithmetic: exact in every engine.
EXACT_OPS = ("Transpose", "Reshape", "Tile", "Unsqueeze", "Slice", "Relu", "OneHot", "Concat", "Gather",
             "Shape", "Cast")


class OneHot(op_one_hot.OneHot):  # replaces the evaluator's op of the same name
    """onnx's reference OneHot wants a scalar depth; tf2onnx writes a 1-element tensor."""

    def _run(self, indices, depth, values, axis=None):
        return super()._run(indices, np.asarray(depth).reshape(()), values, axis=axis)


def page_scene(height, width):
    """The page's `scene` preset for a two-class map (kerasgen.js `presetMaps`)."""
    v, u = np.meshgrid(np.arange(height) / height, np.arange(width) / width, indexing="ij")
    disc = (u - 0.27) ** 2 + (v - 0.3) ** 2 < 0.2**2
    box = (u > 0.55) & (u < 0.92) & (v > 0.1) & (v < 0.5)
    triangle = (v > 0.55) & (v < 0.92) & (np.abs(u - 0.5) < (v - 0.55) * 0.8)
    return (disc | box | triangle).astype("int32")


def evaluate(proto, feeds):
    """`{name: value}` of every output of `proto` run by the reference evaluator."""
    evaluator = ReferenceEvaluator(proto, new_ops=[OneHot])
    return dict(zip(evaluator.output_names, evaluator.run(None, feeds)))


def with_all_outputs(proto):
    """A copy of `proto` whose every intermediate tensor is also a graph output."""
    proto = copy.deepcopy(proto)
    known = {o.name for o in proto.graph.output}
    proto.graph.output.extend(v for v in shape_inference.infer_shapes(proto).graph.value_info
                              if v.name not in known)
    return proto


def as_float64(proto):
    """A copy of `proto` computing in float64: float initializers, constants, casts and
    value types widened."""
    proto = copy.deepcopy(proto)
    for tensor in proto.graph.initializer:
        if tensor.data_type == TensorProto.FLOAT:
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor).astype("float64"), tensor.name))
    for node in proto.graph.node:
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT:
                attribute.i = TensorProto.DOUBLE
            if attribute.type == AttributeProto.TENSOR and attribute.t.data_type == TensorProto.FLOAT:
                value = numpy_helper.to_array(attribute.t).astype("float64")
                attribute.t.CopyFrom(numpy_helper.from_array(value, attribute.t.name))
    for value in [*proto.graph.input, *proto.graph.output, *proto.graph.value_info]:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.DOUBLE
    return proto


def rounded_each_op(proto, float_outputs):
    """`proto` in float64 with each arithmetic op's result rounded to float32 once: the
    most accurate float32 engine possible (every op correctly rounded). `float_outputs`:
    the names of the float32 tensors of `proto`."""
    proto = as_float64(proto)
    nodes = []
    for node in proto.graph.node:
        nodes.append(node)
        if node.op_type in EXACT_OPS:
            continue
        for j, name in enumerate(list(node.output)):
            if name in float_outputs:
                node.output[j] = f"{name}__exact"
                nodes.append(helper.make_node("Cast", [f"{name}__exact"], [f"{name}__float32"], to=TensorProto.FLOAT))
                nodes.append(helper.make_node("Cast", [f"{name}__float32"], [name], to=TensorProto.DOUBLE))
    del proto.graph.node[:]
    proto.graph.node.extend(nodes)
    return proto


def local_error(proto, node, values):
    """An engine's error of `node` alone: its float32 output in `values` (every tensor of
    one float32 run, constants included) minus the node computed in float64 from the
    same float32 inputs."""
    inputs = {name: values[name].astype("float64") if values[name].dtype == np.float32 else values[name]
              for name in node.input if name}
    output = node.output[0]
    single = helper.make_graph(
        [helper.make_node(node.op_type, list(node.input), [output], domain=node.domain)], "single",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for n, v in inputs.items()],
        [helper.make_tensor_value_info(output, TensorProto.DOUBLE, None)])
    single.node[0].attribute.extend(node.attribute)
    model = helper.make_model(single, opset_imports=proto.opset_import)
    model.ir_version = proto.ir_version
    return values[output].astype("float64") - evaluate(model, inputs)[output]


def with_error_added(proto, index, error):
    """`proto` in float64 with `error` added to node `index`'s output (the error's effect
    on the graph's outputs, every other op exact)."""
    proto = as_float64(proto)
    name = proto.graph.node[index].output[0]
    proto.graph.node[index].output[0] = f"{name}__exact"
    proto.graph.initializer.append(numpy_helper.from_array(error, f"{name}__error"))
    proto.graph.node.insert(index + 1, helper.make_node("Add", [f"{name}__exact", f"{name}__error"], [name]))
    return proto


def float64_copy(network):
    """A copy of the Keras `network` that computes in float64 (its weights widened), the
    reference its float32 engines are measured against."""
    import keras

    keras.config.set_dtype_policy("float64")
    try:
        copy = type(network).from_config(network.get_config())
    finally:
        keras.config.set_dtype_policy("float32")
    copy.set_weights([w.astype("float64") for w in network.get_weights()])
    return copy
