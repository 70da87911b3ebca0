"""The onnxruntime-only sampler, from the runtime distribution (`kerasgen_runtime`).

`kerasgen.export.runtime.Sampler` is `kerasgen_runtime.Sampler`; `kerasgen-sample` is
`kerasgen_runtime.cli:main`.
"""

from kerasgen_runtime.cli import build_parser, main  # noqa: F401
from kerasgen_runtime.sampler import Sampler, graph_names, open_session  # noqa: F401
