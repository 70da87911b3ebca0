"""Mixed precision: the Keras dtype policy a model is built under, and its loss scaling.

Keras 3 runs a layer in the compute dtype of its dtype policy and keeps its variables in
the policy's variable dtype. The two mixed policies compute in 16 bits and keep float32
variables (the Keras mixed precision guide):

- `mixed_float16`: float16 computation. Small gradients underflow in float16, so every
  update scales its loss up and the gradients back down with a
  `keras.optimizers.LossScaleOptimizer` (dynamic scale; a step whose gradients are not
  finite is skipped and the scale halved). kerasgen's train steps do this in
  `kerasgen.backend.minimize` for any optimizer that is a `LossScaleOptimizer`;
  `loss_scaled` wraps a model's optimizers when its layers compute in float16.
- `mixed_bfloat16`: bfloat16 computation, float32's exponent range: no loss scaling.

`dtype_policy(name)` builds models under a policy and restores the previous global
policy afterwards, so one run's policy never leaks into the next model of the process.
A model keeps its policy in its `.keras` file (each layer's config records its dtype),
so a loaded or resumed model computes as it was trained, whatever the global policy.

Example:
```python
with kerasgen.precision.dtype_policy("mixed_bfloat16"):
    model = kerasgen.recipes.get("vae").build((28, 28, 1))
model.fit(x_train, epochs=5)
```
"""

import contextlib
import json
import os

import keras

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def check_policy(policy, argument="mixed_precision"):
    """Returns `policy` if it is one of `POLICIES`, else raises naming `argument`."""
    if policy not in POLICIES:
        raise ValueError(f"{argument} must be one of {', '.join(POLICIES)}, got {policy!r}")
    return policy


@contextlib.contextmanager
def dtype_policy(policy):
    """Context in which new layers and models take the dtype policy `policy` (a name of
    `POLICIES`; None: float32). The previous global policy is restored on exit."""
    policy = check_policy(policy or "float32")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def saved_policy(config):
    """Context for deserializing the networks of a model whose config is `config`: under
    the mixed policy Keras recorded as the model's `dtype`, if it is one; else nothing
    changes. (kerasgen's networks save their hyperparameters, not their layers' dtypes.)"""
    policy = config.get("dtype")
    if isinstance(policy, dict):
        policy = policy.get("config", {}).get("name")
    if policy in ("mixed_float16", "mixed_bfloat16"):
        return dtype_policy(policy)
    return contextlib.nullcontext()


def computes_in_float16(model):
    """Whether any layer of `model` (or the model itself) computes in float16."""
    layers = [model, *model._flatten_layers(include_self=False)]
    return any(getattr(layer, "compute_dtype", None) == "float16" for layer in layers)


def loss_scaled(optimizer, model):
    """`optimizer` wrapped in a `LossScaleOptimizer` when `model` computes in float16
    (unchanged otherwise, or when it already is one)."""
    optimizer = keras.optimizers.get(optimizer)
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) or not computes_in_float16(model):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=f"loss_scaled_{optimizer.name}")


def float32_outputs(model):
    """Makes the layers that produce the outputs of `model`'s networks compute in float32.

    The Keras guide's advice for mixed precision: what feeds a loss (logits, tanh or
    sigmoid images, log-variances, features compared across networks) is computed in
    float32, so the losses, KL terms and exported outputs are float32 whatever the policy.
    Every `keras.Model` network found in `model` (an autoencoder's encoder and decoder,
    a GAN's players) gets its output layers set to float32; their variables are float32
    under every policy, so nothing is rebuilt. A `.keras` file keeps each layer's dtype.
    Does nothing when no layer computes in 16 bits. Returns `model`.
    """
    if not isinstance(model, keras.layers.Layer):
        return model
    layers = list(model._flatten_layers())
    if all(getattr(layer, "compute_dtype", "float32") == "float32" for layer in layers):
        return model
    # The model, networks Keras tracks, and views a model keeps untracked (VAE-GAN's
    # discriminator features) that are keras.Models too.
    networks = [*layers, *vars(model).values()]
    for layer in networks:
        if isinstance(layer, keras.Model) and getattr(layer, "outputs", None):
            for tensor in keras.tree.flatten(layer.outputs):
                _compute_in_float32(tensor)
    return model


def _compute_in_float32(tensor):
    operation = getattr(tensor, "_keras_history", None) and tensor._keras_history.operation
    if operation is None or isinstance(operation, keras.layers.InputLayer):
        return
    if isinstance(operation, keras.Model) and getattr(operation, "outputs", None):
        for inner in keras.tree.flatten(operation.outputs):
            _compute_in_float32(inner)
    elif isinstance(operation, keras.layers.Layer):
        if operation.compute_dtype != "float32" and keras.backend.is_float_dtype(operation.compute_dtype):
            operation.dtype_policy = "float32"
    else:  # a keras.ops function in the graph: the layers it reads from
        for node in operation._inbound_nodes:
            for inner in node.input_tensors:
                _compute_in_float32(inner)


def policy_of(model):
    """The name of the mixed policy `model`'s layers compute under, else "float32"."""
    names = {getattr(layer, "dtype_policy", None) and layer.dtype_policy.name
             for layer in model._flatten_layers(include_self=False)}
    for name in ("mixed_float16", "mixed_bfloat16"):
        if name in names:
            return name
    return "float32"


def float32_copy(network):
    """`network` computing in float32 throughout (for export): `network` itself when it
    does already, else a copy rebuilt from its config under the float32 policy, holding
    its weights. The float32 variables of a mixed policy carry over exactly; only the
    computation loses its 16-bit rounding."""
    if policy_of(network) == "float32" and getattr(network, "compute_dtype", "float32") == "float32":
        return network
    config = _float32_config(keras.saving.serialize_keras_object(network))
    with dtype_policy("float32"):
        copy = keras.saving.deserialize_keras_object(config, safe_mode=True)
    copy.set_weights(network.get_weights())
    return copy


def _float32_config(config):
    if isinstance(config, list):
        return [_float32_config(item) for item in config]
    if not isinstance(config, dict):
        return config
    if "DTypePolicy" in str(config.get("class_name")) and str(config.get("config", {}).get("name")).startswith("mixed_"):
        return {**config, "config": {**config["config"], "name": "float32"}}
    return {key: ("float32" if key == "dtype" and value in POLICIES[1:] else _float32_config(value))
            for key, value in config.items()}


def check_supported(policy, argument="mixed_precision"):
    """Refuses a policy the active backend cannot train with on this machine: torch's
    CPU float16 convolutions have no usable gradient (torch 2.13: "slow_conv2d:
    grad_weight must be contiguous"), so `mixed_float16` under torch needs a GPU."""
    if policy == "mixed_float16" and keras.backend.backend() == "torch":
        import torch

        if not torch.cuda.is_available():
            raise ValueError(
                f"{argument} 'mixed_float16' needs a GPU under the torch backend (torch's CPU "
                "float16 convolutions cannot be trained), got a CPU-only torch; use "
                "mixed_bfloat16, or the tensorflow or jax backend"
            )
    return policy


def run_policy(spec, out, resume):
    """The policy of a training run: the spec's `mixed_precision` (checked), else, when
    resuming a run folder `out`, the policy its `run.json` records, else "float32"."""
    if spec.get("mixed_precision") is not None:
        return check_supported(check_policy(spec["mixed_precision"]))
    record = os.path.join(out, "run.json")
    if resume and os.path.isfile(record):
        with open(record) as f:
            policy = check_policy(json.load(f).get("mixed_precision", "float32"), f"{record}'s mixed_precision")
        return check_supported(policy)
    return "float32"
