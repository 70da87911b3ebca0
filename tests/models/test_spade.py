import keras
import numpy as np
import pytest
from keras import ops

from kerasgen import networks
from kerasgen.models import SPADEGAN
from tests.harness import check_config_round_trip, check_saved_model_round_trip
from tests.models.spade_checks import CLASSES, LATENT, SIZE, tiny_data, tiny_spade


def values(variables):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


PLAYERS = ("generator", "encoder", "discriminator")


@pytest.fixture(scope="module")
def one_epoch():
    """A tiny SPADE model fitted one epoch (2 steps of 4), with what it held before and
    after (one fit shared: tracing SPADE's train step takes most of a test's time).
    Tests may go on training `model`; the snapshots stay as they were after the epoch."""
    model = tiny_spade()
    x, maps = tiny_data()
    before = {name: values(getattr(model, name).trainable_variables) for name in PLAYERS}
    history = model.fit(x, maps, epochs=1, batch_size=4, verbose=0)
    after = {name: values(getattr(model, name).trainable_variables) for name in PLAYERS}
    iterations = int(ops.convert_to_numpy(model.generator_optimizer.iterations))
    return model, before, history, after, iterations


def test_one_epoch_trains_generator_encoder_and_discriminator(one_epoch):
    model, before, history, after, iterations = one_epoch
    assert set(history.history) == set(model.metric_names)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    for name, old in before.items():
        # The encoder trains with the generator's update (keras.io's GauGAN's does not).
        assert any(not np.allclose(a, b) for a, b in zip(old, after[name])), f"{name} did not change"
    assert iterations == 2
    # One optimizer holds the state of the generator and the encoder (NVlabs's optimizer_G).
    assert len(model.generator_optimizer.variables) > len(model.generator.trainable_variables) * 2


def test_kl_and_feature_matching_equal_hand_computed_values():
    model = tiny_spade()
    x, maps = tiny_data(count=4)
    noise = np.random.default_rng(0).normal(size=(4, LATENT)).astype("float32")
    _, logs = model.generator_objective(ops.convert_to_tensor(x), ops.convert_to_tensor(maps),
                                        ops.convert_to_tensor(noise), training=False)

    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.encoder(x, training=False))
    kl = np.mean(np.sum(0.5 * (mean**2 + np.exp(log_var) - log_var - 1), axis=1))
    np.testing.assert_allclose(float(logs["kl_loss"]), kl, rtol=1e-5)

    z = mean + np.exp(0.5 * log_var) * noise
    fake = keras.ops.convert_to_numpy(model.generator([z, maps], training=False))
    real_outputs = [keras.ops.convert_to_numpy(t) for t in model.discriminator([x, maps], training=False)]
    fake_outputs = [keras.ops.convert_to_numpy(t) for t in model.discriminator([fake, maps], training=False)]
    step = model.discriminator.outputs_per_scale
    matching, adversarial = 0.0, 0.0
    for start in range(0, len(real_outputs), step):
        for layer in range(start, start + step - 1):
            matching += np.mean(np.abs(fake_outputs[layer] - real_outputs[layer]))
        adversarial += -np.mean(fake_outputs[start + step - 1])
    scales = len(real_outputs) // step
    np.testing.assert_allclose(float(logs["feature_matching_loss"]), matching / scales, rtol=1e-4)
    np.testing.assert_allclose(float(logs["adversarial_loss"]), adversarial / scales, rtol=1e-4, atol=1e-6)
    total = adversarial / scales + 10.0 * matching / scales + 0.05 * kl
    np.testing.assert_allclose(float(logs["generator_loss"]), total, rtol=1e-4)


def test_discriminator_loss_is_the_mean_hinge_over_scales():
    model = tiny_spade()
    x, maps = tiny_data(count=4)
    fake = -x
    loss, _ = model.discriminator_objective(ops.convert_to_tensor(x), ops.convert_to_tensor(fake),
                                            ops.convert_to_tensor(maps), training=False)
    real_outputs = [keras.ops.convert_to_numpy(t) for t in model.discriminator([x, maps], training=False)]
    fake_outputs = [keras.ops.convert_to_numpy(t) for t in model.discriminator([fake, maps], training=False)]
    step = model.discriminator.outputs_per_scale
    expected = np.mean([
        np.mean(np.maximum(0, 1 - real_outputs[i])) + np.mean(np.maximum(0, 1 + fake_outputs[i]))
        for i in range(step - 1, len(real_outputs), step)
    ])
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


