"""Mixed precision (`kerasgen.precision`): every model family trains with finite losses
under `mixed_float16` (loss-scaled) and `mixed_bfloat16`, saves and loads with its policy,
exports float32 ONNX, and never leaves its policy behind for the next model."""

import os

import keras
import numpy as np
import pytest

from kerasgen import precision, recipes
from tests.backend import tiny_models
from tests.models.spade_checks import tiny_data, tiny_spade

MIXED = ("mixed_float16", "mixed_bfloat16")


def tiny_m2():
    model = recipes.get("m2").build((8, 8, 1), num_classes=3, latent_dim=4, hidden_units=(16,),
                                    classifier="mlp")
    x, y = tiny_models.data("labelled_images")
    y[::2] = -1  # half the labels hidden
    return model, ((x + 1.0) / 2.0, y)


def build(name):
    """`(compiled model, fit inputs)` of a tiny model of family `name`."""
    if name == "spade":
        x, maps = tiny_data()
        return tiny_spade(), (x, maps)
    if name == "m2":
        return tiny_m2()
    return tiny_models.build(name)


FAMILIES = [*tiny_models.MODELS, "spade", "m2"]


def trained_values(model):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.trainable_variables]


def optimizers_of(model):
    """The optimizers the model's train step hands to `minimize`."""
    players = [f"{player}_optimizer" for player in getattr(model, "players", ())]
    return [getattr(model, name) for name in players] or [model.optimizer]


