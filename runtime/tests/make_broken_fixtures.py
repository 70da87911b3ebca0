"""Writes small ONNX files that break their metadata's promises (run with `onnx` installed).

    python runtime/tests/make_broken_fixtures.py

Each is a real graph that onnxruntime runs, with kerasgen metadata that a sampler must
not trust blindly (committed, a few hundred bytes each, like make_fixtures.py's files):

- `short_rows.onnx`: returns one sample whatever number of latents it is given.
- `nonfinite.onnx`: `x = log(z)`, NaN for every negative latent.
- `lying_dims.onnx`: dynamic dimensions (`z` of shape `(N, d)` -> `x` of `(N, 1, d, 1)`);
  the metadata says latent_dim 3 and image_shape `[1, 4, 1]`, the graph gives `(N, 1, 3, 1)`.
- `huge_dims.onnx`: `z` `(N, d)` -> `x` `(N, d, d, 1)` with shapes computed at run
  time; the metadata says image_shape `[50000, 50000, 1]` (10 GB per sample as float32).
- `lying_latent.onnx`: a dynamic latent size; the metadata says 5, the graph needs 3.
"""

import os

import onnx
from onnx import TensorProto, helper

from kerasgen_runtime.metadata import to_onnx_props

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
LATENT_DIM = 3


def save(name, nodes, initializers, z_shape, x_shape, image_shape, latent_dim=LATENT_DIM):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, z_shape)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    metadata = {
        "format_version": 1, "model_class": "GAN", "network": "generator", "latent_dim": latent_dim,
        "prior": "standard_normal", "image_shape": image_shape, "value_range": [-1.0, 1.0],
        "num_classes": None, "inputs": ["z"], "outputs": ["x"],
    }
    helper.set_model_props(model, to_onnx_props(metadata))
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def main():
    int64 = TensorProto.INT64
    shape = helper.make_tensor("shape", int64, [4], [-1, 1, 3, 1])
    # short_rows: Slice the first row, then reshape it to one image.
    save("short_rows.onnx", [
        helper.make_node("Slice", ["z", "starts", "ends", "axes"], ["first"]),
        helper.make_node("Tanh", ["first"], ["t"]),
        helper.make_node("Reshape", ["t", "shape"], ["x"]),
    ], [helper.make_tensor("starts", int64, [1], [0]), helper.make_tensor("ends", int64, [1], [1]),
        helper.make_tensor("axes", int64, [1], [0]), shape], ["N", LATENT_DIM], ["M", 1, 3, 1], [1, 3, 1])
    save("nonfinite.onnx", [
        helper.make_node("Log", ["z"], ["logs"]),
        helper.make_node("Reshape", ["logs", "shape"], ["x"]),
    ], [shape], ["N", LATENT_DIM], ["N", 1, 3, 1], [1, 3, 1])
    axes = [helper.make_tensor("axis1", int64, [1], [1]), helper.make_tensor("axis3", int64, [1], [3])]
    save("lying_dims.onnx", [
        helper.make_node("Tanh", ["z"], ["t"]),
        helper.make_node("Unsqueeze", ["t", "axis1"], ["u"]),
        helper.make_node("Unsqueeze", ["u", "axis3"], ["x"]),
    ], axes, ["N", "d"], ["N", 1, "d", 1], [1, 4, 1])
    # huge_dims: x of shape (N, d, d, 1), each sample's rows the latent repeated d times,
    # shapes computed at run time, so nothing in the graph pins h or w.
    save("huge_dims.onnx", [
        helper.make_node("Shape", ["z"], ["z_shape"]),
        helper.make_node("Slice", ["z_shape", "one", "two"], ["d"]),
        helper.make_node("Concat", ["d", "d"], ["dd"], axis=0),
        helper.make_node("Unsqueeze", ["z", "axis1"], ["u"]),  # (N, 1, d)
        helper.make_node("Concat", ["minus_one", "dd"], ["nd_d"], axis=0),
        helper.make_node("Expand", ["u", "nd_d"], ["e"]),  # (N, d, d)
        helper.make_node("Unsqueeze", ["e", "axis3"], ["x"]),
    ], [*axes, helper.make_tensor("one", int64, [1], [1]), helper.make_tensor("two", int64, [1], [2]),
        helper.make_tensor("minus_one", int64, [1], [1])],
        ["N", "d"], ["N", "h", "w", "c"], [50_000, 50_000, 1])
    save("lying_latent.onnx", [
        helper.make_node("Tanh", ["z"], ["t"]),
        helper.make_node("Reshape", ["t", "shape"], ["x"]),
    ], [shape], ["N", "d"], ["N", 1, 3, 1], [1, 3, 1], latent_dim=5)
    for file in ("short_rows.onnx", "nonfinite.onnx", "lying_dims.onnx", "huge_dims.onnx", "lying_latent.onnx"):
        print(f"{file}: {os.path.getsize(os.path.join(HERE, file))} bytes")


if __name__ == "__main__":
    main()
