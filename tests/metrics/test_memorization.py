"""The memorization check: a generator that copies training images is flagged, one that
gives new images of the same distribution is not (kerasgen.metrics.memorization)."""

import numpy as np
import pytest

from kerasgen.data import named_datasets
from kerasgen.metrics.memorization import closest_pairs, memorization, nearest_neighbours


@pytest.fixture(scope="module")
def shapes():
    # 1,000 training images; the 500 test images split in two halves: one plays the
    # "generator" that gives new images, the other the held-out reference.
    (x, _), (x_test, _) = named_datasets.load("shapes", num_train_per_class=200, num_test_per_class=100)
    rows = np.random.default_rng(0).permutation(len(x_test))
    return x, x_test[rows[:250]], x_test[rows[250:]]


def test_nearest_neighbours_match_a_brute_force_search():
    rng = np.random.default_rng(1)
    queries, references = rng.random((7, 4, 4, 3)), rng.random((11, 4, 4, 3))
    distances, indices = nearest_neighbours(queries, references, batch_size=3)
    brute = np.linalg.norm(queries.reshape(7, 1, -1) - references.reshape(1, 11, -1), axis=2)
    np.testing.assert_array_equal(indices, brute.argmin(axis=1))
    np.testing.assert_allclose(distances, brute.min(axis=1), rtol=1e-9)
    assert nearest_neighbours(references[:2], references)[0].max() < 1e-6  # exact copies: 0


def test_a_generator_that_returns_training_images_is_flagged(shapes):
    train, _, held_out = shapes
    copies = train[np.random.default_rng(2).choice(len(train), 250, replace=False)]
    results, (distances, indices) = memorization(copies, train, held_out)
    assert results["memorization"].value == 1.0
    assert results["memorization"].details["verdict"] == "copies training images"
    assert results["memorization_pixel"].value == 1.0  # every sample below the held-out 5th pct
    assert results["memorization_pixel"].details["below_held_out_min"] == 250
    np.testing.assert_array_equal(train[indices], copies)  # each found its source image
    assert distances.max() < 1e-3


def test_a_generator_that_returns_held_out_images_is_not_flagged(shapes):
    train, new_images, held_out = shapes
    results, _ = memorization(new_images, train, held_out)
    pixel = results["memorization_pixel"]
    assert results["memorization"].value == 0.0 and pixel.value <= 0.10
    assert pixel.details["flag_above"] == pytest.approx(0.05 + 3 * np.sqrt(0.0475 * 2 / 250))
    assert results["memorization"].details["verdict"] == "no sign of copying"
    # Same distribution, so the medians agree closely; 5% is what a non-copier puts below q05.
    assert abs(pixel.details["generated_median"] / pixel.details["held_out_median"] - 1) < 0.1
    assert pixel.num_generated == 250 and pixel.num_real == 250 and pixel.details["num_train"] == 1000


def test_a_generator_that_copies_a_quarter_of_the_time_is_flagged(shapes):
    train, new_images, held_out = shapes
    mixed = new_images.copy()
    mixed[::4] = train[:len(mixed[::4])]
    results, _ = memorization(mixed, train, held_out)
    assert results["memorization"].value == 1.0
    assert 0.25 <= results["memorization_pixel"].value < 0.4


def test_a_collapsed_generator_near_flat_training_images_is_not_called_a_copier(shapes):
    """One flat image is nearer the flattest training images than held-out images are to
    theirs (test (a) fires), but it copies nothing: its distinct nearest images are few."""
    train, _, held_out = shapes
    rng = np.random.default_rng(3)
    collapsed = np.clip(train.mean(axis=(0, 1, 2)) + 0.01 * rng.standard_normal((250, 32, 32, 3)), 0, 1)
    results, _ = memorization(collapsed.astype("float32"), train, held_out)
    pixel = results["memorization_pixel"]
    assert pixel.value > pixel.details["flag_above"]  # close ...
    assert pixel.details["close_distinct_nearest"] < 10  # ... to a handful of real images
    assert results["memorization"].value == 0.0


def test_the_feature_space_uses_the_extractor_and_reports_its_id(shapes):
    from kerasgen.metrics.domain_classifier import train_domain_classifier

    (x, y), _ = named_datasets.load("shapes", num_train_per_class=40, num_test_per_class=1)
    extractor = train_domain_classifier(x, y, epochs=1).feature_extractor()
    train, new_images, held_out = shapes
    results, _ = memorization(train[:120], train, held_out[:120], extractor)
    feature = results["memorization_feature"]
    assert feature.extractor == extractor.extractor_id and feature.value == 1.0
    assert results["memorization_pixel"].extractor is None
    results, _ = memorization(new_images[:120], train, held_out[:120], extractor)
    feature = results["memorization_feature"]
    # Few images: the limit widens with the noise of a fraction of 120 against a q05 of 120.
    assert feature.details["flag_above"] == pytest.approx(0.05 + 3 * np.sqrt(0.0475 * 2 / 120))
    assert feature.value <= feature.details["flag_above"] and results["memorization"].value == 0.0


def test_closest_pairs_put_each_sample_beside_its_nearest_training_image(shapes):
    train, new_images, held_out = shapes
    generated = np.concatenate([new_images[:5], train[7:8]])
    _, pairs = memorization(generated, train, held_out)
    images = closest_pairs(generated, train, pairs, count=3)
    assert images.shape == (6, 32, 32, 3)
    np.testing.assert_array_equal(images[0], train[7])  # the copy is the closest pair
    np.testing.assert_array_equal(images[1], train[7])
    np.testing.assert_array_equal(images[3], train[pairs[1][np.argsort(pairs[0])[1]]])


def test_memorization_errors_name_the_argument(shapes):
    train, new_images, held_out = shapes
    with pytest.raises(ValueError, match=r"generated must have the training images' shape \(32, 32, 3\)"):
        memorization(new_images[:, :16], train, held_out)
    with pytest.raises(ValueError, match=r"held_out must hold pixels in \[0, 1\], got values in \[-1"):
        memorization(new_images, train, held_out * 2 - 1)
    with pytest.raises(ValueError, match="threshold must be a fraction in"):
        memorization(new_images, train, held_out, threshold=5)
    with pytest.raises(ValueError, match="train must be images"):
        memorization(new_images, train[0], held_out)
