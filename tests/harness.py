"""The checks every model passes: `run_model_test` (config and `.keras` round trips, a
fit step, export parity), and the single checks it is made of, for tests that need one.

tests/models/test_every_model.py runs every model family through `run_model_test` with
tiny networks; a family's own test file checks what is particular to it.
"""

import json
import os

import keras
import numpy as np


def as_json(config):
    return json.loads(json.dumps(config))


def check_config_round_trip(model):
    """`from_config(get_config())` rebuilds the same config (names included)."""
    config = model.get_config()
    clone = model.__class__.from_config(config)
    assert as_json(clone.get_config()) == as_json(config)
    return clone


def check_saved_model_round_trip(model, tmp_path, inputs=None, outputs=None):
    """Saves to `.keras`, reloads with safe_mode, and compares outputs: `outputs(model)`
    when given (e.g. seeded samples), else the call on `inputs`. They must be identical."""
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    if outputs is None:
        def outputs(m):
            return keras.ops.convert_to_numpy(m(inputs, training=False))
    expected, actual = outputs(model), outputs(loaded)
    if isinstance(expected, (list, tuple)) and expected and isinstance(expected[0], str):
        assert actual == expected  # a text model's samples
    else:
        np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))
    return loaded


def check_fit_step(model, x, expected_keys=None, batch_size=16, **fit_kwargs):
    """One epoch gives finite losses (under `expected_keys` when given, else under the
    model's metric names)."""
    if isinstance(x, keras.utils.PyDataset):
        history = model.fit(x, epochs=1, verbose=0, **fit_kwargs)
    else:
        history = model.fit(x, epochs=1, batch_size=batch_size, verbose=0, **fit_kwargs)
    keys = set(history.history)
    assert keys, "fit logged nothing"
    if expected_keys is not None:
        assert keys == set(expected_keys)
    for key in keys:
        assert np.isfinite(history.history[key][-1]), (key, history.history[key])
    return history


def check_export_parity(model, tmp_path, encoder=False, batch_size=5, seed=123):
    """The model's ONNX file (`kerasgen.export.to_onnx`, through tf2onnx) run by
    onnxruntime matches the Keras network on fresh inputs within the tolerance the
    exporter states (1e-5, 1e-4 for transposed convolutions)."""
    import onnxruntime

    from kerasgen.export import to_onnx
    from kerasgen.export.checks import check_inputs
    from kerasgen.export.metadata import describe_model
    from kerasgen.export.serving import keras_outputs

    path = os.path.join(tmp_path, "encoder.onnx" if encoder else "model.onnx")
    report = to_onnx(model, path, encoder=encoder)
    assert report["tolerance"] in (1e-5, 1e-4), report["tolerance"]
    network, metadata = describe_model(model, encoder=encoder)
    inputs = check_inputs(metadata, batch_size, seed=seed)
    session = onnxruntime.InferenceSession(path)
    actual = dict(zip([o.name for o in session.get_outputs()], session.run(None, inputs)))
    expected = keras_outputs(network, metadata, inputs)
    assert set(expected) <= set(actual), (sorted(expected), sorted(actual))
    for name, reference in expected.items():
        assert actual[name].shape == reference.shape, name
        difference = float(np.max(np.abs(actual[name] - reference)))
        assert difference <= report["tolerance"], (name, difference, report["tolerance"])
    return report


def run_model_test(model, tmp_path, fit, outputs, export=(), expected_keys=None):
    """The checks every kerasgen model passes, in order:

    1. config round trip: `from_config(get_config())` gives the same config;
    2. a fit step: one epoch of `model.fit(**fit, epochs=1)` logs finite losses (under
       `expected_keys` when given);
    3. `.keras` round trip: the trained model saved and reloaded with `safe_mode=True`
       is of the same class and gives identical `outputs(model)` (seeded samples,
       reconstructions, class probabilities);
    4. export parity, for each entry of `export` (`"decoder"`: the sampling network,
       `"encoder"`: the VAE encoder): the ONNX file matches Keras (`check_export_parity`).

    `model` is compiled; `fit` holds `fit`'s keyword arguments (`x`, and `y` or
    `batch_size` as the model needs). Returns the reloaded model.
    """
    check_config_round_trip(model)
    fit = dict(fit)
    x = fit.pop("x")
    check_fit_step(model, x, expected_keys, **fit)
    loaded = check_saved_model_round_trip(model, tmp_path, outputs=outputs)
    for network in export:
        assert network in ("decoder", "encoder"), network
        check_export_parity(model, tmp_path, encoder=network == "encoder")
    return loaded
