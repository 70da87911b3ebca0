"""The export-time graph rewrites compute what the graph they replace computes."""

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from kerasgen.export import optimize, rewrites, subpixel


def keras_pads(kernel, padding):
    """Begin/end pads of Keras "same" (TensorFlow puts the odd pixel at the end) or "valid"."""
    if padding == "valid":
        return 0, 0
    return (kernel - 1) // 2, kernel // 2


def conv_transpose_pads(kernel, padding, stride=2):
    """ConvTranspose pads of Keras Conv2DTranspose: "same" gives stride x input."""
    if padding == "valid":
        return 0, 0
    total = max(kernel - stride, 0)
    return total // 2, total - total // 2


def one_node_model(op_type, weight, bias, activation=None, **attributes):
    """x [N, C, 6, 5] -> op (-> activation) -> y; channels-first like tf2onnx's graphs."""
    channels = weight.shape[0] if op_type == "ConvTranspose" else weight.shape[1]
    initializers = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
    nodes = [helper.make_node(op_type, ["x", "w", "b"], ["h" if activation else "y"],
                              name="layer", **attributes)]
    if activation:
        extra = {"alpha": 0.2} if activation == "LeakyRelu" else {}
        nodes.append(helper.make_node(activation, ["h"], ["y"], name="act", **extra))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", channels, 6, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "c", "h", "w"])], initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def outputs(proto, x):
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["y"], {"x": x})[0]


def assert_same_function(before, after, channels, rng):
    onnx.checker.check_model(after, full_check=True)
    for batch in (1, 3):
        x = rng.standard_normal((batch, channels, 6, 5)).astype("float32")
        expected, actual = outputs(before, x), outputs(after, x)
        assert actual.shape == expected.shape
        np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kernel", [3, 4, 5])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("channels_out", [1, 3])
def test_narrow_conv_is_an_exact_conv_transpose(kernel, padding, channels_out):
    rng = np.random.default_rng(kernel * 10 + channels_out)
    weight = rng.standard_normal((channels_out, 8, kernel, kernel)).astype("float32")
    bias = rng.standard_normal(channels_out).astype("float32")
    begin, end = keras_pads(kernel, padding)
    before = one_node_model("Conv", weight, bias, "Tanh", kernel_shape=[kernel, kernel],
                            pads=[begin, begin, end, end])
    after, nodes = rewrites.narrow_conv(before)
    assert nodes == ["layer"]
    assert [n.op_type for n in after.graph.node] == ["ConvTranspose", "Tanh"]
    assert_same_function(before, after, 8, rng)


def test_wide_conv_is_left_alone():
    weight = np.ones((rewrites.MAX_NARROW_CHANNELS + 1, 2, 3, 3), "float32")
    before = one_node_model("Conv", weight, np.zeros(5, "float32"), kernel_shape=[3, 3])
    assert rewrites.narrow_conv(before)[1] == []


@pytest.mark.parametrize("kernel", [3, 4, 5])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("split", [True, False])
def test_subpixel_is_an_exact_conv_transpose(kernel, padding, split):
    rng = np.random.default_rng(kernel + 7 * split)
    weight = rng.standard_normal((6, 4, kernel, kernel)).astype("float32")
    bias = rng.standard_normal(4).astype("float32")
    begin, end = conv_transpose_pads(kernel, padding)
    before = one_node_model("ConvTranspose", weight, bias, "LeakyRelu", kernel_shape=[kernel, kernel],
                            strides=[2, 2], pads=[begin, begin, end, end])
    after, nodes = subpixel.subpixel(before, split=split)
    assert nodes == ["layer"]
    ops = [n.op_type for n in after.graph.node]
    assert "ConvTranspose" not in ops and "DepthToSpace" in ops
    # The activation now runs on the phases, before DepthToSpace (fused by onnxruntime).
    assert ops.index("LeakyRelu") < ops.index("DepthToSpace")
    assert ("Slice" in ops) == (padding == "valid" and kernel % 2 == 1)  # 2H + k - 2 rows
    assert_same_function(before, after, 6, rng)


