"""Sampler splits a large batch over threads with the same outputs, bit for bit."""

import numpy as np
import pytest

from kerasgen_runtime import Sampler


@pytest.mark.parametrize("name", ["vae", "dcgan", "conditional"])
def test_split_batches_give_the_plain_outputs_bit_for_bit(exported, name):
    path = exported[name][0]
    split = Sampler(path, num_threads=2, split_batches=True)
    plain = Sampler(path, num_threads=2, split_batches=False)
    for num_samples in (2 * Sampler.SPLIT_MIN_PER_THREAD, 101, 300):
        assert np.array_equal(split.sample(num_samples, seed=num_samples),
                              plain.sample(num_samples, seed=num_samples))
    assert split.split_session is not None  # the split path ran
    assert plain.split_session is None


def test_small_batches_and_one_thread_are_one_call(exported):
    path = exported["dcgan"][0]
    small = Sampler(path, num_threads=2, split_batches=True)
    small.sample(2 * Sampler.SPLIT_MIN_PER_THREAD - 1, seed=0)
    assert small.split_session is None
    single = Sampler(path, num_threads=1)
    single.sample(300, seed=0)
    assert single.split_session is None
