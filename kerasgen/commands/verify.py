"""`kerasgen verify DIR|ZOO_ENTRY`: check a bundle, or re-measure a zoo entry's card.

A bundle folder (`kerasgen export MODEL --format bundle|hub`): every file's sha256, the
reference latents and every model's outputs recomputed (`kerasgen_runtime.bundle`).
A zoo entry: its weights' sha256, then its card's headline number re-measured with the
entry's own protocol at the N the card states; it agrees when within `TOLERANCE`
(relative), the spread left by floating-point differences between machines (the
protocols are seeded, so on one machine the number repeats to its 6 printed digits).
"""

import math
import os

TOLERANCE = 1e-3


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "verify",
        help="check a bundle (hashes, reference outputs) or re-measure a zoo entry's headline number",
        description="Verify a bundle written by `kerasgen export --format bundle|hub` (sha256 of "
        "every file, the reference outputs recomputed; exit 1 naming the first failure), or a "
        "zoo entry (weights sha256, its card's headline number re-measured at the card's N; "
        f"agrees within {TOLERANCE:g} relative).",
    )
    parser.add_argument("target", help="a bundle folder (holds manifest.json) or a zoo entry name or folder")
    parser.set_defaults(func=run)


def run(args):
    from kerasgen_runtime.bundle import MANIFEST

    if os.path.isfile(os.path.join(args.target, MANIFEST)):
        from kerasgen_runtime import bundle

        return bundle.main(args.target)
    return verify_entry(args.target)


def verify_entry(name_or_path):
    """Re-measures the headline metric of a zoo entry; returns the exit status."""
    from kerasgen.zoo.entry import Entry
    from kerasgen.zoo.evaluation import evaluate_model

    entry = Entry.open(name_or_path)  # ValueError naming the entries if unknown
    metrics = entry.config.get("metrics") or {}
    key = entry.config.get("key_metric") or next(iter(metrics), None)
    if key is None or not entry.recipe or "evaluation" not in entry.recipe:
        raise ValueError(f"entry {entry.name!r} has no measured headline number to verify")
    stated = metrics[key]
    model = entry.load_model()  # sha256-verified weights: a swapped file fails here
    print(f"{entry.name}: weights sha256 {entry.config['weights']['sha256'][:16]}... verified")
    print(f"  re-measuring {key} (N={stated['n']}: {stated['protocol']})")
    measured = evaluate_model(model, entry.recipe)[key]
    value, expected = measured["value"], stated["value"]
    difference = abs(value - expected) / max(abs(expected), 1e-12)
    agrees = measured["n"] == stated["n"] and math.isfinite(value) and difference <= TOLERANCE
    print(f"  card {expected:g}, measured {value:g} (N={measured['n']}): relative difference "
          f"{difference:.2g} {'<=' if agrees else '>'} tolerance {TOLERANCE:g}")
    print(f"{'PASS' if agrees else 'FAIL'}: {entry.name} {key} "
          f"{'agrees with' if agrees else 'does not agree with'} its card")
    return 0 if agrees else 1
