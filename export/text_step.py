"""ONNX export of a text model's decoder step, for sampling text without TensorFlow.

The graph is one step of `kerasgen.networks.TextDecoder`: inputs `token` int32
`[batch]` (the previous token), `state` float32 `[batch, hidden_units]` and `z` float32
`[batch, latent_dim]`; outputs `logits` float32 `[batch, vocabulary_size]` and
`state_out`. It holds no loop and no random op: `kerasgen_runtime.TextSampler` runs the
loop (greedy, temperature, top-k) with noise drawn on the host, exactly as
`SequenceVAE.sample` does. The vocabulary, `max_length` and sizes are stored in the
file's metadata (`kerasgen.text_step`), so the file is all the sampler needs.
"""

import json
import os

import keras
import numpy as np
import onnx
import onnxruntime
import tensorflow as tf
import tf2onnx
from kerasgen_runtime.text_sampler import FORMAT, METADATA_KEY, SPECIAL_TOKENS

from kerasgen.export import checks
from kerasgen.export.logs import quiet_logging
from kerasgen_runtime.files import atomic_path
from kerasgen_runtime.latents import KERASGEN_V1

TOLERANCE = 1e-5


def step_metadata(model, source=None):
    decoder = model.decoder
    return {
        "format": FORMAT, "model_class": type(model).__name__,
        "vocabulary": list(model.vocabulary.tokens), "level": model.vocabulary.level,
        "special_tokens": list(SPECIAL_TOKENS), "vocabulary_size": decoder.vocabulary_size,
        "latent_dim": decoder.latent_dim, "hidden_units": decoder.hidden_units,
        "max_length": model.max_length, "inputs": ["token", "state", "z"],
        "outputs": ["logits", "state_out"], "source": source,
        "latent_generator": KERASGEN_V1,  # z and token draws from a seed (kerasgen_runtime.latents)
    }


def to_onnx_step(model, path, opset=17, source=None):
    """Writes `model`'s decoder step to `path` (`.onnx`) after checking it.

    Before the file is written, `onnx.checker`, the absence of random ops and
    onnxruntime-vs-Keras parity of both outputs at batch 1, 7 and 64 (max |diff| <=
    1e-5) must pass; otherwise `ExportCheckError` and `path` is left as it was.

    Args:
        model: a `kerasgen.models.SequenceVAE` (TensorFlow backend: export is a
            TensorFlow job).
        path: output file ending in `.onnx`.
        opset: ONNX opset, >= 17.
        source: optional `{"zoo_entry", "weights_sha256", "file"}` for the metadata.

    Returns:
        A report dict: `path`, `metadata`, `max_abs_diff` per batch size, `size_bytes`.

    Example:
    ```python
    kerasgen.export.text_step.to_onnx_step(vae, "names_step.onnx")
    kerasgen_runtime.TextSampler("names_step.onnx").sample(8, seed=0)  # == vae.sample(8, seed=0)
    ```
    """
    path = os.fspath(path)
    if not path.endswith(".onnx"):
        raise ValueError(f"path must end with .onnx, got {path!r}")
    if isinstance(opset, bool) or not isinstance(opset, int) or opset < 17:
        raise ValueError(f"opset must be an int >= 17, got {opset!r}")
    if getattr(model, "sampling_graph", None) != "text_step":
        raise ValueError(f"model must be a text model (kerasgen.models.SequenceVAE), got {type(model).__name__}")
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"ONNX export runs on the tensorflow Keras backend, got {keras.backend.backend()!r}")
    metadata = step_metadata(model, source)
    proto = convert(model.decoder, opset)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as error:
        raise checks.ExportCheckError(f"onnx.checker rejected the step graph: {error}") from None
    checks.check_no_random_ops([node.op_type for node in proto.graph.node], "the step graph")
    differences = parity(model.decoder, proto)
    metadata["check"] = {"max_abs_diff": differences, "tolerance": TOLERANCE}
    proto.doc_string = "kerasgen: one step of a text decoder (token, state, z) -> (logits, state_out)"
    del proto.metadata_props[:]
    proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(metadata))
    data = proto.SerializeToString()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return {"path": path, "format": "onnx", "metadata": metadata, "max_abs_diff": differences,
            "size_bytes": len(data)}


