"""Prior noise drawn on the host from a seed (`kerasgen_runtime.latents`).

Keras models, exported ONNX graphs, the runtime sampler and the web page all draw ``z``
with the portable generator ``kerasgen-v1`` (specified in `kerasgen_runtime.latents`),
so a seed gives the same latents, and the same samples, everywhere.
"""

from kerasgen_runtime.latents import (  # noqa: F401
    DEFAULT_GENERATOR,
    GENERATORS,
    KERASGEN_V1,
    NUMPY_PCG64,
    check_generator,
    check_positive_int,
    draw_latents,
    latent_batches,
)
