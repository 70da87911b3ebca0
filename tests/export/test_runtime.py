import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import onnx
import pytest
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote
from PIL import Image

from kerasgen_runtime import Sampler
from kerasgen_runtime.cli import main
from kerasgen_runtime.latents import draw_latents
from tests.export.conftest import IMAGE_SHAPE, LATENT_DIM, NUM_CLASSES, keras_samples

# Put on PYTHONPATH, this makes `import tensorflow` (keras, tf2onnx, onnx) raise ImportError.
BLOCKER = textwrap.dedent(
    """
    import sys

    BLOCKED = {"tensorflow", "keras", "tf2onnx", "onnx", "jax", "torch"}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not installed here (blocked by the test)")

    sys.meta_path.insert(0, Blocker())
    """
)

NO_TENSORFLOW_SCRIPT = textwrap.dedent(
    """
    import sys
    for name in ("tensorflow", "keras", "onnx"):
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            raise SystemExit(f"{name} imported: the blocker does not work")
    import numpy as np
    from kerasgen_runtime import Sampler
    vae_path, conditional_path, out = sys.argv[1:]
    np.save(out + "_vae.npy", Sampler(vae_path, num_threads=1).sample(6, seed=0))
    np.save(out + "_conditional.npy", Sampler(conditional_path).sample(5, seed=1, labels=2))
    try:
        import kerasgen  # registers Keras classes: needs Keras
    except ImportError:
        print("kerasgen needs tensorflow, kerasgen_runtime does not")
    """
)


@pytest.mark.parametrize("module", ["kerasgen.io", "kerasgen.latents", "kerasgen.export.images",
                                    "kerasgen.export.runtime"])
def test_the_runtime_has_one_home(module):
    """The sampler, latents, files and images live in `kerasgen_runtime` alone: no
    kerasgen module re-exports them under a second name."""
    import kerasgen.export

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)
    assert not hasattr(kerasgen.export, "Sampler")


@pytest.fixture
def no_tensorflow_env(tmp_path):
    directory = tmp_path / "blocker"
    directory.mkdir()
    (directory / "sitecustomize.py").write_text(BLOCKER)
    return dict(os.environ, PYTHONPATH=str(directory))


