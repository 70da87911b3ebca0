"""Zoo entries on disk: reading, verifying and loading them."""

import json
import os

from kerasgen.io import sha256_file

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
        return self.config["name"]

    @property
    def has_weights(self):
        return self.config.get("weights") is not None

    def weights_path(self):
        """Local path of verified weights: shipped in the folder, or downloaded by URL."""
        weights = self.config.get("weights")
        if not weights:
            raise ValueError(
                f"entry {self.name!r} is recipe-only (no weights); train it with "
                f"`kerasgen fit {self.name} --out DIR`"
            )
        local = os.path.join(self.directory, weights["file"])
        if os.path.exists(local):
            verify_sha256(local, weights["sha256"], remove=False)
            return local
        if weights.get("url"):
            return download(weights["url"], weights["file"], weights["sha256"], self.name)
        raise ValueError(f"weights file {local!r} of entry {self.name!r} is missing and no url is given")

    def build_model(self):
        """The model from the entry's exact config, without weights."""
        import keras

        import kerasgen.metrics.domain_classifier  # noqa: F401  (registers DomainClassifier)
        import kerasgen.metrics.residual_classifier  # noqa: F401  (registers ResidualClassifier)
        import kerasgen.models  # noqa: F401  (registers the model classes)

        cls = keras.saving.get_registered_object(self.config["registered_name"])
        if cls is None:
            raise ValueError(f"unknown model class {self.config['registered_name']!r} in entry {self.name!r}")
        return cls.from_config(self.config["config"])

    def load_model(self):
        path = self.weights_path()  # verified before anything is read by Keras
        model = self.build_model()
        model.load_weights(path)
        return model


def verify_sha256(path, expected, remove):
    actual = sha256_file(path)
    if actual != expected:
        if remove:
            os.remove(path)
        raise ValueError(
            f"sha256 of {path!r} is {actual}, expected {expected}: the file is corrupted or "
            f"not the published weights{' (removed)' if remove else ''}"
        )


def download(url, file_name, sha256, entry_name):
    """Fetches weights with `keras.utils.get_file` (sha256 checked) into the cache.

    A cached file whose hash does not match is fetched again; a download whose hash
    does not match is removed and refused.
    """
    import keras

    directory = os.path.join(cache_dir(), "zoo", entry_name)
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, file_name)
    try:
        path = keras.utils.get_file(
            fname=file_name, origin=url, file_hash=sha256, hash_algorithm="sha256",
            cache_dir=directory, cache_subdir="",
        )
    except ValueError as error:  # downloaded, but the hash does not match
        if os.path.exists(target):
            os.remove(target)
        raise ValueError(
            f"weights of zoo entry {entry_name!r} downloaded from {url} do not match sha256 "
            f"{sha256}; the file was removed"
        ) from error
    except Exception as error:
        raise RuntimeError(
            f"could not download the weights of zoo entry {entry_name!r} from {url} (offline?) "
            f"and they are not cached in {directory}: {error}. Set {CACHE_ENV} to a folder "
            "holding them, or use an entry with shipped weights."
        ) from error
    verify_sha256(path, sha256, remove=True)  # belt and braces: never load unverified bytes
    return path


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


def load(name_or_path):
    """Loads a zoo entry (name or folder) as a Keras model; weights sha256-verified.

    The model is built from the entry's exact `get_config()` and is not compiled;
    compile it to continue training.
    """
    return Entry.open(name_or_path).load_model()
