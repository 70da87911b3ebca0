"""The SPADE protocol on layouts: layout fidelity, realism, style, diversity, KL.

Every number comes with its N and protocol; numbers from the segmenter's features name
it by the sha256 of its shipped weights (zoo entry `segmenter_layouts`).

- layout fidelity: the segmenter (trained on the real training scenes) segments images
  generated for the test maps (z ~ N(0, I)); mIoU and pixel accuracy against the input
  maps. Its score on the real test images is the ceiling.
- realism: FID / KID between the segmenter's pooled features of the generated and the
  real test images; the floor compares 1,000 training images with the test images.
- style: each test map is drawn with z = the encoder's mean for another test image
  (a seeded permutation); per class present in both, the mean RGB of the region in the
  generated image vs in the reference; mean absolute error, next to the same error
  with random z (the baseline a style code must beat).
- diversity: for 50 test maps, 8 samples each over z: mean pairwise per-pixel L1
  distance (images in [0, 1]).
- the encoder's KL per dimension on the test images (posterior collapse shows as
  dimensions with KL near 0).
"""

import os

import numpy as np

from kerasgen import plotting
from kerasgen.data import named_datasets
from kerasgen.data.layouts import from_paired_folder
from kerasgen.metrics import FeatureStatistics
from kerasgen.metrics.evaluate import feature_metrics
from kerasgen.models.generative_model import predict_in_batches
from kerasgen.zoo.entry import Entry
from kerasgen.zoo.protocol import PROTOCOL_LATENTS, result

SEGMENTER_ENTRY = "segmenter_layouts"


def load_pairs(spec, split="test"):
    """`(images in [0, 1], label maps)` of the spec's data (a name or a paired folder)."""
    data = spec["data"]
    if os.path.isdir(str(data)):
        return from_paired_folder(data)
    train, test = named_datasets.load(data)
    return test if split == "test" else train


def segmenter(name=SEGMENTER_ENTRY):
    """The zoo's layout segmenter (weights sha256-verified) and its extractor id."""
    entry = Entry.open(name)
    return entry.load_model(), f"{name}@sha256:{entry.config['weights']['sha256']}"


def segment(network, images, batch_size=250):
    return np.argmax(predict_in_batches(network, images, batch_size), axis=-1)


def layout_scores(predicted, label_maps, num_classes):
    """`(mIoU over the classes present in the maps or predictions, pixel accuracy)`."""
    ious = []
    for label in range(num_classes):
        union = np.sum((predicted == label) | (label_maps == label))
        if union:
            ious.append(np.sum((predicted == label) & (label_maps == label)) / union)
    return float(np.mean(ious)), float(np.mean(predicted == label_maps))


def region_colours(images, label_maps, num_classes):
    """Mean RGB per class region `(N, num_classes, 3)`, NaN where a class is absent."""
    colours = np.full((len(images), num_classes, images.shape[-1]), np.nan)
    for label in range(num_classes):
        mask = (label_maps == label)[..., None]
        count = mask.sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            colours[:, label] = np.where(count > 0, (images * mask).sum(axis=(1, 2)) / np.maximum(count, 1), np.nan)
    return colours


def to_unit(images):
    return np.clip((np.asarray(images) + 1.0) / 2.0, 0.0, 1.0)