@pytest.mark.parametrize("policy", MIXED)
@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_trains_with_finite_losses(name, policy):
    with precision.dtype_policy(policy):
        model, inputs = build(name)
    assert keras.config.dtype_policy().name == "float32"  # restored at once
    assert precision.policy_of(model) == policy
    before = trained_values(model)
    epochs = 2 if name == "spade" else 1  # 4 steps: the first ones may overflow and be skipped
    history = model.fit(*inputs, epochs=epochs, batch_size=4, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values()), history.history
    after = trained_values(model)
    assert all(np.all(np.isfinite(a)) for a in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after)), f"{name} did not update under {policy}"
    scaled = [isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers_of(model)]
    assert all(scaled) if policy == "mixed_float16" else not any(scaled)
    steps = epochs * (len(inputs[0]) // 4)
    for optimizer in optimizers_of(model):
        critic = optimizer is getattr(model, "discriminator_optimizer", None)
        updates = steps * (getattr(model, "discriminator_steps", 1) if critic else 1)
        skipped = 0
        if policy == "mixed_float16":
            # Each step whose scaled gradients overflowed was skipped and halved the scale
            # (from Keras's 2**15, which the first steps lower; it grows only after 2000
            # good steps); at least one update went through.
            skipped = 15 - np.log2(float(keras.ops.convert_to_numpy(optimizer.dynamic_scale)))
            assert skipped == int(skipped) and 0 <= skipped < updates, (optimizer.name, skipped)
        assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == updates - skipped, optimizer.name


def test_a_step_whose_scaled_gradients_overflow_is_skipped_and_the_scale_halved():
    with precision.dtype_policy("mixed_float16"):
        model, inputs = tiny_models.build("vae")
    model.optimizer.build(model.trainable_variables)
    # A loss scaled by 2**40 overflows float16 in the backward pass: the update must be
    # skipped (weights and slots unchanged) and the scale halved; then training goes on.
    model.optimizer.dynamic_scale.assign(2.0**40)
    weights = [np.array(w) for w in model.get_weights()]
    model.train_on_batch(inputs[0][:8])
    assert float(keras.ops.convert_to_numpy(model.optimizer.dynamic_scale)) == 2.0**39
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 0
    for old, new in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    model.optimizer.dynamic_scale.assign(2.0**10)
    logs = model.train_on_batch(inputs[0][:8], return_dict=True)
    assert np.isfinite(logs["loss"]) and int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 1


def test_outputs_that_feed_losses_are_float32():
    with precision.dtype_policy("mixed_float16"):
        vae, inputs = tiny_models.build("vae")
        gan, _ = tiny_models.build("vae_gan")
    x = inputs[0][:4]
    mean, log_var = vae.encoder(x)
    assert (mean.dtype, log_var.dtype) == ("float32", "float32")
    assert keras.ops.convert_to_numpy(vae.decoder(mean)).dtype == np.float32
    assert keras.ops.convert_to_numpy(gan.discriminator(2 * x - 1)).dtype == np.float32
    # ... while the layers inside compute in float16
    assert "float16" in {layer.compute_dtype for layer in vae.decoder.layers}


def test_a_bad_policy_is_named_and_the_previous_policy_comes_back():
    with pytest.raises(ValueError, match=r"mixed_precision must be one of float32, mixed_float16, "
                                         r"mixed_bfloat16, got 'float16'"):
        with precision.dtype_policy("float16"):
            pass
    keras.config.set_dtype_policy("mixed_bfloat16")  # a user's own global policy
    try:
        with pytest.raises(RuntimeError):
            with precision.dtype_policy("mixed_float16"):
                assert keras.config.dtype_policy().name == "mixed_float16"
                raise RuntimeError("a failing build")
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
    finally:
        keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("policy", MIXED)
@pytest.mark.parametrize("name", ["vae", "conditional_gan"])
def test_save_and_load_keep_the_policy_the_scale_and_the_outputs(name, policy, tmp_path):
    with precision.dtype_policy(policy):
        model, inputs = tiny_models.build(name)
    model.fit(*inputs, epochs=1, batch_size=4, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert keras.config.dtype_policy().name == "float32"
    assert precision.policy_of(loaded) == policy
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    assert [type(o).__name__ for o in optimizers_of(loaded)] == [type(o).__name__ for o in optimizers_of(model)]
    labels = {"labels": np.arange(6) % 3} if model.conditioning == "label" else {}
    np.testing.assert_array_equal(model.sample(6, seed=1, **labels), loaded.sample(6, seed=1, **labels))
    # and it trains on from there
    history = loaded.fit(*inputs, epochs=1, batch_size=4, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())


# float16 keeps 11 significant bits, bfloat16 8: a decoder's [0, 1] outputs computed in
# them differ from the float32 computation by about 2**-11 and 2**-8 times the number of
# rounding steps; measured on these tiny networks: at most 2e-4 (float16) and 1e-3 (bfloat16).
MIXED_TOLERANCE = {"mixed_float16": 2e-3, "mixed_bfloat16": 1e-2}


@pytest.mark.parametrize("policy", MIXED)
def test_onnx_export_is_float32_in_and_out_and_matches_the_float32_computation(policy, tmp_path):
    pytest.importorskip("tf2onnx")
    import onnx
    import onnxruntime

    from kerasgen.export import to_onnx

    with precision.dtype_policy(policy):
        model, inputs = tiny_models.build("vae")
    model.fit(*inputs, epochs=1, batch_size=4, verbose=0)
    path = str(tmp_path / "decoder.onnx")
    report = to_onnx(model, path, optimize=False)
    graph = onnx.load(path).graph
    types = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.FLOAT16: "float16",
             onnx.TensorProto.BFLOAT16: "bfloat16"}
    assert [types.get(t.type.tensor_type.elem_type) for t in [*graph.input, *graph.output]] == ["float32", "float32"]
    assert not [n for n in graph.initializer if n.data_type != onnx.TensorProto.FLOAT and n.data_type in types]
    z = np.random.default_rng(0).normal(size=(16, model.latent_dim)).astype("float32")
    (onnx_x,) = onnxruntime.InferenceSession(path).run(None, {"z": z})
    float32 = precision.float32_copy(model.decoder)
    assert precision.policy_of(float32) == "float32" and float32 is not model.decoder
    np.testing.assert_allclose(onnx_x, keras.ops.convert_to_numpy(float32(z)), atol=report["tolerance"])
    mixed = keras.ops.convert_to_numpy(model.decoder(z))
    assert np.abs(onnx_x - mixed).max() <= MIXED_TOLERANCE[policy]


# The run: run.json records the policy, --resume restores it, the CLI flag ---------------


@pytest.fixture
def folder(digits16):
    """The session's read-only folder of 16x16 digits, 8 per class (tests/conftest.py)."""
    return digits16


def tiny_spec(folder, epochs, **extra):
    from kerasgen import training

    spec = training.default_spec("dcgan")
    spec.update(data=folder, epochs=epochs, batch_size=32, hyperparameters={"latent_dim": 8}, **extra)
    return spec


def test_the_run_records_its_policy_and_resume_restores_it_exactly(folder, tmp_path):
    import json

    from kerasgen import training

    whole, _, _, _ = training.train(tiny_spec(folder, 2, mixed_precision="mixed_float16"),
                                    str(tmp_path / "a"), verbose=0, monitor=False)
    out = str(tmp_path / "b")
    training.train(tiny_spec(folder, 1, mixed_precision="mixed_float16"), out, verbose=0, monitor=False)
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["mixed_precision"] == "mixed_float16"
    with pytest.raises(ValueError, match=r"mixed_precision \(--mixed-precision\): run has "
                                         r"'mixed_float16', now 'mixed_bfloat16'"):
        training.train(tiny_spec(folder, 2, mixed_precision="mixed_bfloat16"), out, resume=True,
                       verbose=0, monitor=False)
    # Resumed without naming a policy: the recorded one, and the weights of the whole run.
    resumed, _, _, _ = training.train(tiny_spec(folder, 2), out, resume=True, verbose=0, monitor=False)
    assert precision.policy_of(resumed) == "mixed_float16"
    assert keras.config.dtype_policy().name == "float32"
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(whole.optimizer.variables, resumed.optimizer.variables):  # the loss scales too
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    # The next model of the process is float32 again.
    plain, _, _, _ = training.train(tiny_spec(folder, 1), str(tmp_path / "c"), verbose=0, monitor=False)
    assert precision.policy_of(plain) == "float32"


def test_a_run_json_from_before_the_field_reads_as_float32(tmp_path):
    import json

    from kerasgen.run_record import check_same_run

    with open(tmp_path / "run.json", "w") as f:  # a record written before mixed_precision existed
        json.dump({"recipe": "vae", "seed": 0}, f)
    check_same_run(str(tmp_path), {"recipe": "vae", "seed": 0, "mixed_precision": "float32"})
    with pytest.raises(ValueError, match=r"mixed_precision \(--mixed-precision\): run has 'float32', "
                                         r"now 'mixed_float16'"):
        check_same_run(str(tmp_path), {"recipe": "vae", "seed": 0, "mixed_precision": "mixed_float16"})
    assert precision.run_policy({}, str(tmp_path), resume=True) == "float32"


def test_cli_flag_end_to_end_in_a_fresh_process(folder, tmp_path):
    import json
    import subprocess
    import sys

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.getcwd())
    out = str(tmp_path / "run")
    command = [sys.executable, "-m", "kerasgen.cli", "fit", "vae", "--data", folder, "--epochs", "1",
               "--batch-size", "32", "--set", "latent_dim=2", "--set", "hidden_units=[16]", "--verbose", "0"]
    result = subprocess.run(command + ["--mixed-precision", "mixed_bfloat16", "--out", out],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["mixed_precision"] == "mixed_bfloat16"
    with open(os.path.join(out, "history.json")) as f:
        assert all(np.isfinite(values[-1]) for values in json.load(f).values())
    model = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    assert precision.policy_of(model) == "mixed_bfloat16"
    bad = subprocess.run(command + ["--mixed-precision", "float16", "--out", str(tmp_path / "bad")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "argument --mixed-precision: invalid choice: 'float16'" in bad.stderr
    assert "mixed_float16" in bad.stderr and not os.path.exists(str(tmp_path / "bad"))
