"""Checkpoints and resume: one commit point, torn checkpoints, exact resume, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from kerasgen import training
from kerasgen.callbacks.epoch_checkpoint import latest_checkpoint


def tiny_spec(recipe, data, epochs, **extra):
    spec = training.default_spec(recipe)
    spec.update(data=data, epochs=epochs, batch_size=32, **extra)
    return spec


SPECS = {
    # dynamic binarization (a fresh binary sample each epoch) and the VAE's noise
    "vae": dict(recipe="vae", preprocessing="dynamic_binarization",
                hyperparameters={"latent_dim": 4, "hidden_units": [32]}),
    # the GAN's noise stream and two optimizers
    "dcgan": dict(recipe="dcgan", hyperparameters={"latent_dim": 8}),
}


@pytest.fixture
def folder(digits16):
    """The session's read-only folder of 16x16 digits, 8 per class (tests/conftest.py)."""
    return digits16


def weights_of(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_resume_in_process_is_bit_identical(name, folder, tmp_path):
    settings = dict(SPECS[name])
    recipe = settings.pop("recipe")
    whole, _, _, _ = training.train(tiny_spec(recipe, folder, 2, **settings), str(tmp_path / "a"),
                                    verbose=0, monitor=False)
    training.train(tiny_spec(recipe, folder, 1, **settings), str(tmp_path / "b"), verbose=0, monitor=False)
    resumed, history, _, _ = training.train(tiny_spec(recipe, folder, 2, **settings), str(tmp_path / "b"),
                                            resume=True, verbose=0, monitor=False)
    assert len(next(iter(history.values()))) == 2
    for a, b in zip(weights_of(whole), weights_of(resumed)):
        np.testing.assert_array_equal(a, b)


def test_torn_and_damaged_checkpoints_fall_back_and_temporaries_are_removed(folder, tmp_path, capsys):
    out = str(tmp_path / "run")
    spec = tiny_spec("vae", folder, 2, hyperparameters={"latent_dim": 2, "hidden_units": [16]})
    training.train(spec, out, verbose=0, monitor=False)
    with open(os.path.join(out, "checkpoint.json")) as f:
        state = json.load(f)
    assert state["epoch"] == 2 and state["file"] == "checkpoint-0002.keras"
    assert state["previous"]["file"] == "checkpoint-0001.keras"
    # Killed after writing epoch 3's model but before committing it: ignored.
    from kerasgen_runtime.files import write_bytes

    write_bytes(os.path.join(out, "checkpoint-0003.keras"), b"partial")
    path, chosen = latest_checkpoint(out)
    assert path.endswith("checkpoint-0002.keras") and chosen["epoch"] == 2
    # The committed file damaged on disk: the previous complete checkpoint is used.
    with open(os.path.join(out, "checkpoint-0002.keras"), "r+b") as f:
        f.truncate(1000)
    path, chosen = latest_checkpoint(out)
    assert path.endswith("checkpoint-0001.keras") and chosen["epoch"] == 1
    assert "missing or damaged; using the previous one" in capsys.readouterr().out
    # A resumed run would write epoch 2 again, but the damaged file is not what kerasgen
    # wrote: it is named and left alone until the user moves it away.
    with pytest.raises(ValueError, match="holds checkpoint-0002.keras that kerasgen did not write"):
        training.train(spec, out, resume=True, verbose=0, monitor=False)
    os.rename(os.path.join(out, "checkpoint-0002.keras"), str(tmp_path / "damaged.keras"))
    # Temp files of a killed run are removed by the next run in the folder; a user's
    # files named like temporaries (but not atomic_path's names of the run's files) stay.
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    leftovers = [killed_while_writing(os.path.join(out, name)) for name in
                 ("checkpoint.json", "model.keras", "checkpoint-0004.keras", "samples/epoch_003.png")]
    user_files = [os.path.join(out, name) for name in
                  ("notes.txt", ".notes.tmp.txt", ".model.keras.abc.tmp.keras", ".data.csv.abcd1234.tmp.csv",
                   ".model.keras.abcd1234.tmp.keras.bak", "samples/.mine.png.abcd1234.tmp.png")]
    for user_file in user_files:
        with open(user_file, "w") as f:
            f.write("mine")
    spec["epochs"] = 3
    model, history, _, _ = training.train(spec, out, resume=True, verbose=0, monitor=False)
    assert len(history["loss"]) == 3  # resumed from epoch 1, ran epochs 2 and 3
    assert not any(os.path.exists(p) for p in leftovers)
    assert all(os.path.exists(p) for p in user_files)
    assert sorted(n for n in os.listdir(out) if n.startswith("checkpoint-")) == [
        "checkpoint-0002.keras", "checkpoint-0003.keras"]


def test_early_stopping_patience_survives_resume(folder, tmp_path):
    # val_loss of this run: best at epoch 7, then two epochs without improvement (patience
    # 2): it stops after epoch 9 and restores epoch 7's weights.
    spec = tiny_spec("vae", folder, 12, validation_fraction=0.25, early_stopping_patience=2,
                     hyperparameters={"latent_dim": 2, "hidden_units": [16], "learning_rate": 1e-2})
    spec["batch_size"] = 16
    whole, history, _, _ = training.train(spec, str(tmp_path / "a"), verbose=0, monitor=False)
    val_loss = history["val_loss"]
    assert len(val_loss) == 9 and int(np.argmin(val_loss)) == 6, val_loss
    # Interrupted after epoch 8 (one epoch of patience spent), then resumed.
    training.train({**spec, "epochs": 8}, str(tmp_path / "b"), verbose=0, monitor=False)
    resumed, resumed_history, _, _ = training.train(spec, str(tmp_path / "b"), resume=True, verbose=0,
                                                    monitor=False)
    assert len(resumed_history["val_loss"]) == 9  # stopped at the same epoch
    for a, b in zip(weights_of(whole), weights_of(resumed)):
        np.testing.assert_array_equal(a, b)  # the same best epoch's weights restored
    with open(tmp_path / "b" / "checkpoint.json") as f:
        stopping = json.load(f)["early_stopping"]
    assert stopping["stopped_epoch"] == 8 and stopping["best_checkpoint"]["file"] == "checkpoint-0007.keras"
    # Resuming a run that had stopped trains no further and gives the same weights.
    again, again_history, _, _ = training.train(spec, str(tmp_path / "b"), resume=True, verbose=0,
                                                monitor=False)
    assert len(again_history["val_loss"]) == 9
    for a, b in zip(weights_of(whole), weights_of(again)):
        np.testing.assert_array_equal(a, b)


def killed_while_writing(path):
    """The temporary a process killed inside `kerasgen_runtime.files.atomic_path(path)` leaves."""
    code = ("import os, sys\nfrom kerasgen_runtime.files import atomic_path\n"
            "with atomic_path(sys.argv[1]) as tmp:\n"
            "    open(tmp, 'w').write('partial'); print(tmp, flush=True); os._exit(1)")
    result = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True)
    tmp = result.stdout.strip()
    assert result.returncode == 1 and os.path.isfile(tmp), result
    return tmp


