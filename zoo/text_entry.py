"""The zoo's text entries (`"kind": "text"` in entry.json): written from the runs of
`benchmarks/text_vae_collapse.py`, and their cards rendered from entry.json alone.

The card tells the posterior-collapse story in numbers: the plain SequenceVAE, the
`text_vae` recipe with its remedies and the `text_lm` language model, trained with the
same budget, then measured on the same held-out items.
"""

import json
import os
import platform

from kerasgen_runtime.files import sha256_file, write_json, write_text

COMMAND = "nice -n 10 python benchmarks/text_vae_collapse.py --out zoo/{name} --entry"
ROWS = ("plain", "remedied", "language_model")
LABELS = {"plain": "SequenceVAE, no remedy", "remedied": "`text_vae` recipe (KL warm-up, character dropout, free bits)",
          "language_model": "`text_lm` (the same decoder without z)"}


def metric(value, n, protocol):
    return {"value": round(float(value), 4), "n": int(n), "protocol": protocol}


def entry_metrics(result, settings):
    n, k = settings["num_held_out"], settings["importance_samples"]
    return {
        "nll_per_token": metric(result["nll_per_token"], n, f"held-out names, importance-weighted -log p(x), K = {k}, nats per token (characters + end of sequence)"),
        "kl_per_token": metric(result["posterior"]["kl_per_token"], n, "held-out names, KL(q(z|x) || p(z)) summed over items / tokens, nats"),
        "active_units": metric(result["posterior"]["active_units"], n, "latent dims with Var_x(E_q[z|x]) > 0.01"),
        "reconstruction_items": metric(result["reconstruction"]["items"], n, "held-out names decoded exactly (greedy from the posterior mean)"),
        "reconstruction_tokens": metric(result["reconstruction"]["tokens"], n, "held-out token positions decoded right (greedy from the posterior mean)"),
        "novel_and_valid_greedy": metric(result["samples_greedy"]["novel_and_valid"], 1000, "greedy samples (seed 0) not in the training names and in the census first/last name lists"),
    }


def write_entry(model, results, out, argv=()):
    """Writes `out/model.weights.h5`, `entry.json`, `evaluation.json` and `README.md`."""
    # Keras inside: zoo.card imports this module, and `kerasgen zoo list` reads cards
    # without Keras or TensorFlow (zoo.build imports both, and zoo.card).
    import keras

    from kerasgen.zoo.build import save_inference_weights, versions

    name = os.path.basename(os.path.normpath(out))
    weights = os.path.join(out, "model.weights.h5")
    save_inference_weights(model, weights)
    settings = results["settings"]
    config = {
        "name": name, "kind": "text",
        "description": (f"Character-level SequenceVAE (GRU encoder {model.encoder.get_config()['hidden_units']}, "
                        f"GRU decoder {model.decoder.hidden_units} conditioned on z, latent {model.latent_dim}) on "
                        f"the US census first names of the `names` package, with KL warm-up, character dropout "
                        f"and free bits against posterior collapse."),
        "class_name": type(model).__name__, "registered_name": f"kerasgen>{type(model).__name__}",
        "config": keras.saving.serialize_keras_object(model)["config"],
        "weights": {"file": "model.weights.h5", "sha256": sha256_file(weights), "size": os.path.getsize(weights)},
        "parameters": int(model.count_params()),
        "training": {"seconds": results["remedied"]["seconds"], "epochs_run": settings["epochs"],
                     "device": f"CPU ({platform.machine()}, {os.cpu_count()} cores, shared)",
                     "command": COMMAND.format(name=name),
                     "written_by": "python benchmarks/text_vae_collapse.py " + " ".join(argv)},
        "versions": versions(),
        "key_metric": "nll_per_token",
        "metrics": entry_metrics(results["remedied"], settings),
        "text_card": {"settings": settings, "runs": {row: summary(results[row]) for row in ROWS}},
    }
    config = json.loads(json.dumps(config))
    write_json(os.path.join(out, "entry.json"), config)
    write_json(os.path.join(out, "evaluation.json"), results)
    write_text(os.path.join(out, "README.md"), render_text_card(config))
    return config


def summary(result):
    posterior = result.get("posterior") or {}
    history = result.get("history", {})
    return {
        "seconds": result["seconds"], "nll_per_token": round(result["nll_per_token"], 4),
        "best_val_loss": round(min(history["val_loss"]), 3) if history.get("val_loss") else None,
        "final_val_loss": round(history["val_loss"][-1], 3) if history.get("val_loss") else None,
        "kl_per_token": None if not posterior else round(posterior["kl_per_token"], 4),
        "active_units": posterior.get("active_units"), "latent_dim": posterior.get("latent_dim"),
        "reconstruction": {k: round(v, 4) for k, v in result["reconstruction"].items()},
        "samples_greedy": {k: round(v, 3) for k, v in result["samples_greedy"].items()},
        "samples_temperature_1": {k: round(v, 3) for k, v in result["samples_temperature_1"].items()},
        "examples": result["examples"], "homotopies": result.get("homotopies"),
        "reconstructions": result.get("reconstructions"),
    }


