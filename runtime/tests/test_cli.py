import os

import numpy as np
import pytest
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote

from kerasgen_runtime import Sampler
from kerasgen_runtime.cli import main
from kerasgen_runtime.outputs import GRID_MAX_SAMPLES


def test_npy_output_is_a_numpy_array_streamed_in_batches(fixture_path, tmp_path, capsys):
    path = tmp_path / "samples.npy"
    code = main([fixture_path("cgan.onnx"), "-n", "1000", "--seed", "2", "--batch-size", "64",
                 "-o", str(path)])
    assert code == 0 and "wrote 1000 samples" in capsys.readouterr().out
    samples = np.load(path)
    assert samples.dtype == np.float32 and samples.shape == (1000, 8, 8, 1)
    np.testing.assert_array_equal(samples, Sampler(fixture_path("cgan.onnx")).sample(1000, seed=2))
    assert [n for n in os.listdir(tmp_path) if n != MANIFEST] == ["samples.npy"]  # no temporary file left behind


def test_png_output_is_a_png_grid(fixture_path, tmp_path):
    image = pytest.importorskip("PIL.Image")
    path = tmp_path / "grid.png"
    assert main([fixture_path("gan.onnx"), "-n", "16", "-o", str(path)]) == 0
    with image.open(path) as grid:
        assert grid.format == "PNG" and grid.size == (4 * 10 + 2, 4 * 10 + 2)


@pytest.mark.parametrize("output, message", [
    ("samples.jpg", "output must end with .npy"),
    ("samples", "output must end with .npy"),
    ("grid.png", f"a PNG grid holds at most {GRID_MAX_SAMPLES} samples"),
])
def test_bad_outputs_are_refused_before_any_work(output, message, tmp_path, capsys):
    # The model path does not exist: the output is checked first.
    code = main([str(tmp_path / "missing.onnx"), "-n", str(GRID_MAX_SAMPLES + 1),
                 "-o", str(tmp_path / output)])
    error = capsys.readouterr().err
    assert code == 2 and message in error and "Traceback" not in error
    assert os.listdir(tmp_path) == []


def test_errors_are_one_line(fixture_path, tmp_path, capsys):
    assert main([fixture_path("vae.onnx"), "--label", "1", "-o", str(tmp_path / "x.npy")]) == 2
    assert "unconditional model" in capsys.readouterr().err
    assert main([fixture_path("autoencoder.onnx"), "-o", str(tmp_path / "x.npy")]) == 2
    assert "no prior" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_npy_output_holds_one_batch_in_memory_not_all_samples(fixture_path, tmp_path):
    import tracemalloc

    path = tmp_path / "many.npy"
    args = [fixture_path("gan.onnx"), "-n", "20000", "--batch-size", "256", "-o", str(path)]
    tracemalloc.start()
    try:
        assert main(args) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total = os.path.getsize(path)  # 20000 samples of 8x8 float32: 5.1 MB
    assert total > 5_000_000 and peak < total / 5, (peak, total)
    np.testing.assert_array_equal(np.load(path, mmap_mode="r")[-3:],
                                  Sampler(fixture_path("gan.onnx")).sample(20000, seed=0)[-3:])