def test_keras_file_round_trip_keeps_weights_optimizers_and_noise(one_epoch, tmp_path):
    model = one_epoch[0]  # trained one epoch (or more, after an earlier test of this file)
    x, maps = tiny_data()
    loaded = check_saved_model_round_trip(model, tmp_path, outputs=lambda m: m.sample(3, seed=1, label_maps=maps[:3]))
    for name in ("generator_optimizer", "discriminator_optimizer"):
        for a, b in zip(values(getattr(model, name).variables), values(getattr(loaded, name).variables)):
            np.testing.assert_array_equal(a, b)
    # Both continue identically: same weights, optimizer moments and training noise.
    model.fit(x, maps, epochs=1, batch_size=4, verbose=0, shuffle=False)
    loaded.fit(x, maps, epochs=1, batch_size=4, verbose=0, shuffle=False)
    for a, b in zip(values(model.encoder.weights), values(loaded.encoder.weights)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    check_config_round_trip(model)


def test_sampling_follows_seed_map_and_reference_style():
    model = tiny_spade()
    x, maps = tiny_data()
    one = model.sample(2, seed=0, label_maps=maps[0])
    np.testing.assert_array_equal(one, model.sample(2, seed=0, label_maps=maps[0]))
    assert not np.allclose(one[0], one[1])  # two z, one map
    styled = model.sample(2, label_maps=maps[:2], style_images=x[0])
    mean, _ = model.encode(x[:1])
    expected = keras.ops.convert_to_numpy(model.generator([np.repeat(mean, 2, 0), maps[:2]], training=False))
    np.testing.assert_allclose(styled, expected, rtol=1e-5, atol=1e-6)
    assert one.shape == (2, SIZE, SIZE, 3)


def test_errors_name_the_argument():
    model = tiny_spade()
    x, maps = tiny_data()
    with pytest.raises(ValueError, match="label_maps must be given"):
        model.sample(2, seed=0)
    with pytest.raises(ValueError, match=r"label_maps must hold classes in \[0, 2\), got values in \[5, 5\]"):
        model.sample(1, label_maps=np.full((SIZE, SIZE), 5))
    with pytest.raises(ValueError, match="y must have one map per image"):
        model.fit(x, maps[:3], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y must hold one label map"):
        model.fit(x, epochs=1, verbose=0)
    encoder = networks.SPADEEncoder((SIZE, SIZE, 3), LATENT + 1, filters=(4,))
    with pytest.raises(ValueError, match="encoder latent size must equal"):
        SPADEGAN(encoder, model.generator, model.discriminator)
    wrong = networks.MultiscaleDiscriminator((SIZE, SIZE, 3), CLASSES + 1, filters=(4, 8))
    with pytest.raises(ValueError, match="discriminator.num_classes must equal"):
        SPADEGAN(model.encoder, model.generator, wrong)


def test_perceptual_loss_uses_the_given_extractor_and_vgg_offline_error_is_clear():
    inputs = keras.Input((SIZE, SIZE, 3))
    first = keras.layers.Conv2D(2, 3, padding="same", name="p0")(inputs)
    second = keras.layers.Conv2D(2, 3, strides=2, padding="same", name="p1")(first)
    extractor = keras.Model(inputs, [first, second])
    model = tiny_spade(perceptual_extractor=extractor, perceptual_weight=1.0)
    x, maps = tiny_data(count=4)
    frozen = values(extractor.weights)
    history = model.fit(x, maps, epochs=1, batch_size=4, verbose=0)
    assert history.history["perceptual_loss"][-1] > 0
    for a, b in zip(frozen, values(extractor.weights)):
        np.testing.assert_array_equal(a, b)  # the extractor is not trained
    from kerasgen.models.spade_gan import vgg19_extractor

    with pytest.raises(RuntimeError, match="VGG19 ImageNet weights are unavailable"):
        vgg19_extractor((SIZE, SIZE, 3), weights="/nonexistent/vgg19.h5")
