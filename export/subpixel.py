"""Sub-pixel forms of a strided ConvTranspose, and a Conv computed on them (exact).

- `subpixel`: a `ConvTranspose` of stride s becomes stride-1 `Conv`s computing its s*s
  output phases -- one Conv per phase with exactly its taps (`split=True`, then a
  Concat), or one Conv with s*s times the output channels (the taps a phase does not
  use are zeros) -- and a `DepthToSpace` (DCR), plus a `Slice` when the output is not
  s times the input (Keras `padding="valid"`). An elementwise activation after it
  moves before the DepthToSpace, where onnxruntime fuses it into the Conv.
- `conv_on_phases`: a stride-1 "same" `Conv` that reads a `DepthToSpace` output is
  computed on the DepthToSpace's input (the phases) instead, as one Conv from s*s*C to
  s*s*O channels, followed by a DepthToSpace of its (narrow) output. onnxruntime's
  DepthToSpace is a 6-D transpose; on a wide map it costs as much as a Conv, on the O
  output channels it is cheap.

Same contract as `kerasgen.export.rewrites`: a `ModelProto` in, `(new_proto, names of
the rewritten nodes)` out, the input left as it was.
"""

import copy

import numpy as np
from onnx import helper

from kerasgen.export.rewrites import ELEMENTWISE_ACTIVATIONS, Graph, attributes, plain_2d


