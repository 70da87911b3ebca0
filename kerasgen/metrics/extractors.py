"""Feature extractors by name, file or model: the one table of extractor names.

The built-in extractors (`identity`, `inception_v3`, `inception_v3_top`) are registered
when this module is imported; a user adds more with `register_extractor`. Zoo classifier
entries are extractors by name too, through `kerasgen.zoo.extractors` (the zoo is
outside the metrics, which never import it).
"""

import os

import keras

from kerasgen_runtime.files import sha256_file
from kerasgen.metrics import domain_classifier, residual_classifier  # noqa: F401  (register the classes a .keras extractor names)
from kerasgen.metrics.feature_extractor import FeatureExtractor
from kerasgen.metrics.inception import inception_v3

# name -> factory(**options) returning a FeatureExtractor: the built-in extractors,
# filled below when this module is imported, and any the user adds (`register_extractor`).
EXTRACTORS = {}
# dataset name -> extractor name used when none is given (set by the user).
DEFAULT_EXTRACTORS = {}


def register_extractor(name, factory, datasets=()):
    """Makes `factory(**options) -> FeatureExtractor` available as `name`.

    `datasets` lists dataset names for which this extractor is the default, ahead of
    the zoo's classifier for that dataset.
    """
    EXTRACTORS[name] = factory
    for dataset in datasets:
        DEFAULT_EXTRACTORS[dataset] = name


def get_extractor(spec="inception_v3", layer_name=None, sha256=None):
    """Returns a `FeatureExtractor` from a name, a file or a Keras model.

    Args:
        spec: a built-in or registered name (`"inception_v3"`, `"identity"`), a `.keras`
            file (a `DomainClassifier`, or any model with `layer_name`), an InceptionV3
            weights file (`.h5`), a Keras model, or a `FeatureExtractor`. A zoo
            classifier by entry name: `kerasgen.zoo.extractors.get_extractor`.
        layer_name: for a generic Keras model, the layer whose output are the features.
        sha256: expected sha256 of a weights / model file (checked before loading).
    """
    if isinstance(spec, FeatureExtractor):
        return spec
    if isinstance(spec, str) and spec in EXTRACTORS:
        return EXTRACTORS[spec](**({"sha256": sha256} if sha256 else {}))
    if isinstance(spec, (str, os.PathLike)) and os.path.isfile(spec):
        return _extractor_from_file(os.fspath(spec), layer_name, sha256)
    if hasattr(spec, "get_layer") and hasattr(spec, "inputs"):
        return _extractor_from_model(spec, layer_name)
    raise ValueError(
        f"extractor must be one of {sorted(EXTRACTORS)}, an existing .keras / .h5 file or a "
        f"Keras model, got {spec!r}"
    )


def default_extractor_name(data_name=None, data_shape=None):
    """The extractor used for `data_name` when none is given: one registered for it,
    `"identity"` for points, else `"inception_v3"` (the commands put the data's zoo judge
    first: `kerasgen.zoo.extractors.default_extractor_name`)."""
    if data_name in DEFAULT_EXTRACTORS:
        return DEFAULT_EXTRACTORS[data_name]
    if data_shape is not None and len(data_shape) == 1:
        return "identity"
    return "inception_v3"


def _extractor_from_file(path, layer_name, sha256):
    if path.endswith(".keras"):
        if sha256 is not None and sha256_file(path) != sha256.lower():
            raise ValueError(
                f"extractor file {path!r} has sha256 {sha256_file(path)}, expected {sha256}"
            )
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
        return _extractor_from_model(model, layer_name)
    if path.endswith(".h5"):
        return inception_v3(weights=path, sha256=sha256)
    raise ValueError(f"extractor file must end with .keras or .h5, got {path!r}")


def _extractor_from_model(model, layer_name):
    if hasattr(model, "feature_extractor") and layer_name is None:
        return model.feature_extractor()
    if layer_name is None:
        raise ValueError(
            f"layer_name must name the feature layer of model {model.name!r}, got None"
        )
    return FeatureExtractor(model, f"{model.name}.{layer_name}", features_layer=layer_name)


def _identity_extractor(sha256=None):
    if sha256 is not None:
        raise ValueError(f"sha256 does not apply to the identity extractor, got {sha256!r}")
    return FeatureExtractor(None, "identity")


def _inception_top_extractor(**options):
    return inception_v3(include_top=True, **options)


register_extractor("identity", _identity_extractor)
register_extractor("inception_v3", inception_v3)
register_extractor("inception_v3_top", _inception_top_extractor)
