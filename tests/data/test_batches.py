"""The batches `fit` trains on: one (seed, epoch) order, drawn once per epoch, resumable."""

import numpy as np
import pytest

from kerasgen.data import DynamicBinarization, LabelledBatches, RandomShift, ShuffledBatches

NUM_ROWS, BATCH_SIZE, SEED = 37, 8, 3


def row_images():
    """Images whose every pixel holds the row's index: a batch shows which rows it holds."""
    return np.broadcast_to(np.arange(NUM_ROWS, dtype="float32")[:, None, None, None],
                           (NUM_ROWS, 4, 4, 1)).copy()


def rows_of(batches, index):
    """The rows batch `index` holds, read from its content."""
    batch = batches[index]
    x = batch[0] if isinstance(batch, tuple) else batch
    return x[: len(batches.rows(index)), 0, 0, 0].astype(int)


BUILDERS = {
    "ShuffledBatches": lambda epoch: ShuffledBatches(row_images(), BATCH_SIZE, seed=SEED, initial_epoch=epoch),
    "RandomShift": lambda epoch: RandomShift(row_images(), np.zeros(NUM_ROWS), BATCH_SIZE, max_shift=0,
                                             seed=SEED, initial_epoch=epoch),
    "LabelledBatches": lambda epoch: LabelledBatches(row_images(), np.arange(NUM_ROWS) % 2 - 1, BATCH_SIZE,
                                                     labelled_batch_size=2, seed=SEED, initial_epoch=epoch),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_batch_class_visits_the_rows_in_the_one_seed_epoch_order(name):
    batches = BUILDERS[name](0)
    for epoch in range(3):
        expected = np.random.default_rng([SEED, epoch]).permutation(NUM_ROWS)
        seen = np.concatenate([rows_of(batches, i) for i in range(len(batches))])
        np.testing.assert_array_equal(seen, expected)
        batches.on_epoch_end()


def test_dynamic_binarization_follows_the_same_order():
    x = (np.arange(NUM_ROWS) % 2).astype("float32")[:, None].repeat(5, axis=1)  # rows of 0s or 1s
    batches = DynamicBinarization(x, BATCH_SIZE, seed=SEED, initial_epoch=1)
    order = np.random.default_rng([SEED, 1]).permutation(NUM_ROWS)
    seen = np.concatenate([batches[i][:, 0] for i in range(len(batches))])
    np.testing.assert_array_equal(seen, x[order, 0])  # 0 and 1 binarize to themselves


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_resumed_epoch_gives_the_uninterrupted_run_s_batches_in_any_order(name):
    uninterrupted = BUILDERS[name](0)
    uninterrupted.on_epoch_end()
    uninterrupted.on_epoch_end()
    resumed = BUILDERS[name](2)
    for index in reversed(range(len(resumed))):  # resumed batches asked for in another order
        for a, b in zip(uninterrupted[index], resumed[index]):
            np.testing.assert_array_equal(a, b)


def test_the_order_is_drawn_once_per_epoch_not_per_batch():
    class Counting(ShuffledBatches):
        draws = 0

        def draw_order(self, rng):
            Counting.draws += 1
            return super().draw_order(rng)

    batches = Counting(row_images(), BATCH_SIZE, seed=SEED)
    for _ in range(2):
        for index in range(len(batches)):
            batches[index]
        batches.on_epoch_end()
    assert Counting.draws == 2


@pytest.mark.parametrize("labelled", [False, True])
def test_fit_s_pipeline_holds_the_pydataset_s_batches_bit_for_bit(labelled):
    # What `kerasgen fit` trains on under TensorFlow: a tf.data pipeline that must hold
    # ShuffledBatches' batches (same rows, same values, same dtypes, same structure) for
    # every seed and epoch, the last short batch included, or resume is not exact.
    import keras

    from kerasgen import backend

    rng = np.random.default_rng(0)
    x = rng.normal(size=(NUM_ROWS, 4, 4, 1)).astype("float32")
    arrays = (x, rng.integers(0, 10, NUM_ROWS)) if labelled else x
    for seed in (0, 3, 11):
        batches, reference = (ShuffledBatches(arrays, BATCH_SIZE, seed=seed) for _ in range(2))
        data = backend.fit_batches(batches)
        if keras.backend.backend() == "tensorflow":
            assert data is not batches and int(data.cardinality()) == len(batches)
        for epoch in (0, 1, 4, 2):
            batches.epoch = reference.epoch = epoch  # as EpochSync sets it before the epoch
            drawn = list(data) if data is not batches else [batches[i] for i in range(len(batches))]
            assert len(drawn) == len(reference)
            for index, batch in enumerate(drawn):
                expected = reference[index]
                batch, expected = ((b,) if not isinstance(b, tuple) else b for b in (batch, expected))
                assert len(batch) == len(expected)
                for got, want in zip(batch, expected):
                    got = keras.ops.convert_to_numpy(got)
                    assert got.dtype == want.dtype and np.array_equal(got, want), (seed, epoch, index)


def test_batches_that_change_what_they_hold_stay_pydatasets():
    from kerasgen import backend

    for name, build in BUILDERS.items():
        batches = build(0)
        assert batches.gathers_rows == (name == "ShuffledBatches")
        if name != "ShuffledBatches":
            assert backend.fit_batches(batches) is batches
