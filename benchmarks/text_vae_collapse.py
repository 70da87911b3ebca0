"""Posterior collapse of a text VAE in numbers, and the zoo entry text_vae_names.

Trains three models on the US census first names (`names` package; a seeded random 10%
held out) with the same epochs, batch size and decoder: the plain SequenceVAE (no
remedy), the `text_vae` recipe (KL warm-up, character dropout, free bits) and the
`text_lm` recipe (the same decoder without z). Measures on the held-out names: KL per
token and active units, per-token NLL (importance-weighted bound, K samples),
reconstruction accuracy; on samples from the prior: the shares that are novel (not a
training name) and valid (a census first or last name); and homotopies. Writes
`OUT/evaluation.json` and, with `--entry`, the zoo entry (weights of the recipe's model,
`entry.json`, the card `README.md`).

    nice -n 10 python benchmarks/text_vae_collapse.py --out zoo/text_vae_names --entry

`--only remedied --previous OLD/evaluation.json` retrains one run and takes the other
two runs' results from an earlier full run (same code, same settings).
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kerasgen.data import text  # noqa: E402
from kerasgen.metrics import text as text_metrics  # noqa: E402
from kerasgen.recipes.text import train_text  # noqa: E402

# The card's numbers and examples keep the generator they were measured with.
PROTOCOL_LATENTS = "numpy-pcg64"
PLAIN = {"warmup_steps": 0, "character_dropout": 0.0, "free_bits": 0.0}
PAIRS = (("mary", "john"), ("christopher", "ann"), ("elizabeth", "bob"))


def evaluate(model, split, dictionary, num_samples, seed):
    ids, items = split["held_out_ids"], split["held_out_items"]
    nll = model.log_likelihood(ids, num_samples=num_samples, seed=seed)
    report = {
        "nll_per_token": float(nll.sum() / text_metrics.token_counts(ids).sum()),
        "nll_per_item": float(nll.mean()),
        "reconstruction": text_metrics.reconstruction_accuracy(model, items),
        "samples_greedy": text_metrics.sample_quality(model.sample(1000, seed=seed, latent_generator=PROTOCOL_LATENTS), split["train_items"], dictionary),
        "samples_temperature_1": text_metrics.sample_quality(
            model.sample(1000, seed=seed, temperature=1.0, latent_generator=PROTOCOL_LATENTS), split["train_items"], dictionary),
        "examples": {"greedy": model.sample(8, seed=seed, latent_generator=PROTOCOL_LATENTS),
                     "temperature_0.8": model.sample(8, seed=seed, temperature=0.8, latent_generator=PROTOCOL_LATENTS),
                     "top_k_5": model.sample(8, seed=seed, temperature=1.0, top_k=5, latent_generator=PROTOCOL_LATENTS)},
    }
    if model.encoder is not None:
        report["posterior"] = text_metrics.posterior_usage(model, ids)
        report["homotopies"] = {f"{a} -> {b}": model.interpolate(a, b, steps=7) for a, b in PAIRS}
        report["reconstructions"] = dict(zip(items[:8], model.reconstruct(items[:8])))
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--importance-samples", type=int, default=100)
    parser.add_argument("--entry", action="store_true", help="write the zoo entry into --out")
    parser.add_argument("--only", choices=("plain", "remedied", "language_model"), default=None,
                        help="train this run only; the others' results come from --previous")
    parser.add_argument("--previous", default=None, help="an evaluation.json this script wrote (with --only)")
    parser.add_argument("--save-models", action="store_true", help="also write OUT/{plain,remedied,language_model}.keras")
    args = parser.parse_args(argv)
    dictionary = set(text.census_names("first")) | set(text.census_names("last"))
    settings = {"max_length": 12}
    runs = {"plain": ("text_vae", PLAIN), "remedied": ("text_vae", {}), "language_model": ("text_lm", {})}
    results, models = {}, {}
    if args.only:
        if not args.previous:
            raise SystemExit("--only needs --previous, the evaluation.json of a full run")
        with open(args.previous) as f:
            previous = json.load(f)
        results = {name: previous[name] for name in runs if name != args.only}
        runs = {args.only: runs[args.only]}
    for name, (recipe, overrides) in runs.items():
        print(f"== {name}: recipe {recipe} {overrides}", flush=True)
        model, history, seconds, split = train_text(
            recipe, "names", epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
            hyperparameters={**settings, **overrides}, verbose=2)
        results[name] = {"recipe": recipe, "overrides": overrides, "seconds": round(seconds, 1),
                         "history": {k: v for k, v in history.items() if k in ("loss", "val_loss", "kl_loss", "active_units")},
                         **evaluate(model, split, dictionary, args.importance_samples, args.seed)}
        models[name] = model
        print(json.dumps({k: v for k, v in results[name].items() if k != "history"}, indent=1), flush=True)
    results = {name: results[name] for name in ("plain", "remedied", "language_model")}
    results["settings"] = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed,
                           "importance_samples": args.importance_samples, "num_train": len(split["train_items"]),
                           "num_held_out": len(split["held_out_items"]), **settings}
    os.makedirs(args.out, exist_ok=True)
    from kerasgen_runtime.files import atomic_path, write_json

    for name, model in models.items() if args.save_models else ():
        with atomic_path(os.path.join(args.out, f"{name}.keras")) as tmp:
            model.save(tmp)

    write_json(os.path.join(args.out, "evaluation.json"), results)
    if args.entry:
        from kerasgen.zoo.text_entry import write_entry

        write_entry(models["remedied"], results, args.out, argv=sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
