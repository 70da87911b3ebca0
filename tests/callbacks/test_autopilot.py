"""The training autopilot: its held-out split, its decisions on a real run, its log and CLI."""

import contextlib
import csv
import io
import json
import math
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasgen import training
from kerasgen.training_data import split_held_out
from tests.own_data import write_digit_folder


def autopilot_spec(recipe, epochs, **settings):
    spec = training.default_spec(recipe)
    spec.update(data="mnist5k", epochs=epochs, batch_size=32,
                autopilot={"every": 1, "patience": 3, "max_rollbacks": 2, "held_out_fraction": 0.1,
                           **settings})
    return spec


def test_held_out_split_is_seeded_disjoint_and_stratified():
    x = np.arange(600, dtype="float32").reshape(600, 1, 1, 1)  # each row names itself
    y = np.repeat(np.arange(3), [300, 200, 100])
    spec = {"seed": 4, "autopilot": {"held_out_fraction": 0.1}}
    (x_train, y_train), (x_held, y_held) = split_held_out(spec, x, y)
    train_rows, held_rows = set(x_train.ravel()), set(x_held.ravel())
    assert not train_rows & held_rows and len(train_rows | held_rows) == 600
    assert np.array_equal(np.bincount(y_held), [30, 20, 10])  # stratified: each class's 10%
    assert np.array_equal(y_held, y[x_held.ravel().astype(int)])  # labels travel with their rows
    again = split_held_out(spec, x, y)[1][0]
    other = split_held_out({**spec, "seed": 5}, x, y)[1][0]
    assert np.array_equal(again, x_held) and not np.array_equal(other, x_held)
    assert sorted(x_held.ravel()) != list(range(60))  # not the first rows
    (_, none), (held, none_held) = split_held_out(spec, x, None)  # unlabelled: a plain seeded split
    assert none is None and none_held is None and len(held) == 60
    assert split_held_out({"seed": 0}, x, y) == ((x, y), None)  # no autopilot: nothing held out
    for fraction in (0.0, 1.0, "0.1", True):
        with pytest.raises(ValueError, match=r"--select-fraction must be a number in \(0, 1\)"):
            split_held_out({"autopilot": {"held_out_fraction": fraction}}, x, y)
    with pytest.raises(ValueError, match="both need at least 10"):
        split_held_out({"autopilot": {"held_out_fraction": 0.01}}, x, y)
    with pytest.raises(ValueError, match="both choose the run's model"):
        split_held_out({"autopilot": {"every": 1}, "early_stopping_patience": 2}, x, y)


class RollbackProbe(keras.callbacks.Callback):
    """After the checkpoint of each epoch (placed after `EpochCheckpoint`), compares the
    model of an epoch the autopilot rolled back in with its best checkpoint file."""

    def __init__(self, out):
        super().__init__()
        self.out = out
        self.checked = []

    def on_epoch_end(self, epoch, logs=None):
        with open(os.path.join(self.out, "checkpoint.json")) as f:
            pilot = json.load(f)["autopilot"]
        last = pilot["decisions"][-1] if pilot["decisions"] else {}
        if last.get("epoch") != epoch + 1 or last["decision"] != "rolled back":
            return
        best = keras.saving.load_model(os.path.join(self.out, pilot["best_checkpoint"]["file"]), safe_mode=True)
        for mine, theirs in zip(self.model.variables, best.variables):  # seed generators included
            np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
        for player in ("generator", "discriminator"):
            optimizer = getattr(self.model, f"{player}_optimizer")
            before = float(getattr(best, f"{player}_optimizer").learning_rate)
            assert float(optimizer.learning_rate) == pytest.approx(before / 2 ** pilot["rollbacks"])
            assert pilot["learning_rates"][player] == pytest.approx(float(optimizer.learning_rate))
        self.checked.append(epoch + 1)


DCGAN_EPOCHS = 12


def train_dcgan(out, epochs=DCGAN_EPOCHS, resume=False, callbacks=()):
    """dcgan with an EMA generator on a seeded 300-image subset of mnist5k (30 held out),
    evaluated every epoch: `(model, history, printed lines)`."""
    spec = autopilot_spec("dcgan", epochs, patience=2, max_rollbacks=1)
    spec["hyperparameters"] = {"latent_dim": 16, "generator_ema": 0.9}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model, history, _, _ = training.train(spec, out, limit=300, verbose=0, resume=resume,
                                              callbacks=list(callbacks))
    return model, history, printed.getvalue()


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("autopilot") / "whole")
    probe = RollbackProbe(out)
    model, history, printed = train_dcgan(out, callbacks=[probe])
    return out, model, history, printed, probe


