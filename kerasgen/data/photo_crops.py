"""The `photo_crops` dataset: 32x32 RGB crops of scikit-image's bundled colour photos.

Offline (the photos ship inside scikit-image) and not a dataset kerasgen's zoo trains
on, so it measures training on "your own small image folder". The class of a crop is
the photo it was cut from:

| class | photo (`skimage.data`)  | content                               |
|-------|-------------------------|---------------------------------------|
| 0     | `astronaut`             | portrait, flag, suit                  |
| 1     | `chelsea`               | a cat's fur and face                  |
| 2     | `coffee`                | a cup on a table                      |
| 3     | `hubble_deep_field`     | galaxies on a black sky               |
| 4     | `immunohistochemistry`  | stained tissue                        |
| 5     | `rocket`                | a launch pad and sky                  |

The rule (seeded): each photo is first scaled so that its shorter side is 256 px
(area resampling); each crop is a square whose side is drawn uniformly from
[32, 96] px at a uniform random position inside the photo, resized to 32x32 by area
averaging (PIL's BOX filter; a side of 32 is kept as cut). Train and test
crops are drawn with different seeds from the same photos, so a test crop can overlap
training crops in part, as held-out shots of the same scenes do.
"""

import functools

import numpy as np
from PIL import Image

from kerasgen.data.subsets import per_class_splits

PHOTOS = ("astronaut", "chelsea", "coffee", "hubble_deep_field", "immunohistochemistry", "rocket")
SHORT_SIDE = 256
CROP_SIDES = (32, 96)  # inclusive range of the square's side before resizing


def load_photo_crops(image_size=32, num_train_per_class=400, num_test_per_class=100, seed=0):
    """The `photo_crops` dataset: `(x_train, y_train), (x_test, y_test)`.

    Args:
        image_size: height and width of each crop (>= 8; default 32).
        num_train_per_class, num_test_per_class: crops per photo in each split
            (default 400 / 100: 2,400 train and 600 test images).
        seed: train uses `seed`, test `seed + 1`.

    Returns:
        float32 `(N, image_size, image_size, 3)` images in [0, 1] and int64 labels
        (the index in `PHOTOS`), ordered by class.
    """
    return per_class_splits(crop_photos, image_size, num_train_per_class, num_test_per_class, seed,
                            min_image_size=8)


def crop_photos(num_per_class, image_size=32, seed=0):
    """`num_per_class` crops of every photo, `(images, labels)`, drawn with seed `seed`."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, name in enumerate(PHOTOS):
        photo = _scaled_photo(name)
        height, width = photo.height, photo.width
        for _ in range(num_per_class):
            side = int(rng.integers(CROP_SIDES[0], CROP_SIDES[1] + 1))
            top = int(rng.integers(0, height - side + 1))
            left = int(rng.integers(0, width - side + 1))
            crop = photo.crop((left, top, left + side, top + side))
            if side != image_size:
                crop = crop.resize((image_size, image_size), Image.BOX)
            images.append(np.asarray(crop, dtype="uint8"))
            labels.append(label)
    x = np.stack(images).astype("float32") / 255.0
    return x, np.asarray(labels, dtype="int64")


@functools.lru_cache(maxsize=len(PHOTOS))
def _scaled_photo(name):
    """The photo `name` as an RGB PIL image whose shorter side is `SHORT_SIDE`."""
    try:
        from skimage import data as skimage_data
    except ImportError as error:
        raise ImportError(
            "the photo_crops dataset needs scikit-image (pip install 'kerasgen-zoo[images]')"
        ) from error
    image = Image.fromarray(np.asarray(getattr(skimage_data, name)())[..., :3]).convert("RGB")
    scale = SHORT_SIDE / min(image.size)
    size = (max(SHORT_SIDE, round(image.width * scale)), max(SHORT_SIDE, round(image.height * scale)))
    return image.resize(size, Image.BOX)
