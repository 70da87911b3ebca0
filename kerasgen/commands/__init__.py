"""Subcommands of the `kerasgen` command line (see `kerasgen.cli`), one module each.

These are the argparse-level modules: `kerasgen --help` imports every one of them before
Keras is imported (`kerasgen_cli`), so each imports at its top only what building its
parser needs and imports what running it needs inside `run`. The modules a `run`
imports (`models`, `autoencoder_metrics`) import at their top. Here zoo names become
models and extractors (`models.load_model`, `kerasgen.zoo.extractors`): the metrics
take models and files.
"""