def read_run(out):
    """`(decisions, autopilot state, metrics.csv rows)` of a run; the state without the
    files' sha256 (a .keras file records when it was saved)."""
    with open(os.path.join(out, "run.json")) as f:
        decisions = json.load(f)["autopilot_decisions"]["decisions"]
    def not_json(constant):
        raise ValueError(f"checkpoint.json is not strict JSON: it holds {constant}")

    with open(os.path.join(out, "checkpoint.json")) as f:  # strict JSON: no NaN, no Infinity
        state = json.load(f, parse_constant=not_json)["autopilot"]
    for record in (state["best_checkpoint"], state["judge"]):
        record.pop("sha256")
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    return decisions, state, rows


def test_decisions_on_a_real_dcgan_run(dcgan_run):
    # This run's sample diversity collapses at epoch 5: it rolls back to its best
    # checkpoint (epoch 3) with halved learning rates, then stops after 2 evaluations
    # without a new best.
    out, model, history, printed, probe = dcgan_run
    decisions, state, rows = read_run(out)
    kinds = [d["decision"] for d in decisions]
    assert kinds.count("rolled back") == 1 and probe.checked == [kinds.index("rolled back") + 1]
    assert "sample diversity fell" in decisions[kinds.index("rolled back")]["collapse"]
    # The best is the lowest FID of the evaluations that did not look collapsed.
    healthy = [d for d in decisions if "collapse" not in d]
    best = min(healthy, key=lambda d: d["fid"])
    assert state["best_checkpoint"]["epoch"] == best["epoch"] == state["best_epoch"]
    assert [d["epoch"] for d in decisions if d["decision"] == "new best"][-1] == best["epoch"]
    # Stopped after `patience` evaluations without a new best.
    assert len(decisions) == len(history["generator_loss"]) == state["stopped_epoch"] < DCGAN_EPOCHS
    assert decisions[-1]["stopped"] and decisions[-1]["evaluations_since_best"] == 2
    assert all(not d.get("stopped") for d in decisions[:-1])
    # Each decision is one printed line; the run says its model is the best checkpoint.
    assert sum(line.startswith("Autopilot epoch") for line in printed.splitlines()) == len(decisions)
    assert (f"the run's model is the best checkpoint, epoch {best['epoch']} "
            f"({state['best_checkpoint']['file']}") in printed
    # ... and it is: the best checkpoint's generator averaged (EMA), as fit ends.
    best_model = keras.saving.load_model(os.path.join(out, state["best_checkpoint"]["file"]), safe_mode=True)
    best_model.optimizer.finalize_variable_values(best_model.trainable_weights)
    for a, b in zip(model.get_weights(), best_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # metrics.csv: the autopilot's columns, in step with the decisions.
    assert [float(r["autopilot_fid"]) for r in rows] == pytest.approx([d["fid"] for d in decisions])
    assert [r["autopilot_rolled_back"] for r in rows] == ["1.0" if k == "rolled back" else "0.0" for k in kinds]
    rates = [float(r["autopilot_learning_rate"]) for r in rows]
    rolled = kinds.index("rolled back")
    assert rates[rolled] == pytest.approx(rates[0] / 2) and rates[rolled - 1] == rates[0]


def test_resumed_run_makes_the_same_decisions_and_weights(dcgan_run, tmp_path):
    out, whole, _, _, _ = dcgan_run
    part = str(tmp_path / "part")
    train_dcgan(part, epochs=4)  # interrupted after epoch 4, before the rollback
    resumed, _, printed = train_dcgan(part, resume=True)
    assert "Resuming from epoch 4" in printed and "rolled back to epoch" in printed
    assert read_run(part) == read_run(out)  # decisions, counters, metrics.csv
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Resuming a run that stopped trains no further and ends with the same model.
    again, _, printed = train_dcgan(part, resume=True)
    assert "Autopilot epoch" not in printed and "the run's model is the best checkpoint" in printed
    for a, b in zip(whole.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_sigkill_then_resume_makes_the_same_decisions_and_weights(tmp_path):
    from tests.test_resume import start_fit, wait_for_checkpoint

    args = ["dcgan", "--data", "mnist5k", "--limit", "300", "--epochs", "8", "--batch-size", "32",
            "--set", "latent_dim=16", "--set", "generator_ema=0.9", "--select-by", "fid",
            "--select-patience", "2", "--max-rollbacks", "1"]
    whole = str(tmp_path / "whole")
    process = start_fit(whole, *args)
    assert process.wait(timeout=900) == 0, process.communicate()
    killed = str(tmp_path / "killed")
    process = start_fit(killed, *args)
    epoch = wait_for_checkpoint(process, killed, timeout=600)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert epoch < 5  # killed before the rollback of epoch 5
    process = start_fit(killed, *args, "--resume")
    out, err = process.communicate(timeout=900)
    assert process.returncode == 0, err
    assert "Resuming from epoch" in out and "rolled back to epoch 3" in out
    assert read_run(killed) == read_run(whole)
    a = keras.saving.load_model(os.path.join(whole, "model.keras"), safe_mode=True)
    b = keras.saving.load_model(os.path.join(killed, "model.keras"), safe_mode=True)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)


def run_fit(*args, cwd=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.getcwd())
    return subprocess.run([sys.executable, "-m", "kerasgen.cli", "fit", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_cli_vae_every_two_epochs_logs_and_keeps_the_best(tmp_path, capsys):
    out = str(tmp_path / "vae")
    args = ["vae", "--data", "mnist5k", "--limit", "300", "--epochs", "4", "--batch-size", "32",
            "--set", "hidden_units=[32]", "--set", "latent_dim=4", "--select-by", "fid",
            "--select-every", "2", "--select-patience", "2", "--out", out, "--verbose", "0"]
    result = run_fit(*args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("Autopilot: FID of 30 samples against 30 held-out images") for line in lines)
    evaluated = [line for line in lines if line.startswith("Autopilot epoch")]
    assert [line.split(":")[0] for line in evaluated] == ["Autopilot epoch 2", "Autopilot epoch 4"]
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    for column in ("autopilot_fid", "autopilot_classes_covered", "autopilot_diversity", "autopilot_best_fid",
                   "autopilot_new_best", "autopilot_collapse", "autopilot_rolled_back",
                   "autopilot_learning_rate", "autopilot_stopped"):
        assert [row[column] == "" for row in rows] == [True, False, True, False], column
    with open(os.path.join(out, "run.json")) as f:
        run = json.load(f)
    assert run["autopilot"]["every"] == 2 and run["num_examples"] == 270  # 30 held out
    record = run["autopilot_decisions"]
    assert record["judge"]["num_train"] == 270 and 0.0 <= record["judge"]["held_out_accuracy"] <= 1.0
    decisions = record["decisions"]
    assert [d["epoch"] for d in decisions] == [2, 4]
    assert [float(rows[i]["autopilot_fid"]) for i in (1, 3)] == pytest.approx([d["fid"] for d in decisions])
    best = min(decisions, key=lambda d: d["fid"])
    assert f"the run's model is the best checkpoint, epoch {best['epoch']}" in result.stdout
    with open(os.path.join(out, "checkpoint.json")) as f:
        kept = json.load(f)["autopilot"]["best_checkpoint"]
    assert kept["epoch"] == best["epoch"] and os.path.isfile(os.path.join(out, kept["file"]))
    a = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    b = keras.saving.load_model(os.path.join(out, kept["file"]), safe_mode=True)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    # Resuming with other autopilot settings is another run: refused, naming them.
    status, _, err = fit_in_process(capsys, *args[:-4], "--select-patience", "5", "--out", out, "--resume")
    assert status == 2 and "autopilot (--select-by, --select-every, ...): run has" in err, err


def fit_in_process(capsys, *args):
    """`kerasgen fit ARGS` in this process: (exit status, stdout, stderr)."""
    from kerasgen.cli import main

    try:
        status = main(["fit", *args])
    except SystemExit as error:  # argparse's usage errors
        status = error.code
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_refuses_bad_autopilot_options(tmp_path, capsys):
    for args, message in [
        (["--select-by", "loss"], "argument --select-by: invalid choice: 'loss'"),
        (["--select-by", "fid", "--select-every", "0"], "argument --select-every: must be a positive int, got 0"),
        (["--select-by", "fid", "--max-rollbacks", "-1"], "argument --max-rollbacks: must be an int >= 0, got -1"),
        (["--select-by", "fid", "--select-fraction", "1.5"], "--select-fraction must be a number in (0, 1), got 1.5"),
        (["--select-patience", "2"], "--select-patience configure the autopilot; add --select-by fid"),
    ]:
        status, _, err = fit_in_process(capsys, "dcgan", "--data", "mnist5k", "--epochs", "1", *args,
                                        "--out", str(tmp_path / "r"))
        assert status == 2 and message in err and "Traceback" not in err, (args, err)
    assert not os.path.exists(tmp_path / "r" / "run.json")
    # Not a GAN or VAE: nothing to sample.
    status, _, err = fit_in_process(capsys, "classifier", "--data", "mnist5k", "--limit", "200", "--epochs", "1",
                                    "--select-by", "fid", "--out", str(tmp_path / "c"))
    assert status == 2 and "--select-by chooses among samples of a GAN or VAE" in err, err


def test_autopilot_refuses_bad_settings_and_scheduled_learning_rates(tmp_path):
    from kerasgen.callbacks import Autopilot
    from kerasgen.models import GAN
    from kerasgen.recipes.gans import adam, dcgan_networks

    for name, value, message in [("every", 0, "every must be an int >= 1, got 0"),
                                 ("max_rollbacks", -1, "max_rollbacks must be an int >= 0, got -1"),
                                 ("lr_factor", 1.0, r"lr_factor must be a number in \(0, 1\), got 1.0")]:
        with pytest.raises(ValueError, match=message):
            Autopilot(None, str(tmp_path), **{name: value})
    # Rollbacks lower learning rates, which a schedule (cosine decay) does not allow.
    gan = GAN(*dcgan_networks((16, 16, 1), 8))
    gan.compile(generator_optimizer=adam(1e-3, decay_steps=100), discriminator_optimizer=adam(1e-3))
    pilot = Autopilot(None, str(tmp_path))
    pilot.set_model(gan)
    with pytest.raises(ValueError, match=r"the generator learning rate\(s\) follow a schedule"):
        pilot.on_train_begin()
    Autopilot(None, str(tmp_path), max_rollbacks=0).set_model(gan)  # without rollbacks: fine


def test_cli_refuses_data_without_classes_or_extractor(tmp_path, capsys):
    folder = str(tmp_path / "flat")
    write_digit_folder(folder, size=(16, 16), classes=False, per_class=12)
    common = ["vae", "--data", folder, "--epochs", "1", "--batch-size", "32", "--set", "hidden_units=[16]",
              "--set", "latent_dim=2", "--select-by", "fid", "--verbose", "0"]
    status, _, err = fit_in_process(capsys, *common, "--out", str(tmp_path / "r"))
    assert status == 2 and "--select-by fid needs a feature extractor" in err, err
    assert "name one with --select-extractor (one of ['identity'," in err
    # A named extractor judges it instead (identity: FID on pixels); no classes to count.
    status, out, err = fit_in_process(capsys, *common, "--select-extractor", "identity", "--out",
                                      str(tmp_path / "ok"))
    assert status == 0, err
    line = next(line for line in out.splitlines() if line.startswith("Autopilot epoch 1: FID"))
    assert "classes" not in line and line.endswith("new best")
    with open(tmp_path / "ok" / "run.json") as f:
        record = json.load(f)["autopilot_decisions"]
    assert record["judge"]["extractor"] == "identity" and math.isfinite(record["decisions"][0]["fid"])


def test_cli_zoo_classifier_as_extractor_and_strict_history_json(tmp_path, capsys):
    folder = str(tmp_path / "flat_rgb")
    write_digit_folder(folder, size=(32, 32), rgb=True, classes=False, per_class=12)
    common = ["vae", "--data", folder, "--epochs", "2", "--batch-size", "32", "--set", "hidden_units=[16]",
              "--set", "latent_dim=2", "--select-by", "fid", "--select-every", "2", "--verbose", "0"]
    # An unknown name: one line naming the flag, the value and what it may be; nothing written.
    status, _, err = fit_in_process(capsys, *common, "--select-extractor", "classifier_nope", "--out",
                                    str(tmp_path / "bad"))
    assert status == 2 and "Traceback" not in err, err
    assert "--select-extractor must be one of" in err and "'classifier_color_digits32'" in err
    assert err.rstrip().endswith("got 'classifier_nope'") and not os.path.exists(tmp_path / "bad" / "run.json")
    # A zoo classifier entry by name judges the flat folder (which has no classes to train one on).
    out = tmp_path / "zoo_judge"
    status, printed, err = fit_in_process(capsys, *common, "--select-extractor", "classifier_color_digits32",
                                          "--out", str(out))
    assert status == 0, err
    from kerasgen.zoo.extractors import classifier_extractor

    judge_id = classifier_extractor("classifier_color_digits32").extractor_id  # the entry's weights
    assert f"under {judge_id};" in printed, printed
    with open(out / "run.json") as f:
        run = json.load(f)
    record = run["autopilot_decisions"]
    assert run["autopilot"]["extractor"] == "classifier_color_digits32" and record["judge"]["extractor"] == judge_id
    assert [d["epoch"] for d in record["decisions"]] == [2] and math.isfinite(record["decisions"][0]["fid"])
    # history.json is strict JSON: the epoch the autopilot did not evaluate is null, not NaN.

    def refuse(constant):
        raise ValueError(f"history.json holds {constant}, which JSON does not have")

    history = json.loads((out / "history.json").read_text(), parse_constant=refuse)
    assert history["autopilot_fid"][0] is None
    assert history["autopilot_fid"][1] == pytest.approx(record["decisions"][0]["fid"])
    assert all(isinstance(v, float) for v in history["loss"])
