"""The zoo's two judges of generated digits: both load verified, agree on real digits,
and every image GAN's card reports its numbers under each."""

import os
import shutil

import numpy as np
import pytest

from kerasgen import zoo
from kerasgen.zoo.card import render_targets
from kerasgen.zoo.evaluation import JUDGES

FIRST, SECOND = JUDGES["mnist5k"]
JUDGED = [
    name for name in zoo.list_entries()
    if {"class_kl_to_uniform", "conditional_accuracy"} & set(zoo.Entry.open(name).config.get("metrics", {}))
]


def test_second_judge_loads_verified_and_agrees_with_the_first(mnist5k, tmp_path):
    _, (x_test, y_test) = mnist5k
    first, second = zoo.load(FIRST), zoo.load(SECOND)
    assert type(first).__name__ != type(second).__name__  # another architecture
    rows = np.random.default_rng(0).choice(len(x_test), size=300, replace=False)
    first_labels = first.predict(x_test[rows], verbose=0).argmax(axis=1)
    second_labels = second.predict(x_test[rows], verbose=0).argmax(axis=1)
    assert np.mean(second_labels == y_test[rows]) > 0.9
    assert np.mean(second_labels == first_labels) > 0.9

    # The same sha256 check as every entry: a flipped byte is refused before loading.
    folder = tmp_path / SECOND
    shutil.copytree(zoo.Entry.open(SECOND).directory, folder)
    weights = folder / zoo.Entry.open(SECOND).config["weights"]["file"]
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 of .* expected"):
        zoo.load(str(folder))


def test_conditional_accuracy_is_measured_under_each_judge():
    from kerasgen.zoo.evaluation import conditional_accuracy

    entry = zoo.Entry.open("cgan_mnist5k")
    metrics = conditional_accuracy(entry.load_model(), entry.recipe, per_class=10)
    assert set(metrics) == {"conditional_accuracy", "worst_class_accuracy",
                            f"conditional_accuracy@{SECOND}", f"worst_class_accuracy@{SECOND}"}
    assert metrics["conditional_accuracy"]["extractor"] != metrics[f"conditional_accuracy@{SECOND}"]["extractor"]
    assert metrics[f"conditional_accuracy@{SECOND}"]["value"] > 0.8


@pytest.mark.parametrize("name", JUDGED)
def test_image_gan_cards_report_every_judge(name):
    entry = zoo.Entry.open(name)
    first, second = JUDGES[entry.recipe["data"]]
    metrics = entry.config["metrics"]
    for key in [k for k in metrics if "@" not in k]:
        assert f"{key}@{second}" in metrics, f"re-run python -m kerasgen.zoo.build --evaluate {name}"
    with open(os.path.join(entry.directory, "README.md")) as f:
        card = f.read()
    assert "## Targets under each judge" in card and f"| {first} |" in card and f"| {second} |" in card


def test_a_miss_under_the_second_judge_is_named():
    def metric(value):
        return {"value": value, "n": 1000, "protocol": "p"}

    metrics = {"classes_covered": metric(10), "class_kl_to_uniform": metric(0.047),
               f"classes_covered@{SECOND}": metric(10), f"class_kl_to_uniform@{SECOND}": metric(0.07)}
    text = "\n".join(render_targets(metrics, {"evaluation": {"protocol": "fid_kid"}}))
    assert f"| {FIRST} | 10 met | 0.047 met |" in text
    assert f"| {SECOND} | 10 met | 0.07 **missed** |" in text
    assert f"Missed: class_kl_to_uniform 0.07 under {SECOND} (target < 0.05)." in text
