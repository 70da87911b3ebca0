import numpy as np
import pytest

from kerasgen.metrics import kernel_inception_distance, mmd2_unbiased


def naive_mmd2(x, y):
    """Unbiased MMD^2 by explicit double sums (the definition)."""
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_mmd2_matches_the_definition():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((12, 5)), rng.standard_normal((12, 5)) + 0.3
    assert mmd2_unbiased(x, y) == pytest.approx(naive_mmd2(x, y), rel=1e-10)


def test_same_distribution_is_zero_in_expectation():
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((1000, 16)), rng.standard_normal((1000, 16))
    result = kernel_inception_distance(real, fake, num_subsets=30, subset_size=200)
    # Unbiased: the mean over subsets scatters around 0 (negative values allowed).
    assert abs(result.value) < 3 * result.std / np.sqrt(30) + 1e-4
    shifted = kernel_inception_distance(real, fake + 0.5, num_subsets=30, subset_size=200)
    assert shifted.value > 20 * max(result.std, abs(result.value))
    assert shifted.value > 0.01


def test_result_carries_sizes_and_subset_size_is_clipped():
    rng = np.random.default_rng(2)
    result = kernel_inception_distance(
        rng.standard_normal((300, 4)), rng.standard_normal((200, 4)), num_subsets=3,
        extractor="identity",
    )
    assert result.details["subset_size"] == 100  # half the smaller set
    assert (result.num_real, result.num_generated, result.extractor) == (300, 200, "identity")
    assert result.std is not None


def test_std_is_a_real_spread_when_subsets_would_cover_n():
    # 500 vs 500 rows with the default subset size 1000: subsets of the whole set would
    # give std 0 (1e-15); subsets of half of it spread like independent draws do.
    rng = np.random.default_rng(4)

    def draw(n):
        return rng.standard_normal((n, 8)), rng.standard_normal((n, 8)) + 0.2

    result = kernel_inception_distance(*draw(500), num_subsets=100)
    assert result.details["subset_size"] == 250
    independent = np.std([mmd2_unbiased(*draw(250)) for _ in range(100)])
    assert 0.4 < result.std / independent < 2.5
    with pytest.raises(ValueError, match="at least 4 real and 4 generated"):
        kernel_inception_distance(*draw(3))


def test_seed_makes_kid_reproducible():
    rng = np.random.default_rng(3)
    real, fake = rng.standard_normal((300, 4)), rng.standard_normal((300, 4))
    first = kernel_inception_distance(real, fake, num_subsets=5, subset_size=100, seed=7)
    second = kernel_inception_distance(real, fake, num_subsets=5, subset_size=100, seed=7)
    assert first.value == second.value


def test_bad_input_raises():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="subset_size must be an int >= 2, got 1"):
        kernel_inception_distance(x, x, subset_size=1)
    with pytest.raises(ValueError, match="same feature dimension"):
        kernel_inception_distance(x, np.zeros((10, 2)))
    with pytest.raises(ValueError, match="generated_features must be finite"):
        kernel_inception_distance(x, np.full((10, 3), np.inf))