def convert(decoder, opset):
    signature = [tf.TensorSpec([None], tf.int32, name="token"),
                 tf.TensorSpec([None, decoder.hidden_units], tf.float32, name="state"),
                 tf.TensorSpec([None, decoder.latent_dim], tf.float32, name="z")]

    @tf.function(input_signature=signature)
    def step(token, state, z):
        logits, new_state = decoder.step(token, state, z)
        return {"logits": tf.identity(logits), "state_out": tf.identity(new_state)}

    with quiet_logging():
        proto, _ = tf2onnx.convert.from_function(step, input_signature=signature, opset=opset)
    outputs = {value.name: value for value in proto.graph.output}
    if sorted(outputs) != ["logits", "state_out"] or [v.name for v in proto.graph.input] != ["token", "state", "z"]:
        raise checks.ExportCheckError(f"the step graph has inputs {[v.name for v in proto.graph.input]} and "
                                      f"outputs {sorted(outputs)}, expected token, state, z -> logits, state_out")
    ordered = [outputs["logits"], outputs["state_out"]]
    del proto.graph.output[:]
    proto.graph.output.extend(ordered)
    return proto


def parity(decoder, proto, batch_sizes=(1, 7, 64)):
    """max |onnxruntime - Keras| over both outputs, per batch size; raises past TOLERANCE."""
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    differences = {}
    for batch in batch_sizes:
        token = rng.integers(0, decoder.vocabulary_size, batch).astype("int32")
        state = np.tanh(rng.standard_normal((batch, decoder.hidden_units))).astype("float32")
        z = rng.standard_normal((batch, decoder.latent_dim)).astype("float32")
        expected = [keras.ops.convert_to_numpy(v) for v in decoder.step(token, state, z)]
        actual = session.run(["logits", "state_out"], {"token": token, "state": state, "z": z})
        differences[str(batch)] = float(max(np.max(np.abs(a - e)) for a, e in zip(actual, expected)))
        if differences[str(batch)] > TOLERANCE:
            raise checks.ExportCheckError(f"the step graph differs from Keras by {differences[str(batch)]:.3g} "
                                          f"at batch {batch} (tolerance {TOLERANCE:g})")
    return differences


def encoder_to_onnx(model, path, opset=17):
    """Writes `model`'s encoder as ONNX: `tokens` int32 `[batch, max_length + 1]` (ids as
    `kerasgen.data.text` writes them) to the posterior `mean` `[batch, latent_dim]`,
    checked against Keras at batch 1, 7 and 64 (max |diff| <= 1e-5) before writing.
    The text page uses it to interpolate between two typed items."""
    if getattr(model, "sampling_graph", None) != "text_step" or model.encoder is None:
        raise ValueError(f"model must be a SequenceVAE with an encoder, got {type(model).__name__}")
    signature = [tf.TensorSpec([None, model.max_length + 1], tf.int32, name="tokens")]

    @tf.function(input_signature=signature)
    def encode(tokens):
        return {"mean": tf.identity(model.encoder(tokens, training=False)[0])}

    with quiet_logging():
        proto, _ = tf2onnx.convert.from_function(encode, input_signature=signature, opset=opset)
    onnx.checker.check_model(proto, full_check=True)
    checks.check_no_random_ops([node.op_type for node in proto.graph.node], "the encoder graph")
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    tokens = model.vocabulary.tokens
    for batch in (1, 7, 64):
        items = ["".join(rng.choice(tokens, rng.integers(1, model.max_length + 1))) for _ in range(batch)]
        ids = model.vocabulary.encode(items, model.max_length) if model.vocabulary.level == "char" else \
            model.vocabulary.encode([" ".join(i) for i in items], model.max_length)
        difference = float(np.max(np.abs(session.run(["mean"], {"tokens": ids})[0]
                                          - keras.ops.convert_to_numpy(model.encoder(ids)[0]))))
        if difference > TOLERANCE:
            raise checks.ExportCheckError(f"the encoder graph differs from Keras by {difference:.3g} at batch {batch}")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(proto.SerializeToString())
