"""A folder of images as `(x, y)`: loose images, one sub-folder per class, or paired
`images/` and `labels/` (see `kerasgen.data.layouts`)."""

from kerasgen.data import layouts
from kerasgen.data.image_files import check_image_options, folder_color_mode, list_images, load_images


def from_folder(directory, image_size=None, color_mode="auto", labels="inferred"):
    """Loads a folder of PNG/JPEG images as float32 NHWC in [0, 1].

    Args:
        directory: a folder of images, or of one sub-folder per class.
        image_size: `(height, width)` to resize to (bilinear, aspect ratio not kept);
            `None` requires all images to share one size.
        color_mode: `"auto"` (default: 3 channels if any image is in colour, else 1),
            `"grayscale"` (1 channel) or `"rgb"` (3 channels); see
            `kerasgen.data.image_files.load_images` for the conversion rule (alpha
            dropped, palettes expanded).
        labels: `"inferred"` (sub-folder index, sorted by name) or `None`.

    Returns:
        `(x, y)`, `y` an int64 array or `None`.
    """
    if layouts.is_paired_folder(directory):  # images/ + labels/: (images, label maps), colour kept
        return layouts.from_paired_folder(directory)
    image_size = check_image_options(color_mode, image_size)
    files, targets, _ = list_images(directory)
    if color_mode == "auto":
        color_mode = folder_color_mode(files)
    x = load_images(files, image_size, color_mode)
    return x, (targets if labels == "inferred" else None)
