"""The `kerasgen` console script: parses the command line before kerasgen starts Keras.

`import kerasgen` imports Keras and TensorFlow (it registers every serializable class,
so that `keras.saving.load_model` finds them), which takes seconds. `--help`, a typo in
an option or a missing argument should be answered at once, so this launcher imports
the argparse-only command modules (`kerasgen.cli`, `kerasgen.commands.*`, ...) with the
`kerasgen` package object in place but its `__init__` not yet run, and runs it only
once the arguments parsed, and only for a subcommand that needs Keras: one that needs
none (`kerasgen zoo list`, `kerasgen zoo show`) sets `needs_keras=False` in its
parser's defaults and runs without TensorFlow. In-process callers use
`kerasgen.cli.main` directly.
"""

import importlib.util
import os
import re
import sys
import tempfile

PACKAGE = "kerasgen"
BACKENDS = ("tensorflow", "jax", "torch")  # the Keras backends kerasgen.backend trains on
# What TensorFlow's C++ start-up prints on stderr whatever TF_CPP_MIN_LOG_LEVEL says:
# absl's header, INFO lines (oneDNN, CUDA probing, CPU features) and their continuation.
START_UP_NOISE = re.compile(
    r"^(?:WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:.]+ +\d+ \S+:\d+\] .*"
    r"|To enable the following instructions: .*)$"
)


def main(argv=None):
    # TensorFlow's C++ start-up lines (oneDNN, CUDA probing) are noise for a CLI user
    # (those printed before TF reads this are filtered by `quietly`); a value the user
    # set is kept.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    package, spec = uninitialized_package()
    from kerasgen import cli

    parser = cli.build_parser()
    args = parser.parse_args(argv)  # exits here on --help or a bad argument
    args.argv = list(sys.argv[1:] if argv is None else argv)  # e.g. for a resume hint
    if package is not None and getattr(args, "needs_keras", True):
        problem = backend_problem(os.environ.get("KERAS_BACKEND"))
        if problem:  # Keras would end in a traceback
            print(f"kerasgen {args.command}: error: {problem}", file=sys.stderr)
            return 2
        quietly(lambda: spec.loader.exec_module(package))  # registers every class (imports Keras)
    return cli.run(args, parser)


def backend_problem(name):
    """Why Keras cannot start on KERAS_BACKEND=`name` (one line), or None.

    Unset or empty, Keras uses its config file's backend (TensorFlow by default). Checked
    before Keras is imported: an unknown name ends there in a ValueError traceback, a
    backend that is not installed in a ModuleNotFoundError one."""
    if not name:
        return None
    choices = ", ".join(BACKENDS)
    if name not in BACKENDS:
        return f"KERAS_BACKEND={name!r} is not a backend kerasgen runs on; expected one of " + choices
    if importlib.util.find_spec(name) is None:
        installed = ", ".join(b for b in BACKENDS if importlib.util.find_spec(b) is not None)
        return (f"KERAS_BACKEND={name!r} but {name} is not installed (pip install {name}); "
                f"installed: {installed or 'none'} (expected one of {choices})")
    return None


def quietly(load):
    """Runs `load` (which imports TensorFlow) with stderr captured at the file-descriptor
    level, then prints what it wrote except TensorFlow's start-up noise (`START_UP_NOISE`:
    C++ code prints it before Python's logging or TF_CPP_MIN_LOG_LEVEL apply). Every
    other line, a traceback included, still reaches stderr. TF_CPP_MIN_LOG_LEVEL=0 (TF's
    most verbose level) shows everything."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        return load()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            return load()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode("utf-8", "replace").splitlines()
            kept = [line for line in lines if not START_UP_NOISE.match(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()


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
