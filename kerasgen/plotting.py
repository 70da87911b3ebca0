"""Pictures: PNG sample grids, training curves and 2-D scatter plots (written atomically)."""

import math

import numpy as np

from kerasgen_runtime.files import atomic_path


def to_uint8(images, value_range=(0.0, 1.0)):
    """Maps float images in `value_range` to uint8 [0, 255] (values outside are clipped)."""
    low, high = value_range
    images = (np.asarray(images, dtype="float32") - low) / (high - low)
    return np.clip(np.round(images * 255.0), 0, 255).astype("uint8")


def image_grid(images, columns=None, padding=2):
    """Tiles uint8 NHWC images (1 or 3 channels) into one HxWxC array."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have shape (N, H, W, 1 or 3), got {images.shape}")
    count, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(count)))
    rows = int(math.ceil(count / columns))
    grid = np.zeros(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels),
        dtype=images.dtype,
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def save_image_grid(path, images, value_range=(0.0, 1.0), columns=None, scale=1):
    """Writes float images (NHWC, in `value_range`) as one PNG grid."""
    from PIL import Image

    grid = image_grid(to_uint8(images, value_range), columns=columns)
    image = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return path


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_history_plot(path, history):
    """Plots every logged series of a Keras `History.history` dict, one panel each."""
    plt = _figure()
    names = [name for name in history if not name.startswith("val_") and name != "monitored"]
    columns = min(3, max(1, len(names)))
    rows = int(math.ceil(len(names) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for axis, name in zip(axes.ravel(), names):
        epochs = np.arange(1, len(history[name]) + 1)
        sparse = np.isnan(np.asarray(history[name], dtype="float64")).any()  # measured in some epochs
        axis.plot(epochs, history[name], label="train", marker="." if sparse else None)
        if f"val_{name}" in history:
            axis.plot(epochs, history[f"val_{name}"], label="validation")
            axis.legend()
        axis.set_title(name)
        axis.set_xlabel("epoch")
    for axis in axes.ravel()[len(names) :]:
        axis.axis("off")
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=80)
    plt.close(figure)
    return path


def save_scatter(path, points, reference=None, modes=None, title=None):
    """Scatter plot of generated 2-D points over real ones and the mode centres."""
    plt = _figure()
    figure, axis = plt.subplots(figsize=(5, 5))
    if reference is not None:
        axis.scatter(reference[:, 0], reference[:, 1], s=2, c="lightgray", label="real")
    axis.scatter(points[:, 0], points[:, 1], s=2, c="tab:blue", label="generated")
    if modes is not None:
        axis.scatter(modes[:, 0], modes[:, 1], s=30, c="tab:red", marker="x", label="modes")
    axis.set_aspect("equal")
    axis.legend(loc="upper right", fontsize=7)
    if title:
        axis.set_title(title)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=80)
    plt.close(figure)
    return path


def save_projection(path, points, labels=None, title=None, class_names=None):
    """Scatter plot of 2-D points (a latent projection), coloured by label if given, with
    a legend naming each class (`class_names[label]`, else the label)."""
    plt = _figure()
    figure, axis = plt.subplots(figsize=(5, 5))
    if labels is None:
        axis.scatter(points[:, 0], points[:, 1], s=4, c="tab:blue")
    else:
        class_legend(axis, points, labels, class_names)
    if title:
        axis.set_title(title, fontsize=9)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=80)
    plt.close(figure)
    return path


def class_legend(axis, points, labels, class_names=None):
    """One scatter per class present, in a categorical colour, and a legend of their
    names (a class folder's names where known, else the label numbers)."""
    import matplotlib

    labels = np.asarray(labels).astype("int64")
    colours = matplotlib.colormaps["tab10" if labels.max(initial=0) < 10 else "tab20"]
    for label in np.unique(labels):
        name = class_names[label] if class_names is not None and label < len(class_names) else str(label)
        rows = labels == label
        axis.scatter(points[rows, 0], points[rows, 1], s=4, color=colours(int(label) % colours.N), label=name)
    return axis.legend(title="class", fontsize=7, markerscale=3, loc="best")
