"""The `kerasgen` command answers mistakes with one line, and parses before TensorFlow."""

import os
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image

# Put on PYTHONPATH: records, at exit, whether tensorflow or keras was ever imported.
RECORDER = textwrap.dedent(
    """
    import atexit, os, sys

    def report():
        with open(os.environ["IMPORT_RECORD"], "w") as f:
            f.write(" ".join(m for m in ("tensorflow", "keras") if m in sys.modules))

    atexit.register(report)
    """
)


def run_console_script(args, tmp_path, **env):
    (tmp_path / "sitecustomize.py").write_text(RECORDER)
    record = tmp_path / "imports.txt"
    environment = dict(os.environ, PYTHONPATH=str(tmp_path), IMPORT_RECORD=str(record), **env)
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)
    environment.update(env)
    code = "import sys, kerasgen_cli; sys.exit(kerasgen_cli.main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            env=environment, timeout=120)
    return result, record.read_text()


def test_help_and_argument_errors_do_not_import_tensorflow(tmp_path):
    for args in (["--help"], ["sample", "--help"], ["sample"], ["export", "m.keras", "--format", "x"],
                 ["evaluate", "m.keras", "-n", "many"], ["fit"], ["nonsense"]):
        result, imported = run_console_script(args, tmp_path)
        assert result.returncode in (0, 2), (args, result.stderr)
        assert imported == "", (args, imported)
        assert "Traceback" not in result.stderr
    result, _ = run_console_script(["sample", "-n", "x"], tmp_path)
    assert "argument -n/--num-samples: invalid int value: 'x'" in result.stderr


def test_zoo_list_and_show_run_without_tensorflow(tmp_path):
    for args, expected in ((["zoo", "list"], "vae_mnist5k"),
                           (["zoo", "show", "vae_mnist5k"], '"class_name": "VAE"')):
        result, imported = run_console_script(args, tmp_path)
        assert result.returncode == 0, (args, result.stderr[-2000:])
        assert expected in result.stdout
        assert imported == "", (args, imported)
    result, imported = run_console_script(["zoo", "show", "no_such_entry"], tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "no_such_entry" in result.stderr and imported == ""


def test_an_unknown_or_missing_keras_backend_is_one_line(tmp_path):
    out = str(tmp_path / "s.png")
    result, imported = run_console_script(["sample", "vae_mnist5k", "-o", out], tmp_path,
                                          KERAS_BACKEND="tensorflw")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.strip() == (
        "kerasgen sample: error: KERAS_BACKEND='tensorflw' is not a backend kerasgen runs on; "
        "expected one of tensorflow, jax, torch")
    assert imported == ""
    # A Python without jax: `sys.modules["jax"] = None` makes it not importable.
    (tmp_path / "nojax").mkdir()
    (tmp_path / "nojax" / "sitecustomize.py").write_text(
        RECORDER + "\nsys.modules['jax'] = None\n")
    environment = dict(os.environ, PYTHONPATH=str(tmp_path / "nojax"), KERAS_BACKEND="jax",
                       IMPORT_RECORD=str(tmp_path / "imports.txt"))
    code = "import sys, kerasgen_cli; sys.exit(kerasgen_cli.main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, "sample", "vae_mnist5k", "-o", out],
                            capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith(
        "kerasgen sample: error: KERAS_BACKEND='jax' but jax is not installed"), line
    assert "expected one of tensorflow, jax, torch" in line and not os.path.exists(out)


def test_a_command_that_runs_imports_kerasgen_and_sets_the_tf_log_level(tmp_path):
    code = (
        "import os, sys, kerasgen_cli; status = kerasgen_cli.main(sys.argv[1:]); "
        "import keras; "
        "assert keras.saving.get_registered_object('kerasgen>VAE') is not None; "
        "print('level', os.environ['TF_CPP_MIN_LOG_LEVEL']); sys.exit(status)"
    )
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code, "sample", str(tmp_path / "none.keras"),
                             "-o", str(tmp_path / "s.png")],
                            capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]  # a missing model: one line
    assert "none.keras" in result.stderr and "level 2" in result.stdout
    # A value the user set is kept.
    environment["TF_CPP_MIN_LOG_LEVEL"] = "0"
    code = ("import os, kerasgen_cli\ntry:\n    kerasgen_cli.main(['--help'])\n"
            "except SystemExit:\n    pass\nprint('level', os.environ['TF_CPP_MIN_LOG_LEVEL'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment, timeout=60)
    assert result.stdout.strip().endswith("level 0"), result.stdout[-500:]


def test_conditional_gan_on_unlabelled_images_is_one_line(tmp_path, capsys):
    from kerasgen import cli

    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(8):
        Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8)).save(folder / f"{index}.png")
    code = cli.main(["fit", "cgan", "--data", str(folder), "--epochs", "1",
                     "--out", str(tmp_path / "run"), "--verbose", "0"])
    error = capsys.readouterr().err
    assert code == 2 and "trains on labelled images" in error, error
