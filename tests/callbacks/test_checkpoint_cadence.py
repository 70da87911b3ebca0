"""Checkpoints every few epochs: a run stopped between two checkpoints resumes from the
last one, replays the epochs after it and ends with the weights of the run saved every
epoch; the last epoch is always saved; metrics.csv has a row every epoch."""

import csv
import json
import os

import keras
import numpy as np
import pytest

from kerasgen import training
from kerasgen.callbacks import EpochCheckpoint


class Killed(Exception):
    pass


class KillAfter(keras.callbacks.Callback):
    """Stops the process's training by an exception after epoch `epoch` (1-based), as a
    kill between two checkpoints would (placed after the checkpoint)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise Killed()


@pytest.fixture
def folder(digits16):
    return digits16


def spec_of(folder, epochs):
    spec = training.default_spec("vae")
    spec.update(data=folder, epochs=epochs, batch_size=32, preprocessing="dynamic_binarization",
                hyperparameters={"latent_dim": 4, "hidden_units": [32]})
    return spec


def test_a_run_stopped_between_checkpoints_replays_to_the_same_weights(folder, tmp_path):
    whole, _, _, _ = training.train(spec_of(folder, 4), str(tmp_path / "a"), verbose=0, monitor=False)
    out = str(tmp_path / "b")
    with pytest.raises(Killed):
        training.train(spec_of(folder, 4), out, verbose=0, monitor=False, checkpoint_every=2,
                       callbacks=[KillAfter(3)])
    with open(os.path.join(out, "checkpoint.json")) as f:
        assert json.load(f)["epoch"] == 2  # epoch 3 was trained, not saved
    assert sorted(n for n in os.listdir(out) if n.startswith("checkpoint-")) == ["checkpoint-0002.keras"]
    with open(os.path.join(out, "metrics.csv"), newline="") as f:
        assert len(list(csv.DictReader(f))) == 3  # a row every epoch, saved or not
    resumed, history, _, _ = training.train(spec_of(folder, 4), out, resume=True, verbose=0, monitor=False,
                                            checkpoint_every=2)
    assert len(history["loss"]) == 4
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    with open(os.path.join(out, "checkpoint.json")) as f:
        assert json.load(f)["epoch"] == 4
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["checkpoint_every"] == 2


def test_auto_saves_the_first_and_last_epochs_and_early_stopping_saves_every_epoch(folder, tmp_path,
                                                                                  monkeypatch):
    savers, original = [], EpochCheckpoint.__init__

    def remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        savers.append(self)

    monkeypatch.setattr(EpochCheckpoint, "__init__", remember)
    training.train(spec_of(folder, 5), str(tmp_path / "auto"), verbose=0, monitor=False, checkpoint_every="auto")
    (saver,) = savers
    # the first save measures its cost; the last epoch is always saved
    assert saver.saved_epochs[0] == 1 and saver.saved_epochs[-1] == 5
    assert EpochCheckpoint("unused", every=3, early_stopping=object()).every == 1
    with pytest.raises(ValueError, match="every must be 'auto' or a positive int, got 0"):
        EpochCheckpoint("unused", every=0)
