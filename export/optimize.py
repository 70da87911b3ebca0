"""Export-time graph optimization: the exact rewrites of `kerasgen.export.rewrites` that
make this network faster under onnxruntime, chosen by measuring it.

The rule (`optimize`): BatchNormalization folding is always applied (fewer ops, exact).
Then, one at a time, each candidate -- the narrow output Conv as a ConvTranspose, and
for every stride-2 ConvTranspose its sub-pixel form (one Conv per output phase, or one
Conv for all phases) -- is applied on top of what was kept so far, and kept only if

  1. it is exact: the rewritten graph's outputs differ from the unrewritten export's
     by <= `EXACT_TOLERANCE` at batch 1, 7 and 64 (float32 summation order only), and
  2. it is faster: a single-threaded onnxruntime session's CPU time per call (best of
     interleaved repeats, measured on the calling thread, so time spent waiting for a
     busy core does not count) is at least `MIN_GAIN` lower at batch 64 and at most
     `MAX_LOSS` higher at batch 1.

Single-threaded CPU time is the measure because it stays put on a loaded machine
(wall time there swings by 2-3x between repeats) and because it is what large batches
cost: `Sampler` splits them over cores, one thread per sub-batch. The whole result then
passes the export's parity gate against Keras at batch 1, 7 and 64 before it is written.
"""

import time

import numpy as np
import onnxruntime

from kerasgen.export import checks, rewrites

EXACT_TOLERANCE = 1e-5
EXACT_BATCH_SIZES = (1, 7, 64)
MIN_GAIN = 0.05
MAX_LOSS = 0.05
RULE = (
    "kept if exact (<= 1e-5 vs the unrewritten graph at batch 1, 7, 64) and >= 5% less "
    "single-thread onnxruntime CPU time at batch 64, <= 5% more at batch 1"
)


def session(proto, threads=1):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        proto.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
    )


def run_all(sess, inputs):
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, inputs)))


def cpu_times(sessions, inputs, repeats):
    """Best single-thread CPU seconds per call of each session, taking turns."""
    best = [float("inf")] * len(sessions)
    for sess in sessions:  # warm-up: first calls allocate
        sess.run(None, inputs)
    for _ in range(repeats):
        for index, sess in enumerate(sessions):
            start = time.thread_time()
            sess.run(None, inputs)
            best[index] = min(best[index], time.thread_time() - start)
    return best


def candidates(proto):
    """`[(label, function proto -> (proto, nodes))]` to try, in order."""
    found = [("narrow_conv", rewrites.narrow_conv)]
    for node in proto.graph.node:
        if node.op_type == "ConvTranspose":
            for split in (True, False):
                label = f"subpixel_{'split' if split else 'single'}:{node.name}"
                found.append((label, lambda p, n=node.name, s=split: rewrites.subpixel(p, [n], s)))
    return found


def optimize(proto, metadata, check=None, repeats=7):
    """Applies the rewrites that are exact and measured faster; returns `(proto, report)`.

    `check(proto, batch_sizes)` is the export's parity gate against Keras, run on the
    result (it raises `ExportCheckError`); None skips it. The report is stored in the
    file's metadata as `optimization`.
    """
    plain = proto
    references = {b: checks.check_inputs(metadata, b, seed=1000 + b) for b in EXACT_BATCH_SIZES}
    plain_session = session(plain)
    expected = {b: run_all(plain_session, inputs) for b, inputs in references.items()}
    timing = {b: checks.check_inputs(metadata, b, seed=b) for b in (1, 64)}

    current, applied = plain, []
    rejected = []
    folded_proto, folded = rewrites.fold_batch_norm(current)
    if folded:
        entry = {"rewrite": "fold_batch_norm", "nodes": folded}
        try:
            entry["max_abs_diff"] = exact_difference(folded_proto, references, expected)
            current = folded_proto
            applied.append(entry)
        except checks.ExportCheckError as error:
            rejected.append({**entry, "reason": str(error)})
    for label, rewrite in candidates(current):
        candidate, nodes = rewrite(current)
        if not nodes:
            continue  # nothing qualifies, or that ConvTranspose is rewritten already
        entry = {"rewrite": label.split(":")[0], "nodes": nodes}
        try:
            entry["max_abs_diff"] = exact_difference(candidate, references, expected)
        except checks.ExportCheckError as error:  # a rewrite bug: never shipped
            rejected.append({**entry, "reason": str(error)})
            continue
        ratios = {}
        for batch, inputs in timing.items():
            before, after = cpu_times([session(current), session(candidate)], inputs,
                                      repeats * (8 if batch == 1 else 1))
            ratios[batch] = after / before
        entry["cpu_time_ratio"] = {str(b): round(r, 3) for b, r in ratios.items()}
        if ratios[64] <= 1 - MIN_GAIN and ratios[1] <= 1 + MAX_LOSS:
            current = candidate
            applied.append(entry)
        else:
            rejected.append(entry)
    differences = check(current, EXACT_BATCH_SIZES) if check is not None else None
    report = {"applied": applied, "rejected": rejected, "rule": RULE,
              "onnxruntime": onnxruntime.__version__}
    return current, report, differences


def exact_difference(candidate, references, expected):
    """Max |diff| of `candidate` against the unrewritten graph; raises above tolerance.

    Rewrites are exact by construction, so a difference above float32 rounding is a
    bug in a rewrite: `optimize` then leaves that rewrite out and says so.
    """
    sess = session(candidate)
    worst = 0.0
    for batch, inputs in references.items():
        worst = max(worst, checks.max_abs_difference(
            expected[batch], run_all(sess, inputs), "the rewritten ONNX graph"))
    if not worst <= EXACT_TOLERANCE:
        raise checks.ExportCheckError(
            f"a graph rewrite changed the outputs by max |diff| = {worst:.3g}, above "
            f"{EXACT_TOLERANCE:g}: not an exact rewrite"
        )
    return worst
