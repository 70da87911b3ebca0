"""Every zoo sampling network's optimized ONNX export passes the parity gate."""

import numpy as np
import pytest

ENTRIES = ["vae_mnist5k", "ae_mnist5k", "dcgan_mnist5k", "cgan_mnist5k", "vae_gan_mnist5k",
           "wgan_gp_mnist5k", "beta_vae_mnist5k", "dae_mnist5k"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_zoo_export_matches_keras(tmp_path, name):
    from kerasgen import zoo
    from kerasgen.export import to_onnx
    from kerasgen.export.optimize import EXACT_TOLERANCE
    from kerasgen.export.checks import check_inputs
    from kerasgen_runtime import Sampler
    from kerasgen.export.serving import keras_outputs

    model = zoo.Entry.open(name).load_model()
    report = to_onnx(model, tmp_path / "model.onnx")
    assert sorted(report["max_abs_diff"]) == [1, 7, 64]
    assert max(report["max_abs_diff"].values()) <= report["tolerance"]
    optimization = report["metadata"]["optimization"]
    for entry in optimization["applied"]:
        assert entry["max_abs_diff"] <= EXACT_TOLERANCE
    metadata = report["metadata"]
    inputs = check_inputs(metadata, 300, seed=3)  # split over threads by the Sampler
    expected = keras_outputs(model.sampling_network(), metadata, inputs)["x"]
    actual = Sampler(tmp_path / "model.onnx", num_threads=2).decode(inputs["z"], inputs.get("label"))
    np.testing.assert_allclose(actual, expected, atol=report["tolerance"])
