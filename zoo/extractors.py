"""Feature extractors by zoo name: the zoo's classifier entries and each dataset's judges.

`kerasgen.metrics.get_extractor` knows the built-in extractors, files and Keras models
and nothing of the zoo. Here the zoo's classifier entries are extractors by entry name
(weights sha256-verified), and a dataset's default extractor is its zoo judge: what the
commands (`kerasgen evaluate --extractor`, `kerasgen export --judge`) and
`kerasgen.export.to_onnx(judge=...)` resolve names with.
"""

import os

import keras

from kerasgen.metrics import extractors as metric_extractors
from kerasgen.zoo.entry import Entry, list_entries
from kerasgen.zoo.loader import load

# The judges of each dataset, zoo classifier entries. The first gives each entry's
# headline numbers (some epoch counts were chosen by watching them); the others were
# trained independently (another architecture and seed) and used for no choice, so a
# number tuned to the first judge's quirks shows up as a disagreement.
JUDGES = {
    "mnist5k": ("classifier_mnist5k", "residual_classifier_mnist5k"),
    "color_digits32": ("classifier_color_digits32", "residual_classifier_color_digits32"),
}


def classifiers():
    """`{entry name: dataset name}` of the zoo entries that are classifiers.

    An entry is a classifier when its registered class gives a `feature_extractor()`;
    the dataset is its recipe's. Read from the entries' files and Keras's registry,
    which `import kerasgen` fills, so the answer does not depend on import order.
    """
    found = {}
    for name in list_entries():
        entry = Entry.open(name)
        cls = keras.saving.get_registered_object(entry.config.get("registered_name", ""))
        if entry.has_weights and callable(getattr(cls, "feature_extractor", None)):
            found[name] = (entry.recipe or {}).get("data")
    return found


def classifier_extractor(name="classifier_mnist5k"):
    """The zoo's domain classifier `name` as a feature extractor (weights sha256-verified)."""
    return load(name).feature_extractor()


def get_extractor(spec="inception_v3", layer_name=None, sha256=None):
    """`kerasgen.metrics.get_extractor`, plus the zoo's classifier entries by name
    (`"classifier_mnist5k"`)."""
    if isinstance(spec, str) and spec in classifiers():
        if sha256 is not None:
            raise ValueError(
                f"sha256 does not apply to zoo entry {spec!r} (its weights are verified against "
                f"its entry.json), got {sha256!r}"
            )
        return classifier_extractor(spec)
    if isinstance(spec, str) and spec not in metric_extractors.EXTRACTORS and not os.path.isfile(spec):
        raise ValueError(
            f"extractor must be one of {sorted(metric_extractors.EXTRACTORS) + sorted(classifiers())}, an "
            f"existing .keras / .h5 file or a Keras model, got {spec!r}"
        )
    return metric_extractors.get_extractor(spec, layer_name, sha256)


def judge_name(data_name):
    """The zoo's extractor for `data_name`, or None: none when the user registered one for
    it (`kerasgen.metrics.register_extractor(..., datasets=)`), else the data's primary
    judge (whose numbers the model cards report), else a zoo classifier trained on it."""
    if not isinstance(data_name, str) or data_name in metric_extractors.DEFAULT_EXTRACTORS:
        return None
    if data_name in JUDGES:
        return JUDGES[data_name][0]
    for name, dataset in sorted(classifiers().items()):
        if dataset is not None and dataset == data_name:
            return name
    return None


def default_extractor_name(data_name=None, data_shape=None):
    """The extractor used for `data_name` when none is given: one registered for it, else
    its zoo judge (`judge_name`), else `kerasgen.metrics`'s default (`"identity"` for
    points, else `"inception_v3"`)."""
    return judge_name(data_name) or metric_extractors.default_extractor_name(data_name, data_shape)