def render_text_card(config):
    """The card of a text entry, from its entry.json alone."""
    name, card = config["name"], config["text_card"]
    runs, settings = card["runs"], card["settings"]
    weights = config["weights"]
    lines = [f"# {name}", "", config["description"], "",
             "| | |", "|---|---|", f"| model | `kerasgen.models.{config['class_name']}` |",
             f"| data | US census first names (`names` package), {settings['num_train']} training / "
             f"{settings['num_held_out']} held out (seeded random 10%, seed {settings['seed']}), max_length {settings['max_length']} |",
             f"| parameters | {config['parameters']:,} |",
             f"| weights | `{weights['file']}`, {weights['size']:,} bytes, sha256 `{weights['sha256']}` |",
             f"| CPU training time | {config['training']['seconds']:.0f} s over {settings['epochs']} epochs (batch "
             f"{settings['batch_size']}) on {config['training']['device']} |",
             "| versions | " + ", ".join(f"{k} {v}" for k, v in config["versions"].items()) + " |", "",
             "## Measured", "", "| metric | value | N | protocol |", "|---|---|---|---|"]
    for metric_name, value in config["metrics"].items():
        lines.append(f"| {metric_name} | {value['value']:g} | {value['n']} | {value['protocol']} |")
    lines += ["", "## Posterior collapse, and the remedies (same epochs, batch, decoder, data)", "",
              "| run | KL / token (nats) | active units | held-out NLL / token (IW bound) | best / last val loss per item | "
              "reconstruction: items / tokens | greedy samples: distinct / novel / valid | training s |",
              "|---|---|---|---|---|---|---|---|"]
    for row in ROWS:
        run = runs[row]
        kl = "—" if run["kl_per_token"] is None else f"{run['kl_per_token']:g}"
        units = "—" if run["active_units"] is None else f"{run['active_units']} of {run['latent_dim']}"
        greedy = run["samples_greedy"]
        lines.append(f"| {LABELS[row]} | {kl} | {units} | {run['nll_per_token']:g} | {run['best_val_loss']} / "
                     f"{run['final_val_loss']} | {run['reconstruction']['items']:g} / {run['reconstruction']['tokens']:g} | "
                     f"{greedy['distinct']:g} / {greedy['novel']:g} / {greedy['valid']:g} | {run['seconds']:.0f} |")
    lines += ["", "NLL: the language model's is exact, the VAEs' an importance-weighted upper bound. "
              "Val loss: the validation loss of `fit` per name in nats (a VAE's: the one-sample negative "
              "ELBO), at the best and the last epoch. Valid: a name of the census first or last name "
              "lists; novel: not a training name. Training seconds were measured on a shared, loaded "
              "machine (same epochs and batches for all three runs).", ""]
    lines += ["## Samples (seed 0)", "", "Drawn with the `numpy-pcg64` latent generator the benchmark pins "
              "(`model.sample(8, seed=0, latent_generator=\"numpy-pcg64\")` gives the middle column's "
              "greedy row); `model.sample(8, seed=0)` draws with the portable `kerasgen-v1`, as the "
              "web page and `kerasgen-sample` do.", "", "| decoding | " + " | ".join(LABELS[r].split(" (")[0] for r in ROWS) + " |",
              "|---|---|---|---|"]
    for decoding in runs["remedied"]["examples"]:
        lines.append(f"| {decoding} | " + " | ".join(", ".join(runs[r]["examples"][decoding]) for r in ROWS) + " |")
    lines += ["", "## Homotopies (greedy decodings between two encoded names)", "",
              "| from -> to | remedied | plain |", "|---|---|---|"]
    for pair, path in runs["remedied"]["homotopies"].items():
        lines.append(f"| {pair} | {' → '.join(path)} | {' → '.join(runs['plain']['homotopies'][pair])} |")
    lines += ["", "## Reconstructions (greedy from the posterior mean)", "", "| name | remedied | plain |", "|---|---|---|"]
    for item, decoded in runs["remedied"]["reconstructions"].items():
        lines.append(f"| {item} | {decoded} | {runs['plain']['reconstructions'][item]} |")
    lines += ["", "## Reproduce", "", f"`{config['training']['command']}` (all three runs and this folder; "
              "15-40 minutes on 2 shared CPU cores). The recipe alone: "
              f"`kerasgen fit text_vae --data names --set max_length={settings['max_length']} --out run`.", "",
              f"This folder was written by `{config['training']['written_by']}`.", "",
              "## Use", "", "```python", "import kerasgen.zoo", f'model = kerasgen.zoo.load("{name}")',
              "model.sample(8, seed=0)  # kerasgen-v1 latents, the same names in the browser", "```", ""]
    return "\n".join(lines)
