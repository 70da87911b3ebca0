import os

import keras
import numpy as np
import onnx
import pytest

from kerasgen.export import ExportCheckError, to_onnx
from kerasgen.export.checks import check_inputs
from kerasgen.export.metadata import from_onnx_props
from kerasgen.export.onnx_export import check_onnx, convert
from kerasgen_runtime import Sampler
from kerasgen.export.serving import serving_function
from kerasgen_runtime.files import sha256_file
from kerasgen_runtime.latents import draw_latents
from tests.export.conftest import (
    IMAGE_SHAPE, LATENT_DIM, NUM_CLASSES, SamplingContract, keras_samples, noisy_model,
)


@pytest.mark.parametrize("name", ["vae", "dcgan", "conditional"])
def test_onnxruntime_matches_keras_at_batch_1_7_64(name, models, exported):
    path, report = exported[name]
    sampler = Sampler(path)
    for batch_size in (1, 7, 64):
        z = draw_latents(batch_size, LATENT_DIM, seed=100 + batch_size)
        labels = np.arange(batch_size) % NUM_CLASSES if name == "conditional" else None
        actual = sampler.decode(z, labels)
        expected = keras_samples(models[name], z, labels)
        assert actual.shape == (batch_size, *IMAGE_SHAPE)
        assert np.max(np.abs(actual - expected)) <= report["tolerance"], batch_size
    # All three are transposed-conv stacks: the 1e-4 tolerance is stated in the report.
    assert report["tolerance"] == 1e-4
    assert report["tolerance_reason"] == "network has transposed convolutions"
    assert set(report["max_abs_diff"]) == {1, 7, 64}  # optimized: checked at 1, 7, 64


def test_seed_gives_the_same_samples_as_the_keras_model(models, exported):
    for name in ("vae", "dcgan"):
        sampler = Sampler(exported[name][0])
        np.testing.assert_allclose(sampler.sample(10, seed=4), models[name].sample(10, seed=4), atol=1e-4)
    assert not np.allclose(sampler.sample(10, seed=4), sampler.sample(10, seed=5))
    sampler, cgan = Sampler(exported["conditional"][0]), models["conditional"]
    np.testing.assert_allclose(sampler.sample(7, seed=1, labels=3), cgan.sample(7, seed=1, labels=3), atol=1e-4)
    np.testing.assert_allclose(sampler.sample(7, seed=1), cgan.sample(7, seed=1), atol=1e-4)


@pytest.mark.parametrize("name", ["vae", "conditional"])
def test_graph_has_named_inputs_dynamic_batch_and_no_random_ops(name, exported):
    proto = onnx.load(exported[name][0])
    onnx.checker.check_model(proto, full_check=True)
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17
    inputs = {i.name: i.type.tensor_type for i in proto.graph.input}
    expected = {"z": onnx.TensorProto.FLOAT}
    if name == "conditional":
        expected["label"] = onnx.TensorProto.INT64
    assert {k: v.elem_type for k, v in inputs.items()} == expected
    assert [d.dim_param for d in inputs["z"].shape.dim] == ["batch", ""]
    assert [d.dim_value for d in inputs["z"].shape.dim][1] == LATENT_DIM
    assert [o.name for o in proto.graph.output] == ["x"]
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    op_types = {node.op_type for node in proto.graph.node}
    assert not [op for op in op_types if "Random" in op or op in ("Multinomial", "Bernoulli")]


