"""Loading `.keras` files safely: `safe_mode=True` and one-line errors for bad files."""

import os
import re
import zipfile

import keras


def load_model_file(path, what="MODEL"):
    """`keras.saving.load_model(path, safe_mode=True)` with a one-line error for a file
    that is missing, truncated or damaged (not a complete zip archive), or that names a
    class no imported package registered."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{what} file {path!r} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{what} {path!r} is not a complete .keras file (not a zip archive: "
                         "truncated, damaged or another format)")
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{what} {path!r} is a damaged .keras file ({error})") from None
    except TypeError as error:
        found = re.search(r"Could not locate (?:class|function) '([^']+)'", str(error))
        if found is None:
            raise
        raise ValueError(
            f"{what} {path!r} names the class {found.group(1)!r}, which no imported package "
            "registers (a file of other code, or of another kerasgen version); import the "
            "package that defines it before loading"
        ) from None
