"""scikit-learn's bundled tables written as CSV / .npy files (offline, real data)."""

import numpy as np


def write_csv(path, name, text_target=False):
    """Writes scikit-learn's `name` table (breast_cancer, wine, diabetes, digits) with its
    target as the last column; `text_target` spells the classes as words."""
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame
    if text_target:
        frame["target"] = frame["target"].map(lambda v: f"class_{v}")
    frame.to_csv(path, index=False)
    return path


def write_npy(path, name):
    import sklearn.datasets

    np.save(path, getattr(sklearn.datasets, f"load_{name}")().data.astype("float32"))
    return path
