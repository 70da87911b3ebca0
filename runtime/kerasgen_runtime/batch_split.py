"""Running a batch as one session call or split over threads, chosen by measurement.

onnxruntime's CPU ConvTranspose works through a batch one image at a time and gains
little from a second intra-op thread, so a generator often runs a large batch faster as
sub-batches at once, each on one thread of a single-threaded session. A Dense-only
decoder already keeps every thread busy in one call, and there the split only adds
copies. A batch too small to split (batch 1) may still run faster on one thread than
on several (no threads to wake). Which one wins depends on the file, the batch size and
the machine, so the `BatchSplitter` times both on the first batches of each size and
keeps the faster; one call (what a plain session does) unless the other path is faster
by a clear margin. The choice is kept for the process, per file (its path, size and
modification time) and session settings, so a second Sampler of the same file does not
measure again (`MEASURED`; nothing is written to disk).
Every sample is computed by the same kernels either way: the outputs are the same.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kerasgen_runtime.sessions import open_session, run_session

def split_threads(num_threads, providers):
    """Threads to split a batch over: `num_threads` (default: the usable cores), CPU only."""
    if providers and list(providers) != ["CPUExecutionProvider"]:
        return 1
    if num_threads is None:
        try:
            num_threads = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            num_threads = os.cpu_count() or 1
    return num_threads


# (file key, threads, providers, spin_wait, size bucket) -> True (split, or the
# single-threaded session) or False (one call): the choices measured in this process.
MEASURED = {}


def forget_measurements():
    """Clears the choices measured in this process (the next batches measure again)."""
    MEASURED.clear()


def file_key(path):
    """The identity of a file's contents as far as the file system tells: a file
    rewritten in place has a new modification time and is measured again."""
    status = os.stat(path)
    return os.path.realpath(path), status.st_size, status.st_mtime_ns, status.st_ino


def size_bucket(count):
    """Batch sizes timed together: powers of two, [2^(k-1), 2^k)."""
    return int(count).bit_length()


class BatchSplitter:
    """Runs one batch of a file: one call of the multi-threaded session, or the split.

    Args:
        path: the `.onnx` file (a second, single-threaded session of it runs the split).
        output_name: the graph output to compute.
        run_whole: function `(feeds, count) -> x` running one call of the main session.
        check: function `(x, count) -> x` refusing bad outputs.
        x_shape: the shape of one sample.
        threads: threads to split over (1: never split).
        mode: "measure" (time the one call against the split, or for a batch too small
            to split against one call of the single-threaded session, on the first
            batches of each size bucket, taking turns: `WARMUP` untimed calls of each,
            then timed ones until each path has `REPEATS` and `MIN_SECONDS` of them or
            `MAX_REPEATS`; keep the other path only if its best time beats the one
            call's by `MARGIN`; kept for the process, `MEASURED`), True (always split a
            large enough batch, for tests and benchmarks), False (never split).
        session_options: `(providers, spin_wait)` of the split session.
    """

    MIN_PER_THREAD = 32
    WARMUP, REPEATS, MAX_REPEATS, MIN_SECONDS = 1, 3, 256, 0.02
    MARGIN = 0.03  # a path within 3% of the one call is noise: the one call stays

    def __init__(self, path, output_name, run_whole, check, x_shape, threads, mode, session_options):
        if not (isinstance(mode, bool) or mode == "measure"):
            raise ValueError(f"split_batches must be 'measure', True or False, got {mode!r}")
        self.path, self.output_name = path, output_name
        self.run_whole, self.check = run_whole, check
        self.x_shape, self.mode, self.session_options = tuple(x_shape), mode, session_options
        self.threads = threads if mode is not False else 1
        self.session = self.pool = None
        providers, spin_wait = session_options
        self.key = (file_key(path), self.threads, tuple(providers or ()), bool(spin_wait))
        self.timings = {}  # size bucket -> {False: [seconds], True: [seconds]}, measured here
        self.chosen = {}  # size bucket -> the choice in MEASURED, once there is one

    @property
    def choices(self):
        """{size bucket: True (the split, or the single-threaded session) or False (one
        call)} measured for this file and these settings in this process."""
        return {key[-1]: split for key, split in MEASURED.items() if key[:-1] == self.key}

    def parts(self, count):
        return min(self.threads, count // self.MIN_PER_THREAD)

    def run(self, feeds, count):
        """`x` of one batch of `count` samples, by the path chosen for its size."""
        if self.threads > 1 and self.mode == "measure":
            return self.measured(feeds, count)
        if self.mode is True and self.parts(count) > 1:
            return self.run_split(feeds, count)
        return self.run_whole(feeds, count)

    def measured(self, feeds, count):
        """Runs the batch by the choice for its bucket; while there is none, by the
        path whose turn it is, timing it, and chooses once both have their repeats."""
        bucket = count.bit_length()  # size_bucket(count), without the call
        split = self.chosen.get(bucket)
        if split is None:
            split = MEASURED.get((*self.key, bucket))
            if split is not None:
                self.chosen[bucket] = split
        if split is not None:
            return self.run_split(feeds, count) if split else self.run_whole(feeds, count)
        times = self.timings.setdefault(bucket, {False: [], True: []})
        split = len(times[True]) < len(times[False])  # take turns, one call first
        began = time.perf_counter()
        x = self.run_split(feeds, count) if split else self.run_whole(feeds, count)
        times[split].append(time.perf_counter() - began)
        choice = self.choose(times)
        if choice is not None:
            MEASURED[(*self.key, bucket)] = choice
        return x

    @classmethod
    def choose(cls, times):
        """The choice from `{False: [seconds of one call], True: [seconds of the other
        path]}` (warm-up calls first), or None while the timings are too few: True only
        when the other path's best beats the one call's best by `MARGIN`."""
        timed = [t[cls.WARMUP:] for t in times.values()]
        calls = min(len(t) for t in timed)
        if calls < cls.REPEATS or (min(sum(t) for t in timed) < cls.MIN_SECONDS and calls < cls.MAX_REPEATS):
            return None
        return min(times[True][cls.WARMUP:]) < (1 - cls.MARGIN) * min(times[False][cls.WARMUP:])

    def run_split(self, feeds, count):
        """Sub-batches at once, each on one thread of the single-threaded session; a
        batch too small to split: one call of that session."""
        parts = self.parts(count)
        if self.session is None:
            self.session = open_session(self.path, 1, *self.session_options)
            self.pool = ThreadPoolExecutor(self.threads, "kerasgen-sampler")
        if parts <= 1:
            return self.check(run_session(self.session, self.output_name, feeds, self.path), count)
        bounds = np.linspace(0, count, parts + 1).astype(int)
        outputs = np.empty((count, *self.x_shape), dtype="float32")

        def run_part(start, stop):
            part = {name: value[start:stop] for name, value in feeds.items()}
            x = run_session(self.session, self.output_name, part, self.path)
            outputs[start:stop] = self.check(x, stop - start)

        for future in [self.pool.submit(run_part, a, b) for a, b in zip(bounds, bounds[1:])]:
            future.result()
        return outputs
