"""Anomaly scores of a VAE from its exported ONNX encoder and decoder (NumPy + onnxruntime).

The score of an example is how unlikely the VAE finds it: the negative ELBO, or the
negative importance-weighted bound on log p(x) (Burda et al. 2016), both in nats and
both estimated from the same `num_samples` draws z_k ~ q(z|x). The draws of example `i`
come from `numpy.random.default_rng([seed, i])`, so a score does not depend on the
batch size, and `kerasgen.models.VAE.anomaly_score` (which calls `vae_scores` with the
Keras networks) gives the same numbers as `Scorer` on the exported files.
"""

import os

import numpy as np

from kerasgen_runtime.latents import check_positive_int
from kerasgen_runtime.metadata import from_onnx_props

METHODS = ("negative_elbo", "negative_iw_bound")
LIKELIHOODS = ("bernoulli", "gaussian", "table")
EPSILON = 1e-6  # kerasgen.losses.EPSILON: Bernoulli probabilities are clipped to it
LOG_2PI = float(np.log(2.0 * np.pi))


def bernoulli_log_likelihood(x, probabilities):
    """log p(x | p) summed over the last axis (x broadcast against the draws)."""
    p = np.clip(probabilities, EPSILON, 1.0 - EPSILON)
    return np.sum(x * np.log(p) + (1.0 - x) * np.log(1.0 - p), axis=-1)


def gaussian_log_likelihood(x, mean, std=1.0):
    return np.sum(-0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * LOG_2PI, axis=-1)


def table_log_likelihood(x, x_hat, numeric, scale, epsilon=EPSILON):
    """A table VAE's log p(x | x_hat) (`kerasgen.data.TableHead.log_likelihood`): a
    Gaussian with per-slot `scale` on the numeric slots, the categorical likelihood
    of the one-hot value on the others, summed over the last axis."""
    gaussian = -0.5 * ((x - x_hat) / scale) ** 2 - np.log(scale) - 0.5 * LOG_2PI
    categorical = x * np.log(np.clip(x_hat, epsilon, 1.0))
    return np.sum(np.where(numeric, gaussian, categorical), axis=-1)


def check_table_likelihood(likelihood, num_features):
    """`(numeric bool array, scale float64 array, epsilon)` from a decoder's metadata
    `likelihood` of kind "table"; ValueError naming the field that does not fit."""
    numeric = np.asarray(likelihood.get("numeric", []))
    scale = np.asarray(likelihood.get("scale", []), "float64")
    epsilon = likelihood.get("epsilon", EPSILON)
    if numeric.shape != (num_features,) or not np.isin(numeric, (0, 1)).all():
        raise ValueError(f"decoder metadata likelihood 'numeric' must be {num_features} values of 0 or 1, "
                         f"got shape {numeric.shape}")
    if scale.shape != (num_features,) or not np.all(np.isfinite(scale)) or not np.all(scale > 0):
        raise ValueError(f"decoder metadata likelihood 'scale' must be {num_features} positive finite "
                         f"numbers, got shape {scale.shape}")
    if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise ValueError(f"decoder metadata likelihood 'epsilon' must be in (0, 1), got {epsilon!r}")
    return numeric.astype(bool), scale, float(epsilon)


