"""The Sampler's choice between one session call and the batch split: measured once per
batch size bucket, kept, and the same outputs either way."""

import numpy as np
import pytest

from kerasgen_runtime import Sampler
from kerasgen_runtime.batch_split import BatchSplitter, size_bucket

TURNS = 2 * (BatchSplitter.WARMUP + BatchSplitter.REPEATS)  # calls until a bucket is chosen


def latents(count, seed):
    return np.random.default_rng(seed).standard_normal((count, 3)).astype("float32")


@pytest.mark.parametrize("name, low, high", [
    ("gan.onnx", 64, 127), ("cgan.onnx", 64, 127), ("vae.onnx", 64, 127),
    ("gan.onnx", 1, 1), ("cgan.onnx", 2, 3),  # too small to split: 2 threads or 1
])
def test_the_choice_is_measured_once_per_bucket_and_kept(name, low, high, fixture_path):
    sampler = Sampler(fixture_path(name), num_threads=2)
    plain = Sampler(fixture_path(name), num_threads=2, split_batches=False)
    bucket = size_bucket(low)
    for turn in range(TURNS):
        assert bucket not in sampler.split_choices
        z = latents(low, turn)
        assert np.array_equal(sampler.decode(z), plain.decode(z))
    assert sampler.split_session is not None  # both paths ran while measuring
    chosen = sampler.split_choices
    assert set(chosen) == {bucket} and isinstance(chosen[bucket], bool)
    timings = {path: list(times) for path, times in sampler.splitter.timings[bucket].items()}
    assert [len(times) for times in timings.values()] == [TURNS // 2] * 2
    for count in (low, high, high):  # the same bucket: no more timing, the same choice
        z = latents(count, count)
        assert np.array_equal(sampler.decode(z), plain.decode(z))
    assert sampler.splitter.timings[bucket] == timings
    assert sampler.split_choices == chosen
    sampler.decode(latents(2 * high + 2, 1))  # a new bucket starts its own measurement
    assert size_bucket(2 * high + 2) in sampler.splitter.timings
    assert size_bucket(2 * high + 2) not in sampler.split_choices


def test_forced_split_gives_the_one_call_outputs_bit_for_bit(fixture_path):
    split = Sampler(fixture_path("cgan.onnx"), num_threads=2, split_batches=True)
    plain = Sampler(fixture_path("cgan.onnx"), num_threads=2, split_batches=False)
    for count in (64, 101, 300):
        assert np.array_equal(split.sample(count, seed=count), plain.sample(count, seed=count))
    assert split.split_session is not None and split.split_choices == {}


def test_split_batches_false_never_splits(fixture_path):
    sampler = Sampler(fixture_path("gan.onnx"), num_threads=2, split_batches=False)
    assert sampler.split_threads == 1
    for _ in range(TURNS + 1):
        sampler.sample(300, seed=0)
    assert sampler.split_session is None and sampler.split_choices == {}
    assert sampler.splitter.timings == {}


def test_one_thread_is_never_timed_nor_split(fixture_path):
    sampler = Sampler(fixture_path("gan.onnx"), num_threads=1)
    for count in (1, 300, 300):
        for _ in range(TURNS + 1):
            sampler.sample(count, seed=0)
    assert sampler.split_session is None and sampler.splitter.timings == {}


def test_forced_split_runs_a_small_batch_as_one_call(fixture_path):
    sampler = Sampler(fixture_path("gan.onnx"), num_threads=2, split_batches=True)
    sampler.sample(2 * Sampler.SPLIT_MIN_PER_THREAD - 1, seed=0)
    assert sampler.split_session is None


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_bad_split_batches_is_refused_by_name(value, fixture_path):
    with pytest.raises(ValueError, match=r"split_batches must be 'measure', True or False, got"):
        Sampler(fixture_path("gan.onnx"), split_batches=value)
