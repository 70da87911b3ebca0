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


def best_throughputs(candidates, x, epochs, batch_size, repeats):
    """Best samples/s of each row `name: (build, pipeline)` over `repeats` rounds.

    The rows take turns within each round, so all see the same machine load; every
    measurement trains a freshly built model.
    """
    results = {name: 0.0 for name in candidates}
    for _ in range(repeats):
        for name, (build, pipeline) in candidates.items():
            results[name] = max(results[name], throughput(build(), x, epochs, batch_size, pipeline))
    return results


def print_ratios(results, reference_name, subject_name, subject_label):
    """Prints each row against the reference, then the subject against the fastest
    keras.io row (the conservative ratio that the 1.2 target is read on)."""
    width = max(len(name) for name in results)
    reference = results[reference_name]
    for name, value in results.items():
        print(f"{name:{width}s} {value:9.1f} samples/s  ratio {value / reference:5.2f}")
    fastest = max(value for name, value in results.items() if name.startswith("keras.io"))
    print(f"{subject_label} vs the fastest keras.io row: {results[subject_name] / fastest:.2f} (target >= 1.2)")
