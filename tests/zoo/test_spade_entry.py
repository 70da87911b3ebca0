"""The SPADE zoo entry: its card numbers come back from `kerasgen evaluate`, and the
CLI samples it for a label map."""

import json

import pytest

from kerasgen import zoo
from kerasgen.data.layouts import save_label_map


@pytest.mark.slow  # the whole protocol: 2,400 generated images, the segmenter over 3,400
def test_evaluate_spade_entry_reproduces_its_card_numbers(capsys):
    from kerasgen import cli

    assert cli.main(["evaluate", "spade_layouts", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    stored = zoo.Entry.open("spade_layouts").config["metrics"]
    assert "miou" in report["metrics"]
    for name, metric in stored.items():
        assert report["metrics"][name]["value"] == pytest.approx(metric["value"], rel=1e-4, abs=1e-6), name
        assert report["metrics"][name]["n"] == metric["n"]


def test_sample_cli_takes_the_entry_and_a_label_map(tmp_path):
    from kerasgen import cli
    from kerasgen.data import named_datasets

    _, (_, maps) = named_datasets.load("layouts", num_train=1, num_test=2)
    map_path = str(tmp_path / "map.png")
    save_label_map(map_path, maps[1])
    out = tmp_path / "grid.png"
    assert cli.main(["sample", "spade_layouts", "--label-map", map_path, "-n", "4", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
