"""Atomic file writing, and the one rule about a user's files: kerasgen replaces or
deletes only what it recorded as its own (the record itself: `kerasgen_runtime.manifest`).

Every file `atomic_path` writes is recorded in its folder's manifest
(`.kerasgen-files.json`: name -> size and sha256); a directory kerasgen writes (a
SavedModel or web export) holds a manifest of every file inside it. An existing output
path is replaced only when that record still matches what is on disk; anything else (a
user's file, a file the user edited, a file added inside an export) is refused with a
one-line error and never touched. Temporaries carry the writing process's id, so the
next run for the same target removes those of a killed run (and restores a directory
that a kill left moved aside) without touching a run in progress.
"""

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile

from kerasgen_runtime.manifest import (MANIFEST, DirectoryKind, _record, _recorded_name, forget,
                                       list_files, read_manifest, record_written, remove_own,
                                       sha256_file, write_directory_manifest, written_by_kerasgen)

# The manifest's names are imported from here too (`kerasgen_runtime.files.MANIFEST`, ...).
__all__ = [
    "MANIFEST", "DirectoryKind", "atomic_path", "check_output_files", "check_output_path",
    "dead_temporaries", "forget", "list_files", "nearest_existing", "process_alive",
    "read_manifest", "record_written", "recover_target", "remove_own", "replace_directory",
    "sha256_file", "temporary_pattern", "write_bytes", "write_directory_manifest", "write_json",
    "write_text", "written_by_kerasgen",
]


def _is_cwd_or_parent(path):
    here = os.path.realpath(os.getcwd())
    target = os.path.realpath(path)
    return os.path.commonpath([here, target]) == target


