"""The Sampler's choice between one session call and the batch split: measured once per
batch size bucket, kept for every Sampler of the file in the process, one call unless
the other path is clearly faster, and the same outputs either way."""

import os
import shutil

import numpy as np
import pytest

from kerasgen_runtime import Sampler
from kerasgen_runtime.batch_split import BatchSplitter, forget_measurements, size_bucket

MOST_TURNS = 2 * (BatchSplitter.WARMUP + BatchSplitter.MAX_REPEATS)  # calls until a bucket is chosen, at most


@pytest.fixture(autouse=True)
def unmeasured():
    forget_measurements()  # each test measures from scratch (the choices are kept per process)
    yield
    forget_measurements()


def latents(count, seed):
    return np.random.default_rng(seed).standard_normal((count, 3)).astype("float32")


def measure(sampler, plain, count):
    """Decodes batches of `count` until the Sampler has chosen (each output checked
    against a plain one-call Sampler's); returns the number of calls."""
    bucket = size_bucket(count)
    for turn in range(MOST_TURNS + 1):
        if bucket in sampler.split_choices:
            return turn
        z = latents(count, turn)
        assert np.array_equal(sampler.decode(z), plain.decode(z))
    raise AssertionError(f"no choice after {MOST_TURNS} calls: {sampler.splitter.timings}")


@pytest.mark.parametrize("name, low, high", [
    ("gan.onnx", 64, 127), ("cgan.onnx", 64, 127), ("vae.onnx", 64, 127),
    ("gan.onnx", 1, 1), ("cgan.onnx", 2, 3),  # too small to split: 2 threads or 1
])
def test_the_choice_is_measured_once_per_bucket_and_kept(name, low, high, fixture_path):
    sampler = Sampler(fixture_path(name), num_threads=2)
    plain = Sampler(fixture_path(name), num_threads=2, split_batches=False)
    bucket = size_bucket(low)
    calls = measure(sampler, plain, low)
    assert calls >= 2 * (BatchSplitter.WARMUP + BatchSplitter.REPEATS)
    assert sampler.split_session is not None  # both paths ran while measuring
    chosen = sampler.split_choices
    assert set(chosen) == {bucket} and isinstance(chosen[bucket], bool)
    timings = {path: list(times) for path, times in sampler.splitter.timings[bucket].items()}
    counts = [len(times) for times in timings.values()]
    assert sum(counts) == calls and abs(counts[0] - counts[1]) <= 1  # turns taken
    assert chosen[bucket] == BatchSplitter.choose(timings)
    for count in (low, high, high):  # the same bucket: no more timing, the same choice
        z = latents(count, count)
        assert np.array_equal(sampler.decode(z), plain.decode(z))
    assert sampler.splitter.timings[bucket] == timings
    assert sampler.split_choices == chosen
    sampler.decode(latents(2 * high + 2, 1))  # a new bucket starts its own measurement
    assert size_bucket(2 * high + 2) in sampler.splitter.timings
    assert size_bucket(2 * high + 2) not in sampler.split_choices


def test_a_second_sampler_of_the_file_keeps_the_choice_and_a_rewritten_file_is_measured_again(
        fixture_path, tmp_path):
    path = str(tmp_path / "gan.onnx")
    shutil.copyfile(fixture_path("gan.onnx"), path)
    first = Sampler(path, num_threads=2)
    measure(first, Sampler(path, num_threads=2, split_batches=False), 64)
    second = Sampler(path, num_threads=2)
    assert second.split_choices == first.split_choices  # known before any batch
    second.decode(latents(64, 0))
    assert second.splitter.timings == {}  # nothing timed again
    assert Sampler(path, num_threads=1).split_choices == {}  # other settings: their own
    os.utime(path, ns=(0, 0))  # rewritten (as far as the file system tells)
    assert Sampler(path, num_threads=2).split_choices == {}


def test_the_other_path_must_win_by_the_margin_and_enough_calls_are_timed():
    warm = [1.0] * BatchSplitter.WARMUP
    repeats = BatchSplitter.REPEATS
    slow = 10 * BatchSplitter.MIN_SECONDS  # calls long enough that REPEATS of them suffice
    assert BatchSplitter.choose({False: warm + [slow] * repeats, True: warm + [0.99 * slow] * repeats}) is False
    assert BatchSplitter.choose({False: warm + [slow] * repeats, True: warm + [0.9 * slow] * repeats}) is True
    assert BatchSplitter.choose({False: warm + [slow] * repeats, True: warm + [1.5 * slow] * repeats}) is False
    assert BatchSplitter.choose({False: warm + [slow] * (repeats - 1), True: warm + [slow] * repeats}) is None
    fast = BatchSplitter.MIN_SECONDS / 100  # short calls: timed until MIN_SECONDS, or MAX_REPEATS
    assert BatchSplitter.choose({False: warm + [fast] * repeats, True: warm + [fast / 2] * repeats}) is None
    many = BatchSplitter.MAX_REPEATS
    assert BatchSplitter.choose({False: warm + [fast] * many, True: warm + [fast / 2] * many}) is True


def test_forced_split_gives_the_one_call_outputs_bit_for_bit(fixture_path):
    split = Sampler(fixture_path("cgan.onnx"), num_threads=2, split_batches=True)
    plain = Sampler(fixture_path("cgan.onnx"), num_threads=2, split_batches=False)
    for count in (64, 101, 300):
        assert np.array_equal(split.sample(count, seed=count), plain.sample(count, seed=count))
    assert split.split_session is not None and split.split_choices == {}


def test_split_batches_false_never_splits(fixture_path):
    sampler = Sampler(fixture_path("gan.onnx"), num_threads=2, split_batches=False)
    assert sampler.split_threads == 1
    for _ in range(MOST_TURNS + 1):
        sampler.sample(300, seed=0)
    assert sampler.split_session is None and sampler.split_choices == {}
    assert sampler.splitter.timings == {}


def test_one_thread_is_never_timed_nor_split(fixture_path):
    sampler = Sampler(fixture_path("gan.onnx"), num_threads=1)
    for count in (1, 300, 300):
        for _ in range(MOST_TURNS + 1):
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
