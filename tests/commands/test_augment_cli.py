"""`kerasgen fit dcgan|wgan_gp|cgan --set augment=...` switches the discriminator's
augmentation on: the run's model keeps the option, its metrics.csv logs r_t (and ADA's
augment_p); a bad value is one line naming it."""

import csv
import json
import os
import subprocess
import sys
import textwrap
import zipfile

from tests.own_data import write_digit_folder

RUNS = {
    "dcgan": ["--set", "augment=ada", "--set", "ada_adjustment_images=1000"],
    "wgan_gp": ["--set", "augment=diffaugment", "--set", "augment_policy=translation,cutout"],
    "cgan": ["--set", "augment=diffaugment"],
}


def test_recipes_take_augment_from_the_command_line(tmp_path):
    data = str(tmp_path / "digits")
    write_digit_folder(data, size=(16, 16), rgb=True, per_class=8, num_classes=2)
    argvs = {name: ["fit", name, "--data", data, "--epochs", "2", "--batch-size", "8", "--verbose", "0",
                    "--out", str(tmp_path / name), *flags] for name, flags in RUNS.items()}
    argvs["bad"] = ["fit", "dcgan", "--data", data, "--epochs", "1", "--out", str(tmp_path / "bad"),
                    "--set", "augment=flips"]
    code = textwrap.dedent(f"""
        import sys, kerasgen_cli
        for name, argv in {argvs!r}.items():
            print(name, kerasgen_cli.main(argv), file=sys.stderr, flush=True)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1200,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    for name in RUNS:
        assert f"{name} 0" in lines, result.stderr[-3000:]
        with zipfile.ZipFile(tmp_path / name / "model.keras") as archive:
            config = json.loads(archive.read("config.json"))["config"]
        assert config["augment"] == RUNS[name][1].split("=")[1]
        with open(tmp_path / name / "metrics.csv") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 2
        if name != "wgan_gp":  # a critic has no decision threshold for r_t
            assert all(-1 <= float(row["r_t"]) <= 1 for row in rows)
        if name == "dcgan":
            assert config["ada_adjustment_images"] == 1000
            assert all(0 <= float(row["augment_p"]) <= 1 for row in rows)
        if name == "wgan_gp":
            assert config["augment_policy"] == "translation,cutout" and "r_t" not in rows[0]
    errors = [line for line in lines if "augment must be one of" in line]
    assert len(errors) == 1 and "'flips'" in errors[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert lines[-1] != "bad 0"
