"""SPADE vs its ablation on layouts, same budget: the paper's claim that SPADE keeps the
layout that a map fed as ordinary input loses.

    python benchmarks/spade_vs_baseline.py [--json]

Runs the zoo's `semantic_synthesis` protocol (kerasgen.zoo.spade_evaluation) on the
shipped weights of `spade_layouts` (SPADE generator) and `spade_concat_layouts` (the
same model and training budget, the map concatenated to each block's convolution
inputs with plain instance normalization), and prints both with their difference.
"""

import argparse
import json

ENTRIES = ("spade_layouts", "spade_concat_layouts")
ROWS = ("miou", "pixel_accuracy", "real_miou", "fid", "fid_floor", "kid", "kid_floor", "style_error", "style_error_random_z",
        "diversity", "kl_per_dimension", "kl_dimension_min", "kl_dimension_max", "active_dimensions")


def measure():
    from kerasgen import zoo
    from kerasgen.zoo.evaluation import evaluate_model

    results = {}
    for name in ENTRIES:
        entry = zoo.Entry.open(name)
        results[name] = {
            "metrics": evaluate_model(entry.load_model(), entry.recipe),
            "training_seconds": entry.config["training"]["seconds"],
            "epochs": entry.config["training"]["epochs_run"],
        }
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = measure()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    spade, concat = (results[name]["metrics"] for name in ENTRIES)
    print(f"{'metric':22s} {'spade':>10s} {'concat':>10s} {'spade-concat':>13s}  N")
    for row in ROWS:
        a, b = spade[row]["value"], concat[row]["value"]
        print(f"{row:22s} {a:10.4g} {b:10.4g} {a - b:13.4g}  {spade[row]['n']}")
    for name in ENTRIES:
        print(f"{name}: {results[name]['epochs']} epochs, {results[name]['training_seconds']:.0f} s CPU training")
    verdict = "beats" if spade["miou"]["value"] > concat["miou"]["value"] else "does NOT beat"
    print(f"SPADE {verdict} the concatenation baseline on layout mIoU "
          f"({spade['miou']['value']:.4f} vs {concat['miou']['value']:.4f}; ceiling {spade['real_miou']['value']:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