def test_subpixel_with_output_padding():
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((3, 2, 3, 3)).astype("float32")
    before = one_node_model("ConvTranspose", weight, np.zeros(2, "float32"), kernel_shape=[3, 3],
                            strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
    after, nodes = subpixel.subpixel(before, split=True)
    assert nodes == ["layer"]
    assert_same_function(before, after, 3, rng)


def upsample_then_conv_model(rng, kernel, conv_kernel, out_channels):
    """x [N, 6, 6, 5] -> ConvTranspose(stride 2, Keras "same") -> LeakyRelu -> Conv("same") -> Tanh."""
    model = one_node_model(
        "ConvTranspose", rng.standard_normal((6, 4, kernel, kernel)).astype("float32"),
        rng.standard_normal(4).astype("float32"), "LeakyRelu", kernel_shape=[kernel, kernel],
        strides=[2, 2], pads=[p for p in conv_transpose_pads(kernel, "same") for _ in (0, 1)])
    model.graph.node[-1].output[0] = "up"
    begin, end = keras_pads(conv_kernel, "same")
    for name, value in (("w2", 0.2 * rng.standard_normal((out_channels, 4, conv_kernel, conv_kernel))),
                        ("b2", rng.standard_normal(out_channels))):
        model.graph.initializer.append(numpy_helper.from_array(value.astype("float32"), name))
    model.graph.node.extend([
        helper.make_node("Conv", ["up", "w2", "b2"], ["logits"], name="conv",
                         kernel_shape=[conv_kernel, conv_kernel], pads=[begin, begin, end, end]),
        helper.make_node("Tanh", ["logits"], ["y"], name="tanh")])
    return model


@pytest.mark.parametrize("kernel", [4, 5])
@pytest.mark.parametrize("conv_kernel", [3, 4, 5])
@pytest.mark.parametrize("split, split_input", [(True, False), (False, False), (True, True)])
def test_conv_on_phases_is_exact(kernel, conv_kernel, split, split_input):
    rng = np.random.default_rng(kernel * 10 + conv_kernel)
    before = upsample_then_conv_model(rng, kernel, conv_kernel, out_channels=1)
    phases, _ = subpixel.subpixel(before, split=split)
    after, nodes = subpixel.conv_on_phases(phases, split=split_input)
    assert nodes == ["conv"]
    ops = [n.op_type for n in after.graph.node]
    # One DepthToSpace, at the end, on the Conv's s*s*1 channels; Tanh moved before it.
    assert ops.count("DepthToSpace") == 1 and ops[-2:] == ["Tanh", "DepthToSpace"]
    # split_input: a Conv per phase map and a Sum, no Concat left.
    assert ("Concat" in ops, "Sum" in ops) == ((split, False) if not split_input else (False, True))
    assert_same_function(before, after, 6, rng)


def test_split_conv_on_phases_needs_the_phase_concat():
    rng = np.random.default_rng(8)
    phases, _ = subpixel.subpixel(upsample_then_conv_model(rng, 4, 3, 1), split=False)  # no Concat
    assert subpixel.conv_on_phases(phases, split=True)[1] == []


def test_a_wrong_conv_on_phases_fails_the_exactness_check(monkeypatch):
    rng = np.random.default_rng(2)
    before = upsample_then_conv_model(rng, 4, 5, out_channels=2)
    right = subpixel.phases_kernel
    # A plausible bug: the input phases taken in the other (CRD-like) order.
    def swapped(weight, stride, pads):
        kernel, conv_pads = right(weight, stride, pads)
        phases = np.arange(kernel.shape[1]).reshape(stride * stride, -1)  # [phase, channel]
        return kernel[:, phases[[0, 2, 1, 3]].ravel()], conv_pads

    monkeypatch.setattr(subpixel, "phases_kernel", swapped)
    after, _ = subpixel.conv_on_phases(subpixel.subpixel(before, split=True)[0])
    with pytest.raises(AssertionError):
        assert_same_function(before, after, 6, rng)


def test_a_valid_conv_after_depth_to_space_is_left_alone():
    rng = np.random.default_rng(4)
    model = upsample_then_conv_model(rng, 4, 3, out_channels=1)
    conv = next(n for n in model.graph.node if n.name == "conv")
    del conv.attribute[:]
    conv.attribute.extend([helper.make_attribute("kernel_shape", [3, 3])])  # no pads: "valid"
    phases, _ = subpixel.subpixel(model, split=True)
    assert subpixel.conv_on_phases(phases)[1] == []


@pytest.mark.parametrize("op_type", ["Conv", "ConvTranspose"])
def test_batch_norm_folds_into_the_convolution(op_type):
    rng = np.random.default_rng(5)
    shape = (3, 4, 3, 3) if op_type == "Conv" else (4, 3, 3, 3)
    weight = rng.standard_normal(shape).astype("float32")
    model = one_node_model(op_type, weight, rng.standard_normal(3).astype("float32"),
                           kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    model.graph.node[0].output[0] = "h"
    stats = [rng.uniform(0.5, 2, 3), rng.standard_normal(3), rng.standard_normal(3), rng.uniform(0.1, 2, 3)]
    for name, value in zip(("scale", "offset", "mean", "var"), stats):
        model.graph.initializer.append(numpy_helper.from_array(value.astype("float32"), name))
    model.graph.node.append(helper.make_node(
        "BatchNormalization", ["h", "scale", "offset", "mean", "var"], ["y"], epsilon=1e-3))
    after, folded = rewrites.fold_batch_norm(model)
    assert folded and [n.op_type for n in after.graph.node] == [op_type]
    assert_same_function(model, after, 4, rng)


def mirrored_phase_conv(weight, taps_h, taps_w, span_h, span_w):
    """A plausible bug: the phase kernel mirrored in height."""
    return PHASE_CONV(weight, taps_h, taps_w, span_h, span_w)[:, :, ::-1, :].copy()


PHASE_CONV = subpixel.phase_conv


def test_a_wrong_rewrite_fails_the_exactness_check(monkeypatch):
    rng = np.random.default_rng(11)
    weight = rng.standard_normal((6, 4, 4, 4)).astype("float32")
    before = one_node_model("ConvTranspose", weight, np.zeros(4, "float32"), kernel_shape=[4, 4],
                            strides=[2, 2], pads=[1, 1, 1, 1])
    monkeypatch.setattr(subpixel, "phase_conv", mirrored_phase_conv)
    after, _ = subpixel.subpixel(before, split=True)
    with pytest.raises(AssertionError):
        assert_same_function(before, after, 6, rng)


def tiny_generator(batch_norm=False, kind="generator"):
    """The export contract around a bare DCGAN network; `kind` is the metadata's network."""
    from kerasgen.networks import DCGANGenerator

    class Model:
        latent_dim, output_range = 8, (-1.0, 1.0)
        network = DCGANGenerator(8, (8, 8, 1), filters=(8, 4), batch_norm=batch_norm)

        def sampling_network(self):
            return self.network

    model = Model()
    if kind == "generator":  # a GAN: the sampling network is its generator
        model.generator = model.network
    return model


@pytest.mark.parametrize("batch_norm, kind", [(False, "generator"), (True, "generator"),
                                               (False, "decoder")])
def test_export_applies_only_exact_rewrites_and_passes_parity(tmp_path, batch_norm, kind):
    from kerasgen.export import to_onnx
    from kerasgen_runtime import Sampler

    model = tiny_generator(batch_norm, kind)
    report = to_onnx(model, tmp_path / "g.onnx")
    assert report["metadata"]["network"] == kind
    optimization = report["metadata"]["optimization"]
    tried = optimization["applied"] + optimization["rejected"]
    assert {entry["rewrite"] for entry in tried} >= {"narrow_conv", "subpixel_split"}
    assert all(entry["max_abs_diff"] <= optimize.EXACT_TOLERANCE for entry in tried)
    assert sorted(report["max_abs_diff"]) == [1, 7, 64]
    assert max(report["max_abs_diff"].values()) <= report["tolerance"]
    sampler = Sampler(tmp_path / "g.onnx")
    assert sampler.metadata["optimization"] == optimization
    z = np.random.default_rng(0).standard_normal((5, 8)).astype("float32")
    expected = np.asarray(model.network(z, training=False))
    np.testing.assert_allclose(sampler.decode(z), expected, atol=report["tolerance"])


def test_export_rejects_a_wrong_rewrite(tmp_path, monkeypatch):
    from kerasgen.export import to_onnx

    monkeypatch.setattr(subpixel, "phase_conv", mirrored_phase_conv)
    report = to_onnx(tiny_generator(), tmp_path / "g.onnx")
    optimization = report["metadata"]["optimization"]
    assert not any(e["rewrite"].startswith("subpixel") for e in optimization["applied"])
    wrong = [e for e in optimization["rejected"] if e["rewrite"].startswith("subpixel")]
    assert wrong and all("not an exact rewrite" in e["reason"] for e in wrong)


@pytest.mark.parametrize("op_type", ["Mul", "Add"])
def test_per_channel_mul_and_add_fold_into_the_convolution(op_type):
    """tf2onnx writes an inference BatchNormalization as a per-channel Mul and Add."""
    rng = np.random.default_rng(6)
    model = one_node_model("ConvTranspose", rng.standard_normal((4, 3, 4, 4)).astype("float32"),
                           rng.standard_normal(3).astype("float32"), kernel_shape=[4, 4],
                           strides=[2, 2], pads=[1, 1, 1, 1])
    model.graph.node[0].output[0] = "h"
    value = rng.uniform(0.5, 2, (1, 3, 1, 1)).astype("float32")
    model.graph.initializer.append(numpy_helper.from_array(value, "c"))
    model.graph.node.append(helper.make_node(op_type, ["c", "h"], ["y"]))
    after, folded = rewrites.fold_batch_norm(model)
    assert folded and [n.op_type for n in after.graph.node] == ["ConvTranspose"]
    assert_same_function(model, after, 4, rng)


def test_a_per_width_constant_is_not_folded():
    """A constant of shape [W] broadcasts along width, not channels: left alone."""
    rng = np.random.default_rng(7)
    model = one_node_model("Conv", rng.standard_normal((5, 4, 3, 3)).astype("float32"),
                           np.zeros(5, "float32"), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    model.graph.node[0].output[0] = "h"
    model.graph.initializer.append(numpy_helper.from_array(np.ones(5, "float32"), "c"))
    model.graph.node.append(helper.make_node("Mul", ["h", "c"], ["y"]))
    assert rewrites.fold_batch_norm(model)[1] == []
