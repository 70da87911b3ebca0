"""No command replaces or deletes a file kerasgen did not write (issue: data loss).

Each test reproduces one way a user's file was lost, with the real commands, and checks
the one-line refusal (naming the path and the flag) and that the file is intact.
"""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from kerasgen import cli, training
from kerasgen_runtime.files import written_by_kerasgen
from kerasgen_runtime.files import MANIFEST

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "runtime", "tests", "fixtures")
TINY = ["--set", "hidden_units=[16]", "--latent-dim", "2", "--batch-size", "32", "--verbose", "0"]


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    return code, capsys.readouterr().err


def refused(code, err, path, flag):
    lines = err.strip().splitlines()
    return (code == 2 and len(lines) == 1 and "Traceback" not in err and str(path) in lines[0]
            and flag in lines[0] and "never replaced" in lines[0])


def users_files(folder, names):
    os.makedirs(folder, exist_ok=True)
    for name in names:
        os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
        with open(os.path.join(folder, name), "w") as f:
            f.write(f"the user's {name}")
    return {name: f"the user's {name}" for name in names}


def intact(folder, contents):
    for name, text in contents.items():
        with open(os.path.join(folder, name)) as f:
            assert f.read() == text, name
    return True


@pytest.fixture
def digits(digits16):
    """The session's read-only folder of 16x16 digits, 8 per class (tests/conftest.py)."""
    return digits16


def test_export_and_kerasgen_sample_never_replace_a_users_file(tmp_path, capsys):
    from kerasgen_runtime.cli import main as kerasgen_sample

    notes = users_files(tmp_path, ["notes.onnx", "photo.png", "samples.npy"])
    code, err = run(capsys, "export", os.path.join(FIXTURES, "missing.keras"), "-o", tmp_path / "notes.onnx")
    assert refused(code, err, tmp_path / "notes.onnx", "-o"), err
    for name in ("photo.png", "samples.npy"):
        code = kerasgen_sample([os.path.join(FIXTURES, "gan.onnx"), "-n", "4", "-o", str(tmp_path / name)])
        assert refused(code, capsys.readouterr().err, tmp_path / name, "-o")
    assert intact(tmp_path, notes)
    # A file kerasgen wrote is replaced by the next run (it is recorded as its own) ...
    for seed in ("0", "1"):
        assert kerasgen_sample([os.path.join(FIXTURES, "gan.onnx"), "-n", "4", "--seed", seed,
                                "-o", str(tmp_path / "mine.npy")]) == 0
    assert written_by_kerasgen(tmp_path / "mine.npy")
    # ... but not once the user changed it.
    with open(tmp_path / "mine.npy", "ab") as f:
        f.write(b"an edit")
    code = kerasgen_sample([os.path.join(FIXTURES, "gan.onnx"), "-n", "4", "-o", str(tmp_path / "mine.npy")])
    assert refused(code, capsys.readouterr().err, tmp_path / "mine.npy", "-o")


def test_fit_refuses_a_folder_holding_the_users_files_where_it_writes(digits, tmp_path, capsys):
    proj = str(tmp_path / "proj")
    names = ["model.keras", "metrics.csv", "samples.png", "history.json", "samples/epoch_001.png"]
    contents = users_files(proj, names + ["notes.txt"])
    for extra in ([], ["--overwrite"]):
        code, err = run(capsys, "fit", "vae", "--data", digits, "--epochs", "1", "--out", proj, *TINY, *extra)
        assert code == 2 and "never replaced" in err and "--out" in err, err
        assert all(name in err for name in ("model.keras", "metrics.csv", "history.json"))
    assert intact(proj, contents) and sorted(os.listdir(proj)) == sorted(["notes.txt", "samples", *names[:4]])


def test_zoo_fit_refuses_a_folder_holding_the_users_card_and_recipe(digits, tmp_path, capsys):
    out = str(tmp_path / "myproj")
    contents = users_files(out, ["README.md", "recipe.json", "samples.png"])
    code, err = run(capsys, "fit", "vae_mnist5k", "--data", digits, "--epochs", "1", "--out", out,
                    "--verbose", "0")
    assert code == 2 and "README.md, recipe.json, samples.png that kerasgen did not write" in err, err
    assert intact(out, contents) and sorted(os.listdir(out)) == ["README.md", "recipe.json", "samples.png"]


