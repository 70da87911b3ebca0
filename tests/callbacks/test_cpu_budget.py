"""CPUBudget stops fit after the last epoch that fits in a CPU-time budget."""

import time

import keras
import numpy as np
import pytest

from kerasgen.callbacks import CPUBudget


def tiny_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_cpu_budget_stops_before_the_next_epoch_would_pass_it():
    x = np.random.default_rng(0).random((64, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    roomy = CPUBudget(time.process_time() + 3600)
    history = tiny_model().fit(x, y, epochs=3, verbose=0, callbacks=[roomy])
    assert len(history.history["loss"]) == 3 and roomy.stopped_at is None
    spent = CPUBudget(time.process_time() + 1e-6)  # already spent when the first epoch ends
    history = tiny_model().fit(x, y, epochs=50, verbose=0, callbacks=[spent])
    assert len(history.history["loss"]) == 1 and spent.stopped_at[0] == 1
    assert spent.stopped_at[1] > spent.seconds and spent.longest_epoch > 0


def test_cpu_budget_must_be_positive():
    with pytest.raises(ValueError, match="seconds must be a positive number of CPU seconds, got 0"):
        CPUBudget(0)
