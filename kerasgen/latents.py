"""Prior noise drawn on the host with a seeded NumPy generator (`kerasgen_runtime.latents`).

Keras models, exported ONNX graphs and the runtime sampler all draw ``z`` there, so a
seed gives the same latents, and the same samples, everywhere.
"""

from kerasgen_runtime.latents import check_positive_int, draw_latents  # noqa: F401
