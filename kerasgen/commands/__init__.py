"""Subcommands of the `kerasgen` command line (see `kerasgen.cli`)."""
