"""The offline RGB datasets `photo_crops` and `shapes`, and writing a dataset out as an
image folder that `from_folder` reads back."""

import os

import numpy as np
import pytest

from kerasgen.data import folders, image_folders, named_datasets, photo_crops, shapes

pytest.importorskip("skimage")  # photo_crops reads scikit-image's bundled photos


@pytest.mark.parametrize("name, num_classes", [("photo_crops", 6), ("shapes", 5)])
def test_rgb_dataset_shapes_labels_balance_and_seeded_determinism(name, num_classes):
    (x, y), (x_test, y_test) = named_datasets.load(name, num_train_per_class=12, num_test_per_class=4)
    assert x.shape == (12 * num_classes, 32, 32, 3) and x.dtype == np.float32
    assert x_test.shape == (4 * num_classes, 32, 32, 3) and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(y), [12] * num_classes)  # balanced classes
    np.testing.assert_array_equal(np.bincount(y_test), [4] * num_classes)
    (x2, y2), (x_test2, _) = named_datasets.load(name, num_train_per_class=12, num_test_per_class=4)
    np.testing.assert_array_equal(x, x2)  # same seed, same images
    np.testing.assert_array_equal(x_test, x_test2)
    (x3, _), _ = named_datasets.load(name, num_train_per_class=12, num_test_per_class=4, seed=5)
    assert not np.array_equal(x, x3)  # another seed, other images
    assert not any(np.array_equal(a, b) for a in x_test for b in x)  # test images are new draws
    assert len(named_datasets.class_names(name)) == num_classes and name in named_datasets.OFFLINE


def test_photo_crops_classes_differ_in_what_they_show():
    """A k-NN rule on colour statistics beats chance by far: the labels mean something (a
    dataset of identical classes would fail this). In `shapes` colour says nothing of the
    class by design (random hues for every shape), so only a shape-aware judge can tell."""
    (x, y), (x_test, y_test) = named_datasets.load("photo_crops", num_train_per_class=60,
                                                   num_test_per_class=30)

    def describe(images):  # per-channel mean and std, and the centre-minus-border contrast
        centre = images[:, 10:22, 10:22].mean(axis=(1, 2))
        return np.concatenate([images.mean(axis=(1, 2)), images.std(axis=(1, 2)),
                               centre - images.mean(axis=(1, 2))], axis=1)

    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(5).fit(describe(x), y)
    accuracy = (model.predict(describe(x_test)) == y_test).mean()
    chance = 1.0 / len(np.unique(y))
    assert accuracy > chance + 0.2, accuracy


def test_photo_crops_and_shapes_check_their_arguments():
    with pytest.raises(ValueError, match="image_size must be an int >= 8, got 4"):
        photo_crops.load_photo_crops(image_size=4)
    with pytest.raises(ValueError, match="num_train_per_class"):
        shapes.load_shapes(num_train_per_class=0)
    x, _ = shapes.draw_shapes(2, image_size=64, seed=1)
    assert x.shape == (10, 64, 64, 3)


def test_write_dataset_folder_round_trips_through_from_folder(tmp_path):
    target = tmp_path / "shapes_train"
    image_folders.write_dataset_folder("shapes", target, num_train_per_class=3, num_test_per_class=1)
    assert sorted(os.listdir(target / "0_circle")) == ["00000.png", "00001.png", "00002.png"]
    x_back, y_back = folders.from_folder(str(target))
    (x, y), _ = named_datasets.load("shapes", num_train_per_class=3, num_test_per_class=1)
    np.testing.assert_array_equal(y_back, y)  # class sub-folders sort in label order
    assert np.abs(x_back - x).max() <= 0.5 / 255 + 1e-6  # 8-bit PNG of the same pixels


def test_write_image_folder_never_replaces_what_it_did_not_write(tmp_path):
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype("float32")
    y = np.array([0, 1, 0, 1])
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError):
        image_folders.write_image_folder(user, x, y, overwrite=True)
    assert (user / "notes.txt").read_text() == "keep me" and os.listdir(user) == ["notes.txt"]
    ours = tmp_path / "ours"
    image_folders.write_image_folder(ours, x, y)
    with pytest.raises(ValueError):  # exists: replaced only with overwrite
        image_folders.write_image_folder(ours, x, y)
    image_folders.write_image_folder(ours, x[:2], y[:2], overwrite=True)
    written = sorted(os.path.relpath(os.path.join(root, f), ours)
                     for root, _, files in os.walk(ours) for f in files if f.endswith(".png"))
    assert written == ["class_0/00000.png", "class_1/00001.png"]
    (ours / "class_0" / "extra.png").write_bytes(b"user file")
    with pytest.raises(ValueError):  # a file the user added inside makes it not ours
        image_folders.write_image_folder(ours, x, y, overwrite=True)
    assert (ours / "class_0" / "extra.png").read_bytes() == b"user file"
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # no temporaries left


def test_write_image_folder_errors_name_the_argument(tmp_path):
    x = np.zeros((2, 8, 8, 3), "float32")
    with pytest.raises(ValueError, match="x must be images"):
        image_folders.write_image_folder(tmp_path / "a", x[0], [0])
    with pytest.raises(ValueError, match="y must hold one int label per image"):
        image_folders.write_image_folder(tmp_path / "a", x, [0.5, 1.0])
    with pytest.raises(ValueError, match="class_names must be single path components, got '../up'"):
        image_folders.write_image_folder(tmp_path / "a", x, [0, 1], class_names=["a", "../up"])
    with pytest.raises(ValueError, match="class_names must be sorted"):
        image_folders.write_image_folder(tmp_path / "a", x, [0, 1], class_names=["b", "a"])
    with pytest.raises(ValueError, match="name must be a dataset of labelled images"):
        image_folders.write_dataset_folder("ring8", tmp_path / "b", num_train=4, num_test=2)
