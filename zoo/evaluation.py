"""The zoo's quality protocols: each entry's recipe names one under `"evaluation"`.

Every number is returned with its N and protocol (and the feature extractor where one
is used), exactly as it goes into `entry.json` and the model card.
"""

import os

import numpy as np

from kerasgen import datasets


def test_split(spec):
    """The test split of the recipe's dataset (mnist5k: the 1,000 test images)."""
    (_, _), (x_test, y_test) = datasets.load(spec["data"])
    return x_test, y_test


def result(value, n, protocol, **extra):
    return {"value": float(f"{float(value):.6g}"), "n": int(n), "protocol": protocol, **extra}


def iw_nll(model, spec, num_samples=1000, seed=0):
    x_test, _ = test_split(spec)
    binary = datasets.binarize(x_test, seed=seed)
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
    from kerasgen.models import LinearAutoencoder

    (x_train, _), (x_test, _) = datasets.load(spec["data"])
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


PROTOCOLS = {
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
    from kerasgen import plotting

    if x_reference is None:
        x_reference, _ = test_split(spec)
    path = os.path.join(out, "samples.png")
    if not hasattr(model, "sample"):  # a classifier: show the data it was trained on
        return plotting.save_image_grid(path, x_reference[:64], (0.0, 1.0), scale=2)
    if getattr(model, "num_classes", None):
        labels = np.repeat(np.arange(model.num_classes), 8)
        samples = model.sample(len(labels), seed=seed, labels=labels)
        return plotting.save_image_grid(path, samples, model.output_range, columns=8, scale=2)
    try:
        samples = model.sample(64 if len(model.data_shape) == 3 else 2500, seed=seed)
    except NotImplementedError:  # deterministic autoencoders have no prior to sample
        grid = np.concatenate([x_reference[:32], model.reconstruct(x_reference[:32])])
        return plotting.save_image_grid(path, grid, (0.0, 1.0), columns=8, scale=2)
    if samples.ndim == 4:
        return plotting.save_image_grid(path, samples, model.output_range, scale=2)
    modes = None
    if spec.get("data") in ("ring8", "grid25"):
        modes, _ = datasets.mixture_modes(spec["data"])
    return plotting.save_scatter(path, samples, reference=x_reference[:2500], modes=modes)