def test_plot_and_evaluate_refuse_the_users_files(tmp_path, capsys):
    pics = str(tmp_path / "pics")
    contents = users_files(pics, ["latent_map.png", "traversal.png"])
    code, err = run(capsys, "plot", "vae_mnist5k", "-o", pics)
    assert refused(code, err, os.path.join(pics, "latent_map.png"), "-o"), err
    report = users_files(tmp_path, ["report.json"])
    code, err = run(capsys, "evaluate", "vae_mnist5k", "--json", "-o", tmp_path / "report.json")
    assert refused(code, err, tmp_path / "report.json", "-o"), err
    assert intact(pics, contents) and intact(tmp_path, report)


def test_fit_overwrite_removes_only_what_the_run_wrote(digits, tmp_path, capsys):
    import tensorflow as tf

    from kerasgen.run_folder import remove_run

    out = str(tmp_path / "run")
    assert run(capsys, "fit", "vae", "--data", digits, "--epochs", "1", "--out", out, *TINY)[0] == 0
    assert os.path.isfile(os.path.join(out, "samples", "epoch_001.png"))
    contents = users_files(out, ["samples/mine.png", "notes.txt"])
    assert run(capsys, "fit", "vae", "--data", digits, "--epochs", "1", "--out", out, *TINY,
               "--overwrite")[0] == 0
    assert intact(out, contents) and os.path.isfile(os.path.join(out, "samples", "epoch_001.png"))
    # TensorBoard's event files are recognised by their content; the user's files there stay.
    writer = tf.summary.create_file_writer(os.path.join(out, "tensorboard", "train"))
    with writer.as_default():
        tf.summary.write("loss", tf.constant(1.0), step=0)
    writer.close()
    contents.update(users_files(out, ["tensorboard/train/mine.txt", "tensorboard/notes.md"]))
    remove_run(out)
    assert intact(out, contents)
    assert sorted(os.listdir(os.path.join(out, "tensorboard", "train"))) == ["mine.txt"]
    assert sorted(n for n in os.listdir(out) if n != MANIFEST) == ["notes.txt", "samples", "tensorboard"]
    assert os.listdir(os.path.join(out, "samples")) == ["mine.png"]


def test_saved_model_overwrite_never_deletes_files_added_inside(tmp_path, capsys):
    from kerasgen import recipes

    model = recipes.get("vae").build((8, 8, 1), latent_dim=2, hidden_units=[8])
    keras_path = str(tmp_path / "vae.keras")
    model.save(keras_path)
    export = tmp_path / "decoder"
    assert run(capsys, "export", keras_path, "--format", "saved_model", "-o", export)[0] == 0
    assert run(capsys, "export", keras_path, "--format", "saved_model", "-o", export, "--overwrite")[0] == 0
    for inside in ("variables/notes.txt", "assets/vocabulary.txt"):
        contents = users_files(export, [inside])
        code, err = run(capsys, "export", keras_path, "--format", "saved_model", "-o", export, "--overwrite")
        assert refused(code, err, export, "-o") and "did not write" in err, err
        assert intact(export, contents)
        os.remove(export / inside)
    # A kill between the two renames of --overwrite: the next command restores the export.
    copy = str(tmp_path / ".decoder.copy")
    shutil.copytree(export, copy)
    killed = ("import os, sys\nfrom kerasgen_runtime.files import replace_directory\n"
              "rename = os.rename\n"
              "def killed_after_the_first(a, b):\n"
              "    rename(a, b)\n"
              "    os._exit(9)\n"
              "os.rename = killed_after_the_first\n"
              "replace_directory(sys.argv[1], sys.argv[2])\n")
    result = subprocess.run([sys.executable, "-c", killed, copy, str(export)], capture_output=True)
    assert result.returncode == 9 and not export.exists()  # the state the kill leaves
    code, err = run(capsys, "export", keras_path, "--format", "saved_model", "-o", export)
    assert code == 2 and f"restored {str(export)!r}" in err and "holds a previous SavedModel export" in err
    assert (export / "saved_model.pb").is_file()
    assert sorted(os.listdir(tmp_path)) == [".decoder.copy", "decoder", "vae.keras"]  # the new copy stays


def train_two_epochs(digits, out):
    spec = training.default_spec("vae")
    spec.update(data=digits, epochs=2, batch_size=32, hyperparameters={"latent_dim": 2, "hidden_units": [16]})
    training.train(spec, out, verbose=0, monitor=False)
    return spec


