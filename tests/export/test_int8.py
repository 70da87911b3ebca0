"""int8 export: faster than float32 and within the quality gate, or refused and unwritten."""

import argparse
import os

import numpy as np
import pytest

from kerasgen.export import ExportCheckError, int8, optimize, to_onnx
from kerasgen.export.checks import check_inputs


@pytest.fixture(scope="module")
def dcgan():
    from kerasgen import zoo

    return zoo.Entry.open("dcgan_mnist5k").load_model()


@pytest.fixture(scope="module")
def test_images():
    from kerasgen.data import named_datasets

    _, (x_test, _) = named_datasets.load("mnist5k")
    return x_test


@pytest.fixture
def smaller_gate(monkeypatch):
    """The gate on 500 latents per seed instead of 2000 (its rule compares FIDs at equal
    sample counts, so it holds at any count); `kerasgen export --precision int8` keeps
    2000, as tests/test_readme.py's slow README job runs it."""
    monkeypatch.setattr(int8, "GATE_SAMPLES", 500)


def test_int8_generator_is_faster_and_passes_the_gate(dcgan, test_images, tmp_path, smaller_gate):
    from kerasgen_runtime import Sampler

    path = tmp_path / "dcgan_int8.onnx"
    report = to_onnx(dcgan, path, precision="int8", judge="classifier_mnist5k",
                     reference=test_images, optimize=False)
    quantization = report["quantization"]
    assert quantization["cpu_time_ratio_vs_float32"]["64"] <= 1 - optimize.MIN_GAIN
    gate = quantization["quality_gate"]
    assert gate["passed"] and gate["fid_int8_vs_float32"] <= gate["fid_float32_vs_other_seed"]
    assert gate["judge"].startswith("domain_classifier@sha256:")
    assert set(gate["fid_vs_reference"]) == {"float32", "int8"}
    # Every ConvTranspose became Convs (int8 kernels); the exact rewrites were checked.
    assert quantization["float_rewrites"]["subpixel_split"]
    assert quantization["float_rewrites"]["max_abs_diff"] <= optimize.EXACT_TOLERANCE
    sampler = Sampler(path)
    assert sampler.metadata["precision"] == "int8"
    assert sampler.metadata["quantization"]["quality_gate"] == gate
    assert report["size_bytes"] == os.path.getsize(path)
    assert quantization["size_bytes"] < 0.4 * quantization["float_size_bytes"]  # without metadata
    # What the gate measured is what a user gets: int8 samples close to float32 ones.
    z = check_inputs(report["metadata"], 64, seed=5)["z"]
    expected = np.asarray(dcgan.sampling_network()(z, training=False))
    change = np.abs(sampler.decode(z) - expected)
    assert change.mean() < 0.02 and change.max() > 0  # quantized, not a float32 copy


def test_a_badly_calibrated_int8_fails_the_gate_and_writes_nothing(dcgan, tmp_path, monkeypatch, smaller_gate):
    # Ranges from the 60th percentile clip most activations: the samples change visibly.
    monkeypatch.setattr(int8, "CALIBRATION_PERCENTILE", 60.0)
    path = tmp_path / "dcgan_int8.onnx"
    with pytest.raises(ExportCheckError, match="int8 fails the quality gate under domain_classifier"):
        to_onnx(dcgan, path, precision="int8", judge="classifier_mnist5k", optimize=False)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_int8_that_does_not_pay_is_refused(dcgan, tmp_path, monkeypatch):
    monkeypatch.setattr(optimize, "MIN_GAIN", 0.95)  # asks for 20x: no int8 graph is that fast
    path = tmp_path / "dcgan_int8.onnx"
    with pytest.raises(ExportCheckError, match=r"int8 does not pay for this network: .*x the float32"):
        to_onnx(dcgan, path, precision="int8", judge="classifier_mnist5k", optimize=False)
    assert not path.exists()


def test_int8_refusals_name_what_is_missing(vae, tmp_path):
    from kerasgen import zoo

    with pytest.raises(ValueError, match="precision 'int8' needs judge"):
        to_onnx(vae, tmp_path / "v.onnx", precision="int8")
    with pytest.raises(ValueError, match="judge must be a classifier with class probabilities"):
        to_onnx(vae, tmp_path / "v.onnx", precision="int8", judge="identity")
    with pytest.raises(ValueError, match="precision 'int8' is for decoders and generators"):
        to_onnx(vae, tmp_path / "v.onnx", encoder=True, precision="int8", judge="classifier_mnist5k")
    autoencoder = zoo.Entry.open("ae_mnist5k").load_model()
    with pytest.warns(RuntimeWarning, match="latent has no prior"):
        with pytest.raises(ValueError, match="calibrates on latents drawn from the prior"):
            to_onnx(autoencoder, tmp_path / "a.onnx", precision="int8", judge="classifier_mnist5k")
    assert os.listdir(tmp_path) == []


def test_the_cli_judges_a_zoo_entry_with_its_datas_classifier():
    from kerasgen.commands.export import int8_judge

    args = argparse.Namespace(model="dcgan_mnist5k", judge=None)
    judge, (reference, labels) = int8_judge(args, {"zoo_entry": "dcgan_mnist5k"})
    assert judge == "classifier_mnist5k" and reference.shape == (1000, 28, 28, 1)
    assert labels.shape == (1000,)  # the judge's accuracy is measured on them
    args.judge = "residual_classifier_mnist5k"
    assert int8_judge(args, {"zoo_entry": "dcgan_mnist5k"})[0] == "residual_classifier_mnist5k"
    args = argparse.Namespace(model="mine.keras", judge=None)
    with pytest.raises(ValueError, match="needs --judge CLASSIFIER"):
        int8_judge(args, {"zoo_entry": None})