def test_runtime_and_console_script_work_without_tensorflow(
    models, exported, no_tensorflow_env, tmp_path
):
    vae_path, conditional_path = exported["vae"][0], exported["conditional"][0]
    out = str(tmp_path / "samples")
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW_SCRIPT, vae_path, conditional_path, out],
        capture_output=True, text=True, env=no_tensorflow_env, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "kerasgen needs tensorflow, kerasgen_runtime does not" in result.stdout
    expected_vae = keras_samples(models["vae"], draw_latents(6, LATENT_DIM, seed=0))
    np.testing.assert_allclose(np.load(out + "_vae.npy"), expected_vae, atol=1e-4)
    expected = keras_samples(models["conditional"], draw_latents(5, LATENT_DIM, 1), np.full(5, 2))
    np.testing.assert_allclose(np.load(out + "_conditional.npy"), expected, atol=1e-4)

    script = shutil.which("kerasgen-sample", path=os.path.dirname(sys.executable))
    grid = tmp_path / "grid.png"
    result = subprocess.run(
        [script, conditional_path, "-n", "10", "--seed", "0", "-o", str(grid), "--label", "3"],
        capture_output=True, text=True, env=no_tensorflow_env, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert Image.open(grid).size == (4 * 18 + 2, 3 * 18 + 2)  # 10 images in 4 columns
    pixels = Sampler(conditional_path).sample_uint8(10, seed=0, labels=3)
    np.testing.assert_array_equal(np.asarray(Image.open(grid))[2:18, 2:18], pixels[0, ..., 0])


def test_batches_and_seeds(exported):
    sampler = Sampler(exported["dcgan"][0])
    samples = sampler.sample(10, seed=1)
    np.testing.assert_allclose(sampler.sample(10, seed=1, batch_size=3), samples, atol=1e-6)
    assert samples.dtype == np.float32 and samples.shape == (10, *IMAGE_SHAPE)
    assert samples.min() >= -1.0 and samples.max() <= 1.0
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        sampler.sample(4, seed=1, batch_size=0)
    with pytest.raises(ValueError, match="num_samples must be a positive int, got 0"):
        sampler.sample(0)


def test_uint8_images_map_the_value_range(exported):
    sampler = Sampler(exported["dcgan"][0])  # tanh: [-1, 1]
    assert sampler.value_range == (-1.0, 1.0)
    pixels = sampler.sample_uint8(8, seed=2)
    assert pixels.dtype == np.uint8
    expected = np.clip(np.rint((sampler.sample(8, seed=2) + 1.0) * 127.5), 0, 255)
    np.testing.assert_array_equal(pixels, expected.astype("uint8"))
    np.testing.assert_array_equal(
        sampler.to_uint8(np.array([-1.0, 0.0, 1.0, 3.0])), np.array([0, 128, 255, 255], "uint8")
    )
    unbounded = Sampler(exported["dcgan"][0], metadata={"value_range": [None, None]})
    with pytest.raises(ValueError, match=r"uint8 images need a bounded value_range, got \[None, None\]"):
        unbounded.sample_uint8(2)


def test_save_grid_writes_a_png(exported, tmp_path):
    sampler = Sampler(exported["vae"][0])
    grid = sampler.save_grid(tmp_path / "grid.png", 6, seed=0, columns=3)
    image = Image.open(tmp_path / "grid.png")
    assert image.mode == "L" and image.size == (3 * 18 + 2, 2 * 18 + 2)
    np.testing.assert_array_equal(np.asarray(image), grid)
    np.testing.assert_array_equal(grid[20:36, 38:54], sampler.sample_uint8(6, seed=0)[5, ..., 0])
    with pytest.raises(ValueError, match="grid path must end with .png"):
        sampler.save_grid(tmp_path / "grid.jpg", 4)
    assert sorted(set(os.listdir(tmp_path)) - {MANIFEST}) == ["grid.png"]


def test_num_threads_is_configurable(exported):
    sampler = Sampler(exported["vae"][0], num_threads=1)
    options = sampler.session.get_session_options()
    assert options.intra_op_num_threads == 1
    # Spinning by default, as a plain onnxruntime session; spin_wait=False turns it off.
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    sleeping = Sampler(exported["vae"][0], spin_wait=False).session.get_session_options()
    assert sleeping.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    with pytest.raises(ValueError, match="num_threads must be a positive int, got 0"):
        Sampler(exported["vae"][0], num_threads=0)


def test_conditional_labels(models, exported):
    sampler = Sampler(exported["conditional"][0])
    assert sampler.num_classes == NUM_CLASSES
    z = draw_latents(6, LATENT_DIM, seed=3)
    cycled = keras_samples(models["conditional"], z, np.arange(6) % NUM_CLASSES)
    np.testing.assert_allclose(sampler.decode(z), cycled, atol=1e-4)  # default: all classes
    fixed = sampler.decode(z, labels=np.int64(4))
    np.testing.assert_allclose(fixed, keras_samples(models["conditional"], z, np.full(6, 4)), atol=1e-4)


@pytest.mark.parametrize(
    "z, labels, message",
    [
        (np.zeros((2, LATENT_DIM + 1), "float32"), None, r"z must have shape \(num_samples, 8\), got \(2, 9\)"),
        (np.zeros(LATENT_DIM, "float32"), None, r"z must have shape \(num_samples, 8\), got \(8,\)"),
        (np.zeros((2, LATENT_DIM), "int32"), None, "z must be a float array .*got dtype int32"),
        (np.array([["a"] * LATENT_DIM]), None, "z must be a float array"),
        (np.where(np.eye(3, LATENT_DIM) > 0, np.nan, 0.0)[[0, 2]], None,
         r"z must be finite, got NaN or inf in 2 row\(s\), first row 0"),
        (np.zeros((2, LATENT_DIM), "float32"), np.array([1, 5]), r"labels must be in \[0, 4\] .*got 5"),
        (np.zeros((2, LATENT_DIM), "float32"), -1, r"labels must be in \[0, 4\] .*got -1"),
        (np.zeros((2, LATENT_DIM), "float32"), np.array([1.0, 2.0]), "labels must be integers, got dtype float64"),
        (np.zeros((2, LATENT_DIM), "float32"), np.array([1, 2, 3]), r"labels must be an int or have shape \(2,\)"),
    ],
)
def test_bad_inputs_raise_clear_errors(exported, z, labels, message):
    sampler = Sampler(exported["conditional"][0])
    with pytest.raises(ValueError, match=message):
        sampler.decode(z, labels)


def test_labels_for_an_unconditional_model_are_refused(exported):
    with pytest.raises(ValueError, match="labels must be None: .* unconditional model"):
        Sampler(exported["vae"][0]).sample(2, labels=1)


def strip_metadata(source, destination):
    proto = onnx.load(source)
    del proto.metadata_props[:]
    onnx.save(proto, destination)
    return str(destination)


def test_onnx_without_metadata_says_what_is_missing_and_how_to_pass_it(exported, tmp_path):
    path = strip_metadata(exported["vae"][0], tmp_path / "bare.onnx")
    with pytest.raises(ValueError) as error:
        Sampler(path)
    message = str(error.value)
    assert "has no kerasgen metadata" in message
    assert "missing ['latent_dim', 'image_shape', 'value_range']" in message
    assert 'metadata={"latent_dim": 8, "image_shape": [16, 16, 1]' in message
    assert "--metadata" in message
    metadata = {"latent_dim": 8, "image_shape": [16, 16, 1], "value_range": [0.0, 1.0]}
    np.testing.assert_array_equal(
        Sampler(path, metadata=metadata).sample(3, seed=0), Sampler(exported["vae"][0]).sample(3, seed=0)
    )
    conditional = strip_metadata(exported["conditional"][0], tmp_path / "bare_conditional.onnx")
    with pytest.raises(ValueError, match=r"missing \[.*'num_classes'\]"):
        Sampler(conditional, metadata=metadata)


def test_metadata_that_contradicts_the_graph_is_refused(exported):
    with pytest.raises(ValueError, match="metadata latent_dim 4 does not match the graph input 'z' of size 8"):
        Sampler(exported["vae"][0], metadata={"latent_dim": 4})
    with pytest.raises(ValueError, match=r"metadata image_shape \[8, 8, 1\] does not match the graph output"):
        Sampler(exported["vae"][0], metadata={"image_shape": [8, 8, 1]})
    with pytest.raises(ValueError, match=r"value_range must have low < high, got \[1, 0\]"):
        Sampler(exported["vae"][0], metadata={"value_range": [1, 0]})
    with pytest.raises(ValueError, match="metadata must be a dict or None, got str"):
        Sampler(exported["vae"][0], metadata="latent_dim=8")


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "path must be an existing .onnx file, got"),
        (b"", "is empty, not an ONNX model"),
        (b"\x00garbage\xff" * 50, "is not a readable ONNX model .*onnxruntime says"),
        ("truncated", "is not a readable ONNX model .*onnxruntime says"),
    ],
)
def test_missing_or_corrupted_files_raise_clear_errors(exported, tmp_path, content, message):
    path = tmp_path / "model.onnx"
    if content == "truncated":
        data = open(exported["vae"][0], "rb").read()
        content = data[: len(data) // 2]
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        Sampler(path)


def test_console_script_errors_and_npy_output(exported, tmp_path, capsys):
    bare = strip_metadata(exported["dcgan"][0], tmp_path / "bare.onnx")
    assert main([bare, "-o", str(tmp_path / "grid.png")]) == 2
    assert "kerasgen-sample: error:" in capsys.readouterr().err
    metadata = json.dumps({"latent_dim": 8, "image_shape": [16, 16, 1], "value_range": [-1, 1]})
    out = tmp_path / "samples.npy"
    assert main([bare, "-n", "5", "--seed", "2", "-o", str(out), "--metadata", metadata]) == 0
    np.testing.assert_array_equal(np.load(out), Sampler(exported["dcgan"][0]).sample(5, seed=2))
    assert main([exported["vae"][0], "-o", str(tmp_path / "grid.jpg")]) == 2
    assert "output must end with .npy (float32 samples) or .png" in capsys.readouterr().err
    assert main([exported["vae"][0], "--label", "1", "-o", str(tmp_path / "g.png")]) == 2
    assert not (tmp_path / "g.png").exists()
