import os

import pytest

from kerasgen.io import atomic_path, sha256_file, write_json


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "model.keras"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.endswith(".keras")
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []


def test_atomic_path_replaces_on_success(tmp_path):
    target = tmp_path / "a.json"
    write_json(target, {"a": 1})
    write_json(target, {"a": 2})
    assert target.read_text().strip().endswith("}") and '"a": 2' in target.read_text()
    assert os.listdir(tmp_path) == ["a.json"]
    assert len(sha256_file(target)) == 64
