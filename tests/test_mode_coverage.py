import math

import numpy as np
import pytest

from kerasgen.data import named_datasets
from kerasgen.mode_coverage import class_coverage, diversity, mixture_coverage, reverse_kl_to_uniform


def test_real_mixture_samples_pass_the_protocol():
    # A 2-D Gaussian puts 1 - exp(-9/2) = 98.9% of its mass within 3 std of its mean.
    for name, num_modes in (("ring8", 8), ("grid25", 25)):
        points, _ = named_datasets.sample_mixture(name, 2500, seed=0)
        result = mixture_coverage(points, name)
        assert result["modes_captured"] == result["num_modes"] == num_modes
        assert result["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.006)
        assert result["reverse_kl"] < 0.02
        assert result["mode_counts"].sum() == round(result["high_quality_fraction"] * 2500)


def test_high_quality_threshold_and_captured_modes():
    modes, std = named_datasets.mixture_modes("ring8")
    # 2.9 std from mode 0 is high quality, 3.1 std from mode 1 is not.
    points = np.array([modes[0] + [2.9 * std, 0], modes[1] + [0, 3.1 * std]])
    result = mixture_coverage(points, "ring8")
    assert result["high_quality_fraction"] == 0.5
    assert result["modes_captured"] == 1
    np.testing.assert_array_equal(result["mode_counts"], [1, 0, 0, 0, 0, 0, 0, 0])
    # All points in one mode: one mode captured, reverse KL log(K).
    collapsed = mixture_coverage(np.repeat(modes[:1], 100, axis=0), "ring8")
    assert collapsed["modes_captured"] == 1
    assert collapsed["reverse_kl"] == pytest.approx(math.log(8))
    # Custom (modes, std) mixtures work too.
    custom = mixture_coverage(np.array([[0.0, 0.0], [10.0, 0.1]]), (np.array([[0.0, 0.0], [10.0, 0.0]]), 0.05))
    assert custom["modes_captured"] == 2 and custom["reverse_kl"] == pytest.approx(0.0)


def test_reverse_kl_to_uniform_values():
    assert reverse_kl_to_uniform([5, 5, 5, 5]) == pytest.approx(0.0)
    assert reverse_kl_to_uniform([10, 0, 0, 0]) == pytest.approx(math.log(4))
    assert reverse_kl_to_uniform([3, 1]) == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert reverse_kl_to_uniform([0, 0]) == math.inf


def test_class_coverage_from_classifier_probabilities():
    probabilities = np.eye(10)[[0, 1, 1, 2, 2, 2]] * 0.9 + 0.01
    result = class_coverage(probabilities)
    assert result["classes_covered"] == 3 and result["num_classes"] == 10
    np.testing.assert_array_equal(result["class_counts"][:4], [1, 2, 3, 0])
    p = np.array([1, 2, 3]) / 6
    assert result["reverse_kl"] == pytest.approx(np.sum(p * np.log(p * 10)))
    assert class_coverage(probabilities, min_count=2)["classes_covered"] == 2


def test_diversity_drops_for_collapsed_samples():
    points, _ = named_datasets.sample_mixture("grid25", 2000, seed=0)
    collapsed = points[:1] + 0.01 * np.random.default_rng(0).normal(size=(2000, 2))
    assert diversity(collapsed) / diversity(points) < 0.01
    assert diversity(points[:1000]) / diversity(points[1000:]) == pytest.approx(1.0, abs=0.1)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"samples must have shape \(N, 2\) with N > 0, got \(4, 3\)"):
        mixture_coverage(np.zeros((4, 3)), "ring8")
    with pytest.raises(ValueError, match="name must be 'ring8' or 'grid25', got 'ring9'"):
        mixture_coverage(np.zeros((4, 2)), "ring9")
    with pytest.raises(ValueError, match="mixture must be 'ring8', 'grid25' or a \\(modes, std\\) pair"):
        mixture_coverage(np.zeros((4, 2)), 3)
    with pytest.raises(ValueError, match=r"probabilities must have shape \(N, num_classes\)"):
        class_coverage(np.zeros(5))
    with pytest.raises(ValueError, match="samples must hold at least 2 samples, got 1"):
        diversity(np.zeros((1, 2)))
