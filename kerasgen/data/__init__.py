"""Data: named datasets, folders of images, user arrays, seeded subsets, value ranges,
procedural layouts, the batches `fit` trains on, tables (CSV, `.npy`) with the layers
that carry their statistics inside a model, and text (`kerasgen.data.text`, imported on
use).

    (x_train, y_train), (x_test, y_test) = kerasgen.data.load("mnist5k")
    x, y = kerasgen.data.from_folder("my_images")
"""

from kerasgen.data.dynamic_binarization import DynamicBinarization, binarize
from kerasgen.data.folders import from_folder
from kerasgen.data.image_folders import write_dataset_folder, write_image_folder
from kerasgen.data.labelled_batches import LabelledBatches, hide_labels
from kerasgen.data.layouts import from_paired_folder, load_layouts, save_label_map
from kerasgen.data.named_datasets import NAMES, load, mixture_modes, sample_mixture
from kerasgen.data.random_shift import RandomShift
from kerasgen.data.shuffled_batches import ShuffledBatches
from kerasgen.data.sources import resolve_source
from kerasgen.data.standardize import Standardize
from kerasgen.data.subsets import random_subset, subset_rows
from kerasgen.data.table_head import TableHead
from kerasgen.data.tables import Table, is_table_path, read_table
from kerasgen.data.user_arrays import from_arrays, from_tf_dataset
from kerasgen.data.value_ranges import check_training_range, check_value_range, to_signed_range, to_unit_range

__all__ = [
    "DynamicBinarization", "LabelledBatches", "NAMES", "RandomShift", "ShuffledBatches", "Standardize",
    "Table", "TableHead", "binarize", "check_training_range", "check_value_range", "from_arrays",
    "from_folder", "from_paired_folder", "from_tf_dataset", "hide_labels", "is_table_path", "load",
    "load_layouts", "mixture_modes", "random_subset", "read_table", "resolve_source", "sample_mixture",
    "save_label_map", "subset_rows", "to_signed_range", "to_unit_range", "write_dataset_folder",
    "write_image_folder",
]
