"""The zoo's quality protocols: each entry's recipe names one under `"evaluation"`.

Every number is returned with its N and protocol (and the feature extractor where one
is used), exactly as it goes into `entry.json` and the model card.
"""

import os

import numpy as np

from kerasgen import plotting
from kerasgen.data import dynamic_binarization, named_datasets
from kerasgen.metrics import FeatureStatistics
from kerasgen.metrics.evaluate import feature_metrics
from kerasgen.metrics.features import to_unit_interval
from kerasgen.mode_coverage import class_coverage, mixture_coverage
from kerasgen.models import GenerativeModel, LinearAutoencoder
from kerasgen.zoo import spade_evaluation
from kerasgen.zoo.extractors import JUDGES, classifier_extractor
from kerasgen.zoo.protocol import PROTOCOL_LATENTS, result


def test_split(spec):
    """The test split of the recipe's dataset (mnist5k: the 1,000 test images)."""
    (_, _), (x_test, y_test) = named_datasets.load(spec["data"])
    return x_test, y_test


def iw_nll(model, spec, num_samples=1000, seed=0):
    x_test, _ = test_split(spec)
    binary = dynamic_binarization.binarize(x_test, seed=seed)
    nll = model.log_likelihood(binary, num_samples=num_samples, seed=seed)
    mean, log_var = model.encode(binary)
    kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - log_var - 1, axis=1)
    protocol = (
        f"test split binarized with numpy seed {seed} (pixel = 1 with its intensity as "
        f"probability); importance-weighted -log p(x), k = {num_samples}, nats"
    )
    return {
        "test_nll": result(nll.mean(), len(nll), protocol, standard_error=round(float(nll.std() / np.sqrt(len(nll))), 4)),
        "test_kl": result(kl.mean(), len(kl), "mean KL(q(z|x) || p(z)) on the binarized test split, nats"),
        "active_units": result(np.sum(mean.var(axis=0) > 0.01), len(mean), "latent dims with Cov_x(E_q[z|x]) > 0.01"),
    }


def pca_mse(model, spec):
    (x_train, _), (x_test, _) = named_datasets.load(spec["data"])
    pca = LinearAutoencoder(model.data_shape, model.latent_dim).solve_pca(x_train)
    mse = model.reconstruction_mse(x_test)
    reference = pca.reconstruction_mse(x_test)
    protocol = f"per-pixel MSE on the test split; PCA by SVD of the training split, k = {model.latent_dim}"
    return {
        "test_mse": result(mse, len(x_test), protocol),
        "pca_test_mse": result(reference, len(x_test), protocol),
        "mse_ratio_to_pca": result(mse / reference, len(x_test), "test_mse / pca_test_mse"),
    }


def reconstruction(model, spec):
    x_test, _ = test_split(spec)
    x_hat = np.clip(model.reconstruct(x_test), 1e-6, 1 - 1e-6).astype("float64")
    x = x_test.astype("float64")
    bce = -np.mean(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat))
    return {
        "test_mse": result(np.mean((x - x_hat) ** 2), len(x), "per-pixel MSE of reconstructions on the test split"),
        "test_bce": result(bce, len(x), "per-pixel binary cross-entropy on the test split, nats"),
    }


def denoising(model, spec, seed=0):
    x_test, _ = test_split(spec)
    level = model.noise_level
    rng = np.random.default_rng(seed)
    if model.noise == "gaussian":
        noisy = x_test + level * rng.standard_normal(x_test.shape)
    else:
        noisy = x_test * (rng.random(x_test.shape) >= level)
    noisy = noisy.astype("float32")
    denoised = model.reconstruct(noisy)
    protocol = f"test split with {model.noise} corruption {level} (numpy seed {seed}); per-pixel MSE to the clean images"
    return {
        "denoised_mse": result(np.mean((denoised - x_test) ** 2), len(x_test), protocol),
        "noisy_mse": result(np.mean((noisy - x_test) ** 2), len(x_test), protocol + " (identity map)"),
    }


def accuracy(model, spec):
    x_test, y_test = test_split(spec)
    probabilities = model.predict(x_test, batch_size=500, verbose=0)
    correct = np.argmax(probabilities, axis=1) == y_test
    return {"test_accuracy": result(correct.mean(), len(correct), "top-1 accuracy on the test split")}


def judges(spec, extractor, second_judges=None):
    """`extractor` first, then `second_judges` (default: the other judges of the data)."""
    if second_judges is None:
        second_judges = JUDGES.get(spec["data"], ())
    return [extractor, *(name for name in second_judges if name != extractor)]


def judged(name, judge, primary):
    """Metric key under `judge`: plain under the primary one, else `name@judge`."""
    return name if judge == primary else f"{name}@{judge}"


def unit_images(model, images):
    return to_unit_interval(images, model.output_range)