def test_judge_data_gives_the_judge_labelled_images(tmp_path):
    from kerasgen.commands.export import int8_judge
    from tests.own_data import write_digit_folder

    write_digit_folder(tmp_path / "classes", size=(28, 28), per_class=2)
    args = argparse.Namespace(model="mine.keras", judge="mine_judge.keras",
                              judge_data=str(tmp_path / "classes"))
    judge, (images, labels) = int8_judge(args, {"zoo_entry": None})
    assert judge == "mine_judge.keras" and images.shape == (20, 28, 28, 1)
    assert sorted(labels) == sorted(list(range(10)) * 2)
    write_digit_folder(tmp_path / "flat", size=(28, 28), per_class=1, classes=False)
    args.judge_data = str(tmp_path / "flat")
    with pytest.raises(ValueError, match="--judge-data must hold one sub-folder per class"):
        int8_judge(args, {"zoo_entry": None})


def test_output_layers_are_found_through_weightless_ops_and_sums(dcgan, tmp_path):
    import onnx

    from kerasgen.export import subpixel

    to_onnx(dcgan, tmp_path / "g.onnx", optimize=False)
    proto = onnx.load(tmp_path / "g.onnx")
    (name,) = int8.output_layers(proto)
    assert next(n for n in proto.graph.node if n.name == name).op_type == "Conv"  # logits, under tanh
    # Computed on the phases of the last upsampling, per phase map: four Convs, summed.
    phases, _ = subpixel.conv_on_phases(subpixel.subpixel(proto, split=True)[0], split=True)
    names = int8.output_layers(phases)
    assert len(names) == 4 and all(n.endswith(tuple("0123")) for n in names)


@pytest.fixture(scope="module")
def near_chance_judge(mnist5k):
    """A classifier trained on shuffled labels: its accuracy is near chance (10%)."""
    from kerasgen.metrics import train_domain_classifier

    (x, y), _ = mnist5k
    shuffled = np.random.default_rng(0).permutation(y[::5])
    classifier = train_domain_classifier(x[::5], shuffled, epochs=1, batch_size=64,
                                         filters=(8,), feature_dim=16, seed=0)
    return classifier.feature_extractor()


def test_a_near_chance_judge_is_refused_and_nothing_is_written(dcgan, near_chance_judge, mnist5k,
                                                               tmp_path, smaller_gate):
    _, (x_test, y_test) = mnist5k
    path = tmp_path / "dcgan_int8.onnx"
    with pytest.raises(ExportCheckError, match=r"int8 cannot be judged, nothing was written: weak "
                       r"judge: .*accuracy 0\.[01]\d* .*near chance.*--accept-weak-judge"):
        to_onnx(dcgan, path, precision="int8", judge=near_chance_judge,
                reference=(x_test, y_test), optimize=False)
    assert os.listdir(tmp_path) == []


def test_a_weak_judge_accepted_writes_int8_marked_unjudged(dcgan, near_chance_judge, mnist5k,
                                                           tmp_path, smaller_gate):
    from kerasgen_runtime import Sampler

    _, (x_test, y_test) = mnist5k
    path = tmp_path / "dcgan_int8.onnx"
    report = to_onnx(dcgan, path, precision="int8", judge=near_chance_judge,
                     reference=(x_test, y_test), optimize=False, accept_weak_judge=True)
    gate = Sampler(path).metadata["quantization"]["quality_gate"]
    assert gate["passed"] is None and gate["verdict"].startswith("weak judge: ")
    assert gate["judge_quality"]["accuracy"] < 0.55 and report["quantization"]["quality_gate"] == gate


def test_differences_below_the_noise_floor_pass_and_real_changes_do_not(test_images):
    # A generator that ignores its latents: both gate seeds give the same 2000 images
    # (20 digits, 100 times each), so "another seed" moves FID and class KL by round-off
    # only -- the cGAN the old rule failed on numerical noise.
    from kerasgen import zoo

    judge = zoo.load("classifier_mnist5k").feature_extractor()
    images = np.repeat(test_images[::50], 100, axis=0)
    first, second = int8.GATE_SEEDS
    float_judged = {first: judge.extract(images), second: judge.extract(images.copy())}
    # int8-like: every pixel rounded to one of 64 levels (a change far below a pixel's)
    rounded = judge.extract(np.round(images * 63) / 63)
    gate = int8.compare(float_judged, rounded)
    assert gate["fid_int8_vs_float32"] > gate["fid_float32_vs_other_seed"]  # the old rule: fail
    noise = gate["noise_floor"]
    assert noise["fid"] > gate["fid_int8_vs_float32"] and gate["passed"], gate
    assert gate["fid_limit"] == noise["fid"] and noise["resamples"] == int8.NOISE_RESAMPLES
    # A change an evaluation sees (the digits blurred) is above the floor and fails.
    from kerasgen.metrics.scale import blurred

    gate = int8.compare(float_judged, judge.extract(blurred(images, 2)))
    assert not gate["passed"] and gate["fid_int8_vs_float32"] > 10 * noise["fid"]
