"""A run folder: what the run is (`run.json`), what it wrote, and what a killed run left.

What a run is, and how `--resume` compares it, is `kerasgen.run_record`. Every file a
run writes is recorded in the folder's manifest (`kerasgen_runtime.files.atomic_path`), so a folder holding a user's file under a name a run writes
is refused, and `--overwrite` removes only what the run recorded (TensorBoard's event
files are recognised by their content), never a user's file in the folder, `samples/` or
`tensorboard/`. A run holds an OS lock on `.kerasgen.lock` while it writes the folder,
so a second run on the same folder refuses (the lock of a dead process is free).
Every run first removes the temporaries that killed runs left; a checkpoint file is
never one of them.
"""

import contextlib
import csv
import math
import os
import re

from kerasgen_runtime.files import (MANIFEST, process_alive, remove_own,
                                    written_by_kerasgen)

from kerasgen.run_record import RUN_FILE

LOCK_FILE = ".kerasgen.lock"
# Files a run writes.
RUN_OUTPUTS = (RUN_FILE, "checkpoint.json", "metrics.csv", "model.keras", "samples.png", "samples.csv",
               "history.png", "history.json", "autopilot-judge.keras")
RUN_FOLDERS = ("samples", "tensorboard")
SPARSE = "autopilot_"  # metrics.csv columns measured only in some epochs
# The monitors' columns (kerasgen.callbacks.EpochCadence gates them), also empty in the
# epochs they did not measure (the `monitored` column is 0 there).
MONITORED = ("active_units", "posterior_kl", "diversity_ratio", "modes_captured", "high_quality_fraction",
             "mode_kl", "classes_covered", "class_kl")
_CHECKPOINT = re.compile(r"^checkpoint-\d+\.keras$")
_SAMPLE_GRID = re.compile(r"^epoch_\d{3,}\.png$")  # kerasgen.callbacks.ImageGrid's names
# The temporaries `kerasgen_runtime.files.atomic_path` makes (`.NAME.PID.XXXXXXXX.tmpSUFFIX`); only
# those of the run's own file names and of dead processes are removed.
_TEMPORARY = re.compile(r"^\.(.+)\.(\d+)\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9.]+)?$")
_HELD = {}  # real path of a locked run folder -> [lock file descriptor, depth]


@contextlib.contextmanager
def run_lock(out, flag="--out"):
    """Holds an exclusive OS lock (`fcntl.flock` on `out/.kerasgen.lock`) while a run
    writes `out`; raises ValueError if another process holds it. The lock dies with
    its process, so a killed run's lock file is taken over. Re-entrant in a process."""
    os.makedirs(out, exist_ok=True)
    key = os.path.realpath(out)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    try:
        import fcntl  # noqa: F401
    except ImportError:  # no OS lock on this platform
        yield
        return
    path = os.path.join(out, LOCK_FILE)
    fd = _locked_file(path, out, flag)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        _HELD[key] = [fd, 1]
        try:
            yield
        finally:
            del _HELD[key]
            with contextlib.suppress(FileNotFoundError):  # still locked: a process that
                os.remove(path)  # opened it meanwhile opens it again (`_locked_file`)
    finally:
        os.close(fd)  # releases the lock


def _locked_file(path, out, flag):
    """A descriptor of the lock file `path`, exclusively locked; raises ValueError if a
    live process holds it. A file removed by its holder meanwhile is opened again."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ValueError(f"{flag} {out!r} is being written by another kerasgen run (process "
                             f"{holder}); wait for it to end or choose another {flag}") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def holds_run(out):
    names = os.listdir(out) if os.path.isdir(out) else []
    return any(name in (RUN_FILE, "checkpoint.json") or _CHECKPOINT.match(name) for name in names)


def is_event_file(path):
    """A TensorBoard event file (TFRecords whose first event names its file version)."""
    if not os.path.basename(path).startswith("events.out.tfevents.") or os.path.islink(path):
        return False
    try:
        with open(path, "rb") as f:
            return b"brain.Event:" in f.read(64)
    except OSError:
        return False


def run_paths(out):
    """Relative paths of the files in `out` that stand where a run writes (its outputs,
    checkpoints, `samples/epoch_NNN.png`), and every file under `tensorboard/`."""
    paths = []
    for name in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        if name in RUN_OUTPUTS or _CHECKPOINT.match(name):
            paths.append(name)
    samples = os.path.join(out, "samples")
    if os.path.isdir(samples):
        paths += [f"samples/{n}" for n in sorted(os.listdir(samples)) if _SAMPLE_GRID.match(n)]
    for root, _, names in os.walk(os.path.join(out, "tensorboard")):
        paths += [os.path.relpath(os.path.join(root, n), out) for n in sorted(names)]
    return paths


def is_ours(path):
    """A file a run recorded (or a TensorBoard event file) or kerasgen's own bookkeeping."""
    name = os.path.basename(path)
    return (name in (MANIFEST, LOCK_FILE) or written_by_kerasgen(path) or is_event_file(path))


def foreign_names(out):
    """Files under the run folder `out` that no run of ours wrote (relative paths)."""
    foreign = []
    for root, _, names in os.walk(out):
        for name in sorted(names):
            path = os.path.join(root, name)
            if not is_ours(path):
                foreign.append(os.path.relpath(path, out))
    return sorted(foreign)