def fid_kid(model, spec, num_samples=1000, seed=0, extractor="classifier_mnist5k",
            second_judges=None):
    """FID / KID / class histogram of `num_samples` generated vs the test images, next to
    the floor, under every judge of the data (the same samples for each)."""
    (x_train, _), (x_test, _) = named_datasets.load(spec["data"])
    generated = unit_images(model, model.sample(num_samples, seed=seed, latent_generator=PROTOCOL_LATENTS))
    floor_rows = np.random.default_rng(seed).choice(len(x_train), size=len(x_test), replace=False)
    metrics, labels = {}, {}
    for judge in judges(spec, extractor, second_judges):
        judge_metrics, labels[judge] = fid_kid_under(classifier_extractor(judge), generated,
                                                     x_test, x_train[floor_rows], seed)
        metrics.update({judged(k, judge, extractor): v for k, v in judge_metrics.items()})
        if judge != extractor:  # how far the class histograms depend on the judge
            (gen, real), (gen_first, real_first) = labels[judge], labels[extractor]
            metrics[f"judge_agreement@{judge}"] = result(
                np.mean(gen == gen_first), len(gen),
                f"share of generated images {judge} labels as {extractor} does")
            metrics[f"test_judge_agreement@{judge}"] = result(
                np.mean(real == real_first), len(real), "the same for the test images")
    return metrics


def fid_kid_under(features, generated, x_test, x_floor, seed):
    """The `fid_kid` numbers under one judge (a `FeatureExtractor`), and its labels of the
    generated and the test images."""
    num_samples = len(generated)
    real_f, real_p = features.extract(x_test)
    gen_f, gen_p = features.extract(generated)
    floor_f, _ = features.extract(x_floor)
    extractor_id = features.extractor_id
    n = f"{num_samples} generated (seed {seed}) vs the {len(x_test)} test images"
    floor = f"{len(x_test)} training images (numpy seed {seed}) vs the {len(x_test)} test images"
    # FID and KID by the function `kerasgen.metrics.evaluate` computes them with.
    real = FeatureStatistics.from_features(real_f, extractor_id, keep_features=True)
    fid, kid = feature_metrics(("fid", "kid"), real, gen_f, seed=seed).values()
    fid_floor, kid_floor = feature_metrics(("fid", "kid"), real, floor_f, seed=seed).values()
    coverage = class_coverage(gen_p)
    real_coverage = class_coverage(real_p)
    return {
        "fid": result(fid.value, num_samples, "FID, " + n, extractor=extractor_id),
        "fid_floor": result(fid_floor.value, len(x_test), "FID, " + floor, extractor=extractor_id),
        "kid": result(kid.value, num_samples, f"KID (cubic kernel, {kid.details.get('num_subsets', 100)} subsets of {kid.details.get('subset_size', 1000)}), " + n,
                      extractor=extractor_id, std=float(f"{kid.std:.3g}")),
        "kid_floor": result(kid_floor.value, len(x_test), "KID, " + floor, extractor=extractor_id),
        "classes_covered": result(coverage["classes_covered"], num_samples, "classes predicted for at least one generated image", extractor=extractor_id),
        "class_kl_to_uniform": result(coverage["reverse_kl"], num_samples, "KL(class histogram of generated images || uniform), nats", extractor=extractor_id),
        "test_class_kl_to_uniform": result(real_coverage["reverse_kl"], len(x_test), "the same for the test images (floor)", extractor=extractor_id),
    }, (gen_p.argmax(axis=1), real_p.argmax(axis=1))


def conditional_accuracy(model, spec, per_class=100, seed=0, extractor="classifier_mnist5k",
                         second_judges=None):
    """Share of generated digits each judge labels as the requested class."""
    labels = np.repeat(np.arange(model.num_classes), per_class)
    images = unit_images(model, model.sample(len(labels), seed=seed, labels=labels,
                                             latent_generator=PROTOCOL_LATENTS))
    protocol = f"{per_class} samples per class (seed {seed}); classifier label == requested label"
    metrics = {}
    for judge in judges(spec, extractor, second_judges):
        features = classifier_extractor(judge)
        _, probabilities = features.extract(images)
        correct = probabilities.argmax(axis=1) == labels
        per_label = [float(correct[labels == c].mean()) for c in range(model.num_classes)]
        metrics[judged("conditional_accuracy", judge, extractor)] = result(
            correct.mean(), len(labels), protocol, extractor=features.extractor_id)
        metrics[judged("worst_class_accuracy", judge, extractor)] = result(
            min(per_label), per_class, "lowest per-class share", extractor=features.extractor_id)
    return metrics