def test_metadata_is_stored_in_the_onnx_file(exported):
    import kerasgen

    vae = from_onnx_props({p.key: p.value for p in onnx.load(exported["vae"][0]).metadata_props})
    assert vae["kerasgen_version"] == kerasgen.__version__
    assert vae["model_class"] == "VAE"
    assert vae["network"] == "decoder"
    assert vae["latent_dim"] == LATENT_DIM
    assert vae["prior"] == "standard_normal"
    assert vae["layout"] == "NHWC"
    assert vae["image_shape"] == list(IMAGE_SHAPE)
    assert vae["value_range"] == [0.0, 1.0]
    assert vae["num_classes"] is None
    assert vae["inputs"] == ["z"] and vae["outputs"] == ["x"]
    assert vae["source"] == {"zoo_entry": None, "weights_sha256": None, "file": None}
    assert vae["check"]["tolerance"] == 1e-4
    assert float(vae["check"]["max_abs_diff"]["64"]) <= 1e-4
    conditional = Sampler(exported["conditional"][0]).metadata
    assert conditional["num_classes"] == NUM_CLASSES
    assert conditional["value_range"] == [-1.0, 1.0]
    assert conditional["inputs"] == ["z", "label"]


def test_source_is_recorded(vae, tmp_path):
    keras_path = tmp_path / "vae.keras"
    keras_path.write_bytes(b"stand-in weights file")
    source = {"zoo_entry": "vae_test", "weights_sha256": sha256_file(keras_path), "file": "vae.keras"}
    report = to_onnx(vae, tmp_path / "vae.onnx", source=source)
    assert Sampler(tmp_path / "vae.onnx").metadata["source"] == source
    assert report["metadata"]["source"] == source
    with pytest.raises(ValueError, match=r"source\['weights_sha256'\] must be 64 lowercase hex digits, got 'abc'"):
        to_onnx(vae, tmp_path / "bad.onnx", source={"weights_sha256": "abc"})
    with pytest.raises(ValueError, match=r"source keys must be among"):
        to_onnx(vae, tmp_path / "bad.onnx", source={"sha": "abc"})
    assert not (tmp_path / "bad.onnx").exists()


def test_encoder_export_gives_mean_and_log_var_in_the_documented_order(vae, tmp_path):
    path = tmp_path / "encoder.onnx"
    report = to_onnx(vae, path, encoder=True)
    metadata = report["metadata"]
    assert metadata["network"] == "encoder" and metadata["outputs"] == ["mean", "log_var"]
    assert report["tolerance"] == 1e-5  # no transposed convolutions in the encoder
    import onnxruntime

    # A plain onnxruntime user, no kerasgen code: outputs read by position and by name.
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x"]
    assert [o.name for o in session.get_outputs()] == ["mean", "log_var"]
    stored = from_onnx_props(session.get_modelmeta().custom_metadata_map)
    assert stored["outputs"] == [o.name for o in session.get_outputs()]
    x = np.random.default_rng(0).uniform(0, 1, (7, *IMAGE_SHAPE)).astype("float32")
    first, second = session.run(None, {"x": x})
    expected_mean, expected_log_var = vae.encode(x)
    # A freshly built encoder gives mean and log_var of similar size: check they differ.
    assert np.max(np.abs(expected_mean - expected_log_var)) > 1e-3
    assert np.max(np.abs(first - expected_mean)) <= 1e-5
    assert np.max(np.abs(second - expected_log_var)) <= 1e-5
    assert "posterior log-variance" in stored["tensors"]["log_var"]["meaning"]
    assert "N(0, I)" not in session.get_modelmeta().description
    with pytest.raises(ValueError, match="holds a VAE encoder"):
        Sampler(path)


def test_metadata_says_which_network_and_how_to_draw_its_inputs(exported):
    import onnxruntime

    expected = {"vae": "decoder", "dcgan": "generator", "conditional": "conditional_generator"}
    for name, network in expected.items():
        session = onnxruntime.InferenceSession(exported[name][0], providers=["CPUExecutionProvider"])
        metadata = from_onnx_props(session.get_modelmeta().custom_metadata_map)
        assert metadata["network"] == network, name
        assert metadata["description"].startswith(f"the {network.replace('_', ' ')} of a")
        assert session.get_modelmeta().description == f"kerasgen: {metadata['description']}"
        tensors = metadata["tensors"]
        assert list(tensors) == metadata["inputs"] + metadata["outputs"]
        assert "standard normal N(0, I)" in tensors["z"]["meaning"]
        assert tensors["z"]["shape"] == ["batch", LATENT_DIM]
        for graph_input in session.get_inputs():
            assert graph_input.name in tensors
    label = Sampler(exported["conditional"][0]).metadata["tensors"]["label"]
    assert label["dtype"] == "int64" and f"[0, {NUM_CLASSES - 1}]" in label["meaning"]


