import os

import numpy as np
import pytest
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote

from kerasgen.metrics import FeatureStatistics, cached_statistics, load_statistics, save_statistics


class CountingFeatures:
    def __init__(self, features):
        self.features, self.calls = features, 0

    def __call__(self):
        self.calls += 1
        return self.features


@pytest.fixture
def features():
    return np.random.default_rng(0).standard_normal((40, 5))


def test_round_trip_keeps_every_field(tmp_path, features):
    path = os.path.join(tmp_path, "stats.npz")
    statistics = FeatureStatistics.from_features(features, "clf@sha256:ab", keep_features=True)
    save_statistics(path, statistics, source="mnist5k:test:40")
    loaded = load_statistics(path, extractor="clf@sha256:ab", source="mnist5k:test:40")
    np.testing.assert_array_equal(loaded.mean, statistics.mean)
    np.testing.assert_array_equal(loaded.cov, statistics.cov)
    assert (loaded.num_samples, loaded.extractor) == (40, "clf@sha256:ab")
    np.testing.assert_allclose(loaded.features, features, rtol=1e-6)
    np.testing.assert_allclose(statistics.cov, np.cov(features, rowvar=False), rtol=1e-12)


def test_cache_is_reused_only_for_the_same_extractor(tmp_path, features):
    path = os.path.join(tmp_path, "stats.npz")
    compute = CountingFeatures(features)
    first, reused = cached_statistics(path, "clf@sha256:ab", compute, source="s")
    assert not reused and compute.calls == 1 and os.path.exists(path)
    second, reused = cached_statistics(path, "clf@sha256:ab", compute, source="s")
    assert reused and compute.calls == 1
    np.testing.assert_array_equal(second.cov, first.cov)

    with pytest.warns(RuntimeWarning, match="different extractors"):
        _, reused = cached_statistics(path, "inception_v3@sha256:cd", compute, source="s")
    assert not reused and compute.calls == 2
    assert load_statistics(path).extractor == "inception_v3@sha256:cd"  # replaced
    with pytest.raises(ValueError, match="computed with extractor 'inception_v3@sha256:cd', "
                                         "not 'clf@sha256:ab'"):
        load_statistics(path, extractor="clf@sha256:ab")


def test_cache_without_features_is_recomputed_when_features_are_needed(tmp_path, features):
    path = os.path.join(tmp_path, "stats.npz")
    compute = CountingFeatures(features)
    cached_statistics(path, "clf@sha256:ab", compute)
    statistics, reused = cached_statistics(path, "clf@sha256:ab", compute, need_features=True)
    assert not reused and compute.calls == 2 and statistics.features is not None


def test_bad_files_raise(tmp_path):
    with pytest.raises(ValueError, match="path must end with .npz"):
        save_statistics(os.path.join(tmp_path, "stats.txt"), None)
    path = os.path.join(tmp_path, "other.npz")
    np.savez(path, something=np.zeros(3))
    with pytest.raises(ValueError, match="lacks"):
        load_statistics(path)


def rewrite(path, **changes):
    """A valid .npz holding the file's arrays with `changes` (keeps the old checksum)."""
    with np.load(path, allow_pickle=False) as data:
        contents = {name: data[name] for name in data.files}
    contents.update(changes)
    np.savez(path, **contents)


def flip_a_bit_of_the_mean(path):
    with np.load(path, allow_pickle=False) as data:
        mean = data["mean"].copy()
    mean.view("uint8")[3] ^= 0x10
    rewrite(path, mean=mean)


def bad_crc(path):
    # flip one byte inside the stored (uncompressed) cov member: the zip CRC no longer matches
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))


CORRUPTIONS = {
    "bad CRC": bad_crc,
    "truncated": lambda path: open(path, "r+b").truncate(os.path.getsize(path) // 2),
    "empty": lambda path: open(path, "wb").close(),
    "altered arrays": lambda path: rewrite(path, mean=np.zeros(5)),
    "one flipped bit": flip_a_bit_of_the_mean,
    "altered count": lambda path: rewrite(path, num_samples=np.asarray(4000)),
    "other key": lambda path: rewrite(path, source=np.asarray("s"), extractor=np.asarray("x@sha256:ff")),
    "no checksum (version 1)": lambda path: np.savez(path, **{
        k: v for k, v in np.load(path, allow_pickle=False).items() if k != "checksum"}),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_corrupt_or_altered_cache_is_recomputed_saying_so(tmp_path, features, corruption):
    path = os.path.join(tmp_path, "stats.npz")
    compute = CountingFeatures(features)
    first, _ = cached_statistics(path, "clf@sha256:ab", compute, source="mnist5k:test:40",
                                 need_features=True)
    CORRUPTIONS[corruption](path)
    with pytest.warns(RuntimeWarning, match="Recomputing reference statistics") as caught:
        again, reused = cached_statistics(path, "clf@sha256:ab", compute, source="mnist5k:test:40",
                                          need_features=True)
    assert [len(str(w.message).splitlines()) for w in caught if w.category is RuntimeWarning] == [1]
    assert not reused and compute.calls == 2
    np.testing.assert_array_equal(again.mean, first.mean)
    np.testing.assert_array_equal(again.cov, first.cov)
    # the file was rewritten whole and is trusted again
    _, reused = cached_statistics(path, "clf@sha256:ab", compute, source="mnist5k:test:40",
                                  need_features=True)
    assert reused and compute.calls == 2
    assert sorted(set(os.listdir(tmp_path)) - {MANIFEST}) == ["stats.npz"]


def test_an_altered_file_is_refused_by_load_statistics(tmp_path, features):
    path = os.path.join(tmp_path, "stats.npz")
    save_statistics(path, FeatureStatistics.from_features(features, "clf@sha256:ab"), source="s")
    rewrite(path, cov=np.eye(5))
    with pytest.raises(ValueError, match="does not match its checksum"):
        load_statistics(path)
