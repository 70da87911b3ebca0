"""Data that is not images: tables (CSV, `.npy`) with the layers that carry their
statistics inside a model, and text (`kerasgen.data.text`, imported on use)."""

from kerasgen.data.labelled_batches import LabelledBatches, hide_labels
from kerasgen.data.standardize import Standardize
from kerasgen.data.table_head import TableHead
from kerasgen.data.tables import Table, is_table_path, read_table

__all__ = ["LabelledBatches", "Standardize", "hide_labels", "Table", "TableHead", "is_table_path", "read_table"]
