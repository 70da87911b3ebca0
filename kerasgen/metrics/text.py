"""Measures of a text model (`kerasgen.models.SequenceVAE`): likelihood, posterior use,
reconstruction, and what its samples are.

- `importance_weighted_nll`: -log p(x) per item by importance sampling (Burda et al.
  2016); divided by the item's tokens (its characters plus end-of-sequence) it is the
  per-token NLL.
- `posterior_usage`: KL per token, KL per latent dimension and active units (Burda et
  al. 2016: a unit is active when the variance over x of E_q[z_i|x] exceeds 0.01).
- `reconstruction_accuracy`: greedy decodings of the posterior mean, compared with the
  items (exact items, and tokens position by position, end-of-sequence included).
- `sample_quality`: the share of samples that are novel (not in the training items) and
  valid (in a dictionary).
"""

import keras
import numpy as np

from kerasgen.data.text import PAD
from kerasgen.checks import check_positive_int

ACTIVITY_THRESHOLD = 0.01


def token_log_likelihood(model, ids, z, batch_size=4096):
    """log p(x|z) in nats per row (teacher forcing), for ids `(N, T)` and codes `(N, L)`."""
    out = np.empty(len(ids), dtype="float64")
    for start in range(0, len(ids), batch_size):
        x = ids[start:start + batch_size]
        inputs = model.decoder_inputs(keras.ops.convert_to_tensor(x), training=False)
        logits = model.decoder([inputs, z[start:start + batch_size]], training=False)
        loss = keras.ops.convert_to_numpy(
            keras.losses.sparse_categorical_crossentropy(x, logits, from_logits=True)).astype("float64")
        out[start:start + len(x)] = -np.sum(loss * (x != PAD), axis=1)
    return out


def importance_weighted_nll(model, ids, num_samples=100, seed=0, batch_size=4096):
    """-log p(x) per item: -logsumexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] + log K."""
    num_samples = check_positive_int("num_samples", num_samples)
    if model.encoder is None:
        return -token_log_likelihood(model, ids, np.zeros((len(ids), 0), "float32"), batch_size)
    mean, log_var = (a.astype("float64") for a in model.encode(ids))
    rng = np.random.default_rng(seed)
    per_chunk = max(1, batch_size // num_samples)
    result = np.empty(len(ids), dtype="float64")
    for start in range(0, len(ids), per_chunk):
        stop = min(start + per_chunk, len(ids))
        m, lv = mean[start:stop, None, :], log_var[start:stop, None, :]
        eps = rng.standard_normal((stop - start, num_samples, model.latent_dim))
        z = m + np.exp(0.5 * lv) * eps
        rows = np.repeat(ids[start:stop], num_samples, axis=0)
        log_px = token_log_likelihood(model, rows, z.reshape(-1, model.latent_dim).astype("float32"), batch_size)
        log_pz = -0.5 * np.sum(z**2 + np.log(2 * np.pi), axis=-1)
        log_qz = -0.5 * np.sum(np.log(2 * np.pi) + lv + eps**2, axis=-1)
        weights = log_px.reshape(stop - start, num_samples) + log_pz - log_qz
        peak = weights.max(axis=1)
        result[start:stop] = -(peak + np.log(np.mean(np.exp(weights - peak[:, None]), axis=1)))
    return result


def token_counts(ids):
    """Tokens per item, end-of-sequence included (what a per-token NLL divides by)."""
    return np.sum(np.asarray(ids) != PAD, axis=1)


def posterior_usage(model, ids):
    """`{"kl_per_token", "kl_per_item", "kl_per_dimension", "active_units", "latent_dim"}`."""
    mean, log_var = (a.astype("float64") for a in model.encode(ids))
    kl = 0.5 * (mean**2 + np.exp(log_var) - log_var - 1.0)
    return {
        "kl_per_item": float(kl.sum(axis=1).mean()),
        "kl_per_token": float(kl.sum() / token_counts(ids).sum()),
        "kl_per_dimension": [round(float(v), 4) for v in kl.mean(axis=0)],
        "active_units": int(np.sum(mean.var(axis=0) > ACTIVITY_THRESHOLD)),
        "latent_dim": int(model.latent_dim),
    }


def reconstruction_accuracy(model, items):
    """Greedy decodings of E_q[z|x] (a language model: of its one unconditional greedy
    string) vs the items: `{"items": share exact, "tokens": share of positions right}`."""
    if model.encoder is None:
        decoded = model.sample(len(items), seed=0)
    else:
        decoded = model.reconstruct(items)
    reference, predicted = model.to_ids(items), model.vocabulary.encode(decoded, model.max_length)
    positions = reference != PAD
    return {
        "items": float(np.mean([a == b for a, b in zip(items, decoded)])),
        "tokens": float(np.sum((reference == predicted) & positions) / positions.sum()),
    }


def sample_quality(samples, training_items, dictionary):
    """Shares of `samples` that are novel (not in `training_items`), valid (in
    `dictionary`), novel and valid, and distinct."""
    training, dictionary = set(training_items), set(dictionary)
    novel = [s not in training for s in samples]
    valid = [s in dictionary for s in samples]
    return {
        "novel": float(np.mean(novel)), "valid": float(np.mean(valid)),
        "novel_and_valid": float(np.mean([a and b for a, b in zip(novel, valid)])),
        "distinct": len(set(samples)) / len(samples),
    }
