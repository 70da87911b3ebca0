"""Zoo entries loaded by URI: `kerasgen.zoo.load("https://host/path/entry.json")`.

The entry file is read into memory (at most `MAX_ENTRY_BYTES`; optionally checked
against a sha256 the caller pins), its weights are downloaded to a temporary file in
the cache, checked against the entry's sha256 and only then renamed into place and
loaded (`entry.download`). Weights without a `url` lie beside the entry file (resolved
against the URL the entry came from, after redirects). `file://` URIs name a local
entry folder or its `entry.json`, or a KerasHub-style preset folder, which load as local
ones do.
"""

import hashlib
import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

from kerasgen.zoo import preset
from kerasgen.zoo.entry import ENTRY_FILE, Entry, cache_dir, download, file_component, inside

SCHEMES = ("https://", "http://", "file://")
MAX_ENTRY_BYTES = 1 << 20  # an entry.json is a few kB: a larger answer is not one


def is_uri(value):
    return isinstance(value, str) and value.startswith(SCHEMES)


def open_uri(uri, sha256=None, timeout=60):
    """The `Entry` at `uri` (https://, http:// or file://); `sha256` pins the entry file."""
    if uri.startswith("file://"):
        parsed = urllib.parse.urlparse(uri)
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"uri must be file:///absolute/path (a local file), got {uri!r}")
        path = urllib.request.url2pathname(parsed.path)
        folder = os.path.dirname(path) if os.path.basename(path) == ENTRY_FILE else path
        if sha256 is not None:
            check_pin(read_local(os.path.join(folder, ENTRY_FILE)), sha256, uri)
        if not os.path.isfile(os.path.join(folder, ENTRY_FILE)) and preset.is_preset(folder):
            return preset.open_preset(folder)
        return Entry.open(folder)
    data, final_url = fetch_entry(uri, timeout)
    if sha256 is not None:
        check_pin(data, sha256, uri)
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the entry at {uri} is not valid JSON ({error}); a truncated or wrong file?") from None
    if not isinstance(config, dict):
        raise ValueError(f"the entry at {uri} must hold a JSON object, got {type(config).__name__}")
    return RemoteEntry(config, final_url)


def read_local(path):
    try:
        with open(path, "rb") as f:
            return f.read(MAX_ENTRY_BYTES + 1)
    except OSError as error:
        raise ValueError(f"entry file {path!r} cannot be read: {error.strerror or error}") from None


def check_pin(data, sha256, uri):
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ValueError(f"sha256 of the entry at {uri} is {actual}, expected {sha256}: not the "
                         "pinned entry (tampered, or another version)")


def fetch_entry(uri, timeout):
    """`(bytes, final url)` of the entry file; cut-off and oversized answers are refused."""
    try:
        with urllib.request.urlopen(uri, timeout=timeout) as response:
            data = response.read(MAX_ENTRY_BYTES + 1)
            final_url = response.geturl()
            declared = response.headers.get("Content-Length")
    except http.client.IncompleteRead:
        raise ValueError(f"the answer from {uri} was cut short (truncated); nothing was loaded") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        raise ValueError(f"could not fetch the entry at {uri}: {reason}") from None
    if declared and declared.isdigit() and len(data) < int(declared):
        raise ValueError(f"the answer from {uri} was cut short (truncated: {len(data)} of {declared} "
                         "bytes); nothing was loaded")
    if len(data) > MAX_ENTRY_BYTES:
        raise ValueError(f"the answer from {uri} is larger than {MAX_ENTRY_BYTES} bytes: not an entry file")
    if not final_url.startswith(("https://", "http://")):
        raise ValueError(f"{uri} redirected to {final_url!r}: only http(s) is followed")
    return data, final_url


class RemoteEntry(Entry):
    """An entry fetched by URL: its weights go to the cache, checked before loading."""

    def __init__(self, config, url):
        self.config, self.recipe, self.url = config, None, url
        weights = config.get("weights")
        if not isinstance(weights, dict):
            raise ValueError(f"entry field 'weights' of {url} must be an object, got {weights!r}")
        self.file_name = file_component("weights.file", weights.get("file"))
        sha256 = str(weights.get("sha256"))
        # one cache folder per entry name and weights: versions never collide
        self.cache_name = file_component("name", f"{self.name}@{sha256[:16]}")
        self.directory = inside(os.path.join(cache_dir(), "zoo"), self.cache_name, "name")

    def weights_path(self):
        weights = self.config["weights"]
        sha256 = weights.get("sha256")
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"entry field 'weights.sha256' must be 64 lowercase hex digits, got {sha256!r}")
        url = weights.get("url") or urllib.parse.urljoin(self.url, urllib.parse.quote(self.file_name))
        try:
            return download(url, self.file_name, sha256, self.cache_name, weights.get("size"))
        except http.client.HTTPException:  # e.g. IncompleteRead: the answer was cut short
            raise ValueError(f"the download of {url} was cut short (truncated); nothing was kept") from None
