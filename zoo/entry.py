"""Zoo entries on disk: reading, verifying and loading them."""

import json
import os
import re
import urllib.error
import urllib.request

from kerasgen_runtime.metadata import MAX_DIMENSION, check_shape

from kerasgen_runtime.files import atomic_path, sha256_file

ZOO_DIR = os.path.dirname(os.path.abspath(__file__))
ENTRY_FILE = "entry.json"
RECIPE_FILE = "recipe.json"
CACHE_ENV = "KERASGEN_HOME"


def cache_dir():
    """Where downloaded weights go: `$KERASGEN_HOME`, else `~/.kerasgen`."""
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".kerasgen")


class Entry:
    """One zoo entry folder. Use `Entry.open(name_or_path)`."""

    def __init__(self, directory):
        self.directory = os.path.abspath(directory)
        with open(os.path.join(self.directory, ENTRY_FILE)) as f:
            self.config = json.load(f)
        if not isinstance(self.config, dict):
            raise ValueError(f"{ENTRY_FILE} of {self.directory!r} must hold a JSON object")
        recipe_path = os.path.join(self.directory, RECIPE_FILE)
        self.recipe = None
        if os.path.exists(recipe_path):
            with open(recipe_path) as f:
                self.recipe = json.load(f)

    @classmethod
    def open(cls, name_or_path):
        if os.path.isfile(os.path.join(str(name_or_path), ENTRY_FILE)):
            return cls(name_or_path)
        directory = os.path.join(ZOO_DIR, str(name_or_path))
        if os.path.isfile(os.path.join(directory, ENTRY_FILE)):
            return cls(directory)
        raise ValueError(
            f"name_or_path must be a zoo entry ({', '.join(list_entries())}) or a folder "
            f"holding {ENTRY_FILE}, got {name_or_path!r}"
        )

    @property
    def name(self):
        return file_component("name", self.config.get("name"))

    @property
    def has_weights(self):
        return self.config.get("weights") is not None

    def weights_path(self):
        """Local path of verified weights: shipped in the folder, or downloaded by URL.

        Every name the entry gives is one file name inside the entry (or cache) folder:
        an entry is data anyone may publish, and it never reaches outside itself.
        """
        weights = self.config.get("weights")
        if not weights:
            raise ValueError(
                f"entry {self.name!r} is recipe-only (no weights); train it with "
                f"`kerasgen fit {self.name} --out DIR`"
            )
        if not isinstance(weights, dict):
            raise ValueError(f"entry field 'weights' must be an object, got {weights!r}")
        file_name = file_component("weights.file", weights.get("file"))
        sha256 = weights.get("sha256")
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"entry field 'weights.sha256' must be 64 lowercase hex digits, "
                             f"got {sha256!r}")
        local = inside(self.directory, file_name, "weights.file")
        if os.path.lexists(local):
            verify_sha256(local, sha256)
            return local
        if weights.get("url"):
            size = weights.get("size")
            if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
                raise ValueError(f"entry field 'weights.size' must be the weights' size in bytes (a "
                                 f"positive int) when 'weights.url' is given, got {size!r}")
            return download(weights["url"], file_name, sha256, self.name, size)
        raise ValueError(f"weights file {local!r} of entry {self.name!r} is missing and no url is given")

    def build_model(self):
        """The model from the entry's exact config, without weights."""
        # Keras inside: `kerasgen zoo list` / `show` read entries with this module and run
        # without Keras or TensorFlow (kerasgen_cli, needs_keras=False).
        import keras  # every class an entry names is registered by `import kerasgen`

        registered_name = self.config.get("registered_name")
        cls = None
        if isinstance(registered_name, str) and registered_name.startswith("kerasgen>"):
            cls = keras.saving.get_registered_object(registered_name)
        if cls is None:
            raise ValueError(f"unknown model class {registered_name!r} in entry {self.name!r}; "
                             "expected a registered kerasgen class such as 'kerasgen>VAE'")
        check_dimensions(self.config.get("config"), f"entry {self.name!r}")
        try:
            return cls.from_config(self.config["config"])
        except (TypeError, ValueError, KeyError) as error:
            # Keras names the class it could not resolve first, then a long config dump.
            reason = str(error).split(". ", 1)[0].splitlines()[0][:300]
            raise ValueError(f"the config of entry {self.name!r} cannot be built: {reason}") from None

    def load_model(self):
        path = self.weights_path()  # verified before anything is read by Keras
        model = self.build_model()
        model.load_weights(path)
        return model


