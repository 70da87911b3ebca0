"""Export-time graph optimization: the exact rewrites of `kerasgen.export.rewrites` that
make this network faster under onnxruntime, chosen by measuring it.

The rule (`optimize`): BatchNormalization folding is always applied (fewer ops, exact).
Then, one at a time, each candidate -- for every stride-2 ConvTranspose its sub-pixel
form (one Conv per output phase, or one Conv for all phases; alone, or with the next
Conv computed on the phases), then the narrow output Conv as a ConvTranspose -- is
applied on top of what was kept so far, and kept only if

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

from kerasgen.export import checks, rewrites, subpixel

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
    """`[[(label, function proto -> (proto, nodes)), ...], ...]`: groups of alternatives,
    tried in order; of a group at most one (the fastest that qualifies) is kept.

    A group per stride-2 ConvTranspose: its sub-pixel forms (split, single), each alone
    and with the Conv after its DepthToSpace computed on the phases (`conv_on_phases`:
    the sub-pixel form of a wide layer pays only without that DepthToSpace), one Conv
    or, for the split form, one per phase map and a Sum (no Concat). Then the
    narrow output Conv as a ConvTranspose (last: it may be the Conv `conv_on_phases`
    made).
    """
    groups = []
    forms = [(split, fused) for fused in (None, "single") for split in (True, False)]
    forms.append((True, "split"))  # the next Conv per phase map, summed: no Concat
    for node in proto.graph.node:
        if node.op_type == "ConvTranspose":
            groups.append([
                (f"subpixel_{'split' if split else 'single'}"
                 f"{'' if fused is None else '_on_phases' + ('_split' if fused == 'split' else '')}",
                 lambda p, n=node.name, s=split, f=fused: subpixel_form(p, n, s, f))
                for split, fused in forms])
    groups.append([("narrow_conv", rewrites.narrow_conv)])
    return groups


def subpixel_form(proto, name, split, fused):
    """`subpixel.subpixel` of one node, then (`fused`: "single" or "split") the Conv
    after its DepthToSpace on the phases (`subpixel.conv_on_phases`)."""
    rewritten, nodes = subpixel.subpixel(proto, [name], split)
    if not nodes or fused is None:
        return rewritten, nodes
    before = {node.name for node in proto.graph.node if node.op_type == "DepthToSpace"}
    added = [node.name for node in rewritten.graph.node
             if node.op_type == "DepthToSpace" and node.name not in before]
    rewritten, convs = subpixel.conv_on_phases(rewritten, added, split=fused == "split")
    return (rewritten, nodes + convs) if convs else (proto, [])


def optimize(proto, metadata, check=None, repeats=7):
    """Applies the rewrites that are exact and measured faster; returns `(proto, report)`.

    `check(proto, batch_sizes)` is the export's parity gate against Keras, run on the
    result (it raises `ExportCheckError`); None skips it. The report is stored in the
    file's metadata as `optimization`.
    """
    plain = proto
    references, expected = reference_outputs(plain, metadata)
    timing = timing_inputs(metadata)

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
    for group in candidates(current):
        kept = None
        for label, rewrite in group:
            candidate, nodes = rewrite(current)
            if not nodes:
                continue  # nothing qualifies
            entry = {"rewrite": label, "nodes": nodes}
            try:
                entry["max_abs_diff"] = exact_difference(candidate, references, expected)
            except checks.ExportCheckError as error:  # a rewrite bug: never shipped
                rejected.append({**entry, "reason": str(error)})
                continue
            ratios = time_ratios(current, candidate, timing, repeats)
            entry["cpu_time_ratio"] = {str(b): round(r, 3) for b, r in ratios.items()}
            faster = ratios[64] <= 1 - MIN_GAIN and ratios[1] <= 1 + MAX_LOSS
            if faster and (kept is None or ratios[64] < kept[2][64]):
                if kept is not None:
                    rejected.append({**kept[1], "reason": "a faster alternative was kept"})
                kept = (candidate, entry, ratios)
            else:
                rejected.append(entry)
        if kept is not None:
            current = kept[0]
            applied.append(kept[1])
    differences = check(current, EXACT_BATCH_SIZES) if check is not None else None
    report = {"applied": applied, "rejected": rejected, "rule": RULE,
              "onnxruntime": onnxruntime.__version__}
    return current, report, differences


def reference_outputs(plain, metadata):
    """`(inputs, outputs)` per `EXACT_BATCH_SIZES` of the unrewritten graph `plain`."""
    references = {b: checks.check_inputs(metadata, b, seed=1000 + b) for b in EXACT_BATCH_SIZES}
    plain_session = session(plain)
    return references, {b: run_all(plain_session, inputs) for b, inputs in references.items()}


def exact_difference_to(plain, candidate, metadata):
    """`exact_difference` of `candidate` against the unrewritten graph `plain`."""
    return exact_difference(candidate, *reference_outputs(plain, metadata))


def timing_inputs(metadata):
    """The inputs the rule times, at batch 1 and 64."""
    return {b: checks.check_inputs(metadata, b, seed=b) for b in (1, 64)}


def time_ratios(current, candidate, timing, repeats):
    """`{batch: candidate's CPU time / current's}` (batch 1 gets 8x the repeats)."""
    sessions = [session(current), session(candidate)]
    ratios = {}
    for batch, inputs in timing.items():
        before, after = cpu_times(sessions, inputs, repeats * (8 if batch == 1 else 1))
        ratios[batch] = after / before
    return ratios


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
