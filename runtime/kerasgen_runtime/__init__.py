"""kerasgen's runtime: sample exported kerasgen ONNX files with NumPy and onnxruntime alone.

This distribution (`kerasgen-zoo-runtime`) installs neither TensorFlow nor Keras:

    from kerasgen_runtime import Sampler
    Sampler("decoder.onnx").save_grid("grid.png", 64, seed=0)

The full `kerasgen-zoo` distribution depends on it at exactly this version.
"""

# The one version source of both distributions (runtime/pyproject.toml reads it;
# the main pyproject.toml pins `kerasgen-zoo-runtime==` to it, checked by a test).
__version__ = "0.2.0"

from kerasgen_runtime.latents import draw_latents  # noqa: E402
from kerasgen_runtime.sampler import Sampler  # noqa: E402
from kerasgen_runtime.scorer import Scorer  # noqa: E402
from kerasgen_runtime.spade_sampler import SPADESampler  # noqa: E402
from kerasgen_runtime.text_sampler import TextSampler  # noqa: E402

__all__ = ["Sampler", "Scorer", "SPADESampler", "TextSampler", "draw_latents", "__version__"]
