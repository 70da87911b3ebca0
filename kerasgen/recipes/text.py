"""Recipes for text: `text_vae` (a SequenceVAE with the collapse remedies on) and
`text_lm` (the same decoder without z), and the `kerasgen fit` pipeline for text files.

    kerasgen fit text_vae --data words.txt --out run

reads one item per line (or a folder of `.txt` files, `kerasgen.data.text`), holds out a
seeded random 10%, trains, and writes `run/model.keras` (the vocabulary is in its
config), `run/samples.txt`, `run/history.json` and `run/run.json`. Data options go
through `--set`: `max_length` (default 24), `too_long` (`error` or `drop`), `level`
(`char` or `word`), `lowercase`, `validation_fraction`. `--data names` trains on the US
census first names of the `names` package.
"""

import inspect
import os
import time

import keras
from kerasgen_runtime.files import atomic_path, write_json

from kerasgen import models, networks
from kerasgen.callbacks import MONITORS
from kerasgen.data import text
from kerasgen.data.text import write_items
from kerasgen.recipes import RECIPES, register
from kerasgen.run_folder import history_json
from kerasgen.schedules import Cyclical, LinearWarmup

DATA_OPTIONS = {"max_length": 24, "too_long": "error", "level": "char", "lowercase": False,
                "validation_fraction": 0.1}
OUTPUTS = ("model.keras", "samples.txt", "history.json", "run.json")


@register("text_vae", epochs=30, batch_size=64, data=None, value_range=None)
def build_text_vae(data_shape, num_classes=None, vocabulary=(), level="char", latent_dim=16,
                   embedding_dim=32, encoder_units=128, decoder_units=256, beta=1.0,
                   warmup_steps=1000, character_dropout=0.3, free_bits=0.5, learning_rate=2e-3,
                   cycle_steps=0, seed=0):
    """A SequenceVAE for ids of shape `data_shape` = `(max_length + 1,)`; the remedies
    (KL warm-up over `warmup_steps`, `character_dropout`, `free_bits`) are on by
    default; set all three to 0 for the plain model. `cycle_steps` > 0 replaces the
    warm-up by cyclical annealing (Fu et al. 2019) with cycles of that many steps."""
    encoder = networks.TextEncoder(len(vocabulary) + 4, data_shape[0], latent_dim,
                                   embedding_dim=embedding_dim, hidden_units=encoder_units,
                                   name="text_encoder")
    decoder = networks.TextDecoder(len(vocabulary) + 4, latent_dim, embedding_dim=embedding_dim,
                                   hidden_units=decoder_units, name="text_decoder")
    schedule = LinearWarmup(beta, warmup_steps) if warmup_steps else beta
    if cycle_steps:
        schedule = Cyclical(beta, cycle_steps)
    model = models.SequenceVAE(encoder, decoder, list(vocabulary), data_shape[0] - 1, level=level,
                               beta=schedule, character_dropout=character_dropout,
                               free_bits=free_bits, seed=seed, name="sequence_vae")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


@register("text_lm", epochs=30, batch_size=64, data=None, value_range=None)
def build_text_lm(data_shape, num_classes=None, vocabulary=(), level="char", embedding_dim=32,
                  decoder_units=256, learning_rate=2e-3, seed=0):
    """The text_vae decoder without z: a plain language model (the likelihood baseline)."""
    decoder = networks.TextDecoder(len(vocabulary) + 4, 0, embedding_dim=embedding_dim,
                                   hidden_units=decoder_units, name="text_decoder")
    model = models.SequenceVAE(None, decoder, list(vocabulary), data_shape[0] - 1, level=level, seed=seed,
                               name="sequence_vae")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


def load_items(data, options):
    """`(items, ids, vocabulary)` of a text file/folder, or of `names` (census first names)."""
    if data == "names" and not os.path.exists(data):
        items = text.census_names("first")
        vocabulary = text.Vocabulary.from_items(items, options["level"])
        return items, vocabulary.encode(items, options["max_length"]), vocabulary
    return text.load_text(data, options["max_length"], options["level"], options["too_long"],
                          options["lowercase"])