def file_component(field, value):
    """`value` if it is one file name (no folder, no `..`, not absolute), else ValueError."""
    separators = {"/", "\\", os.sep, os.altsep} - {None}
    if (not isinstance(value, str) or value in ("", ".", "..") or "\0" in value
            or any(sep in value for sep in separators) or os.path.isabs(value)):
        raise ValueError(f"entry field {field!r} must be one file name (no folders, no '..'), "
                         f"got {value!r}")
    return value


def inside(directory, name, field):
    """`directory/name`, refused if it resolves (through links) outside `directory`."""
    path = os.path.join(directory, name)
    root = os.path.realpath(directory)
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise ValueError(f"entry field {field!r} ({name!r}) leads outside {directory!r}")
    return path


def check_dimensions(config, where, key="config"):
    """Refuses sizes no network of ours allocates, before Keras builds anything: every
    int (seeds aside) at most `MAX_DIMENSION`, every `*shape` at most
    `MAX_SAMPLE_VALUES` values (the bounds the runtime puts on exported metadata)."""
    if isinstance(config, dict):
        for name, value in config.items():
            check_dimensions(value, where, name)
    elif str(key).endswith("shape") and isinstance(config, (list, tuple)) and config and all(
            isinstance(v, int) or v is None for v in config):
        check_shape(f"{where}: config field {key!r}", [v for v in config if v is not None] or [1], range(1, 9))
    elif isinstance(config, (list, tuple)):
        for value in config:
            check_dimensions(value, where, key)
    elif isinstance(config, int) and not isinstance(config, bool) and "seed" not in str(key):
        if config > MAX_DIMENSION:
            raise ValueError(f"{where}: config field {key!r} must be at most {MAX_DIMENSION}, got {config}")


def verify_sha256(path, expected):
    """Refuses a file whose sha256 is not `expected` (the entry's own file only)."""
    if not os.path.isfile(path):
        raise ValueError(f"weights {path!r} are not a file")
    actual = sha256_file(path)
    if actual != expected:
        raise ValueError(
            f"sha256 of {path!r} is {actual}, expected {expected}: the file is corrupted or "
            "not the published weights"
        )


def download(url, file_name, sha256, entry_name, size):
    """Fetches weights into the cache (`$KERASGEN_HOME/zoo/ENTRY/FILE`), sha256 checked.

    A verified cached file is used as it is. The download goes to a temporary file
    beside the target and is renamed onto it only once its sha256 matches, so a wrong
    or interrupted download leaves nothing, and no other file is ever removed.
    """
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"entry field 'weights.url' must be an http(s) URL, got {url!r}")
    zoo_cache = os.path.join(cache_dir(), "zoo")
    directory = inside(zoo_cache, file_component("name", entry_name), "name")
    target = inside(directory, file_component("weights.file", file_name), "weights.file")
    if os.path.isfile(target) and not os.path.islink(target) and sha256_file(target) == sha256:
        return target
    try:
        with atomic_path(target, cache=True) as tmp:  # a damaged copy of ours: fetched again
            fetch(url, tmp, size)
            if sha256_file(tmp) != sha256:
                raise ValueError(
                    f"weights of zoo entry {entry_name!r} downloaded from {url} do not match "
                    f"sha256 {sha256}; nothing was kept"
                )
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error.strerror or error
        raise ValueError(
            f"could not download the weights of zoo entry {entry_name!r} from {url} (offline?) "
            f"and they are not cached in {directory}: {reason}. Set {CACHE_ENV} to a folder "
            "holding them, or use an entry with shipped weights."
        ) from None
    return target


def fetch(url, path, size, timeout=60):
    """Writes the body at `url` to `path`; stops and refuses it past `size` bytes (an
    entry without a size would download until the disk is full)."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as f:
        written = 0
        for chunk in iter(lambda: response.read(1 << 20), b""):
            written += len(chunk)
            if written > size:
                raise ValueError(f"download from {url} is larger than the entry's size "
                                 f"{size} bytes; nothing was kept")
            f.write(chunk)


def list_entries():
    """Names of the entries shipped with kerasgen."""
    return sorted(
        name for name in os.listdir(ZOO_DIR)
        if os.path.isfile(os.path.join(ZOO_DIR, name, ENTRY_FILE))
    )


def show(name_or_path):
    """The entry's config (a dict) with its recipe under `"recipe"`."""
    entry = Entry.open(name_or_path)
    return {**entry.config, "recipe": entry.recipe}


def recipe(name_or_path):
    """The entry's training recipe (a dict, the spec of `kerasgen.training`)."""
    return Entry.open(name_or_path).recipe
