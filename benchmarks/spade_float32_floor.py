"""Where SPADE's float32 error comes from, op by op, and the floor no float32 engine beats.

Exports the tests' tiny SPADE (weights from `--weight-seed`) to ONNX as the web page gets
it, runs it with onnxruntime (every intermediate tensor an output) on seed 7's z and the
page's `scene` map (9 samples), and prints the grid's max |diff| from the same graph in
float64 and from an ideal float32 engine that rounds each op's exact result once
(`tests.export.float_engines`), and NumPy's float32 (onnx's reference evaluator) as one
more engine. With `--contributions` (slow: one float64 run per op), each op's own error
(onnxruntime's output minus the op in float64 on the same float32 inputs) is added alone
to the float64 graph, and the grid's change is printed per op and per op type: the
table of which ops the grid's error comes from.

    python benchmarks/spade_float32_floor.py [--weight-seed 0] [--contributions]
"""

import argparse
import collections
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SEED, COUNT = 7, 9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weight-seed", type=int, default=0, help="keras.utils.set_random_seed for the tiny SPADE")
    parser.add_argument("--contributions", action="store_true", help="each op's share of the grid's error")
    args = parser.parse_args(argv)
    import keras
    import onnx
    import onnxruntime

    from kerasgen.export import to_onnx
    from kerasgen_runtime.latents import draw_latents
    from tests.export import float_engines
    from tests.models.spade_checks import tiny_spade

    keras.utils.set_random_seed(args.weight_seed)
    model = tiny_spade()
    path = os.path.join(tempfile.mkdtemp(), "spade.onnx")
    to_onnx(model, path)
    proto = onnx.load(path)
    label_map = np.repeat(float_engines.page_scene(*model.map_shape)[None], COUNT, axis=0)
    kind = {i.name: i.type.tensor_type.elem_type for i in proto.graph.input}["label_map"]
    feeds = {"z": draw_latents(COUNT, model.latent_dim, SEED),
             "label_map": label_map.astype(onnx.helper.tensor_dtype_to_np_dtype(kind))}
    probe = float_engines.with_all_outputs(proto)
    session = onnxruntime.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    values = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    values.update({t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}, **feeds)
    floats = {name for name, value in values.items() if value.dtype == np.float32}
    feeds64 = {**feeds, "z": feeds["z"].astype("float64")}
    output = proto.graph.output[0].name
    exact = float_engines.evaluate(float_engines.as_float64(proto), feeds64)[output]
    ideal = float_engines.evaluate(float_engines.rounded_each_op(proto, floats), feeds64)[output]
    numpy32 = float_engines.evaluate(proto, feeds)[output]
    grids = {"onnxruntime": values[output], "ideal float32": ideal, "numpy float32": numpy32}
    print(f"tiny SPADE, weight seed {args.weight_seed}: seed {SEED}, {COUNT} samples, the scene map")
    for name, grid in grids.items():
        others = "  ".join(f"{o} {np.abs(grid - g).max():.2e}" for o, g in grids.items() if o != name)
        print(f"  {name:14s} from float64 {np.abs(grid - exact).max():.2e}  from {others}")
    if args.contributions:
        print_contributions(proto, values, floats, feeds64, output, exact)


def print_contributions(proto, values, floats, feeds, output, exact):
    from tests.export import float_engines

    rows, by_type = [], collections.defaultdict(float)
    for index, node in enumerate(proto.graph.node):
        if node.op_type in float_engines.EXACT_OPS or node.output[0] not in floats:
            continue
        error = float_engines.local_error(proto, node, values)
        if not np.any(error):
            continue
        changed = float_engines.evaluate(float_engines.with_error_added(proto, index, error), feeds)[output]
        effect = changed - exact
        by_type[node.op_type] = by_type[node.op_type] + effect
        rows.append((np.abs(effect).max(), np.abs(error).max(), np.abs(values[node.output[0]]).max(), node))
    total = sum(by_type.values())
    print(f"  sum of the ops' effects {np.abs(total).max():.2e} "
          f"(onnxruntime's grid {np.abs(values[output] - exact).max():.2e})")
    print("  per op type, the effect of all its ops' errors together: " + "  ".join(
        f"{t} {np.abs(e).max():.1e}" for t, e in sorted(by_type.items(), key=lambda i: -np.abs(i[1]).max())))
    print("  effect on the grid | the op's own error | its output's max |value| | op")
    for effect, error, scale, node in sorted(rows, key=lambda row: -row[0]):
        print(f"  {effect:9.2e} {error:9.2e} {scale:9.2e}  {node.op_type} {node.name}")


if __name__ == "__main__":
    main()
