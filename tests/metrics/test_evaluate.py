import json
import os

import numpy as np
import pytest
from kerasgen_runtime.files import MANIFEST  # kerasgen's record of the files it wrote

from PIL import Image

from kerasgen import cli
from kerasgen.data import named_datasets
from kerasgen.metrics import evaluate
from tests.metrics.conftest import ImageSource


@pytest.fixture(scope="module")
def sources(mnist5k):
    (x_train, _), _ = mnist5k
    noise = np.random.default_rng(0).random((300, 28, 28, 1)).astype("float32")
    return ImageSource(x_train), ImageSource(0.5 * x_train + 0.5 * noise[:1])


@pytest.fixture(scope="module")
def real_images(mnist5k):
    return mnist5k[1][0]


@pytest.fixture(scope="module")
def image_folder(real_images, tmp_path_factory):
    """100 test digits as PNG files, the `--data DIR` form."""
    folder = tmp_path_factory.mktemp("digits")
    for index, image in enumerate(real_images[::10]):
        pixels = (image[..., 0] * 255).round().astype("uint8")
        Image.fromarray(pixels).save(os.path.join(folder, f"{index:03d}.png"))
    return str(folder)


def test_better_generator_gets_better_numbers_with_sizes_and_identity(
    sources, real_images, classifier, tmp_path
):
    good, bad = sources
    options = dict(metrics="fid,kid,is,prd", num_samples=300, extractor=classifier,
                   cache_dir=str(tmp_path), progress=False, kid_subsets=20)
    good_results = evaluate(good, real_images, **options)
    bad_results = evaluate(bad, real_images, **options)
    assert set(good_results) == {"fid", "kid", "is", "precision", "recall", "density",
                                 "coverage"}
    assert good_results["fid"] < bad_results["fid"]
    assert good_results["kid"] < bad_results["kid"]
    assert good_results["precision"] > bad_results["precision"]
    extractor_id = classifier.feature_extractor().extractor_id
    for result in good_results.values():
        assert result.extractor == extractor_id and result.num_generated == 300
        assert result.num_real in (300, None)  # IS uses no real data
    assert len(set(os.listdir(tmp_path)) - {MANIFEST}) == 1  # the reference statistics, reused the 2nd time
    # Other real data never reuses those statistics, even under the same extractor.
    flipped = evaluate(good, real_images[:, ::-1], **{**options, "metrics": "fid"})
    assert len(set(os.listdir(tmp_path)) - {MANIFEST}) == 2
    assert flipped["fid"].value != pytest.approx(good_results["fid"].value, rel=1e-3)


def test_points_use_the_identity_extractor():
    collapsed = ImageSource(named_datasets.mixture_modes("ring8")[0][:1] + np.zeros((10, 2)))
    exact = ImageSource(named_datasets.sample_mixture("ring8", 2000, seed=5)[0])
    good = evaluate(exact, "ring8", metrics="prd", num_samples=500, progress=False)
    bad = evaluate(collapsed, "ring8", metrics="prd", num_samples=500, progress=False)
    assert good["precision"].extractor == "identity"
    assert good["recall"].value > 0.9 and bad["recall"].value < 0.2


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(metrics="fid,bogus"), "metrics must be a comma-separated subset.*unknown: bogus"),
        (dict(metrics="is", extractor="identity"), "metric 'is' needs an extractor with class"),
        (dict(metrics="nll"), "metric 'nll' needs a model with log_likelihood"),
        (dict(metrics="fid", data="digits"), "has per-example shape \\(8, 8, 1\\)"),
        (dict(metrics="fid", data="imagenet"), "no folder of that name exists .*name must be one of"),
        (dict(metrics="fid", num_samples=0), "num_samples must be a positive int, got 0"),
    ],
)
def test_bad_requests_raise(sources, real_images, kwargs, message):
    kwargs = {"data": real_images, **kwargs}
    with pytest.raises(ValueError, match=message):
        evaluate(sources[0], progress=False, **kwargs)


@pytest.fixture(scope="module")
def vae_path(tmp_path_factory):
    from kerasgen.models import VAE
    from kerasgen.networks import ConvDecoder, ConvEncoder

    vae = VAE(
        ConvEncoder((28, 28, 1), 4, filters=(8, 16), variational=True),
        ConvDecoder(4, (28, 28, 1), filters=(16, 8)),
        seed=0,
    )
    path = os.path.join(tmp_path_factory.mktemp("vae"), "vae.keras")
    vae.save(path)
    return path


