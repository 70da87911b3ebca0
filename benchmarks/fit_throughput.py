"""Training samples/s of a model's `fit`, for the throughput benchmarks.

`pipeline` says how the NumPy images reach the train step:
- "model": the model's own `fit` (kerasgen's models turn arrays into kerasgen's
  `tf.data` pipeline under TensorFlow; other models use Keras's array pipeline);
- "keras": `keras.Model.fit` itself, so Keras's array pipeline even for kerasgen's models;
- "kerasgen": kerasgen's pipeline (`tensorflow_backend.array_dataset`) for any model.
"""

import functools
import time

import keras

from kerasgen.backend import tensorflow_backend

PIPELINES = ("model", "keras", "kerasgen")


def throughput(model, x, epochs, batch_size, pipeline="model"):
    """Samples/s over `epochs` epochs on `x`, after one epoch that traces and warms up."""
    if pipeline not in PIPELINES:
        raise ValueError(f"pipeline must be one of {PIPELINES}, got {pipeline!r}")
    data, kwargs, fit = x, {"batch_size": batch_size}, model.fit
    if pipeline == "kerasgen":
        data, kwargs = tensorflow_backend.array_dataset((x,), batch_size, shuffle=True), {"shuffle": False}
    elif pipeline == "keras":
        fit = functools.partial(keras.Model.fit, model)
    fit(data, epochs=1, verbose=0, **kwargs)
    start = time.perf_counter()
    fit(data, epochs=epochs, verbose=0, **kwargs)
    return epochs * len(x) / (time.perf_counter() - start)