def semantic_synthesis(model, spec, num_samples=1000, seed=0, diversity_maps=50, diversity_samples=8):
    network, extractor_id = segmenter()
    features_of = network.feature_extractor()

    def features(images):
        pooled, logits = predict_in_batches(features_of, images, 250)
        return pooled, np.argmax(logits, axis=-1)

    x_test, maps_test = load_pairs(spec, "test")
    x_train, _ = load_pairs(spec, "train")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(x_test), size=min(num_samples, len(x_test)), replace=False))
    x_test, maps_test = x_test[rows], maps_test[rows]
    n = len(rows)
    k = model.num_classes
    generated = to_unit(model.sample(n, seed=seed, label_maps=maps_test, latent_generator=PROTOCOL_LATENTS))
    real_f, real_seg = features(x_test)
    gen_f, gen_seg = features(generated)
    floor_rows = rng.choice(len(x_train), size=n, replace=False)
    floor_f, _ = features(x_train[floor_rows])
    miou, accuracy = layout_scores(gen_seg, maps_test, k)
    real_miou, real_accuracy = layout_scores(real_seg, maps_test, k)
    # FID and KID by the function `kerasgen.metrics.evaluate` computes them with.
    real = FeatureStatistics.from_features(real_f, extractor_id, keep_features=True)
    fid, kid = feature_metrics(("fid", "kid"), real, gen_f, seed=seed).values()
    fid_floor, kid_floor = feature_metrics(("fid", "kid"), real, floor_f, seed=seed).values()
    fid, fid_floor, kid_floor = fid.value, fid_floor.value, kid_floor.value

    # Style: the reference's colours on another map, against random z
    references = rng.permutation(n)
    styled = to_unit(model.sample(n, label_maps=maps_test, style_images=x_test[references] * 2.0 - 1.0))
    target = region_colours(x_test[references], maps_test[references], k)
    style_error = np.nanmean(np.abs(region_colours(styled, maps_test, k) - target))
    random_error = np.nanmean(np.abs(region_colours(generated, maps_test, k) - target))

    # Diversity over z for a few maps
    distances = []
    for index in range(min(diversity_maps, n)):
        samples = to_unit(model.sample(diversity_samples, seed=seed + 1 + index, label_maps=maps_test[index],
                                            latent_generator=PROTOCOL_LATENTS))
        flat = samples.reshape(len(samples), -1)
        pairwise = np.abs(flat[:, None] - flat[None]).mean(axis=-1)
        distances.append(pairwise[np.triu_indices(len(samples), 1)].mean())

    # The encoder's KL per dimension
    mean, log_var = model.encode(x_test * 2.0 - 1.0)
    kl = (0.5 * (mean**2 + np.exp(log_var) - log_var - 1.0)).mean(axis=0)

    generated_text = f"{n} test maps (numpy seed {seed}), z ~ N(0, I) seed {seed}"
    seg = {"extractor": extractor_id}
    return {
        "miou": result(miou, n, f"mIoU of the segmenter on images generated for {generated_text}, vs the input maps", **seg),
        "pixel_accuracy": result(accuracy, n, "pixel accuracy, same images and maps", **seg),
        "real_miou": result(real_miou, n, "mIoU of the segmenter on the real test images of those maps (ceiling)", **seg),
        "real_pixel_accuracy": result(real_accuracy, n, "pixel accuracy on the real test images (ceiling)", **seg),
        "fid": result(fid, n, f"FID, pooled segmenter features, {n} generated vs the {n} real test images", **seg),
        "fid_floor": result(fid_floor, n, f"FID, {n} training images (numpy seed {seed}) vs the test images", **seg),
        "kid": result(kid.value, n, "KID (cubic kernel, 100 subsets), same sets", std=float(f"{kid.std:.3g}"), **seg),
        "kid_floor": result(kid_floor, n, "KID, training vs test images (floor)", **seg),
        "style_error": result(style_error, n, "mean absolute error of the mean RGB per class region, generated with z = encoder mean of "
                              "another test image (seeded permutation) vs that reference, pixels in [0, 1]"),
        "style_error_random_z": result(random_error, n, "the same error with z ~ N(0, I) (baseline)"),
        "diversity": result(np.mean(distances), len(distances) * diversity_samples,
                            f"mean pairwise per-pixel L1 of {diversity_samples} samples over z per map, "
                            f"{len(distances)} test maps, pixels in [0, 1]"),
        "kl_per_dimension": result(kl.mean(), n, f"mean over the {len(kl)} latent dims of the KL of q(z given x) to N(0, 1) on the test images, nats"),
        "active_dimensions": result(np.sum(kl > 0.01), n, "latent dims with mean KL > 0.01 nats"),
        "kl_dimension_min": result(kl.min(), n, "the smallest per-dimension mean KL (collapse shows as ~0), nats"),
        "kl_dimension_max": result(kl.max(), n, "the largest per-dimension mean KL, nats"),
    }


def segmentation(model, spec):
    """The segmenter's own scores on the real test scenes (the SPADE protocol's ceiling)."""
    x_test, maps_test = load_pairs(spec, "test")
    miou, accuracy = layout_scores(segment(model, x_test), maps_test, model.num_classes)
    return {
        "test_miou": result(miou, len(x_test), "mIoU over the classes on the real test scenes"),
        "test_pixel_accuracy": result(accuracy, len(x_test), "pixel accuracy on the real test scenes"),
    }


def write_spade_samples(model, spec, path, seed=0, num_maps=8, per_map=7):
    """`samples.png`: per row, a test map (grey levels), its real image, and samples over z."""
    x_test, maps_test = load_pairs(spec, "test")
    rows = np.sort(np.random.default_rng(seed).choice(len(x_test), size=min(num_maps, len(x_test)), replace=False))
    grid = []
    for row in rows:
        shown = np.repeat((maps_test[row] / max(model.num_classes - 1, 1))[..., None], x_test.shape[-1], axis=-1)
        samples = to_unit(model.sample(per_map, seed=seed + int(row), label_maps=maps_test[row]))
        grid.extend([shown.astype("float32"), x_test[row], *samples])
    return plotting.save_image_grid(path, np.stack(grid), (0.0, 1.0), columns=per_map + 2, scale=3)
