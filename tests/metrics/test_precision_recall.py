import numpy as np
import pytest

from kerasgen.metrics import density_coverage, prdc, precision_recall


def lattice_clusters(centers):
    """10x10 unit lattices, one per centre (centres far apart)."""
    grid = np.stack(np.meshgrid(np.arange(10.0), np.arange(10.0)), -1).reshape(-1, 2)
    return np.concatenate([grid + np.asarray(c) for c in centers])


CENTERS = [(0, 0), (1000, 0), (0, 1000), (1000, 1000)]


def test_dropped_modes_lower_recall_and_coverage_not_precision():
    real = lattice_clusters(CENTERS)
    fake = lattice_clusters(CENTERS[:2])  # two of four modes, points on the real ones
    results = prdc(real, fake, batch_size=64)
    assert results["precision"].value == 1.0
    assert results["recall"].value == 0.5
    assert results["coverage"].value == 0.5


def test_samples_off_the_manifold_have_zero_precision_and_recall():
    real = lattice_clusters(CENTERS)
    fake = lattice_clusters([(5000, 5000)])
    results = prdc(real, fake)
    assert all(results[name].value == 0.0 for name in results)


def test_half_good_samples_give_half_precision():
    real = lattice_clusters(CENTERS)
    fake = np.concatenate([real[:200], lattice_clusters([(5000, 5000), (-5000, 0)])])
    assert precision_recall(real, fake)["precision"].value == 0.5


def test_same_distribution_density_near_one_coverage_high():
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((2000, 2)), rng.standard_normal((2000, 2))
    results = density_coverage(real, fake, extractor="identity")
    assert results["density"].value == pytest.approx(1.0, abs=0.1)
    assert results["coverage"].value > 0.9
    assert results["density"].details == {"k": 5}
    assert results["coverage"].num_real == 2000 and results["coverage"].extractor == "identity"
    narrow = density_coverage(real, 0.1 * fake)
    assert narrow["coverage"].value < 0.3  # samples at the centre cover few real balls


def test_k_must_be_smaller_than_the_sample_size():
    x = np.zeros((3, 2))
    with pytest.raises(ValueError, match="precision_recall_k must be < the number of samples"):
        precision_recall(x, x, k=3)
