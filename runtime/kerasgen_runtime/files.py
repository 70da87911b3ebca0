"""Atomic file writing: a run that is interrupted never leaves a half-written artifact,
and nothing the command did not write is ever deleted or replaced."""

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile


class DirectoryKind:
    """What a directory written by kerasgen holds, so a previous one can be recognised.

    Args:
        description: what it is, for messages (`"SavedModel export"`).
        required: names every such directory holds (`kerasgen_metadata.json`, ...).
        allowed: every name such a directory may hold at its top level; a directory
            holding anything else is not ours and is never replaced.
    """

    def __init__(self, description, required, allowed):
        self.description = description
        self.required = tuple(required)
        self.allowed = frozenset(allowed) | frozenset(required)

    def why_not(self, path):
        """None when `path` is a previous directory of this kind, else the reason."""
        names = set(os.listdir(path))
        missing = [name for name in self.required if name not in names]
        if missing:
            return f"it holds no {missing[0]}"
        extra = sorted(names - self.allowed)
        if extra:
            return f"it also holds {extra[:3]}"
        return None


def _is_cwd_or_parent(path):
    here = os.path.realpath(os.getcwd())
    target = os.path.realpath(path)
    return os.path.commonpath([here, target]) == target


def check_output_path(path, kind=None, overwrite=False):
    """Raises ValueError unless writing `path` can replace nothing that is not ours.

    Call it before expensive work; `atomic_path` calls it again. A file target
    (`kind=None`) may replace an existing file, never a directory. A directory target
    (`kind` a `DirectoryKind`) must not exist, or, with `overwrite=True` only, be a
    previous directory of that kind. The current directory and its parents are always
    refused, and so is a folder that cannot be written. Returns the normalised path.
    """
    path = os.fspath(path)
    if not path:
        raise ValueError("output path must not be empty")
    if _is_cwd_or_parent(path):
        raise ValueError(
            f"output path {path!r} is the current directory or one of its parents; "
            "expected a new path"
        )
    if kind is not None:
        path = path.rstrip("/" + os.sep) or path
    elif path.endswith(("/", os.sep)):
        raise ValueError(f"output path must be a file name, got the folder {path!r}")
    if os.path.islink(path) and (kind is not None or os.path.isdir(path)):
        raise ValueError(f"output path {path!r} is a symbolic link; expected a new path")
    if kind is None and os.path.isdir(path):
        raise ValueError(f"output path {path!r} is an existing directory; expected a file path")
    if kind is not None and os.path.lexists(path):
        if not os.path.isdir(path):
            raise ValueError(f"output path {path!r} is an existing file; expected a directory "
                             f"for a {kind.description}")
        reason = kind.why_not(path)
        if reason is not None:
            raise ValueError(f"output path {path!r} is an existing directory that is not a "
                             f"{kind.description} ({reason}); it is never replaced, "
                             "choose a new path")
        if not overwrite:
            raise ValueError(f"output path {path!r} holds a previous {kind.description}; "
                             "pass --overwrite (overwrite=True) to replace it")
    parent = nearest_existing(os.path.dirname(os.path.abspath(path)))
    if not os.path.isdir(parent):
        raise ValueError(f"output path {path!r} is inside {parent!r}, which is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"output folder {parent!r} is not writable")
    return path


def nearest_existing(path):
    """`path` made absolute, or its nearest ancestor that exists (what would hold it)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def _kept_suffix(base):
    return ".weights.h5" if base.endswith(".weights.h5") else os.path.splitext(base)[1]


def temporary_pattern(name_pattern, suffix):
    """Regex source matching exactly the temporary names `atomic_path` gives a file whose
    name matches the regex `name_pattern` and ends in `suffix` (`.NAME.XXXXXXXX.tmpSUFFIX`,
    the 8 random characters of `tempfile.mkstemp`), so that only our own are removed."""
    return rf"\.(?:{name_pattern})\.[a-z0-9_]{{8}}\.tmp{re.escape(suffix)}"


def _temporary_beside(path, label):
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    suffix = _kept_suffix(base)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=f".{label}{suffix}", dir=directory)
    os.close(fd)
    os.remove(tmp)
    return tmp


def replace_directory(tmp, path):
    """Renames the finished folder `tmp` onto `path`, which the caller has checked.

    An absent or empty `path` is replaced by one rename; a non-empty one is moved aside
    first, put back if the rename fails, and removed only once `tmp` stands at `path`.
    """
    if not (os.path.isdir(path) and os.listdir(path)):
        os.replace(tmp, path)  # rename(2) replaces an empty directory
        return
    previous = _temporary_beside(path, "old")
    os.rename(path, previous)
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(previous, path)
        raise
    shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def atomic_path(path, kind=None, overwrite=False):
    """Yields a temporary path beside `path`; renames it onto `path` on success.

    The temporary name keeps the final suffix (Keras checks `.keras` / `.weights.h5`).
    A file, or a directory when `kind` says what it is (a SavedModel), is written
    there. `path` is first checked with `check_output_path(path, kind, overwrite)`:
    an existing directory is replaced only when it is a previous directory of the same
    kind and `overwrite` is set. On error the temporary is removed and `path` is left
    as it was.
    """
    path = check_output_path(path, kind, overwrite)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = _temporary_beside(path, "tmp")
    try:
        yield tmp
        if kind is not None and os.path.isdir(path):
            check_output_path(path, kind, overwrite)  # still a previous export of ours
            replace_directory(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.lexists(tmp):
            os.remove(tmp)


def write_bytes(path, data):
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def sha256_file(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()