def phase_taps(kernel, stride, pad):
    """`{phase r: [(tap i, offset d), ...]}` of a stride-`stride` ConvTranspose on one axis.

    ConvTranspose: output row `s * a + r` sums `W[i] * x[a + d]` over the taps `i` with
    `(r + p - i) % s == 0`, `d = (r + p - i) // s` (p = the begin pad), so phase `r` is
    a correlation with those taps at offsets `d`.
    """
    return {r: [(i, (r + pad - i) // stride) for i in range(kernel) if (r + pad - i) % stride == 0]
            for r in range(stride)}


def offset_span(taps):
    """`(low, high)` offsets covering `taps` and 0 (so that the Conv's pads are >= 0)."""
    offsets = [d for _, d in taps] + [0]
    return min(offsets), max(offsets)


def phase_conv(weight, taps_h, taps_w, span_h, span_w):
    """Conv weight `[C_out, C_in, kh, kw]` of one output phase, its taps at their offsets."""
    c_in, c_out = weight.shape[:2]
    conv = np.zeros((c_out, c_in, span_h[1] - span_h[0] + 1, span_w[1] - span_w[0] + 1),
                    dtype=weight.dtype)
    for i_h, d_h in taps_h:
        for i_w, d_w in taps_w:
            conv[:, :, d_h - span_h[0], d_w - span_w[0]] = weight[:, :, i_h, i_w].T
    return conv


def subpixel_convs(weight, bias, stride, pads, extra, split):
    """`([(conv weight, bias, conv pads), ...], crop)` equal to a stride-s ConvTranspose.

    The outputs, stacked along channels in the listed order, are what DepthToSpace (DCR)
    reads: channel `(r_h * s + r_w) * C_out + c` is phase `(r_h, r_w)`. `split=False`:
    one Conv for all phases, on a kernel spanning every phase's offsets (the taps a phase
    does not use are zeros); `split=True`: one Conv per phase with its own taps only.
    `extra[axis]` = ConvTranspose output size - s * input size (0 for Keras "same");
    each phase then yields `input + grow` rows, and DepthToSpace's `s * (input + grow)`
    rows are `crop[axis] >= 0` rows more than the ConvTranspose gives (cut at the end).
    """
    k_h, k_w = weight.shape[2:]
    taps = [phase_taps(k_h, stride, pads[0]), phase_taps(k_w, stride, pads[1])]
    phases = [(r_h, r_w) for r_h in range(stride) for r_w in range(stride)]
    if split:
        spans = [{r: offset_span(t) for r, t in axis.items()} for axis in taps]
    else:
        spans = [dict.fromkeys(axis, offset_span([t for r in axis.values() for t in r]))
                 for axis in taps]
    # Phase rows: input + grow (pads >= 0 need grow >= -high); DepthToSpace must cover
    # the ConvTranspose output: s * grow >= extra.
    grow = [max(-(-extra[a] // stride), *(-high for _, high in spans[a].values())) for a in (0, 1)]
    crop = [stride * grow[a] - extra[a] for a in (0, 1)]

    def conv_of(r_h, r_w):
        span_h, span_w = spans[0][r_h], spans[1][r_w]
        conv = phase_conv(weight, taps[0][r_h], taps[1][r_w], span_h, span_w)
        return conv, [-span_h[0], -span_w[0], grow[0] + span_h[1], grow[1] + span_w[1]]

    if split:
        return [(conv, bias, conv_pads) for conv, conv_pads in map(lambda p: conv_of(*p), phases)], crop
    conv = np.concatenate([conv_of(*phase)[0] for phase in phases])
    bias = None if bias is None else np.tile(bias, stride * stride)
    return [(conv, bias, conv_of(0, 0)[1])], crop


def subpixel(proto, names=None, split=False):
    """Stride-s ConvTransposes -> Conv(s) + (activation) + DepthToSpace (+ Slice).

    `names`: only these ConvTranspose nodes (None: all that qualify). `split`: one Conv
    per output phase (exact taps, then a Concat) instead of one Conv for all phases.
    """
    graph = Graph(proto)
    rewritten = []
    for node in list(graph.graph.node):
        if node.op_type != "ConvTranspose" or (names is not None and node.name not in names):
            continue
        form = plain_2d(node, graph)
        if form is None:
            continue
        strides, kernel, pads = form["strides"], form["kernel"], form["pads"]
        stride = strides[0]
        if stride < 2 or strides[1] != stride:
            continue
        # ConvTranspose output size - s * input size, the same for every input size.
        extra = [kernel[a] + form["output_padding"][a] - pads[a] - pads[a + 2] - stride
                 for a in (0, 1)]
        consumers = graph.consumers(node.output[0])
        activation = None
        if (len(consumers) == 1 and consumers[0].op_type in ELEMENTWISE_ACTIVATIONS
                and not graph.is_graph_output(node.output[0])):
            activation = consumers[0]
        new_nodes, outputs = [], []
        convs, crop = subpixel_convs(form["weight"], form["bias"], stride, pads[:2], extra, split)
        for index, (weight, bias, conv_pads) in enumerate(convs):
            name = f"{node.name}_subpixel_{index}"
            inputs = [node.input[0], graph.add_initializer(name + "_weight", weight)]
            if bias is not None:
                inputs.append(graph.add_initializer(name + "_bias", bias))
            output = graph.unique(name + "_out")
            new_nodes.append(helper.make_node(
                "Conv", inputs, [output], name=graph.unique(name),
                kernel_shape=list(weight.shape[2:]), strides=[1, 1], pads=conv_pads,
            ))
            if activation is not None:
                output = moved_activation(graph, activation, output, f"_phase_{index}", new_nodes)
            outputs.append(output)
        if len(outputs) > 1:
            stacked = graph.unique(node.name + "_phases")
            new_nodes.append(helper.make_node("Concat", outputs, [stacked], axis=1,
                                              name=graph.unique(node.name + "_concat")))
            outputs = [stacked]
        final_output = activation.output[0] if activation is not None else node.output[0]
        spaced = graph.unique(node.name + "_to_space_out") if any(crop) else final_output
        new_nodes.append(helper.make_node(
            "DepthToSpace", outputs, [spaced], name=graph.unique(node.name + "_to_space"),
            blocksize=stride, mode="DCR",
        ))
        if any(crop):  # rows past the ConvTranspose's output (e.g. Keras "valid")
            axes = [a + 2 for a in (0, 1) if crop[a]]
            ends = [-crop[a] for a in (0, 1) if crop[a]]
            new_nodes.append(helper.make_node(
                "Slice", [spaced, graph.add_initializer(node.name + "_crop_starts", [0] * len(axes), "int64"),
                          graph.add_initializer(node.name + "_crop_ends", ends, "int64"),
                          graph.add_initializer(node.name + "_crop_axes", axes, "int64")],
                [final_output], name=graph.unique(node.name + "_crop"),
            ))
        replace_nodes(graph, [node, *([activation] if activation is not None else [])], new_nodes)
        rewritten.append(node.name)
    return graph.finish(), rewritten


def moved_activation(graph, activation, source, suffix, new_nodes):
    """Appends a copy of the elementwise `activation` reading `source` to `new_nodes`
    (elementwise: it commutes with Concat and DepthToSpace, and onnxruntime
    fuses it into the Conv before it); returns its output's name."""
    moved = copy.deepcopy(activation)
    moved.name = graph.unique(activation.name + suffix)
    del moved.input[:], moved.output[:]
    moved.input.append(source)
    output = graph.unique(activation.name + suffix + "_out")
    moved.output.append(output)
    new_nodes.append(moved)
    return output


def replace_nodes(graph, stale, new_nodes):
    """Removes `stale` and inserts `new_nodes` where the first of them was (the graph
    stays topologically sorted: the new nodes read only what came before it)."""
    position = list(graph.graph.node).index(stale[0])
    for old in stale:
        graph.graph.node.remove(old)
    for offset, new in enumerate(new_nodes):
        graph.graph.node.insert(position + offset, new)


def phases_kernel(weight, stride, pad_begin):
    """`(kernel, pads)` of the Conv on DCR phases equal to a "same" Conv of `weight`
    `[O, C, kh, kw]` (begin pads `pad_begin`) on their DepthToSpace.

    Output row `s * u + a` reads input row `s * u + t`, `t = a + i - p` for tap `i`,
    which is row `u + t // s` of phase `t % s`. So the phase Conv maps channel
    `(q_h * s + q_w) * C + c` to `(a_h * s + a_w) * O + o` with the tap at offset
    `t // s`, its kernel spans those offsets, and its pads are `-lowest, highest`.
    """
    out_channels, in_channels, k_h, k_w = weight.shape
    s = stride
    low = [(0 - pad_begin[a]) // s for a in (0, 1)]
    high = [(s - 1 + k - 1 - pad_begin[a]) // s for a, k in enumerate((k_h, k_w))]
    kernel = np.zeros((s * s * out_channels, s * s * in_channels,
                       high[0] - low[0] + 1, high[1] - low[1] + 1), dtype=weight.dtype)
    for a_h in range(s):
        for a_w in range(s):
            for i_h in range(k_h):
                for i_w in range(k_w):
                    t_h, t_w = a_h + i_h - pad_begin[0], a_w + i_w - pad_begin[1]
                    out = (a_h * s + a_w) * out_channels
                    phase = ((t_h % s) * s + t_w % s) * in_channels
                    kernel[out : out + out_channels, phase : phase + in_channels,
                           t_h // s - low[0], t_w // s - low[1]] += weight[:, :, i_h, i_w]
    return kernel, [-low[0], -low[1], high[0], high[1]]


def conv_on_phases(proto, names=None, split=False):
    """Conv(DepthToSpace(phases)) -> DepthToSpace(Conv'(phases)), for stride-1 "same"
    Convs (`names`: only after these DepthToSpace nodes; None: all that qualify).

    `split`: when the phases are a Concat of s*s maps (`subpixel(split=True)`), one Conv
    per phase map and a Sum instead of the Concat and one Conv: the Concat of wide maps
    costs a copy and two layout reorders in onnxruntime, the Sum of the s*s*O-channel
    outputs little. An elementwise activation right after the Conv moves before the new
    DepthToSpace.
    """
    graph = Graph(proto)
    rewritten = []
    for space in list(graph.graph.node):
        if space.op_type != "DepthToSpace" or (names is not None and space.name not in names):
            continue
        mode = attributes(space).get("mode", b"DCR")
        consumers = graph.consumers(space.output[0])
        if (mode not in (b"DCR", "DCR") or len(consumers) != 1 or consumers[0].op_type != "Conv"
                or graph.is_graph_output(space.output[0])):
            continue
        conv, stride = consumers[0], attributes(space)["blocksize"]
        form = plain_2d(conv, graph)
        if form is None or form["strides"] != [1, 1] or conv.input[0] != space.output[0]:
            continue
        kernel, pads = form["kernel"], form["pads"]
        if any(pads[a] + pads[a + 2] != kernel[a] - 1 for a in (0, 1)):
            continue  # not "same": the output is not stride x the phases' size
        weight, conv_pads = phases_kernel(form["weight"], stride, pads[:2])
        bias = None if form["bias"] is None else np.tile(form["bias"], stride * stride)
        phase_maps = split_phases(graph, space.input[0], stride) if split else None
        if split and phase_maps is None:
            continue
        following = graph.consumers(conv.output[0])
        activation = None
        if (len(following) == 1 and following[0].op_type in ELEMENTWISE_ACTIVATIONS
                and not graph.is_graph_output(conv.output[0])):
            activation = following[0]
        final_output = (activation or conv).output[0]
        new_nodes, output = phase_convs(graph, conv.name, phase_maps or [space.input[0]],
                                        weight, bias, conv_pads)
        if activation is not None:
            output = moved_activation(graph, activation, output, "_on_phases", new_nodes)
        new_nodes.append(helper.make_node("DepthToSpace", [output], [final_output], blocksize=stride,
                                          mode="DCR", name=graph.unique(conv.name + "_to_space")))
        stale = [space, conv, *([activation] if activation is not None else [])]
        if phase_maps:  # the Concat goes too, and the new nodes go where it was
            stale.insert(0, next(n for n in graph.graph.node if space.input[0] in n.output))
        replace_nodes(graph, stale, new_nodes)
        rewritten.append(conv.name)
    return graph.finish(), rewritten


def split_phases(graph, name, stride):
    """The s*s maps a channel Concat made `name` from, if only the DepthToSpace reads it."""
    producer = next((n for n in graph.graph.node if name in n.output), None)
    if (producer is None or producer.op_type != "Concat" or attributes(producer).get("axis") != 1
            or len(producer.input) != stride * stride or len(graph.consumers(name)) != 1):
        return None
    return list(producer.input)


def phase_convs(graph, name, maps, weight, bias, pads):
    """`(nodes, output)`: the Conv of `weight` on the channel concatenation of `maps`
    (equal channel counts): one Conv, or one per map summed (bias on the first)."""
    channels = weight.shape[1] // len(maps)
    nodes, outputs = [], []
    for index, source in enumerate(maps):
        part = weight[:, index * channels : (index + 1) * channels] if len(maps) > 1 else weight
        suffix = f"_on_phases{'_' + str(index) if len(maps) > 1 else ''}"
        inputs = [source, graph.add_initializer(name + suffix + "_weight", part)]
        if bias is not None and index == 0:
            inputs.append(graph.add_initializer(name + suffix + "_bias", bias))
        outputs.append(graph.unique(name + suffix + "_out"))
        nodes.append(helper.make_node("Conv", inputs, [outputs[-1]], name=graph.unique(name + suffix),
                                      kernel_shape=list(weight.shape[2:]), strides=[1, 1], pads=pads))
    if len(outputs) == 1:
        return nodes, outputs[0]
    total = graph.unique(name + "_on_phases_out")
    nodes.append(helper.make_node("Sum", outputs, [total], name=graph.unique(name + "_on_phases_sum")))
    return nodes, total
