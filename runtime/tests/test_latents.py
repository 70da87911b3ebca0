"""kerasgen-v1, the portable latent generator, against its specification; and the
generator an export's metadata names (files exported before kerasgen-v1 keep theirs)."""

import math

import numpy as np
import pytest

from kerasgen_runtime import Sampler
from kerasgen_runtime.latents import (
    draw_latents, generator_of, latent_batches, portable_cos_sin, portable_log, portable_normals, splitmix64,
)


def reference_splitmix64(seed, n):
    """SplitMix64 (Vigna's splitmix64.c) written with Python ints."""
    x = (seed + (n + 1) * 0x9E3779B97F4A7C15) % 2**64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) % 2**64
    return x ^ (x >> 31)


def test_splitmix64_is_vignas():
    # splitmix64.c seeded with 0 gives 0xe220a8397b1dcdaf first
    assert int(splitmix64(0, np.zeros(1, np.uint64))[0]) == 0xE220A8397B1DCDAF
    counters = np.arange(0, 10**6, 9973, dtype=np.uint64)
    for seed in (7, 2**64 - 1):
        ours = splitmix64(seed, counters)
        assert [int(v) for v in ours] == [reference_splitmix64(seed, int(n)) for n in counters]


def test_the_fixed_log_sin_and_cos_are_within_1e_15_of_the_true_ones():
    bits = splitmix64(3, np.arange(200_000, dtype=np.uint64))
    u = ((bits >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0**-53
    theta = 2 * math.pi * (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
    assert np.max(np.abs(portable_log(bits) - np.log(u))) < 4e-15
    cos, sin = portable_cos_sin(bits)
    assert np.max(np.abs(cos - np.cos(theta))) < 2e-15 and np.max(np.abs(sin - np.sin(theta))) < 2e-15
    # the ends: u = 1 gives ln 0 exactly, the smallest u ln(2**-53)
    ends = np.array([(2**53 - 1) << 11, 0], dtype=np.uint64)
    assert portable_log(ends)[0] == 0.0 and abs(portable_log(ends)[1] + 53 * math.log(2)) < 1e-13


def test_the_latents_are_standard_normal():
    z = draw_latents(2000, 100, seed=11).ravel().astype(np.float64)
    assert abs(z.mean()) < 0.005 and abs(z.std() - 1) < 0.005
    # empirical CDF against Phi at a few points (Kolmogorov-Smirnov style, N = 200,000)
    for x in (-2.0, -1.0, 0.0, 0.5, 1.5):
        assert abs(np.mean(z <= x) - 0.5 * (1 + math.erf(x / math.sqrt(2)))) < 0.004
    assert not np.array_equal(draw_latents(4, 3, seed=1), draw_latents(4, 3, seed=2))


def test_row_r_depends_on_seed_and_r_only_and_batches_stream_the_same_bits():
    whole = draw_latents(70, 5, seed=9)
    np.testing.assert_array_equal(draw_latents(20, 5, seed=9), whole[:20])
    np.testing.assert_array_equal(np.concatenate(list(latent_batches(70, 5, seed=9, batch_size=16))), whole)
    np.testing.assert_array_equal(portable_normals(9, 7, 13), whole.ravel()[7:20])  # odd start: a sine
    assert draw_latents(3, 4, seed=None).shape == (3, 4)  # a fresh random seed


def test_the_old_generator_is_numpy_pcg64():
    np.testing.assert_array_equal(
        draw_latents(6, 4, seed=3, generator="numpy-pcg64"),
        np.random.default_rng(3).standard_normal((6, 4)).astype("float32"))


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": -1}, "seed must be an int in [0, 2**64) or None, got -1"),
    ({"seed": 2**64}, "seed must be an int in [0, 2**64) or None, got 18446744073709551616"),
    ({"seed": 1.5}, "seed must be an int in [0, 2**64) or None, got 1.5"),
    ({"seed": 0, "generator": "philox"}, "latent_generator must be one of ['kerasgen-v1', 'numpy-pcg64'], got 'philox'"),
])
def test_bad_seeds_and_generators_are_refused(kwargs, message):
    with pytest.raises(ValueError) as error:
        draw_latents(2, 3, **kwargs)
    assert str(error.value) == message


def test_files_exported_before_kerasgen_v1_keep_their_generator(fixture_path):
    # fixtures/*.onnx were exported before kerasgen-v1: no latent_generator in them
    sampler = Sampler(fixture_path("gan.onnx"))
    assert "latent_generator" not in sampler.metadata and sampler.latent_generator == "numpy-pcg64"
    z = np.random.default_rng(4).standard_normal((5, sampler.latent_dim)).astype("float32")
    np.testing.assert_array_equal(sampler.sample(5, seed=4), sampler.decode(z))
    # the same file naming kerasgen-v1 draws the portable z
    portable = Sampler(fixture_path("gan.onnx"), metadata={"latent_generator": "kerasgen-v1"})
    np.testing.assert_array_equal(portable.sample(5, seed=4), portable.decode(draw_latents(5, sampler.latent_dim, 4)))
    assert generator_of({}) == "numpy-pcg64"
    with pytest.raises(ValueError, match="latent_generator must be one of"):
        Sampler(fixture_path("gan.onnx"), metadata={"latent_generator": "mulberry32"})
