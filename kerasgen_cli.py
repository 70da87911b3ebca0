"""The `kerasgen` console script: parses the command line before kerasgen starts Keras.

`import kerasgen` imports Keras and TensorFlow (it registers every serializable class,
so that `keras.saving.load_model` finds them), which takes seconds. `--help`, a typo in
an option or a missing argument should be answered at once, so this launcher imports
the argparse-only command modules (`kerasgen.cli`, `kerasgen.commands.*`, ...) with the
`kerasgen` package object in place but its `__init__` not yet run, and runs it only
once the arguments parsed. In-process callers use `kerasgen.cli.main` directly.
"""

import importlib.util
import os
import sys

PACKAGE = "kerasgen"


def main(argv=None):
    # TensorFlow's C++ start-up lines (oneDNN, CUDA probing) are noise for a CLI user;
    # a value the user set is kept.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    package, spec = uninitialized_package()
    from kerasgen import cli

    parser = cli.build_parser()
    args = parser.parse_args(argv)  # exits here on --help or a bad argument
    args.argv = list(sys.argv[1:] if argv is None else argv)  # e.g. for a resume hint
    if package is not None:
        spec.loader.exec_module(package)  # registers every class (imports Keras)
    return cli.run(args, parser)


def uninitialized_package():
    """Puts the `kerasgen` package in `sys.modules` without running its `__init__`.

    Returns `(module, spec)`, or `(None, None)` when kerasgen is already imported.
    Importing a submodule then loads only that submodule (and what it imports).
    """
    if PACKAGE in sys.modules:
        return None, None
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        raise ModuleNotFoundError(f"No module named {PACKAGE!r}", name=PACKAGE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    return module, spec


if __name__ == "__main__":
    sys.exit(main())
