"""`fit` on NumPy arrays: on TensorFlow they become kerasgen's `tf.data` pipeline (no
autotuning, see `kerasgen.backend.tensorflow_backend`), which must batch and shuffle
as Keras does; on every backend the number of steps and the validation pass match."""

import math

import keras
import numpy as np
import pytest

from kerasgen import backend as kg_backend
from kerasgen import models
from tests.backend import tiny_models

BACKEND = keras.backend.backend()
tf_only = pytest.mark.skipif(BACKEND != "tensorflow", reason="the pipeline is TensorFlow's")


def epochs_of(dataset, count):
    epochs = []
    for _ in range(count):
        epochs.append([
            tuple(np.asarray(a) for a in batch) if isinstance(batch, tuple) else np.asarray(batch)
            for batch in dataset
        ])
    return epochs


@tf_only
def test_every_example_once_per_epoch_in_a_fresh_order_with_labels_aligned():
    from kerasgen.backend import tensorflow_backend

    x = np.arange(50, dtype="float32").reshape(50, 1) * np.ones((1, 3), dtype="float32")
    y = np.arange(50, dtype="int64")
    dataset = tensorflow_backend.array_dataset((x, y), batch_size=16, shuffle=True)
    assert dataset.options().autotune.enabled is False
    first, second = epochs_of(dataset, 2)
    for epoch in (first, second):
        assert [len(batch_y) for _, batch_y in epoch] == [16, 16, 16, 2]
        seen_x = np.concatenate([batch_x[:, 0] for batch_x, _ in epoch])
        seen_y = np.concatenate([batch_y for _, batch_y in epoch])
        np.testing.assert_array_equal(seen_x, seen_y.astype("float32"))
        np.testing.assert_array_equal(np.sort(seen_y), y)
        for batch_x, _ in epoch:
            assert batch_x.shape[1:] == (3,) and batch_x.dtype == np.float32
    order = [np.concatenate([b for _, b in epoch]) for epoch in (first, second)]
    assert not np.array_equal(order[0], order[1])
    assert not np.array_equal(order[0], y)


@tf_only
def test_without_shuffle_the_order_is_the_arrays_order():
    from kerasgen.backend import tensorflow_backend

    x = np.arange(10, dtype="float32").reshape(10, 1)
    (epoch,) = epochs_of(tensorflow_backend.array_dataset((x,), batch_size=4, shuffle=False), 1)
    assert [batch.shape for batch in epoch] == [(4, 1), (4, 1), (2, 1)]  # not (x,) tuples
    np.testing.assert_array_equal(np.concatenate(epoch)[:, 0], x[:, 0])


@tf_only
def test_arguments_the_pipeline_does_not_implement_go_to_keras_unchanged():
    (x,) = tiny_models.data("images")
    for kwargs in (
        {"validation_split": 0.25},
        {"sample_weight": np.ones(len(x))},
        {"steps_per_epoch": 2},
        {"shuffle": "batch"},
    ):
        assert kg_backend.fit_arrays(x, None, kwargs) == (x, None, kwargs)
    dataset, y, kwargs = kg_backend.fit_arrays(x, None, {"batch_size": 8, "validation_split": 0.0})
    assert y is None and kwargs == {"validation_split": 0.0, "shuffle": False}
    assert dataset.cardinality() == 2


def test_fit_on_arrays_runs_one_step_per_batch_and_validates():
    model = models.Autoencoder(*tiny_models.conv_pair())
    model.compile(tiny_models.adam())
    (x,) = tiny_models.data("images", count=20)
    (x_val,) = tiny_models.data("images", count=6, seed=1)
    history = model.fit(x, batch_size=8, epochs=2, validation_data=(x_val,), verbose=0)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2 * math.ceil(20 / 8)
    assert len(history.history["val_loss"]) == 2
    assert np.isfinite(history.history["val_loss"]).all()
    # Keras's own evaluation of the same arrays gives the same validation loss.
    assert model.evaluate(x_val, batch_size=8, verbose=0) == pytest.approx(history.history["val_loss"][-1], rel=1e-5)
