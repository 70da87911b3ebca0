"""Atomic file writing (lives in the runtime distribution, `kerasgen_runtime.files`)."""

from kerasgen_runtime.files import (  # noqa: F401
    DirectoryKind, atomic_path, check_output_path, sha256_file, temporary_pattern, write_bytes,
    write_json, write_text,
)
