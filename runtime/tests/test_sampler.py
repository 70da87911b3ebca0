import numpy as np
import pytest

from kerasgen_runtime import Sampler, draw_latents
from kerasgen_runtime.latents import latent_batches

LATENT_DIM, NUM_CLASSES = 3, 4


@pytest.fixture(scope="module")
def expected():
    from conftest import FIXTURES

    with np.load(f"{FIXTURES}/expected.npz") as data:
        return dict(data)


@pytest.mark.parametrize("name, network", [
    ("vae", "decoder"), ("gan", "generator"), ("cgan", "conditional_generator"),
])
def test_samples_equal_what_keras_gave_for_the_same_seed(name, network, fixture_path, expected):
    sampler = Sampler(fixture_path(f"{name}.onnx"))
    assert sampler.metadata["network"] == network
    assert sampler.latent_dim == LATENT_DIM
    samples = sampler.sample(5, seed=0)
    np.testing.assert_allclose(samples, expected[name], atol=1e-4)
    assert not np.allclose(samples, sampler.sample(5, seed=1))
    low, high = sampler.value_range
    assert samples.min() >= low and samples.max() <= high


def test_batches_stream_the_same_samples(fixture_path):
    sampler = Sampler(fixture_path("cgan.onnx"))
    whole = sampler.sample(70, seed=3)
    batches = list(sampler.sample_batches(70, seed=3, batch_size=16))
    assert [len(b) for b in batches] == [16, 16, 16, 16, 6]
    np.testing.assert_array_equal(np.concatenate(batches), whole)
    threes = np.concatenate(list(sampler.sample_batches(9, seed=3, labels=3, batch_size=4)))
    np.testing.assert_array_equal(threes, sampler.sample(9, seed=3, labels=3))
    z = np.concatenate(list(latent_batches(70, LATENT_DIM, seed=3, batch_size=16)))
    np.testing.assert_array_equal(z, draw_latents(70, LATENT_DIM, seed=3))


def test_labels_are_checked(fixture_path):
    sampler = Sampler(fixture_path("cgan.onnx"))
    assert sampler.num_classes == NUM_CLASSES
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\]"):
        sampler.sample(2, seed=0, labels=4)
    with pytest.raises(ValueError, match="unconditional model"):
        Sampler(fixture_path("vae.onnx")).sample(2, seed=0, labels=1)


def test_files_that_are_not_for_sampling_say_so(fixture_path):
    with pytest.raises(ValueError, match="holds a VAE encoder"):
        Sampler(fixture_path("vae_encoder.onnx"))
    decoder = Sampler(fixture_path("autoencoder.onnx"))  # a plain autoencoder: no prior
    with pytest.raises(ValueError, match="no prior"):
        decoder.sample(2, seed=0)
    with pytest.raises(ValueError, match="no prior"):
        next(decoder.sample_batches(2, seed=0))
    assert decoder.decode(draw_latents(2, LATENT_DIM, 0)).shape == (2, 4, 4, 1)


def test_encoder_outputs_are_mean_then_log_var(fixture_path):
    import onnxruntime

    from kerasgen_runtime.metadata import from_onnx_props

    session = onnxruntime.InferenceSession(fixture_path("vae_encoder.onnx"),
                                           providers=["CPUExecutionProvider"])
    metadata = from_onnx_props(session.get_modelmeta().custom_metadata_map)
    assert [o.name for o in session.get_outputs()] == metadata["outputs"] == ["mean", "log_var"]
    assert metadata["network"] == "encoder"


def test_runtime_imports_neither_tensorflow_nor_keras():
    import subprocess
    import sys

    code = ("import sys, kerasgen_runtime, kerasgen_runtime.cli; "
            "bad = [m for m in ('tensorflow', 'keras', 'kerasgen') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