def check_output_path(path, kind=None, overwrite=False, flag="-o", cache=False):
    """Raises ValueError unless writing `path` can replace nothing that is not ours.

    Call it before expensive work; `atomic_path` calls it again. A file target
    (`kind=None`) may replace an existing file only if kerasgen wrote it
    (`written_by_kerasgen`), never a directory or a user's file. A directory target
    (`kind` a `DirectoryKind`) must not exist, be empty, or, with `overwrite=True` only,
    be a previous directory of that kind with nothing changed or added inside. The
    current directory and its parents are always refused, and so is a folder that
    cannot be written. `flag` names the option in messages (`-o`, `--out`). `cache=True`
    (a cache kerasgen manages, which it checks itself) also replaces a file it recorded
    under that name whose content changed since (a corrupted cache entry).
    First it cleans up after killed runs for this target (`recover_target`).
    Returns the normalised path.
    """
    path = os.fspath(path)
    if not path:
        raise ValueError(f"{flag} must not be empty")
    if _is_cwd_or_parent(path):
        raise ValueError(f"{flag} {path!r} is the current directory or one of its parents; "
                         "expected a new path")
    if kind is not None:
        path = path.rstrip("/" + os.sep) or path
    elif path.endswith(("/", os.sep)):
        raise ValueError(f"{flag} must be a file name, got the folder {path!r}")
    if os.path.islink(path) and (kind is not None or os.path.isdir(path)):
        raise ValueError(f"{flag} {path!r} is a symbolic link; expected a new path")
    if kind is None and os.path.isdir(path):
        raise ValueError(f"{flag} {path!r} is an existing directory; expected a file path")
    parent = nearest_existing(os.path.dirname(os.path.abspath(path)))
    if not os.path.isdir(parent):
        raise ValueError(f"{flag} {path!r} is inside {parent!r}, which is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"output folder {parent!r} of {flag} is not writable")
    recover_target(path, kind)
    if kind is None and os.path.lexists(path) and not written_by_kerasgen(path) and not (
            cache and _recorded_name(path)):
        raise ValueError(f"{flag} {path!r} exists and was not written by kerasgen (or was changed "
                         f"since); it is never replaced: choose another {flag} or move it away")
    if kind is not None and os.path.lexists(path):
        if not os.path.isdir(path):
            raise ValueError(f"{flag} {path!r} is an existing file; expected a directory "
                             f"for a {kind.description}")
        if not os.listdir(path):
            return path
        reason = kind.why_not(path)
        if reason is not None:
            raise ValueError(f"{flag} {path!r} is an existing directory that is not a "
                             f"{kind.description} ({reason}); it is never replaced, "
                             f"choose another {flag}")
        if not overwrite:
            raise ValueError(f"{flag} {path!r} holds a previous {kind.description}; "
                             "pass --overwrite (overwrite=True) to replace it")
    return path


def check_output_files(folder, names, flag="-o"):
    """`check_output_path` for each file `names` a command writes in the output folder
    `folder` (which may hold other files of the user's: they are left alone)."""
    folder = os.fspath(folder)
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise ValueError(f"{flag} {folder!r} is an existing file; expected a folder")
    for name in names:
        check_output_path(os.path.join(folder, name), flag=flag)
    return folder


def nearest_existing(path):
    """`path` made absolute, or its nearest ancestor that exists (what would hold it)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def _kept_suffix(base):
    return ".weights.h5" if base.endswith(".weights.h5") else os.path.splitext(base)[1]


def temporary_pattern(name_pattern, suffix, label="tmp"):
    """Regex source matching exactly the temporary names `atomic_path` gives a file whose
    name matches the regex `name_pattern` and ends in `suffix`
    (`.NAME.PID.XXXXXXXX.tmpSUFFIX`: the writer's process id and the 8 random
    characters of `tempfile.mkstemp`), so that only our own are removed. Group 1 is the
    process id. `label` is `tmp`, or `old` for a directory moved aside while replaced."""
    return rf"\.(?:{name_pattern})\.(\d+)\.[a-z0-9_]{{8}}\.{label}{re.escape(suffix)}"


def _temporary_beside(path, label):
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    suffix = _kept_suffix(base)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.{os.getpid()}.", suffix=f".{label}{suffix}",
                               dir=directory)
    os.close(fd)
    os.remove(tmp)
    return tmp


def process_alive(pid):
    """Whether process `pid` runs (a temporary of a live process is in use)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or we cannot tell: keep its files
    return True


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def dead_temporaries(path, label="tmp"):
    """Temporaries (`label` tmp or old) that killed processes left for the target `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(os.fspath(path).rstrip("/" + os.sep))
    if not os.path.isdir(folder):
        return []
    pattern = re.compile("^" + temporary_pattern(re.escape(base), _kept_suffix(base), label) + "$")
    found = []
    for name in sorted(os.listdir(folder)):
        match = pattern.match(name)
        if match and not process_alive(int(match.group(1))):
            found.append(os.path.join(folder, name))
    return found


def recover_target(path, kind=None):
    """Cleans up after runs killed while writing `path`: a previous directory moved aside
    by an interrupted `replace_directory` is put back when nothing stands at `path`
    (otherwise removed), and their temporaries are removed. Returns what was done."""
    done = []
    for old in dead_temporaries(path, "old"):
        ours = kind is not None and os.path.isdir(old) and kind.why_not(old) is None
        if not os.path.lexists(path) and ours:
            os.rename(old, path)
            done.append(f"restored {path!r} from an interrupted replacement")
        elif ours:
            _remove(old)
            done.append(f"removed {old!r}, the copy an interrupted replacement left")
    for tmp in dead_temporaries(path, "tmp"):
        _remove(tmp)
        done.append(f"removed {tmp!r}, left by an interrupted run")
    for line in done:
        print(f"kerasgen: {line}", file=sys.stderr)
    return done


def replace_directory(tmp, path):
    """Renames the finished folder `tmp` onto `path`, which the caller has checked.

    An absent or empty `path` is replaced by one rename; a non-empty one is moved aside
    first (`.NAME.PID.XXXXXXXX.old`), put back if the rename fails, and removed only
    once `tmp` stands at `path`. A kill between the renames is repaired by the next
    `check_output_path(path, kind)` (`recover_target`).
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
def atomic_path(path, kind=None, overwrite=False, flag="-o", cache=False):
    """Yields a temporary path beside `path`; renames it onto `path` on success.

    The temporary name keeps the final suffix (Keras checks `.keras` / `.weights.h5`).
    A file, or a directory when `kind` says what it is (a SavedModel), is written
    there. `path` is first checked with `check_output_path(path, kind, overwrite)`
    (an existing file is replaced only if kerasgen wrote it, a directory only when it is
    a previous one of the same kind and `overwrite` is set) and checked again before the
    rename. A file is recorded in its folder's manifest; a directory gets a manifest of
    its files. On error the temporary is removed and `path` is left as it was.
    """
    path = check_output_path(path, kind, overwrite, flag, cache)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = _temporary_beside(path, "tmp")
    try:
        yield tmp
        if kind is not None:
            write_directory_manifest(tmp)
            check_output_path(path, kind, overwrite, flag)  # still new, or a previous one of ours
            replace_directory(tmp, path)
        else:
            record = record_written(path, _record(tmp), keep_previous=True)
            check_output_path(path, kind, overwrite, flag, cache)  # nobody put a file there meanwhile
            os.replace(tmp, path)
            record_written(path, record)
    finally:
        _remove(tmp)


def write_bytes(path, data):
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")
