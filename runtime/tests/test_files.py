import os

import pytest

from kerasgen_runtime.files import (
    MANIFEST, DirectoryKind, atomic_path, check_output_path, sha256_file, write_directory_manifest,
    write_json,
)


def listing(path):
    """The names in a folder besides kerasgen's manifest of the files it wrote there."""
    return sorted(name for name in os.listdir(path) if name != MANIFEST)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "model.keras"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.endswith(".keras")
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("interrupted")
    assert listing(tmp_path) == []


def test_atomic_path_replaces_on_success(tmp_path):
    target = tmp_path / "a.json"
    write_json(target, {"a": 1})
    write_json(target, {"a": 2})
    assert target.read_text().strip().endswith("}") and '"a": 2' in target.read_text()
    assert listing(tmp_path) == ["a.json"]
    assert len(sha256_file(target)) == 64


# A previous export of the kind a SavedModel export writes (the names, not a real graph).
EXPORT = DirectoryKind("test export", required=("kerasgen_metadata.json", "saved_model.pb"),
                       allowed=("variables",))


def previous_export(path, extra=()):
    path.mkdir()
    for name in ("kerasgen_metadata.json", "saved_model.pb"):
        (path / name).write_text("previous")
    write_directory_manifest(str(path))
    for name in extra:
        (path / name).write_text("previous")
    return path


def write_directory(tmp):
    os.mkdir(tmp)
    with open(os.path.join(tmp, "saved_model.pb"), "w") as f:
        f.write("new")
    with open(os.path.join(tmp, "kerasgen_metadata.json"), "w") as f:
        f.write("new")


def test_a_file_target_never_replaces_a_directory(tmp_path):
    folder = tmp_path / "grid.png"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match="is an existing directory; expected a file path"):
        with atomic_path(folder) as tmp:
            open(tmp, "w").close()
    assert (folder / "thesis.tex").read_text() == "years of work"
    assert listing(tmp_path) == ["grid.png"]
    with pytest.raises(ValueError, match="must be a file name"):
        check_output_path(str(tmp_path / "new") + "/")


def test_a_directory_that_is_not_a_previous_export_is_never_replaced(tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match=r"not a test export \(it holds no kerasgen_metadata"):
            with atomic_path(thesis, EXPORT, overwrite=overwrite) as tmp:
                write_directory(tmp)
    # An export folder the user added a file to is not ours alone either.
    mixed = previous_export(tmp_path / "mixed", extra=("notes.txt",))
    with pytest.raises(ValueError, match=r"it also holds \['notes.txt'\]"):
        check_output_path(mixed, EXPORT, overwrite=True)
    assert listing(thesis) == ["chapter1.tex"]
    assert (mixed / "notes.txt").read_text() == "previous"
    assert sorted(listing(tmp_path)) == ["mixed", "thesis"]


def test_a_previous_export_is_replaced_only_with_overwrite(tmp_path):
    path = previous_export(tmp_path / "decoder")
    with pytest.raises(ValueError, match="holds a previous test export; pass --overwrite"):
        check_output_path(path, EXPORT)
    with atomic_path(path, EXPORT, overwrite=True) as tmp:
        write_directory(tmp)
    assert (path / "saved_model.pb").read_text() == "new"
    assert listing(tmp_path) == ["decoder"]


def test_a_failure_while_overwriting_leaves_the_previous_export(tmp_path):
    path = previous_export(tmp_path / "decoder")
    with pytest.raises(RuntimeError):
        with atomic_path(path, EXPORT, overwrite=True) as tmp:
            write_directory(tmp)
            raise RuntimeError("check failed")
    assert (path / "saved_model.pb").read_text() == "previous"
    assert listing(tmp_path) == ["decoder"]


def test_the_current_directory_and_its_parents_are_refused(tmp_path, monkeypatch):
    here = tmp_path / "work"
    here.mkdir()
    (here / "data.txt").write_text("keep")
    monkeypatch.chdir(here)
    for path in (".", "..", str(here), "/", "./"):
        for kind in (None, EXPORT):
            with pytest.raises(ValueError, match="current directory or one of its parents"):
                check_output_path(path, kind, overwrite=True)
    assert listing(here) == ["data.txt"]


def test_links_files_and_unwritable_places_are_refused(tmp_path):
    target = previous_export(tmp_path / "real")
    os.symlink(target, tmp_path / "link")
    with pytest.raises(ValueError, match="is a symbolic link"):
        check_output_path(tmp_path / "link", EXPORT, overwrite=True)
    with pytest.raises(ValueError, match="is a symbolic link"):
        check_output_path(tmp_path / "link")
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(ValueError, match="is an existing file; expected a directory"):
        check_output_path(tmp_path / "model.onnx", EXPORT)
    with pytest.raises(ValueError, match="which is a file"):
        check_output_path(tmp_path / "model.onnx" / "grid.png")
    assert sorted(listing(tmp_path)) == ["link", "model.onnx", "real"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused_before_writing(tmp_path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ValueError, match="is not writable"):
            check_output_path(folder / "grid.png")
    finally:
        folder.chmod(0o755)
