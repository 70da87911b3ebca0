"""`kerasgen evaluate FOLDER_A --data FOLDER_B`: FID and KID between two image folders,
each number with its scale."""

import json

from kerasgen import cli
from tests.own_data import write_digit_folder


def test_fid_between_two_folders_with_its_scale(tmp_path, capsys):
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    write_digit_folder(first, size=(8, 8), rgb=True, per_class=30, num_classes=3, seed=0)
    write_digit_folder(second, size=(8, 8), rgb=True, per_class=60, num_classes=3, seed=1)
    argv = ["evaluate", first, "--data", second, "--metrics", "fid,kid", "-n", "60",
            "--extractor", "identity", "--no-progress"]
    assert cli.main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    fid = report["metrics"]["fid"]
    assert fid["num_real"] == fid["num_generated"] == 60
    scale = fid["details"]["scale"]
    assert scale["num_floor"] == 60  # folder B holds 180: 60 others for the floor
    assert set(scale["baselines"]) == {"blurred 4x4", "mean image"} and fid["verdict"]
    assert report["judge"]["kind"] == "identity"
    assert cli.main(argv) == 0
    table = capsys.readouterr().out
    assert f"model: {first}  data: {second}" in table
    assert f"fid {fid['value']:.4g}: real-vs-real floor {scale['floor']:.4g} (N=60)" in table


def test_a_folder_without_images_is_named(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = cli.main(["evaluate", str(tmp_path / "empty"), "--data", str(tmp_path / "empty")])
    assert code == 2
    error = capsys.readouterr().err
    assert "a folder of images" in error and "no images" in error


def test_a_folder_used_whole_gets_its_floor_from_two_halves(tmp_path, capsys):
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    write_digit_folder(first, size=(8, 8), rgb=True, per_class=20, num_classes=3, seed=0)
    write_digit_folder(second, size=(8, 8), rgb=True, per_class=20, num_classes=3, seed=1)
    assert cli.main(["evaluate", first, "--data", second, "--metrics", "fid", "-n", "100",
                     "--extractor", "identity", "--no-progress", "--json"]) == 0
    scale = json.loads(capsys.readouterr().out)["metrics"]["fid"]["details"]["scale"]
    assert scale["num_floor"] == 30  # 60 images, all in the reference: 30 vs 30
    assert scale["floor_note"].startswith("the folder holds 60 images, all of them in the reference")
    assert "two seeded halves" in scale["floor_note"] and scale["floor"] > 0