def start_fit(out, *args):
    command = [sys.executable, "-m", "kerasgen.cli", "fit", *args, "--out", out, "--verbose", "0"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.getcwd())
    # A background job of a non-interactive shell starts with SIGINT ignored, and a child
    # inherits that: give the child the default, so that Ctrl-C reaches it wherever pytest runs.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_checkpoint(process, out, timeout=120):
    """Polls checkpoint.json until epoch >= 1; returns the epoch (the process still runs)."""
    path = os.path.join(out, "checkpoint.json")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                epoch = json.load(f)["epoch"]
            if epoch >= 1:
                return epoch
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("no checkpoint within the timeout")


def test_ctrl_c_says_where_the_checkpoint_is_and_how_to_resume(tmp_path):
    out = str(tmp_path / "run")
    process = start_fit(out, "vae", "--data", "digits", "--limit", "128", "--epochs", "500",
                        "--batch-size", "32", "--set", "hidden_units=[16]")
    wait_for_checkpoint(process, out)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    lines = [line for line in err.splitlines() if line.startswith("Interrupted")]
    assert len(lines) == 1 and "last checkpoint is epoch" in lines[0]
    assert "resume with: kerasgen fit vae --data digits" in lines[0] and lines[0].endswith("--resume")


@pytest.mark.slow
@pytest.mark.parametrize("recipe,args", [
    ("vae", ["--data", "digits", "--limit", "512"]),
    ("dcgan", ["--data", "FOLDER"]),
    # the loss scale of each player's LossScaleOptimizer is part of the checkpoint
    ("dcgan", ["--data", "FOLDER", "--mixed-precision", "mixed_float16"]),
])
def test_sigkill_after_a_checkpoint_then_resume_is_bit_identical(recipe, args, folder, tmp_path):
    import keras

    import kerasgen.models  # noqa: F401

    args = [folder if a == "FOLDER" else a for a in args] + ["--epochs", "6", "--batch-size", "16"]
    whole = str(tmp_path / "whole")
    process = start_fit(whole, recipe, *args)
    assert process.wait(timeout=300) == 0, process.communicate()
    killed = str(tmp_path / "killed")
    process = start_fit(killed, recipe, *args)
    epoch = wait_for_checkpoint(process, killed)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert epoch < 6  # killed mid-run
    process = start_fit(killed, recipe, *args, "--resume")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "Resuming from epoch" in out
    a = keras.saving.load_model(os.path.join(whole, "model.keras"), safe_mode=True)
    b = keras.saving.load_model(os.path.join(killed, "model.keras"), safe_mode=True)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
