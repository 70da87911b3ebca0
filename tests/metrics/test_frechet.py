import warnings

import numpy as np
import pytest
import scipy.linalg

from kerasgen.metrics import (
    FeatureStatistics,
    MetricResult,
    frechet_distance,
    frechet_distance_from_features,
    frechet_distance_from_statistics,
    sqrtm_psd,
)


def random_covariance(rng, dim):
    factor = rng.standard_normal((dim, dim))
    return factor @ factor.T / dim + 0.01 * np.eye(dim)


def scipy_reference(mean1, cov1, mean2, cov2):
    """The TTUR / pytorch-fid formula: sqrtm of the non-symmetric product."""
    root = scipy.linalg.sqrtm(cov1 @ cov2)
    return float(np.sum((mean1 - mean2) ** 2) + np.trace(cov1) + np.trace(cov2)
                 - 2.0 * np.trace(root.real))


@pytest.mark.parametrize("seed,dim", [(0, 8), (1, 64), (2, 256)])
def test_agrees_with_scipy_sqrtm_reference(seed, dim):
    rng = np.random.default_rng(seed)
    mean1, mean2 = rng.standard_normal(dim), rng.standard_normal(dim)
    cov1, cov2 = random_covariance(rng, dim), random_covariance(rng, dim)
    ours = frechet_distance(mean1, cov1, mean2, cov2)
    reference = scipy_reference(mean1, cov1, mean2, cov2)
    assert abs(ours - reference) <= 1e-6 * abs(reference)


def test_sqrtm_psd_squares_back():
    rng = np.random.default_rng(3)
    cov = random_covariance(rng, 32)
    root = sqrtm_psd(cov)
    np.testing.assert_allclose(root @ root, cov, atol=1e-10)
    np.testing.assert_allclose(root, root.T)


def test_same_features_give_zero():
    x = np.random.default_rng(0).standard_normal((500, 16))
    assert frechet_distance_from_features(x, x).value == pytest.approx(0.0, abs=1e-8)


def test_closed_form_for_commuting_covariances():
    # With S1 = Q diag(a) Q^T and S2 = Q diag(b) Q^T the distance is
    # |m1 - m2|^2 + sum (sqrt(a) - sqrt(b))^2.
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    a, b = rng.uniform(0.1, 3.0, 10), rng.uniform(0.1, 3.0, 10)
    mean1, mean2 = rng.standard_normal(10), rng.standard_normal(10)
    expected = np.sum((mean1 - mean2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    value = frechet_distance(mean1, (q * a) @ q.T, mean2, (q * b) @ q.T)
    assert value == pytest.approx(expected, rel=1e-10)


def test_fid_of_samples_approaches_closed_form():
    # 1-D per axis: (m1 - m2)^2 + (s1 - s2)^2 summed over 3 independent axes.
    rng = np.random.default_rng(5)
    real = rng.normal([0.0, 1.0, 2.0], [1.0, 2.0, 0.5], size=(40000, 3))
    fake = rng.normal([1.0, 1.0, 0.0], [1.0, 1.0, 1.5], size=(40000, 3))
    expected = (1.0 + 0.0 + 4.0) + (0.0 + 1.0 + 1.0)
    result = frechet_distance_from_features(real, fake, extractor="identity")
    assert result.value == pytest.approx(expected, rel=0.02)
    assert (result.num_real, result.num_generated, result.extractor) == (40000, 40000, "identity")


def test_statistics_from_different_extractors_are_refused():
    x = np.random.default_rng(0).standard_normal((50, 4))
    a = FeatureStatistics.from_features(x, extractor="inception_v3@sha256:aa")
    b = FeatureStatistics.from_features(x, extractor="classifier@sha256:bb")
    with pytest.raises(ValueError, match="different extractors"):
        frechet_distance_from_statistics(a, b)


def test_results_from_different_extractors_cannot_be_compared():
    a = MetricResult("fid", 3.0, 1000, 1000, "inception_v3@sha256:aa")
    b = MetricResult("fid", 5.0, 1000, 1000, "classifier@sha256:bb")
    c = MetricResult("fid", 5.0, 1000, 1000, "inception_v3@sha256:aa")
    assert a < c and c >= a
    with pytest.raises(ValueError, match="different extractors"):
        a < b
    with pytest.raises(ValueError, match="cannot compare metric"):
        a < MetricResult("kid", 1.0, 1000, 1000, "inception_v3@sha256:aa")


def test_rank_deficient_covariance_warns_and_suggests_kid():
    x = np.random.default_rng(0).standard_normal((20, 32))
    with pytest.warns(RuntimeWarning, match="rank-deficient.*KID"):
        result = frechet_distance_from_features(x, x + 1.0)
    # Singular covariances are handled without complex numbers: only the mean term stays.
    assert result.value == pytest.approx(32.0, rel=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frechet_distance_from_features(x[:, :8], x[:, :8] + 1.0)


@pytest.mark.parametrize(
    "real,fake,message",
    [
        (np.zeros((10, 3)), np.zeros((10, 4)), "same feature dimension, got 3 and 4"),
        (np.zeros((1, 3)), np.zeros((10, 3)), "at least 2 samples"),
        (np.full((10, 3), np.nan), np.zeros((10, 3)), "real_features must be finite"),
        (np.zeros((10, 3, 1)), np.zeros((10, 3)), "2-D array"),
    ],
)
def test_bad_features_raise(real, fake, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance_from_features(real, fake)


def test_bad_statistics_raise():
    with pytest.raises(ValueError, match="mean1 and mean2 must have the same"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="cov1 shape"):
        frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))