@pytest.mark.parametrize("state", [None, "{}"])
def test_resume_without_committed_state_keeps_every_checkpoint(digits, tmp_path, capsys, state):
    from kerasgen_runtime.files import write_text

    out = str(tmp_path / "run")
    spec = train_two_epochs(digits, out)
    os.remove(os.path.join(out, "checkpoint.json"))
    if state is not None:  # an empty state of kerasgen's
        write_text(os.path.join(out, "checkpoint.json"), state)
    capsys.readouterr()
    _, history, _, _ = training.train({**spec, "epochs": 3}, out, resume=True, verbose=0, monitor=False)
    printed = capsys.readouterr().out
    assert "using checkpoint-0002.keras" in printed and "Resuming from epoch 2" in printed, printed
    assert len(history["loss"]) == 3  # epochs 1-2 from metrics.csv, then epoch 3
    with open(os.path.join(out, "checkpoint.json")) as f:
        assert json.load(f)["epoch"] == 3


def test_resume_refuses_a_state_the_user_wrote(digits, tmp_path):
    out = str(tmp_path / "run")
    spec = train_two_epochs(digits, out)
    os.remove(os.path.join(out, "checkpoint.json"))
    with open(os.path.join(out, "checkpoint.json"), "w") as f:
        f.write("{}")
    with pytest.raises(ValueError, match="holds checkpoint.json that kerasgen did not write"):
        training.train({**spec, "epochs": 3}, out, resume=True, verbose=0, monitor=False)
    assert sorted(n for n in os.listdir(out) if n.startswith("checkpoint-")) == [
        "checkpoint-0001.keras", "checkpoint-0002.keras"]


def test_resume_refuses_a_folder_without_a_run_or_a_checkpoint(digits, tmp_path, capsys):
    entry = str(tmp_path / "entry")
    users_files(entry, ["notes.txt"])
    code, err = run(capsys, "fit", "dcgan", "--data", digits, "--epochs", "1", "--out", entry, "--resume",
                    "--verbose", "0")
    assert code == 2 and "holds no kerasgen run (run.json missing)" in err, err
    assert os.listdir(entry) == ["notes.txt"]
    out = str(tmp_path / "run")
    train_two_epochs(digits, out)
    for name in os.listdir(out):
        if name.startswith("checkpoint"):
            os.remove(os.path.join(out, name))
    code, err = run(capsys, "fit", "vae", "--data", digits, "--epochs", "3", "--out", out, "--resume", *TINY[:4],
                    "--batch-size", "32", "--verbose", "0")
    assert code == 2 and "holds no checkpoint" in err, err


def start_fit(out, *args):
    command = [sys.executable, "-m", "kerasgen.cli", "fit", *args, "--out", out, "--verbose", "0"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.getcwd())
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_a_second_fit_on_the_same_folder_refuses_and_a_dead_runs_lock_is_taken_over(digits, tmp_path,
                                                                                  capsys):
    from tests.test_resume import wait_for_checkpoint

    out = str(tmp_path / "run")
    args = ["vae", "--data", digits, "--epochs", "300", "--batch-size", "16", "--set", "hidden_units=[16]"]
    first = start_fit(out, *args)
    try:
        wait_for_checkpoint(first, out)
        code, err = run(capsys, "fit", *args, "--out", out, "--overwrite", "--verbose", "0")
        assert code == 2 and "is being written by another kerasgen run" in err, err
        assert f"process {first.pid}" in err
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    with open(os.path.join(out, ".kerasgen.lock")) as f:
        assert f.read().strip() == str(first.pid)  # a dead process's lock file
    code, err = run(capsys, "fit", *args[:3], "--epochs", "1", "--batch-size", "16", "--set",
                    "hidden_units=[16]", "--out", out, "--overwrite", "--verbose", "0")
    assert code == 0, err


def test_temporaries_of_killed_sample_runs_are_removed_by_the_next_run(tmp_path, capsys):
    from kerasgen_runtime.cli import main as kerasgen_sample
    from tests.test_resume import killed_while_writing

    target = str(tmp_path / "x.npy")
    first = killed_while_writing(target)
    left = [killed_while_writing(target)]  # the second killed run removed the first's temporary
    assert not os.path.exists(first) and os.path.isfile(left[0])
    mine = users_files(tmp_path, [".x.npy.notes.tmp.npy"])
    assert kerasgen_sample([os.path.join(FIXTURES, "gan.onnx"), "-n", "3", "-o", target]) == 0
    assert not any(os.path.exists(path) for path in left) and intact(tmp_path, mine)
    assert "left by an interrupted run" in capsys.readouterr().err
    assert sorted(n for n in os.listdir(tmp_path) if n != MANIFEST) == [".x.npy.notes.tmp.npy", "x.npy"]
