"""Class names end to end: a class folder's sorted sub-folder names (as
`keras.utils.image_dataset_from_directory` numbers them) are recorded once by `fit`
(run.json, the model's `.keras` config), carried into the ONNX metadata, accepted by
`--label` (kerasgen sample, kerasgen-sample) and shown in plot legends; an empty class
folder is refused by name. `kerasgen` commands on a tiny RGB folder of odd-size images,
run in this process (`kerasgen.cli.main`, with their exit status and stderr), and the
trained model loaded and sampled by fresh processes (`keras` alone; the runtime's
`kerasgen-sample`)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

CLASSES = ("circle", "square", "triangle")


def write_shapes(folder, per_class=8, size=(13, 11), seed=0):
    """Coloured shapes, `size` (odd) pixels, one sub-folder per class."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    for index, name in enumerate(CLASSES):
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        for i in range(per_class):
            image = Image.new("RGB", (size[1], size[0]), tuple(int(v) for v in rng.integers(0, 60, 3)))
            draw = ImageDraw.Draw(image)
            colour = tuple(int(v) for v in rng.integers(120, 256, 3))
            box = (1, 1, size[1] - 2, size[0] - 2)
            if name == "circle":
                draw.ellipse(box, fill=colour)
            elif name == "square":
                draw.rectangle(box, fill=colour)
            else:
                draw.polygon([(size[1] // 2, 1), (1, size[0] - 2), (size[1] - 2, size[0] - 2)], fill=colour)
            image.save(os.path.join(folder, name, f"{name}_{i}.png"))
    return folder


def kerasgen(capsys, *argv):
    """Runs `kerasgen ARGV` in this process; its exit status and what it printed on stderr
    (a fresh Python importing TensorFlow per command would cost seconds each)."""
    from kerasgen import cli

    capsys.readouterr()
    status = cli.main(list(argv))
    return subprocess.CompletedProcess(argv, status, *capsys.readouterr())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A one-epoch cGAN fitted on the shapes folder (resized to 16x16)."""
    from kerasgen import cli

    folder = tmp_path_factory.mktemp("shapes")
    data = write_shapes(str(folder / "shapes"))
    out = str(folder / "run")
    assert cli.main(["fit", "cgan", "--data", data, "--image-size", "16", "16", "--epochs", "1",
                     "--batch-size", "8", "--out", out, "--verbose", "0"]) == 0
    return out


def test_fit_records_the_class_names_in_run_json_and_the_model(run):
    with open(os.path.join(run, "run.json")) as f:
        assert json.load(f)["class_names"] == list(CLASSES)
    code = ("import keras, kerasgen, sys; m = keras.saving.load_model(sys.argv[1], safe_mode=True); "
            "print(list(m.class_names))")
    result = subprocess.run([sys.executable, "-c", code, os.path.join(run, "model.keras")], capture_output=True,
                            text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.stdout.strip().splitlines()[-1] == str(list(CLASSES)), result.stderr[-2000:]


def test_sample_takes_a_class_name_where_it_takes_an_index(run, tmp_path, capsys):
    by_name = kerasgen(capsys, "sample", run, "-n", "6", "--label", "square", "-o", str(tmp_path / "name.npy"))
    assert by_name.returncode == 0, by_name.stderr[-2000:]
    by_index = kerasgen(capsys, "sample", run, "-n", "6", "--label", "1", "-o", str(tmp_path / "index.npy"))
    assert by_index.returncode == 0, by_index.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "name.npy"), np.load(tmp_path / "index.npy"))
    wrong = kerasgen(capsys, "sample", run, "-n", "6", "--label", "hexagon", "-o", str(tmp_path / "x.npy"))
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == ("kerasgen sample: error: --label must be one of ['circle', 'square', "
                                    "'triangle'] or a class index, got 'hexagon'")


def test_the_onnx_export_carries_the_names_to_kerasgen_sample(run, tmp_path, capsys):
    onnx_path = str(tmp_path / "generator.onnx")
    result = kerasgen(capsys, "export", run, "-o", onnx_path)
    assert result.returncode == 0, result.stderr[-2000:]
    from kerasgen_runtime import Sampler

    sampler = Sampler(onnx_path)
    assert sampler.metadata["class_names"] == list(CLASSES)
    runtime = os.path.join(os.path.dirname(sys.executable), "kerasgen-sample")
    out = str(tmp_path / "triangles.npy")
    result = subprocess.run([runtime, onnx_path, "-n", "4", "--label", "triangle", "-o", out],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    np.testing.assert_array_equal(np.load(out), sampler.sample(4, seed=0, labels=2))


def test_an_empty_class_folder_is_refused_by_name(tmp_path, capsys):
    data = write_shapes(str(tmp_path / "shapes"), per_class=2)
    os.makedirs(os.path.join(data, "hexagon"))
    result = kerasgen(capsys, "fit", "vae", "--data", data, "--image-size", "16", "16", "--epochs", "1",
                      "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kerasgen fit: error: class folder {os.path.join(data, 'hexagon')!r} holds no images (looked for "
        ".png, .jpg, .jpeg); add images to it or remove it"]


def test_plot_legends_name_the_classes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kerasgen import plotting

    figure, axis = plt.subplots()
    points = np.random.default_rng(0).normal(size=(30, 2))
    legend = plotting.class_legend(axis, points, np.arange(30) % 3, CLASSES)
    assert [text.get_text() for text in legend.get_texts()] == list(CLASSES)
    assert not figure.axes[1:]  # no continuous colour bar
    plt.close(figure)
