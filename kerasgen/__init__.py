"""kerasgen: a Keras 3 model zoo of generative models with exportable inference artifacts.

Importing `kerasgen` registers every serializable class a kerasgen `.keras` file can
name (models, networks, layers, the domain classifier, schedules), as `import keras_hub`
does for KerasHub files:

    import keras, kerasgen
    vae = keras.saving.load_model("vae.keras", safe_mode=True)

It imports Keras (and its backend). The numpy-only sampler is the separate
`kerasgen-zoo-runtime` distribution (`import kerasgen_runtime`), and the `kerasgen`
command answers `--help` and argument errors before this package is initialized
(see `kerasgen_cli`).

The package imports its core only. The outer ring, which registers no class (the zoo,
export and the command line: they import the core, never the reverse), loads on first
use: `kerasgen.zoo.load(...)`, `kerasgen.export.to_onnx(...)` work after `import kerasgen`.
"""

import importlib

from kerasgen_runtime import __version__  # noqa: F401  (one version source)

from kerasgen import augmentation  # noqa: E402
from kerasgen import backend  # noqa: E402
from kerasgen import checks  # noqa: E402
from kerasgen import losses  # noqa: E402
from kerasgen import schedules  # noqa: E402
from kerasgen import data  # noqa: E402
from kerasgen import networks  # noqa: E402
from kerasgen import models  # noqa: E402
from kerasgen import callbacks  # noqa: E402
from kerasgen import metrics  # noqa: E402
from kerasgen import plotting  # noqa: E402
from kerasgen import recipes  # noqa: E402
from kerasgen import saving  # noqa: E402

# attribute -> the outer module it names, imported on first access (PEP 562)
OUTER = {"cli": "kerasgen.cli", "commands": "kerasgen.commands", "export": "kerasgen.export",
         "zoo": "kerasgen.zoo"}


def __getattr__(name):
    if name in OUTER:
        return importlib.import_module(OUTER[name])
    raise AttributeError(f"module 'kerasgen' has no attribute {name!r}")


__all__ = [
    "augmentation", "backend", "callbacks", "checks", "cli", "commands", "data", "export", "losses",
    "metrics", "models", "networks", "plotting", "recipes", "saving", "schedules", "zoo",
    "__version__",
]
