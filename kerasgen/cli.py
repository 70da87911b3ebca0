"""The `kerasgen` command line: `kerasgen --help` lists the subcommands.

Each subcommand lives in its own module exposing `add_parser(subparsers)`, which
registers the parser and sets `func` to the function that runs it. These modules import
only argparse-level code at the top (Keras inside `func`): the console script
(`kerasgen_cli.main`) builds the parser before the `kerasgen` package initializes, so
`--help` and argument errors are answered without importing TensorFlow.
"""

import argparse
import importlib
import os
import sys

# subcommand name -> module that implements it
SUBCOMMANDS = {
    name: f"kerasgen.commands.{name}"
    for name in ("fit", "sample", "export", "evaluate", "zoo", "quickstart", "plot", "verify",
                 "encode")
}


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasgen",
        description="Train, sample, export and evaluate generative models (Keras 3).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in SUBCOMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and error.name.startswith(module_name.rsplit(".", 1)[0]):
                continue  # subcommand not available in this build
            raise
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Runs one command in this process (the console script is `kerasgen_cli.main`)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # e.g. for a resume hint
    return run(args, parser)


def run(args, parser):
    """Runs parsed `args`; a ValueError is one line on stderr and exit status 2."""
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        result = args.func(args)
    except KeyboardInterrupt:  # Ctrl-C: files are written atomically, so none is half-written
        print(f"kerasgen {args.command}: interrupted; no output was left half-written",
              file=sys.stderr)
        return 130
    except ValueError as error:  # bad input: one clear line, no traceback
        print(f"kerasgen {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full or read-only disk, an unreadable file: one line
        where = f" ({error.filename!r})" if getattr(error, "filename", None) else ""
        print(f"kerasgen {args.command}: error: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
