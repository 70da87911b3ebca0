"""Runs the documentation's code at small sizes: on PYTHONPATH when `KERASGEN_SHRINK` is set.

`KERASGEN_SHRINK=N` (set by tests/test_readme.py and the several-device tests, with
this folder first on PYTHONPATH) makes every Python process it starts, `kerasgen`
commands included, train on less, without changing the text a user reads:

- `kerasgen.data.named_datasets.load(name)` returns a seeded random subset of at most N training
  and N // 4 test rows (`kerasgen.data.subsets.random_subset`, stratified by class, seed 0);
- `keras.Model.fit` runs at most one epoch past `initial_epoch` (`epochs=30` runs 1);
- `kerasgen.models.VAE.log_likelihood` draws at most `SAMPLES` (200) importance samples
  per example (`num_samples=1000` draws 200: still several chunks of samples, the last
  one partial, and the same code; 1000 took most of the quickstart block's time).

Nothing else changes: the real recipes, models, data and files run. Python imports
`sitecustomize` at start-up; the functions are wrapped once `kerasgen` (or `keras`)
has been imported, by an import hook, so a process that never imports them pays nothing.
"""

import functools
import importlib.abc
import importlib.util
import os
import sys

ROWS = int(os.environ.get("KERASGEN_SHRINK") or 0)
SAMPLES = 200


def _shrink_load(load):
    @functools.wraps(load)
    def shrunk(name, **kwargs):
        from kerasgen.data import subsets

        train, test = load(name, **kwargs)
        return (subsets.random_subset(*train, n=min(ROWS, len(train[0])), seed=0),
                subsets.random_subset(*test, n=min(max(ROWS // 4, 1), len(test[0])), seed=0))

    return shrunk


def _shrink_fit(fit):
    @functools.wraps(fit)
    def shrunk(self, *args, **kwargs):
        # `epochs` is fit's 4th positional parameter (x, y, batch_size, epochs).
        if len(args) >= 4:
            args = list(args)
            args[3] = min(args[3], kwargs.get("initial_epoch", 0) + 1)
        else:
            kwargs["epochs"] = min(kwargs.get("epochs", 1), kwargs.get("initial_epoch", 0) + 1)
        return fit(self, *args, **kwargs)

    return shrunk


def _shrink_log_likelihood(log_likelihood):
    @functools.wraps(log_likelihood)
    def shrunk(self, x, num_samples=1000, *args, **kwargs):
        return log_likelihood(self, x, min(num_samples, SAMPLES), *args, **kwargs)

    return shrunk


def _patch(module):
    if module.__name__ == "keras" and not getattr(module.Model.fit, "_kerasgen_shrunk", False):
        module.Model.fit = _shrink_fit(module.Model.fit)
        module.Model.fit._kerasgen_shrunk = True
    if module.__name__ == "kerasgen.data.named_datasets" and not getattr(module.load, "_kerasgen_shrunk", False):
        module.load = _shrink_load(module.load)
        module.load._kerasgen_shrunk = True
    if module.__name__ == "kerasgen.models.vae" and not getattr(module.VAE.log_likelihood, "_kerasgen_shrunk", False):
        module.VAE.log_likelihood = _shrink_log_likelihood(module.VAE.log_likelihood)
        module.VAE.log_likelihood._kerasgen_shrunk = True


class _AfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `keras`, `kerasgen.data.named_datasets` and `kerasgen.models.vae` with the
    usual finders, then patches them."""

    names = ("keras", "kerasgen.data.named_datasets", "kerasgen.models.vae")

    def find_spec(self, name, path, target=None):
        if name not in self.names:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        self._loaders = getattr(self, "_loaders", {})
        self._loaders[name] = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self._loaders[spec.name].create_module(spec)

    def exec_module(self, module):
        self._loaders[module.__name__].exec_module(module)
        _patch(module)


if ROWS > 0:
    sys.meta_path.insert(0, _AfterImport())
