import subprocess
import sys


def test_every_subcommand_parser_builds_without_keras():
    # `kerasgen --help` imports every subcommand's module before kerasgen initializes
    # (kerasgen_cli); those modules must not import Keras at module level.
    code = (
        "import sys, kerasgen_cli; kerasgen_cli.uninitialized_package(); "
        "from kerasgen import cli; parser = cli.build_parser(); "
        "import kerasgen.commands.evaluate, kerasgen.commands.export, kerasgen.commands.zoo; "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules; "
        "assert {'fit', 'sample', 'export', 'evaluate', 'zoo'} <= set("
        "parser._subparsers._group_actions[0].choices)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_names_resolve():
    import kerasgen.metrics as metrics

    assert metrics.DomainClassifier.__name__ == "DomainClassifier"
    assert callable(metrics.evaluate) and callable(metrics.inception_score)