def train_text(recipe_name, data, out=None, epochs=None, batch_size=None, seed=0, hyperparameters=None,
               verbose=1, callbacks=()):
    """Trains a text recipe; returns `(model, history, seconds, split)` where `split` holds
    the items and ids of the training and held-out rows. Writes nothing unless `out`."""
    recipe = RECIPES[recipe_name]
    hyperparameters = dict(hyperparameters or {})
    options = {key: hyperparameters.pop(key, value) for key, value in DATA_OPTIONS.items()}
    accepted = set(inspect.signature(recipe.build).parameters) - {"data_shape", "num_classes", "vocabulary", "level", "seed"}
    unknown = sorted(set(hyperparameters) - accepted)
    if unknown:
        raise ValueError(f"hyperparameter(s) {unknown} are not taken by recipe {recipe_name!r}; "
                         f"it takes {sorted(accepted | set(DATA_OPTIONS))}")
    items, ids, vocabulary = load_items(data, options)
    train_rows, held_rows = text.split_items(len(items), options["validation_fraction"], seed)
    split = {"train_items": [items[i] for i in train_rows], "held_out_items": [items[i] for i in held_rows],
             "train_ids": ids[train_rows], "held_out_ids": ids[held_rows], "vocabulary": vocabulary}
    keras.utils.set_random_seed(seed)
    model = recipe.build(ids.shape[1:], vocabulary=vocabulary.tokens, level=vocabulary.level,
                         seed=seed, **hyperparameters)
    extra = [MONITORS[name](split["held_out_ids"][:500]) for name in model.monitors]
    start = time.perf_counter()
    history = model.fit(split["train_ids"], epochs=epochs or recipe.epochs,
                        batch_size=batch_size or recipe.batch_size,
                        validation_data=(split["held_out_ids"],), verbose=verbose,
                        callbacks=[*extra, *callbacks]).history
    seconds = time.perf_counter() - start
    history = {key: [float(v) for v in values] for key, values in history.items()}
    if out is not None:
        write_run(model, out, recipe_name, data, options, hyperparameters, history, seconds, seed, split)
    return model, history, seconds, split


def write_run(model, out, recipe_name, data, options, hyperparameters, history, seconds, seed, split):
    os.makedirs(out, exist_ok=True)
    with atomic_path(os.path.join(out, "model.keras")) as tmp:
        model.save(tmp)
    write_items(os.path.join(out, "samples.txt"), model.sample(16, seed=seed)
                + model.sample(16, seed=seed, temperature=0.8))
    write_json(os.path.join(out, "history.json"), history_json(history))
    write_json(os.path.join(out, "run.json"), {
        "recipe": recipe_name, "data": data, "data_options": options, "hyperparameters": hyperparameters,
        "num_train": len(split["train_items"]), "num_held_out": len(split["held_out_items"]),
        "vocabulary_size": len(split["vocabulary"]), "seed": seed, "seconds": round(seconds, 1)})


def fit_command(args, hyperparameters):
    """`kerasgen fit text_vae|text_lm --data FILE --out DIR`."""
    if not args.data:
        raise ValueError(f"--data must name a text file, a folder of .txt files or 'names' for "
                         f"recipe {args.model!r}, got none")
    if args.resume or args.limit or args.tensorboard:
        raise ValueError(f"--resume, --limit and --tensorboard are not available for the text "
                         f"recipe {args.model!r}")
    existing = [name for name in OUTPUTS if os.path.exists(os.path.join(args.out, name))]
    if existing and not args.overwrite:
        raise ValueError(f"--out {args.out!r} already holds a run ({', '.join(existing)}); pass "
                         "--overwrite to replace it, or choose another folder")
    model, _, seconds, split = train_text(args.model, args.data, args.out, args.epochs, args.batch_size,
                                          args.seed or 0, hyperparameters, args.verbose)
    print(f"Wrote {args.out}/model.keras and samples.txt ({len(split['train_items'])} items, "
          f"{seconds:.1f} s training)")
    return 0


for _name in ("text_vae", "text_lm"):
    RECIPES[_name].fit = fit_command
