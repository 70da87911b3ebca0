"""The shipped zoo entries record their files as kerasgen's, so that rebuilding one in
place (`kerasgen fit ENTRY --out zoo/ENTRY --overwrite`, each card's command) replaces
them, while a file a person added or edited there is refused."""

import os

import pytest

from kerasgen.zoo.entry import ENTRY_FILE, ZOO_DIR
from kerasgen_runtime.files import MANIFEST, written_by_kerasgen

ENTRIES = sorted(name for name in os.listdir(ZOO_DIR)
                 if os.path.isfile(os.path.join(ZOO_DIR, name, ENTRY_FILE)))


@pytest.mark.parametrize("name", ENTRIES)
def test_every_file_of_a_shipped_entry_is_recorded_as_written(name):
    folder = os.path.join(ZOO_DIR, name)
    files = sorted(n for n in os.listdir(folder) if n != MANIFEST)
    changed = [n for n in files if not written_by_kerasgen(os.path.join(folder, n))]
    assert not changed, (
        f"{changed} in zoo/{name} are not what {MANIFEST} records: rebuild the entry with its "
        "command, or (for a hand edit of the card) record the file with "
        "kerasgen_runtime.files.record_written(path)"
    )