def mode_coverage(model, spec, num_samples=2500, seeds=(0, 1, 2)):
    """The PacGAN / VEEGAN 2-D protocol on the shipped generator, per sampling seed."""
    metrics = {}
    for seed in seeds:
        stats = mixture_coverage(model.sample(num_samples, seed=seed, latent_generator=PROTOCOL_LATENTS), spec["data"])
        protocol = (f"{num_samples} samples (seed {seed}); high quality = within 3 std of the "
                    "nearest mode; a mode is captured by >= 1 high-quality sample")
        metrics[f"modes_captured_seed{seed}"] = result(stats["modes_captured"], num_samples, protocol + f" (of {stats['num_modes']})")
        metrics[f"high_quality_seed{seed}"] = result(stats["high_quality_fraction"], num_samples, protocol)
        metrics[f"reverse_kl_seed{seed}"] = result(stats["reverse_kl"], num_samples, "KL(mode histogram of high-quality samples || uniform), nats")
    return metrics


def table_anomaly(model, spec, normal_classes, false_positive_rate=0.05, num_samples=100, seed=0):
    """A table VAE trained on the `normal_classes` rows of a bundled table's training
    split: anomaly AUROC (both scores) of the test split's normal rows against its other
    rows, and the linear probe (codes, PCA, raw columns) from training to test split;
    the numbers `kerasgen evaluate ENTRY --metrics anomaly,linear_probe` gives."""
    from kerasgen.data import sources
    from kerasgen.metrics.anomaly import anomaly_report
    from kerasgen.metrics.linear_probe import linear_probe

    options = spec.get("table", {})
    train, (x_test, y_test) = sources.load_splits(
        spec["data"], model.columns, options.get("label_column"), spec.get("seed", 0),
        options.get("impute", "refuse"))
    normal = np.isin(y_test, normal_classes)
    report = anomaly_report(model, x_test[normal], x_test[~normal], false_positive_rate,
                            num_samples=num_samples, seed=seed)
    split = (f"test split ({normal.sum()} rows of classes {normal_classes} as normal, "
             f"{(~normal).sum()} others as anomalies)")
    metrics = {}
    for method, found in report.items():
        draws = f"{num_samples} draws of z per row, seed {seed}"
        metrics[f"auroc_{method}"] = result(found["auroc"], len(x_test), f"{split}; {method}, {draws}")
        metrics[f"detection_rate_{method}"] = result(
            found["detection_rate"], int((~normal).sum()),
            f"anomalies detected at the threshold of {false_positive_rate:g} false positives; {method}")
    probe = linear_probe(model, train, (x_test, y_test), seed=seed)
    sizes = f"{probe['num_train']} training rows, {probe['num_test']} test rows (all classes)"
    for features, dim in (("code", probe["code_dim"]), ("pca", probe["code_dim"]), ("raw", probe["raw_dim"])):
        metrics[f"linear_probe_{features}"] = result(
            probe[features], probe["num_test"],
            f"logistic regression on {features} features ({dim} dims), test accuracy; {sizes}")
    return metrics


PROTOCOLS = {
    "table_anomaly": table_anomaly,
    # SPADE's protocol (layout mIoU, FID/KID, style, diversity, KL): see spade_evaluation
    "semantic_synthesis": spade_evaluation.semantic_synthesis,
    "segmentation": spade_evaluation.segmentation,
    "fid_kid": fid_kid,
    "conditional_accuracy": conditional_accuracy,
    "mode_coverage": mode_coverage,
    "accuracy": accuracy,
    "iw_nll": iw_nll,
    "pca_mse": pca_mse,
    "reconstruction": reconstruction,
    "denoising": denoising,
}


def evaluate_model(model, spec):
    """Runs the protocol named in `spec["evaluation"]` and returns its metrics dict."""
    evaluation = dict(spec["evaluation"])
    protocol = evaluation.pop("protocol")
    if protocol not in PROTOCOLS:
        raise ValueError(f"evaluation protocol must be one of {sorted(PROTOCOLS)}, got {protocol!r}")
    return PROTOCOLS[protocol](model, spec, **evaluation)


def write_samples(model, spec, out, x_reference=None, seed=0):
    """`samples.png`: 64 samples (80 for conditional models, 8 per class), input and
    reconstruction pairs for autoencoders, or a scatter over the modes for 2-D data.

    `x_reference` (images or points) defaults to the test split of `spec["data"]`.
    """
    path = os.path.join(out, "samples.png")
    generative = isinstance(model, GenerativeModel)
    if generative and model.conditioning == "label_map":  # semantic image synthesis: samples for test maps
        return spade_evaluation.write_spade_samples(model, spec, path, seed=seed)
    if x_reference is None:
        x_reference, _ = test_split(spec)
    if not generative:  # a classifier: show the data it was trained on
        return plotting.save_image_grid(path, x_reference[:64], (0.0, 1.0), scale=2)
    samples, columns = model.preview(64 if len(model.data_shape) == 3 else 2500, seed=seed,
                                     images=x_reference[:32])
    if samples.ndim == 4:
        return plotting.save_image_grid(path, samples, model.output_range, columns=columns, scale=2)
    modes = None
    if spec.get("data") in ("ring8", "grid25"):
        modes, _ = named_datasets.mixture_modes(spec["data"])
    return plotting.save_scatter(path, samples, reference=x_reference[:2500], modes=modes)
