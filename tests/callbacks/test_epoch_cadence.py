"""The cadence of the epoch-end work that does not change training (monitors, sample
grids): measured by a clock, every N epochs, always after the last; skipping it changes
no weight; metrics.csv and run.json say which epochs were measured."""

import csv
import json
import os
import time

import keras
import numpy as np
import pytest

from kerasgen import callbacks, training


class Gated(keras.callbacks.Callback):
    """Epoch-end work of a known cost, gated by `every`."""

    def __init__(self, every, seconds):
        super().__init__()
        self.every, self.seconds, self.epochs = every, seconds, []

    def on_epoch_end(self, epoch, logs=None):
        if callbacks.epoch_cadence.is_due(self, self.every, epoch):
            with callbacks.epoch_cadence.cost_of(self.every):
                time.sleep(self.seconds)
                self.epochs.append(epoch + 1)


def fit_tiny(callback_list, epochs):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((32, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=epochs, batch_size=32, verbose=0, callbacks=callback_list)


def test_auto_cadence_skips_costly_work_on_short_epochs_but_measures_first_and_last():
    cadence = callbacks.EpochCadence()
    costly, cheap = Gated(cadence, 2.0), Gated(cadence, 0.0)
    fit_tiny([cadence, costly, cheap], epochs=6)
    # 2 s of work against epochs of milliseconds: 20 s of training would be needed between
    assert cadence.monitored_epochs == costly.epochs == cheap.epochs == [1, 6]

    # work that costs less than an epoch runs every epoch under budget=1.0 (the default
    # 5% would ask 20x its microseconds of an epoch of a few milliseconds: a coin toss)
    cadence = callbacks.EpochCadence(budget=1.0)
    cheap = Gated(cadence, 0.0)
    fit_tiny([cadence, cheap], epochs=4)
    assert cheap.epochs == [1, 2, 3, 4]


def test_fixed_cadence_and_the_grid_after_the_last_epoch(tmp_path):
    cadence = callbacks.EpochCadence(every=3)
    gated = Gated(cadence, 0.0)
    fit_tiny([cadence, gated], epochs=7)
    assert gated.epochs == cadence.monitored_epochs == [3, 6, 7]
    gated = Gated(2, 0.0)  # an int: every 2 epochs and after the last
    fit_tiny([gated], epochs=5)
    assert gated.epochs == [2, 4, 5]
    for bad, message in [(0, "every must be 'auto' or a positive int, got 0"),
                         ("sometimes", "every must be 'auto' or a positive int, got 'sometimes'")]:
        with pytest.raises(ValueError, match=message):
            callbacks.EpochCadence(every=bad)
    with pytest.raises(ValueError, match=r"budget must be a number in \(0, 1\], got 0"):
        callbacks.EpochCadence(budget=0)
    with pytest.raises(ValueError, match="every must be a positive int, got 'auto'"):
        callbacks.ImageGrid(str(tmp_path), every="auto")


@pytest.fixture
def folder(digits16):
    return digits16


def test_monitoring_less_often_changes_no_weight_and_the_run_says_which_epochs(folder, tmp_path):
    def run(name, monitor):
        spec = training.default_spec("dcgan")
        spec.update(data=folder, epochs=3, batch_size=32, hyperparameters={"latent_dim": 8})
        out = str(tmp_path / name)
        model, history, _, _ = training.train(spec, out, verbose=0, monitor=monitor)
        with open(os.path.join(out, "metrics.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(out, "run.json")) as f:
            return model, rows, json.load(f), sorted(n for n in os.listdir(os.path.join(out, "samples")) if n.endswith(".png"))

    every, rows, record, grids = run("every", 1)
    sparse, sparse_rows, sparse_record, sparse_grids = run("sparse", 2)
    for a, b in zip(every.get_weights(), sparse.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [row["monitored"] for row in rows] == ["1.0", "1.0", "1.0"]
    assert [row["monitored"] for row in sparse_rows] == ["0.0", "1.0", "1.0"]  # epoch 2, and the last
    assert sparse_rows[0]["diversity_ratio"] == "" and float(sparse_rows[1]["diversity_ratio"]) > 0
    assert sparse_rows[1]["diversity_ratio"] == rows[1]["diversity_ratio"]  # the same model measured
    assert float(sparse_rows[0]["discriminator_winning_steps"]) >= 0  # the balance monitor counts every epoch
    assert record["monitor_every"] == 1 and sparse_record["monitor_every"] == 2
    assert grids == ["epoch_001.png", "epoch_002.png", "epoch_003.png"]
    assert sparse_grids == ["epoch_002.png", "epoch_003.png"]
    # checkpoint.json is strict JSON: the unmeasured epoch is null there, NaN when read back.
    def not_json(constant):
        raise ValueError(f"checkpoint.json holds {constant}, which JSON does not have")

    with open(tmp_path / "sparse" / "checkpoint.json") as f:
        state = json.load(f, parse_constant=not_json)
    assert state["history"]["diversity_ratio"][0] is None and state["history"]["diversity_ratio"][1] > 0
    history = callbacks.epoch_checkpoint.read_state(str(tmp_path / "sparse"))["history"]
    assert np.isnan(history["diversity_ratio"][0]) and history["diversity_ratio"][1:] == state["history"]["diversity_ratio"][1:]
