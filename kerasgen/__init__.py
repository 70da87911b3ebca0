"""kerasgen: a Keras 3 model zoo of generative models with exportable inference artifacts.

Submodules are imported lazily so that numpy-only parts (``kerasgen.export.runtime``,
``kerasgen.latents``) can be used in a process that has no TensorFlow or Keras.
"""

import importlib

from kerasgen_runtime import __version__  # noqa: E402,F401  (one version source)

_SUBMODULES = (
    "backend",
    "callbacks",
    "cli",
    "datasets",
    "export",
    "io",
    "latents",
    "losses",
    "metrics",
    "models",
    "networks",
    "plotting",
    "recipes",
    "schedules",
    "zoo",
)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"kerasgen.{name}")
    raise AttributeError(f"module 'kerasgen' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