def test_plain_autoencoder_export_warns_and_its_file_refuses_noise(tmp_path):
    from kerasgen.models import Autoencoder
    from kerasgen.networks import ConvDecoder, ConvEncoder

    model = Autoencoder(ConvEncoder(IMAGE_SHAPE, LATENT_DIM, filters=(8,)),
                        ConvDecoder(LATENT_DIM, IMAGE_SHAPE, filters=(8,)))
    path = tmp_path / "ae.onnx"
    with pytest.warns(RuntimeWarning, match="latent has no prior"):
        to_onnx(model, path)
    sampler = Sampler(path)
    assert sampler.metadata["prior"] is None
    assert "no prior" in sampler.metadata["tensors"]["z"]["meaning"]
    with pytest.raises(ValueError, match="no prior"):
        sampler.sample(4, seed=0)
    z = draw_latents(3, LATENT_DIM, seed=0)  # decoding given codes still works
    assert sampler.decode(z).shape == (3, *IMAGE_SHAPE)


def test_graph_with_random_ops_fails_and_writes_nothing(tmp_path):
    from kerasgen_runtime.files import write_bytes
    from kerasgen_runtime.files import MANIFEST

    path = tmp_path / "noisy.onnx"
    write_bytes(path, b"previous export")  # an earlier output of kerasgen's (it may replace it)
    with pytest.raises(ExportCheckError, match="random ops"):
        to_onnx(noisy_model(), path)
    assert path.read_bytes() == b"previous export"
    assert sorted(os.listdir(tmp_path)) == [MANIFEST, "noisy.onnx"]  # no temporary left behind
    with pytest.raises(ExportCheckError, match="random ops"):
        to_onnx(noisy_model(), tmp_path / "new.onnx")
    assert not (tmp_path / "new.onnx").exists()


def test_parity_check_fails_when_onnx_and_keras_differ():
    keras.utils.set_random_seed(0)
    network = keras.Sequential(
        [keras.Input((LATENT_DIM,), name="z"), keras.layers.Dense(4, activation="tanh")]
    )
    model = SamplingContract(network, (-1.0, 1.0))
    from kerasgen.export.metadata import describe_model

    _, metadata = describe_model(model)
    proto = convert(serving_function(network, metadata), 17)
    assert check_onnx(proto, network, metadata, 1e-5)[64] <= 1e-5
    kernel, bias = network.layers[0].get_weights()
    network.layers[0].set_weights([kernel, bias + 0.01])  # Keras drifts from the file
    with pytest.raises(ExportCheckError, match=r"differs from Keras by max \|diff\| = .* at batch 1"):
        check_onnx(proto, network, metadata, 1e-5)


def test_bad_arguments_are_refused(vae, dcgan, tmp_path):
    with pytest.raises(ValueError, match="path must end with .onnx, got"):
        to_onnx(vae, tmp_path / "vae.pb")
    with pytest.raises(ValueError, match="opset must be an int >= 17, got 13"):
        to_onnx(vae, tmp_path / "vae.onnx", opset=13)
    with pytest.raises(ValueError, match=r"precision must be one of \['float32', 'int8'\], got 'int4'"):
        to_onnx(vae, tmp_path / "vae.onnx", precision="int4")
    with pytest.raises(ValueError, match="model must provide sampling_network"):
        to_onnx(vae.decoder, tmp_path / "vae.onnx")
    with pytest.raises(ValueError, match="encoder=True needs a model whose `encoder`"):
        to_onnx(dcgan, tmp_path / "vae.onnx", encoder=True)
    with pytest.raises(ValueError, match="tolerance must be a float >= 0, got -1"):
        to_onnx(vae, tmp_path / "vae.onnx", tolerance=-1)
    assert os.listdir(tmp_path) == []
