"""Sampling text from an exported decoder step with NumPy and onnxruntime alone.

The step graph (`kerasgen.export.text_step.to_onnx_step`) maps the previous token
`token` int32 `[batch]`, the GRU state `state` float32 `[batch, hidden_units]` and the
code `z` float32 `[batch, latent_dim]` to the next token's `logits` `[batch,
vocabulary_size]` and the new `state`. The loop below runs it from the
beginning-of-sequence token and a zero state until every row has emitted
end-of-sequence. `SequenceVAE.sample` runs this same loop around its Keras step, and
both draw `z` and the sampling noise with the generator `kerasgen-v1`
(`kerasgen_runtime.latents`; the text page draws them the same way), so a seed gives the
same strings in Python, here and in the browser. Files exported before it (no
`latent_generator` in their metadata) keep drawing from `numpy.random.default_rng(seed)`.
"""

import json
import os
import secrets

import numpy as np

from kerasgen_runtime.latents import DEFAULT_GENERATOR, NUMPY_PCG64, check_generator, check_seed, generator_of
from kerasgen_runtime.latents import portable_normals, portable_uniforms

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<unk>")
PAD, BOS, EOS, UNK = range(4)
METADATA_KEY = "kerasgen.text_step"
FORMAT = "kerasgen.text_step/1"


