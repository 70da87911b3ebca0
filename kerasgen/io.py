"""Atomic file writing (lives in the runtime distribution, `kerasgen_runtime.files`)."""

from kerasgen_runtime.files import atomic_path, sha256_file, write_bytes, write_json, write_text  # noqa: F401
