"""What every user sees: a progress bar that ends at its total, no TensorFlow start-up
noise, and one line (never a traceback) for a missing extra, a damaged or foreign
`.keras` file, Ctrl-C, a full disk and a bad `--columns`."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from kerasgen import cli

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "runtime", "tests", "fixtures")


@pytest.fixture
def digits(digits16):
    """The session's read-only folder of 16x16 digits, 8 per class (tests/conftest.py)."""
    return digits16  # 80 images: 5 steps of 16


def test_the_progress_bar_never_counts_past_its_total(digits, tmp_path, capsys):
    # dcgan compiles with steps_per_execution 8 > the 5 steps of an epoch here.
    out = str(tmp_path / "run")
    args = ["fit", "dcgan", "--data", digits, "--batch-size", "16", "--latent-dim", "8", "--out", out]
    assert cli.main([*args, "--epochs", "1"]) == 0
    assert cli.main([*args, "--epochs", "2", "--resume"]) == 0
    printed = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    counts = [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+) ━", printed)]
    assert counts and all(seen <= total for seen, total in counts), counts
    assert (5, 5) in counts and not re.search(r" -\d+s", printed)  # no negative ETA


def test_no_tensorflow_start_up_lines_by_default(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "import sys, kerasgen_cli; sys.exit(kerasgen_cli.main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, "sample", "missing.keras", "-o",
                             str(tmp_path / "g.png")], capture_output=True, text=True, env=environment,
                            timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kerasgen sample: error: model file 'missing.keras' does not exist"], result.stderr


def kerasgen_sample(*args, without=None):
    """Runs kerasgen-sample in a fresh process (optionally with a package not importable)."""
    code = ("import sys\n"
            + (f"sys.modules[{without!r}] = None  # as if not installed\n" if without else "")
            + "from kerasgen_runtime.cli import main\nsys.exit(main(sys.argv[1:]))")
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def one_line(process, code):
    out, err = process.communicate(timeout=120)
    assert process.returncode == code and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_a_png_without_pillow_is_refused_before_sampling(tmp_path):
    err = one_line(kerasgen_sample(os.path.join(FIXTURES, "gan.onnx"), "-n", "16", "-o",
                                   tmp_path / "grid.png", without="PIL"), 2)
    assert "needs Pillow" in err and "pip install 'kerasgen-zoo-runtime[png]'" in err
    assert os.listdir(tmp_path) == []


def test_columns_must_be_positive(tmp_path):
    err = one_line(kerasgen_sample(os.path.join(FIXTURES, "gan.onnx"), "-n", "4", "--columns", "0",
                                   "-o", tmp_path / "grid.png"), 2)
    assert "--columns must be a positive int, got 0" in err


def test_ctrl_c_while_sampling_is_one_line_and_leaves_nothing(tmp_path):
    target = tmp_path / "x.npy"
    process = kerasgen_sample(os.path.join(FIXTURES, "gan.onnx"), "-n", "20000000", "--batch-size", "64", "--threads", "1",
                              "-o", target)
    deadline = time.time() + 120
    def writing():  # well inside the sampling loop: the temporary holds samples
        names = [n for n in os.listdir(tmp_path) if n.startswith(".x.npy.")]
        return names and os.path.getsize(tmp_path / names[0]) > 1 << 20

    while not writing():
        assert process.poll() is None and time.time() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    err = one_line(process, 130)
    assert "interrupted; nothing was written to" in err
    assert os.listdir(tmp_path) == []


def test_damaged_and_foreign_keras_files_are_one_line(tmp_path, capsys):
    from kerasgen import recipes

    model = recipes.get("vae").build((8, 8, 1), latent_dim=2, hidden_units=[8])
    good = str(tmp_path / "vae.keras")
    model.save(good)
    with open(good, "rb") as f:
        (tmp_path / "truncated.keras").write_bytes(f.read()[:3000])
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(tmp_path / "foreign.keras", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config.update(class_name="SomeoneElsesModel", registered_name="theirs>SomeoneElsesModel")
                data = json.dumps(config).encode()
            target.writestr(item, data)
    for name, message in (("truncated.keras", "is not a complete .keras file"),
                          ("foreign.keras", "names the class 'SomeoneElsesModel', which no imported")):
        for command in (["sample", str(tmp_path / name), "-o", str(tmp_path / "g.png")],
                        ["export", str(tmp_path / name), "-o", str(tmp_path / "m.onnx")]):
            assert cli.main(command) == 2
            err = capsys.readouterr().err
            assert message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs (a full disk) needs root")
def test_a_full_disk_during_saved_model_export_is_one_line(tmp_path, capsys):
    from kerasgen import recipes

    model = recipes.get("vae").build((8, 8, 1), latent_dim=2, hidden_units=[8])
    keras_path = str(tmp_path / "vae.keras")
    model.save(keras_path)
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        assert cli.main(["export", keras_path, "--format", "saved_model", "-o", str(disk / "sm")]) == 1
        err = capsys.readouterr().err
        assert "could not write the SavedModel: No space left on device" in err
        assert len(err.strip().splitlines()) == 1, err
        assert os.listdir(disk) == []  # the temporary folder is gone
    finally:
        subprocess.run(["umount", str(disk)])


def test_ctrl_c_in_kerasgen_sample_is_one_line_and_leaves_nothing(tmp_path):
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.getcwd())
    process = subprocess.Popen(
        [sys.executable, "-m", "kerasgen.cli", "sample", os.path.join(FIXTURES, "gan.onnx"), "-n",
         "20000000", "--batch-size", "64", "-o", str(tmp_path / "x.npy")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 240
    while not [n for n in os.listdir(tmp_path) if n.startswith(".x.npy.")
               and os.path.getsize(tmp_path / n) > 1 << 20]:
        assert process.poll() is None and time.time() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err, err
    assert [line for line in err.splitlines() if line.startswith("kerasgen")] == [
        "kerasgen sample: interrupted; no output was left half-written"], err
    assert os.listdir(tmp_path) == []
