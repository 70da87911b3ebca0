"""The record of what kerasgen wrote: each folder's manifest (`.kerasgen-files.json`:
name -> size and sha256), a directory export's manifest of every file inside it, and
the test of whether a file or directory on disk is still the one kerasgen recorded.
`kerasgen_runtime.files` writes files atomically on top of it.
"""

import contextlib
import hashlib
import json
import os
import tempfile

try:
    import fcntl
except ImportError:  # Windows: manifests are updated without a lock
    fcntl = None

MANIFEST = ".kerasgen-files.json"
_MANIFEST_FORMAT = "kerasgen-files"


class DirectoryKind:
    """What a directory written by kerasgen holds, so a previous one can be recognised.

    A directory of this kind is kerasgen's when it holds the `required` names and a
    manifest (`write_directory_manifest`) listing every file under it, each with the
    size and sha256 it has on disk: a file the user added or changed anywhere inside
    (`variables/`, `assets/`, ...) makes it not ours, and it is never replaced.

    Args:
        description: what it is, for messages (`"SavedModel export"`).
        required: names every such directory holds (`kerasgen_metadata.json`, ...).
        allowed: every name such a directory may hold at its top level.
    """

    def __init__(self, description, required, allowed):
        self.description = description
        self.required = tuple(required)
        self.allowed = frozenset(allowed) | frozenset(required) | {MANIFEST}

    def why_not(self, path):
        """None when `path` is a previous directory of this kind, else the reason."""
        names = set(os.listdir(path))
        missing = [name for name in (*self.required, MANIFEST) if name not in names]
        if missing:
            return f"it holds no {missing[0]}"
        extra = sorted(names - self.allowed)
        if extra:
            return f"it also holds {extra[:3]}"
        recorded = read_manifest(path)
        present = [name for name in list_files(path) if name != MANIFEST]
        unknown = [name for name in present if not _matches(os.path.join(path, name), recorded.get(name))]
        if unknown:
            return f"it holds files kerasgen did not write or that changed since: {unknown[:3]}"
        return None


def list_files(directory):
    """Relative paths (with `/`) of the files under `directory`."""
    paths = []
    for root, _, names in os.walk(directory):
        for name in names:
            paths.append(os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/"))
    return sorted(paths)


def _record(path):
    return {"size": os.path.getsize(path), "sha256": sha256_file(path)}


def _matches(path, records):
    """True when the file `path` is one of `records` (size first, then sha256)."""
    if not records or not os.path.isfile(path) or os.path.islink(path):
        return False
    size = os.path.getsize(path)
    candidates = [r for r in records if r.get("size") == size]
    return bool(candidates) and sha256_file(path) in {r.get("sha256") for r in candidates}


def read_manifest(folder):
    """`{relative path: [{"size", "sha256"}, ...]}` kerasgen recorded in `folder`."""
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("format") != _MANIFEST_FORMAT:
        return {}
    files = manifest.get("files")
    return {k: v for k, v in files.items() if isinstance(v, list)} if isinstance(files, dict) else {}


def _write_manifest(folder, files):
    fd, tmp = tempfile.mkstemp(prefix=f"{MANIFEST}.{os.getpid()}.", suffix=".tmp.json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": _MANIFEST_FORMAT, "format_version": 1, "files": files}, f,
                      indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, os.path.join(folder, MANIFEST))
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def _folder_lock(folder):
    """An exclusive OS lock on `folder` while its manifest is read and rewritten."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _update_manifest(path, update):
    folder, name = os.path.split(os.path.abspath(path))
    with _folder_lock(folder):
        files = read_manifest(folder)
        update(files, name)
        # Entries of files that are gone say nothing any more.
        files = {k: v for k, v in files.items() if v and os.path.lexists(os.path.join(folder, k))
                 or k == name and v}
        if files:
            _write_manifest(folder, files)
        elif os.path.lexists(os.path.join(folder, MANIFEST)):
            os.remove(os.path.join(folder, MANIFEST))  # it records nothing any more


def record_written(path, record=None, keep_previous=False):
    """Records the file `path` as written by kerasgen (its size and sha256, or `record`).

    `keep_previous=True` adds it beside the recorded versions (before a rename, so that
    a kill in between leaves whichever file stands there recognised as ours).
    """
    record = record or _record(path)

    def update(files, name):
        previous = files.get(name, []) if keep_previous else []
        files[name] = [r for r in previous if r != record] + [record]

    _update_manifest(path, update)
    return record


def forget(path):
    """Drops `path` from its folder's manifest (after kerasgen deleted it)."""
    _update_manifest(path, lambda files, name: files.pop(name, None))


def written_by_kerasgen(path):
    """True when `path` is a file kerasgen recorded (`record_written`) and has not changed since."""
    path = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(path)
    return _matches(path, read_manifest(folder).get(name))


def _recorded_name(path):
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    return os.path.isfile(path) and bool(read_manifest(folder).get(name))


def remove_own(path):
    """Deletes the file `path` if it is kerasgen's (`written_by_kerasgen`); True if removed."""
    if not written_by_kerasgen(path):
        return False
    os.remove(path)
    forget(path)
    return True


def write_directory_manifest(directory):
    """Records every file under `directory` (a finished export) in its own manifest."""
    files = {name: [_record(os.path.join(directory, name))] for name in list_files(directory)
             if name != MANIFEST}
    _write_manifest(directory, files)


def sha256_file(path, chunk_size=1 << 18):
    """The sha256 of a file, read into one reused buffer (bounded memory for any size)."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        for size in iter(lambda: f.readinto(buffer), 0):
            digest.update(view[:size])
    return digest.hexdigest()
