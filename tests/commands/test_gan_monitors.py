"""`kerasgen fit` of a GAN watches it: the balance and mode-collapse monitors run in the
CLI's GAN fits, warn in one line and log each epoch in metrics.csv. A deliberately
unbalanced DCGAN (the discriminator's learning rate 100x the generator's) must be called
out."""

import csv
import os
import subprocess
import sys

from tests.own_data import write_digit_folder


def test_an_unbalanced_dcgan_fit_warns_in_one_line_and_logs_it(tmp_path):
    data = str(tmp_path / "digits")
    write_digit_folder(data, size=(32, 32), rgb=True, per_class=32, num_classes=2)
    out = str(tmp_path / "run")
    argv = ["fit", "dcgan", "--data", data, "--epochs", "4", "--batch-size", "16", "--out", out,
            "--set", "learning_rate=2e-5", "--set", "discriminator_learning_rate=2e-3", "--verbose", "0"]
    code = f"import sys, kerasgen_cli; sys.exit(kerasgen_cli.main({argv!r}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    warned = [line for line in lines if line.startswith("kerasgen fit: warning: GAN imbalance: the discriminator")]
    assert len(warned) == 1, result.stderr[-3000:]
    assert "lower the discriminator's learning rate" in warned[0]
    assert not any("warnings.warn" in line or "UserWarning" in line for line in lines), result.stderr[-3000:]
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert float(rows[-1]["discriminator_winning_steps"]) > 0
    assert float(rows[0]["discriminator_winning_steps"]) == 0  # balanced at first
    # --monitor-every auto: measured at the first epoch and after the last, marked in `monitored`
    measured = [row for row in rows if row["monitored"] == "1.0"]
    assert measured[0] is rows[0] and measured[-1] is rows[-1], rows
    assert all(0 < float(row["diversity_ratio"]) for row in measured)
    assert all(row["diversity_ratio"] == "" for row in rows if row["monitored"] == "0.0")