def test_cli_json_reports_every_number_with_n_and_extractor(
    vae_path, classifier_path, image_folder, capsys
):
    code = cli.main([
        "evaluate", vae_path, "--data", image_folder, "--metrics", "fid,nll,recon", "-n", "100",
        "--extractor", classifier_path, "--nll-samples", "5", "--json", "--no-progress",
    ])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["metrics"]) == {"fid", "nll", "reconstruction_mse"}
    fid = report["metrics"]["fid"]
    assert fid["num_real"] == fid["num_generated"] == 100 and fid["value"] > 0
    assert fid["extractor"] == report["extractor"]
    assert report["extractor"].startswith("domain_classifier@sha256:")
    nll = report["metrics"]["nll"]
    assert nll["num_real"] == 100 and nll["extractor"] is None
    assert nll["details"]["importance_samples"] == 5
    assert nll["value"] > 100  # an untrained VAE: hundreds of nats per digit


def test_cli_table_and_errors(vae_path, image_folder, capsys, monkeypatch, tmp_path):
    code = cli.main([
        "evaluate", vae_path, "--data", image_folder, "--metrics", "recon", "-n", "50",
        "--no-progress",
    ])
    table = capsys.readouterr().out
    assert code == 0 and "reconstruction_mse" in table and "N real" in table
    assert cli.main(["evaluate", vae_path, "--data", image_folder, "--metrics", "fud"]) == 2
    assert "unknown: fud" in capsys.readouterr().err
    # Offline without InceptionV3 weights: one clear error, exit 1, no traceback.
    monkeypatch.setenv("KERASGEN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    code = cli.main(["evaluate", vae_path, "--data", image_folder, "--metrics", "fid",
                     "--extractor", "inception_v3", "--no-progress"])
    error = capsys.readouterr().err
    assert code == 1 and "--extractor /path/to/file.h5" in error


def test_default_extractor_prefers_a_registered_domain_classifier(
    sources, real_images, classifier, monkeypatch, tmp_path
):
    from kerasgen.metrics import extractors

    monkeypatch.setitem(extractors.EXTRACTORS, "test_classifier", classifier.feature_extractor)
    monkeypatch.setitem(extractors.DEFAULT_EXTRACTORS, "mnist5k", "test_classifier")
    assert extractors.default_extractor_name("mnist5k", (28, 28, 1)) == "test_classifier"
    assert extractors.default_extractor_name("ring8", (2,)) == "identity"
    # Without one, grayscale data falls back to ImageNet features with a warning.
    monkeypatch.setenv("KERASGEN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.warns(RuntimeWarning, match="no domain classifier is registered"):
        with pytest.raises(RuntimeError, match="InceptionV3 ImageNet weights are not available"):
            evaluate(sources[0], real_images, metrics="fid", num_samples=10, progress=False)


def test_cli_corrupt_images_and_a_cache_dir_that_is_a_file_are_one_line(
    vae_path, classifier_path, image_folder, capsys, tmp_path
):
    import shutil

    folder = tmp_path / "digits"
    shutil.copytree(image_folder, folder)
    first = folder / "000.png"
    # -n covers every file (100 digits + the bad one): a seeded subset of fewer files
    # might not read the bad one at all
    args = ["evaluate", vae_path, "--data", str(folder), "--metrics", "fid", "-n", "101",
            "--extractor", classifier_path, "--no-progress"]
    for name, content in [("zz_bad.png", b"not an image"),
                          ("zz_truncated.png", first.read_bytes()[:60])]:
        (folder / name).write_bytes(content)
        assert cli.main(args) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kerasgen evaluate: error: "), lines
        assert str(folder / name) in lines[0], lines
        (folder / name).unlink()
    cache_file = tmp_path / "cache.npz"
    cache_file.write_bytes(b"a file")
    assert cli.main(args + ["--cache-dir", str(cache_file)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"kerasgen evaluate: error: --cache-dir must be a folder, got {str(cache_file)!r} "
        f"({str(cache_file)!r} is a file)"]
    assert cache_file.read_bytes() == b"a file"


@pytest.mark.parametrize("classes", [False, True])
def test_the_report_says_how_many_real_examples_were_drawn_of_how_many(classes, tmp_path):
    rng = np.random.default_rng(0)
    for index in range(30):
        folder = tmp_path / (str(index % 3) if classes else "")
        folder.mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype="uint8")).save(folder / f"{index:02d}.png")
    from kerasgen.metrics.real_data import load_real_data

    report = {}
    x = load_real_data(str(tmp_path), num_samples=10, seed=4, report=report)
    assert len(x) == 10
    stratified = "stratified by class, " if classes else ""
    assert report["real_subset"] == f"a seeded random subset of 10 of 30 real examples ({stratified}seed 4)"
    load_real_data(str(tmp_path), report=report)
    assert report["real_subset"] == "all 30 real examples"