def clashing_names(out):
    """Files at paths a run writes that a run did not write: never replaced or removed."""
    return [name for name in run_paths(out)
            if not name.startswith("tensorboard") and not is_ours(os.path.join(out, name))]


def remove_run(out):
    """Deletes the files a run recorded in `out` (outputs, checkpoints, `samples/`) and
    TensorBoard's event files; a user's files, and the folders holding them, stay."""
    for name in run_paths(out):
        path = os.path.join(out, name)
        if name.startswith("tensorboard"):
            if is_event_file(path):
                os.remove(path)
        else:
            remove_own(path)
    for folder in RUN_FOLDERS:
        for root, _, _ in sorted(os.walk(os.path.join(out, folder)), reverse=True):
            if not os.listdir(root):
                os.rmdir(root)


def remove_temporaries(out):
    """Removes the temporaries of the run's own files (`atomic_path`'s names of
    `RUN_OUTPUTS`, checkpoints and sample grids) that killed processes left in `out`
    (and `out/samples`); returns their names. Checkpoint files are never removed here."""
    import shutil

    removed = []
    for folder, owned in ((out, lambda n: n in RUN_OUTPUTS or _CHECKPOINT.match(n)),
                          (os.path.join(out, "samples"), _SAMPLE_GRID.match)):
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            match = _TEMPORARY.match(name)
            if not (match and owned(match.group(1)) and not process_alive(int(match.group(2)))):
                continue
            path = os.path.join(folder, name)
            if (match.group(3) or "") != os.path.splitext(match.group(1))[1]:
                continue  # not the suffix atomic_path keeps for that name
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
            removed.append(name)
    return removed


def start_run(out, resume, overwrite, flag="--out"):
    """Checks the run folder `out` (locked by the caller, `run_lock`): refuses one with a
    user's file where the run writes, one that holds a run (unless `resume` or
    `overwrite`), and `resume` without a run; removes what killed runs left. Returns the
    names removed."""
    os.makedirs(out, exist_ok=True)
    clashing = clashing_names(out)
    if clashing:
        raise ValueError(
            f"{flag} {out!r} holds {', '.join(clashing[:4])}{' ...' if len(clashing) > 4 else ''} "
            "that kerasgen did not write (or that changed since); they are never replaced or "
            f"removed: move them away or choose another {flag}"
        )
    if resume and not os.path.isfile(os.path.join(out, RUN_FILE)):
        raise ValueError(f"--resume: {flag} {out!r} holds no kerasgen run ({RUN_FILE} missing), "
                         f"so there is nothing to resume; drop --resume to start a run")
    if holds_run(out) and not resume and not overwrite:
        raise ValueError(
            f"{flag} {out!r} already holds a kerasgen run ({RUN_FILE} / checkpoints); pass "
            "--resume to continue it or --overwrite to replace it"
        )
    return remove_temporaries(out)


def history_json(history):
    """`history` as strict JSON values: an epoch without a number (NaN, such as the
    autopilot's columns in the epochs it did not evaluate, or inf) is `null`, since
    `json.dumps` would write `NaN`, which JSON does not have."""
    return {key: [float(v) if v is not None and math.isfinite(v) else None for v in values]
            for key, values in history.items()}


def history_from_json(history):
    """`history_json`'s inverse: `null` back to NaN (what `record_epoch` writes for an
    epoch without a number)."""
    return {key: [float("nan") if v is None else float(v) for v in values] for key, values in history.items()}


def read_metrics_log(path, epochs):
    """The history of the first `epochs` epochs from a run's `metrics.csv` (one a run
    wrote), or {} when it is not ours or shorter."""
    if not (os.path.isfile(path) and written_by_kerasgen(path)):
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))[:epochs]
    if len(rows) < epochs:
        return {}
    history = {}
    for key in rows[0] if rows else []:
        values = [row[key] for row in rows]
        if key != "epoch" and "NA" not in values:
            history[key] = [float(v) if v != "" else float("nan") for v in values]
    return history


def rewrite_metrics_log(path, history):
    """`metrics.csv` as `keras.callbacks.CSVLogger` writes it, from a checkpoint's history
    (a resumed run appends to it; rows after the checkpoint are dropped). The autopilot's
    columns (`autopilot_*`) are empty in the epochs it did not evaluate, the monitors'
    (`MONITORED`) in the epochs they did not measure."""
    from kerasgen_runtime.files import atomic_path

    keys = sorted(history)
    if keys and not any(key.startswith("val_") for key in keys):  # CSVLogger's columns without validation
        keys += [f"val_{key}" for key in keys if not key.startswith(SPARSE) and key != "monitored"]
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["epoch", *keys])
            writer.writeheader()
            for epoch in range(len(next(iter(history.values()), []))):
                writer.writerow({"epoch": epoch, **{k: cell(k, history[k][epoch]) if k in history else "NA"
                                                    for k in keys}})


def cell(key, value):
    """A metrics.csv cell: empty for an autopilot or monitor column in an epoch it did not
    evaluate."""
    return "" if (key.startswith(SPARSE) or key in MONITORED) and value != value else value
