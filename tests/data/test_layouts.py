import os

import numpy as np
import pytest
from PIL import Image

from kerasgen.data import folders, layouts, named_datasets


def test_layouts_are_seeded_with_a_fixed_split_and_style_apart_from_the_map():
    (x, y), (x_test, y_test) = layouts.load_layouts(num_train=64, num_test=16)
    (x2, y2), _ = layouts.load_layouts(num_train=64, num_test=16)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert x.shape == (64, 32, 32, 3) and x.dtype == np.float32 and y.shape == (64, 32, 32) and y.dtype == np.int64
    assert 0 <= x.min() and x.max() <= 1 and set(np.unique(y)) == {0, 1, 2, 3}
    assert not np.array_equal(y[:16], y_test)  # test scenes are other scenes
    # Style is not determined by the map: the background colour varies across images.
    background = np.array([x[i][y[i] == 0].mean(axis=0) for i in range(64)])
    assert background.std(axis=0).min() > 0.1


def test_datasets_load_layouts_matches_the_module():
    (x, y), (x_test, _) = named_datasets.load("layouts", num_train=8, num_test=4)
    np.testing.assert_array_equal(x, layouts.draw_layouts(8, 32, seed=0)[0])
    assert x_test.shape == (4, 32, 32, 3) and "layouts" in named_datasets.OFFLINE


def write_pair(directory, name, image, label):
    os.makedirs(os.path.join(directory, "images"), exist_ok=True)
    os.makedirs(os.path.join(directory, "labels"), exist_ok=True)
    Image.fromarray(image).save(os.path.join(directory, "images", name + ".png"))
    layouts.save_label_map(os.path.join(directory, "labels", name + ".png"), label)


def test_paired_folder_loads_images_and_maps_and_from_folder_recognizes_it(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        write_pair(tmp_path, name, rng.integers(0, 255, (8, 8, 3), dtype="uint8"), rng.integers(0, 3, (8, 8)))
    x, y = layouts.from_paired_folder(tmp_path, num_classes=3)
    assert x.shape == (2, 8, 8, 3) and y.shape == (2, 8, 8) and y.dtype == np.int64
    x2, y2 = folders.from_folder(str(tmp_path), color_mode="rgb")
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(y[1], layouts.read_label_map(os.path.join(tmp_path, "labels", "b.png")))


def test_paired_folder_errors_name_the_problem(tmp_path):
    rng = np.random.default_rng(0)
    write_pair(tmp_path, "a", rng.integers(0, 255, (8, 8, 3), dtype="uint8"), np.zeros((8, 8), int))
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(os.path.join(tmp_path, "images", "lonely.png"))
    with pytest.raises(ValueError, match=r"labels/ has no label map \(.png\) for 1 file\(s\): lonely.png"):
        layouts.from_paired_folder(tmp_path)
    os.remove(os.path.join(tmp_path, "images", "lonely.png"))
    layouts.save_label_map(os.path.join(tmp_path, "labels", "orphan.png"), np.zeros((8, 8), int))
    with pytest.raises(ValueError, match="images/ has no image for 1 file"):
        layouts.from_paired_folder(tmp_path)
    os.remove(os.path.join(tmp_path, "labels", "orphan.png"))
    layouts.save_label_map(os.path.join(tmp_path, "labels", "a.png"), np.zeros((4, 8), int))
    with pytest.raises(ValueError, match=r"has size \(4, 8\), expected \(8, 8\)"):
        layouts.from_paired_folder(tmp_path)
    layouts.save_label_map(os.path.join(tmp_path, "labels", "a.png"), np.full((8, 8), 5))
    with pytest.raises(ValueError, match=r"must hold classes in \[0, 3\), got values in \[5, 5\]"):
        layouts.from_paired_folder(tmp_path, num_classes=3)
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(os.path.join(tmp_path, "labels", "a.png"))
    with pytest.raises(ValueError, match="single-channel PNG of class indices, got mode 'RGB'"):
        layouts.from_paired_folder(tmp_path)