def check_decoding(temperature, top_k):
    """Greedy (both None, the default), temperature sampling, or top-k sampling."""
    if temperature is not None and not (isinstance(temperature, (int, float)) and temperature > 0):
        raise ValueError(f"temperature must be a positive number or None (greedy), got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"top_k must be a positive int or None, got {top_k!r}")


def draw_noise(num_samples, latent_dim, steps, seed=None, generator=DEFAULT_GENERATOR):
    """`(z, u)`: standard-normal codes `(n, latent_dim)` float32 and uniforms `(n, steps)`
    that pick each sampled token. kerasgen-v1: z is `draw_latents(n, latent_dim, seed)`
    and u the seed's kerasgen-v1 uniforms (row-major); numpy-pcg64: both from one
    `numpy.random.default_rng(seed)`, z first."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    if check_generator(generator) == NUMPY_PCG64:
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((num_samples, latent_dim)).astype("float32")
        return z, rng.random((num_samples, steps))
    seed = secrets.randbits(64) if seed is None else check_seed(seed)
    z = portable_normals(seed, 0, num_samples * latent_dim).reshape(num_samples, latent_dim)
    return z, portable_uniforms(seed, 0, num_samples * steps).reshape(num_samples, steps)


def choose(logits, u, temperature=None, top_k=None):
    """Next token ids from `logits` `(batch, V)`: argmax (greedy), or the inverse-CDF
    draw `u` `(batch,)` from softmax(logits / temperature) restricted to the top k.
    Padding, beginning-of-sequence and unknown are never chosen."""
    logits = np.array(logits, dtype="float64")
    logits[:, [PAD, BOS, UNK]] = -np.inf
    if temperature is None and top_k is None:
        return np.argmax(logits, axis=1).astype("int32")
    if top_k is not None and top_k < logits.shape[1]:
        kth = np.sort(logits, axis=1)[:, -top_k][:, None]
        logits = np.where(logits < kth, -np.inf, logits)
    logits = logits / (1.0 if temperature is None else float(temperature))
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weights, axis=1)
    # the first token whose cumulative weight exceeds u * total (zero-weight tokens never)
    chosen = np.sum(cumulative <= u[:, None] * cumulative[:, -1:], axis=1)
    return np.minimum(chosen, logits.shape[1] - 1).astype("int32")


def decode_loop(step, z, u, max_length, hidden_units, temperature=None, top_k=None, batch_size=64):
    """Token ids `(n, max_length + 1)` (padded after EOS) from `step(token, state, z) ->
    (logits, state)`, run on batches of `batch_size` rows of `z` and `u`."""
    check_decoding(temperature, top_k)
    out = np.full((len(z), max_length + 1), PAD, dtype="int32")
    for start in range(0, len(z), batch_size):
        zb, ub = z[start:start + batch_size], u[start:start + batch_size]
        tokens = np.full(len(zb), BOS, dtype="int32")
        state = np.zeros((len(zb), hidden_units), dtype="float32")
        done = np.zeros(len(zb), dtype=bool)
        for t in range(max_length + 1):
            logits, state = step(tokens, state, zb)
            chosen = choose(logits, ub[:, t], temperature, top_k)
            if t == max_length:
                chosen[:] = EOS  # every item ends within max_length tokens
            chosen = np.where(done, PAD, chosen)
            out[start:start + len(zb), t] = chosen
            done |= chosen == EOS
            if done.all():
                break
            tokens = chosen
    return out


def decode_ids(ids, tokens, level="char"):
    """Strings from rows of ids: the tokens before the first end-of-sequence or padding."""
    table = SPECIAL_TOKENS + tuple(tokens)
    separator = "" if level == "char" else " "
    items = []
    for row in np.asarray(ids):
        kept = []
        for i in row:
            if i == EOS or i == PAD:
                break
            if i >= len(SPECIAL_TOKENS):
                kept.append(table[i])
        items.append(separator.join(kept))
    return items


class TextSampler:
    """Samples strings from an exported decoder step (`kerasgen export --text-step`).

    Args:
        path: the `.onnx` step file; its metadata holds the vocabulary.
        num_threads: threads of the onnxruntime session (None: onnxruntime's default).
        spin_wait: let idle onnxruntime threads spin (off: on a shared or busy machine
            spinning threads steal the cores the work needs, as for `Sampler`).

    Example:
    ```python
    sampler = kerasgen_runtime.TextSampler("text_vae_step.onnx")
    sampler.sample(8, seed=0)                     # greedy
    sampler.sample(8, seed=0, temperature=0.8, top_k=5)
    ```
    """

    def __init__(self, path, num_threads=None, spin_wait=False):
        import onnxruntime

        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise ValueError(f"model must be an existing .onnx file, got {self.path!r}")
        options = onnxruntime.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin_wait else "0")
        self.session = onnxruntime.InferenceSession(self.path, options, providers=["CPUExecutionProvider"])
        text = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        if text is None:
            raise ValueError(f"{self.path!r} is not a kerasgen text step export (no {METADATA_KEY} metadata)")
        self.metadata = json.loads(text)
        if self.metadata.get("format") != FORMAT:
            raise ValueError(f"{self.path!r} has text step format {self.metadata.get('format')!r}, "
                             f"expected {FORMAT!r}")
        self.vocabulary = list(self.metadata["vocabulary"])
        self.level = self.metadata["level"]
        self.latent_dim = int(self.metadata["latent_dim"])
        self.hidden_units = int(self.metadata["hidden_units"])
        self.max_length = int(self.metadata["max_length"])
        self.latent_generator = generator_of(self.metadata)  # files without the field: numpy-pcg64

    def step(self, token, state, z):
        logits, state = self.session.run(["logits", "state_out"], {"token": token, "state": state, "z": z})
        return logits, state

    def sample_ids(self, num_samples, seed=None, temperature=None, top_k=None, batch_size=64):
        z, u = draw_noise(num_samples, self.latent_dim, self.max_length + 1, seed, self.latent_generator)
        return decode_loop(self.step, z, u, self.max_length, self.hidden_units, temperature,
                           top_k, batch_size)

    def sample(self, num_samples, seed=None, temperature=None, top_k=None, batch_size=64):
        """`num_samples` strings decoded from codes of the prior (greedy by default)."""
        ids = self.sample_ids(num_samples, seed, temperature, top_k, batch_size)
        return decode_ids(ids, self.vocabulary, self.level)


def text_main(args):
    """`kerasgen-sample STEP.onnx -n N --seed S -o out.txt [--temperature T] [--top-k K]`:
    writes the strings, one a line (atomically); errors are one line, exit status 2."""
    import sys

    from kerasgen_runtime.files import check_output_path, write_text

    try:
        output = check_output_path(args.output)  # before any sampling
        sampler = TextSampler(args.model, num_threads=args.threads)
        strings = sampler.sample(args.num_samples, args.seed, args.temperature, args.top_k,
                                 batch_size=args.batch_size)
        write_text(output, "".join(f"{s}\n" for s in strings))
    except ValueError as error:
        print(f"kerasgen-sample: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"kerasgen-sample: error: could not write {args.output!r}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    decoding = "greedy" if args.temperature is None and args.top_k is None else (
        f"temperature {args.temperature or 1.0}" + (f", top-{args.top_k}" if args.top_k else ""))
    print(f"wrote {len(strings)} strings ({decoding}, seed {args.seed}) to {output}")
    return 0
