"""Losses shared by the model family: per-example likelihoods and KL (summed over data
dimensions), and the GAN family's adversarial and feature-matching losses (batch means)."""

import math

from keras import ops

EPSILON = 1e-6
RECONSTRUCTION_LOSSES = ("mse", "l1", "bce")
LIKELIHOODS = ("bernoulli", "gaussian")


def _sum_over_data(values):
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=1)


def reconstruction_error(x, x_hat, loss="mse"):
    """Per-example reconstruction error summed over pixels: `mse`, `l1` or `bce`."""
    if loss == "mse":
        return _sum_over_data(ops.square(x - x_hat))
    if loss == "l1":
        return _sum_over_data(ops.abs(x - x_hat))
    if loss == "bce":
        return -bernoulli_log_likelihood(x, x_hat)
    raise ValueError(f"loss must be one of {list(RECONSTRUCTION_LOSSES)}, got {loss!r}")


def bernoulli_log_likelihood(x, probabilities):
    """log p(x | p) in nats per example for a factorised Bernoulli decoder."""
    p = ops.clip(probabilities, EPSILON, 1.0 - EPSILON)
    return _sum_over_data(x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p))


def gaussian_log_likelihood(x, mean, std=1.0):
    """log N(x | mean, std^2 I) in nats per example."""
    z = (x - mean) / std
    return _sum_over_data(-0.5 * ops.square(z) - math.log(std) - 0.5 * math.log(2 * math.pi))


def log_likelihood(x, x_hat, likelihood, observation_std=1.0):
    if likelihood == "bernoulli":
        return bernoulli_log_likelihood(x, x_hat)
    if likelihood == "gaussian":
        return gaussian_log_likelihood(x, x_hat, observation_std)
    raise ValueError(f"likelihood must be one of {list(LIKELIHOODS)}, got {likelihood!r}")


def kl_divergence_per_dimension(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per latent dimension: shape (batch, latent)."""
    return 0.5 * (ops.square(mean) + ops.exp(log_var) - log_var - 1.0)


def kl_divergence(mean, log_var):
    """Analytic KL of a diagonal Gaussian to the standard normal, per example."""
    return ops.sum(kl_divergence_per_dimension(mean, log_var), axis=1)


def gaussian_log_density(z, mean, log_var):
    """log N(z | mean, diag(exp(log_var))) summed over the last axis."""
    return ops.sum(
        -0.5 * (math.log(2 * math.pi) + log_var + ops.square(z - mean) * ops.exp(-log_var)),
        axis=-1,
    )


def mean_reconstruction_error(x, x_hat, loss="mse"):
    """Reconstruction error averaged over examples and pixels (the usual "MSE")."""
    per_example = reconstruction_error(x, x_hat, loss)
    pixels = ops.cast(ops.size(x) // ops.shape(x)[0], per_example.dtype)
    return ops.mean(per_example) / pixels


# The GAN family's losses (discriminator logits in, batch means out) ---------------------

GAN_LOSSES = ("non_saturating", "minimax", "hinge", "least_squares")


def discriminator_loss(real_logits, fake_logits, loss, label_smoothing=0.0):
    """The discriminator's loss on real and generated logits."""
    target = 1.0 - label_smoothing
    if loss == "hinge":
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))
    if loss == "least_squares":
        return 0.5 * (ops.mean(ops.square(real_logits - target)) + ops.mean(ops.square(fake_logits)))
    # minimax and non_saturating share the cross-entropy -log D(x) - log(1 - D(G(z))).
    real = target * ops.softplus(-real_logits) + (1.0 - target) * ops.softplus(real_logits)
    return ops.mean(real) + ops.mean(ops.softplus(fake_logits))


def generator_loss(fake_logits, loss):
    """The generator's loss on the logits of its samples."""
    if loss == "minimax":
        return -ops.mean(ops.softplus(fake_logits))  # log(1 - D(G(z))), saturates early
    if loss == "non_saturating":
        return ops.mean(ops.softplus(-fake_logits))  # -log D(G(z))
    if loss == "hinge":
        return -ops.mean(fake_logits)
    return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


def score(logits, loss):
    """Mean D(x): a probability for the logistic losses, the raw output otherwise."""
    if loss in ("minimax", "non_saturating"):
        return ops.mean(ops.sigmoid(logits))
    return ops.mean(logits)


def feature_distance(real_features, fake_features, weights=None):
    """Sum over layers of `weight * mean |fake - real|`, the real features held constant
    (pix2pixHD's feature matching, SPADE's perceptual loss); `weights` default to 1."""
    weights = [1.0] * len(real_features) if weights is None else weights
    total = 0.0
    for weight, real, fake in zip(weights, real_features, fake_features):
        total = total + weight * ops.mean(ops.abs(fake - ops.stop_gradient(real)))
    return total
