import subprocess
import sys


def test_importing_metrics_and_its_cli_does_not_import_keras():
    # `kerasgen --help` imports every subcommand's module; Keras loads on first use only.
    code = (
        "import sys, kerasgen.metrics, kerasgen.metrics.cli; "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules; "
        "kerasgen.metrics.frechet_distance"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_names_resolve():
    import kerasgen.metrics as metrics

    assert metrics.DomainClassifier.__name__ == "DomainClassifier"
    assert callable(metrics.evaluate) and callable(metrics.inception_score)
