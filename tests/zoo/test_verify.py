"""`kerasgen verify ZOO_ENTRY`: the weights' sha256, then the card's headline number
re-measured with the entry's protocol at the card's N."""

import json
import shutil

from kerasgen import cli
from kerasgen.zoo import ZOO_DIR


def test_verify_re_measures_the_headline_number(capsys):
    assert cli.main(["verify", "gan_ring8"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "re-measuring modes_captured_seed0 (N=2500" in lines[1]
    assert lines[2].startswith("  card 8, measured 8 (N=2500): relative difference 0 <= tolerance 0.001")
    assert lines[-1] == "PASS: gan_ring8 modes_captured_seed0 agrees with its card"


def test_weights_of_another_entry_fail(tmp_path, capsys):
    entry = tmp_path / "gan_ring8"
    shutil.copytree(f"{ZOO_DIR}/gan_ring8", entry)
    shutil.copyfile(f"{ZOO_DIR}/gan_grid25/model.weights.h5", entry / "model.weights.h5")
    # unchanged entry.json: the sha256 check refuses the file before Keras reads it
    assert cli.main(["verify", str(entry)]) == 2
    assert "not the published weights" in capsys.readouterr().err
    # an entry.json rewritten to the other weights' sha256: the number gives them away
    config = json.loads((entry / "entry.json").read_text())
    config["weights"]["sha256"] = json.loads(open(f"{ZOO_DIR}/gan_grid25/entry.json").read())["weights"]["sha256"]
    (entry / "entry.json").write_text(json.dumps(config))
    assert cli.main(["verify", str(entry)]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "FAIL: gan_ring8 modes_captured_seed0 does not agree with its card"