def vae_scores(x, encode, decode, log_likelihood, num_samples=100, seed=0, batch_size=64):
    """`{"negative_elbo": ..., "negative_iw_bound": ...}`, one float64 per example.

    Args:
        x: examples `(N, ...)` as the encoder takes them.
        encode: `x_batch -> (mean, log_var)`.
        decode: `z (M, latent_dim) -> x_hat (M, ...)`.
        log_likelihood: `(x (b, 1, D), x_hat (b, K, D)) -> (b, K)` log p(x|z) in nats.
        num_samples: draws of z per example (K).
        seed: seed of the draws (example `i` uses `default_rng([seed, i])`).
        batch_size: examples per encoder call (the decoder sees `batch_size * K` codes).
    """
    num_samples = check_positive_int("num_samples", num_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    x = np.asarray(x, "float32")
    if len(x) == 0:
        raise ValueError("x must hold at least one example, got 0")
    elbo, iw_bound = np.empty(len(x)), np.empty(len(x))
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        b = len(batch)
        mean, log_var = (np.asarray(v, "float64") for v in encode(batch))
        eps = np.stack([np.random.default_rng([seed, start + i]).standard_normal((num_samples, mean.shape[1]))
                        for i in range(b)])
        z = mean[:, None] + np.exp(0.5 * log_var[:, None]) * eps
        x_hat = np.asarray(decode(z.reshape(b * num_samples, -1).astype("float32")), "float64")
        log_px = log_likelihood(batch.reshape(b, 1, -1).astype("float64"), x_hat.reshape(b, num_samples, -1))
        log_pz = -0.5 * np.sum(z**2 + LOG_2PI, axis=-1)
        log_qz = -0.5 * np.sum(LOG_2PI + log_var[:, None] + eps**2, axis=-1)
        log_w = log_px + log_pz - log_qz
        peak = log_w.max(axis=1, keepdims=True)
        elbo[start:start + b] = -log_w.mean(axis=1)
        iw_bound[start:start + b] = -(peak[:, 0] + np.log(np.mean(np.exp(log_w - peak), axis=1)))
    return {"negative_elbo": elbo, "negative_iw_bound": iw_bound}


def check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    return method


class Scorer:
    """Anomaly scores of a VAE from its exported encoder and decoder, without TensorFlow.

    Args:
        encoder_path: the encoder export (`kerasgen export MODEL --encoder`).
        decoder_path: the decoder export (`kerasgen export MODEL`).
        likelihood: `"bernoulli"`, `"gaussian"` or `"table"`; None: the one the
            decoder's metadata states (`likelihood`, written by kerasgen's export: a
            table VAE's numeric/categorical slots and Gaussian scales, a Gaussian VAE's
            `observation_std`), else Bernoulli when the decoder's outputs lie in [0, 1].
        observation_std: the Gaussian likelihood's std (the VAE's `observation_std`);
            None: the decoder's metadata, else 1.
        num_threads: threads of each onnxruntime session (None: onnxruntime's default).

    Example:
    ```python
    scorer = kerasgen_runtime.Scorer("vae_encoder.onnx", "vae_decoder.onnx")
    scores = scorer.score(x, method="negative_elbo", num_samples=100, seed=0)
    ```
    """

    def __init__(self, encoder_path, decoder_path, likelihood=None, observation_std=None, num_threads=None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if num_threads is not None:
            options.intra_op_num_threads = check_positive_int("num_threads", num_threads)
        self.sessions = {}
        for role, path, network in (("encoder", encoder_path, ("encoder",)),
                                    ("decoder", decoder_path, ("decoder",))):
            path = os.fspath(path)
            if not os.path.isfile(path):
                raise ValueError(f"{role}_path {path!r}: no such file")
            session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            metadata = from_onnx_props(session.get_modelmeta().custom_metadata_map)
            if metadata.get("network") not in network:
                raise ValueError(f"{role}_path {path!r} must be a VAE {role} export, got network "
                                 f"{metadata.get('network')!r}")
            self.sessions[role] = (session, metadata)
        decoder_metadata = self.sessions["decoder"][1]
        stated = decoder_metadata.get("likelihood") or {}
        if not isinstance(stated, dict):
            raise ValueError(f"decoder metadata likelihood must be an object, got {stated!r}")
        if likelihood is None and stated.get("kind") is not None:
            likelihood = stated["kind"]
        elif likelihood is None:
            if list(decoder_metadata.get("value_range") or []) != [0.0, 1.0]:
                raise ValueError(f"likelihood must be given ('bernoulli' or 'gaussian'): the decoder's "
                                 f"value_range {decoder_metadata.get('value_range')} is not [0, 1]")
            likelihood = "bernoulli"
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {list(LIKELIHOODS)}, got {likelihood!r}")
        if observation_std is None:
            observation_std = stated.get("observation_std", 1.0) if stated.get("kind") == "gaussian" else 1.0
        if not isinstance(observation_std, (int, float)) or not observation_std > 0:
            raise ValueError(f"observation_std must be > 0, got {observation_std!r}")
        self.likelihood, self.observation_std = likelihood, float(observation_std)
        self.image_shape = tuple(self.sessions["encoder"][1]["image_shape"])
        self.table = None
        if likelihood == "table":
            if stated.get("kind") != "table":
                raise ValueError(f"likelihood 'table' needs the decoder's metadata to state it (a table "
                                 f"VAE exported by kerasgen), got {stated.get('kind')!r}")
            self.table = check_table_likelihood(stated, int(np.prod(self.image_shape)))

    def _run(self, role, value):
        session, _ = self.sessions[role]
        outputs = session.run(None, {session.get_inputs()[0].name: value})
        return outputs if role == "encoder" else outputs[0]

    def log_likelihood(self, x, x_hat):
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(x, x_hat)
        if self.likelihood == "table":
            return table_log_likelihood(x, x_hat, *self.table)
        return gaussian_log_likelihood(x, x_hat, self.observation_std)

    def scores(self, x, num_samples=100, seed=0, batch_size=64):
        """Both scores (see `vae_scores`) for examples `x`."""
        x = np.asarray(x, "float32")
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"x must have per-example shape {self.image_shape}, got {tuple(x.shape[1:])}")
        names = [o.name for o in self.sessions["encoder"][0].get_outputs()]
        order = [names.index("mean"), names.index("log_var")] if {"mean", "log_var"} <= set(names) else [0, 1]

        def encode(batch):
            outputs = self._run("encoder", batch)
            return outputs[order[0]], outputs[order[1]]

        return vae_scores(x, encode, lambda z: self._run("decoder", z), self.log_likelihood,
                          num_samples=num_samples, seed=seed, batch_size=batch_size)

    def score(self, x, method="negative_elbo", num_samples=100, seed=0, batch_size=64):
        """One anomaly score per example (higher: less likely under the VAE), in nats."""
        return self.scores(x, num_samples, seed, batch_size)[check_method(method)]
