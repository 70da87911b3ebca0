"""The real data a generative model is measured against: a dataset's split, an image
folder or an array, and a key that names it exactly (for cached statistics)."""

import functools
import hashlib
import os

import numpy as np

from kerasgen.data import folders, image_files, named_datasets, sources, subsets


def load_real_data(data, split="test", num_samples=None, seed=0, color_mode="auto",
                   image_size=None, report=None):
    """Real images of a dataset name's `split` or of an image folder, as an array.

    Fewer than all of them (`num_samples`) are a seeded random subset, stratified by
    class where there are labels (a class-sorted folder or split keeps every class in
    proportion). A folder is read with `color_mode` / `image_size` as
    `kerasgen.data.folders.from_folder` reads it. `report` (a dict) receives `real_subset`.
    """
    labels = None
    if isinstance(data, np.ndarray):
        x = data
    elif isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
        image_size = image_files.check_image_options(color_mode, image_size)
        files, labels, _ = image_files.list_images(os.fspath(data))
        total = len(files)  # what the folder holds, labelled or not
        rows = subsets.subset_rows(total, num_samples or total, labels, seed)
        files = [files[i] for i in rows]
        if color_mode == "auto":
            color_mode = image_files.folder_color_mode(files)
        if report is not None:
            report["real_subset"] = _subset_text(len(rows), total, labels is not None, seed)
            report.update(real_rows=rows, real_total=total, all_labels=labels,
                          color_mode=color_mode)  # for the floor (kerasgen.metrics.scale)
        return image_files.load_images(files, image_size, color_mode)
    elif isinstance(data, str) and data in named_datasets.NAMES:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        x, labels = _dataset_images(data, split)
    else:
        sources.resolve_source(data)  # names a missing folder or an unknown dataset
        raise ValueError(f"data must be a dataset name, an image folder or an array, got {data!r}")
    total, rows = len(x), np.arange(len(x))
    if num_samples is not None and num_samples < len(x):
        rows = subsets.subset_rows(len(x), num_samples, labels, seed)
        x = x[rows]
    if report is not None:
        report["real_subset"] = _subset_text(len(x), total, labels is not None, seed)
        if not isinstance(data, np.ndarray):  # for the floor (kerasgen.metrics.scale)
            report.update(real_rows=rows, real_total=total, all_labels=labels)
    return x


def _subset_text(n, total, stratified, seed):
    if n >= total:
        return f"all {total} real examples"
    return (f"a seeded random subset of {n} of {total} real examples "
            f"({'stratified by class, ' if stratified else ''}seed {seed})")


@functools.lru_cache(maxsize=2)
def _dataset_images(name, split):
    # Loading a dataset (parsing mnist5k takes seconds) once per process serves repeated
    # evaluations, e.g. of every zoo entry. Callers never modify the arrays.
    (x_train, y_train), (x_test, y_test) = named_datasets.load(name)
    return (x_test, y_test) if split == "test" else (x_train, y_train)


def source_key(data, real, split, num_samples, seed=0):
    """A string naming the real data exactly: a dataset name and split, else a content
    hash of the array, or of the folder's file names, sizes and modification times."""
    if isinstance(data, str) and not os.path.isdir(data):
        # The subset is seeded and stratified (see load_real_data): the key names both.
        return f"{data}:{split}:{num_samples}:stratified-seed{seed}"
    digest = hashlib.sha256()
    if isinstance(real, np.ndarray):
        digest.update(np.ascontiguousarray(real).tobytes())
        return f"array:{digest.hexdigest()}:{num_samples}"
    for root, _, names in sorted(os.walk(real)):
        for name in sorted(names):
            info = os.stat(os.path.join(root, name))
            digest.update(f"{root}/{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return f"{os.path.abspath(real)}:{digest.hexdigest()}:{num_samples}"


def as_array(real):
    """`real` (what `load_real_data` returned: an array, or an image folder) as an array."""
    if isinstance(real, np.ndarray):
        return real
    x, _ = folders.from_folder(real)
    return x
