"""onnxruntime-web for the web export, pinned by version and checked by sha256.

The page needs three files of onnxruntime-web's `dist/` (the wasm-only ES module, its
Emscripten loader and the WebAssembly binary; 50 KB, 24 KB and 14.2 MB for 1.30.0). They
are not shipped in the Python package (the binary alone would be most of the wheel);
`find` takes them, in order, from

1. the folder given (`--onnxruntime-web PATH`, or `$KERASGEN_ONNXRUNTIME_WEB`): an
   installed npm package (`node_modules/onnxruntime-web` or its `dist/`), any version;
2. the cache, `$KERASGEN_CACHE/onnxruntime-web-VERSION/` (default
   `~/.cache/kerasgen`), holding the pinned version's files;
3. `node_modules/onnxruntime-web` of the checkout or the working directory, if it is
   the pinned version (`npm ci` in a checkout);
4. the npm registry (`$KERASGEN_NPM_REGISTRY`, default https://registry.npmjs.org):
   the pinned version's tarball is downloaded once and its three files are put in the
   cache.

Files from 2-4 must have the pinned sha256 (a mismatch is refused, naming the file).
"""

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request

VERSION = "1.30.0"  # package.json / package-lock.json pin the same version
SHA256 = {
    "ort.wasm.min.mjs": "219e6a1fc8a9938268d18efca3c91d310bd2f4a59bbd13744df5b2b7fc6cee3b",
    "ort-wasm-simd-threaded.mjs": "e13f7f94fc51b4ca72b12faeb1ee95f4ace6dfbc8939bc718aabdc0a27c4299b",
    "ort-wasm-simd-threaded.wasm": "3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2",
}
FILES = tuple(SHA256)
PATH_ENV = "KERASGEN_ONNXRUNTIME_WEB"
CACHE_ENV = "KERASGEN_CACHE"
REGISTRY_ENV = "KERASGEN_NPM_REGISTRY"
REGISTRY = "https://registry.npmjs.org"
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find(path=None, download=True):
    """`(dist folder, version)` of onnxruntime-web's files for the page (see the module)."""
    given = path if path is not None else os.environ.get(PATH_ENV) or None
    if given is not None:
        return given_package(os.fspath(given))
    cache = cache_folder()
    if all(os.path.isfile(os.path.join(cache, name)) for name in FILES):
        check_files(cache)
        return cache, VERSION
    for base in dict.fromkeys([CHECKOUT, os.getcwd()]):
        dist = os.path.join(base, "node_modules", "onnxruntime-web", "dist")
        if package_version(os.path.dirname(dist)) == VERSION and all(
                os.path.isfile(os.path.join(dist, name)) for name in FILES):
            check_files(dist)
            return dist, VERSION
    if not download:
        raise ValueError(f"onnxruntime-web {VERSION} is not in the cache {cache}, got download=False")
    return fetch(cache), VERSION


def given_package(candidate):
    for dist in (os.path.join(candidate, "dist"), candidate):
        if all(os.path.isfile(os.path.join(dist, name)) for name in FILES):
            return dist, package_version(os.path.dirname(dist) if dist.endswith("dist") else dist)
    raise ValueError(
        f"onnxruntime-web not found in {candidate}: --onnxruntime-web PATH (or ${PATH_ENV}) must "
        f"be an installed npm package (node_modules/onnxruntime-web or its dist/) holding "
        f"{list(FILES)}; without it the pinned version is downloaded once"
    )


def cache_folder():
    base = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "kerasgen")
    return os.path.join(base, f"onnxruntime-web-{VERSION}")


def tarball_url():
    registry = (os.environ.get(REGISTRY_ENV) or REGISTRY).rstrip("/")
    return f"{registry}/onnxruntime-web/-/onnxruntime-web-{VERSION}.tgz"


def fetch(cache):
    """Downloads the pinned tarball, checks its three files and moves them into `cache`."""
    url = tarball_url()
    print(f"Downloading onnxruntime-web {VERSION} for the page, once ({url}; cached in {cache})")
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    work = tempfile.mkdtemp(prefix=".onnxruntime-web.", dir=os.path.dirname(cache))
    try:
        archive = os.path.join(work, "package.tgz")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(archive, "wb") as f:
                shutil.copyfileobj(response, f)
        except OSError as error:
            raise ValueError(
                f"onnxruntime-web {VERSION} could not be downloaded from {url} ({error}); "
                f"without network, pass --onnxruntime-web PATH (an installed "
                f"node_modules/onnxruntime-web) or set {REGISTRY_ENV} to a registry mirror"
            ) from None
        files = os.path.join(work, "files")
        os.mkdir(files)
        with tarfile.open(archive, "r:gz") as tar:
            for name in FILES:
                member = tar.getmember(f"package/dist/{name}") if f"package/dist/{name}" in tar.getnames() \
                    else None
                if member is None or not member.isfile():
                    raise ValueError(f"the onnxruntime-web tarball from {url} must hold dist/{name}, got none")
                with tar.extractfile(member) as source, open(os.path.join(files, name), "wb") as target:
                    shutil.copyfileobj(source, target)
        check_files(files, source=url)
        try:
            os.rename(files, cache)
        except OSError:  # another process filled the cache first
            check_files(cache)
        return cache
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_files(folder, source=None):
    """Each of the page's files in `folder` must have the pinned sha256."""
    for name in FILES:
        digest = sha256_file(os.path.join(folder, name))
        if digest != SHA256[name]:
            raise ValueError(
                f"onnxruntime-web file {os.path.join(folder, name)}{f' (from {source})' if source else ''} "
                f"must have the sha256 of version {VERSION} {SHA256[name]}, got {digest}; "
                "remove it to download it again"
            )


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_version(folder):
    try:
        with open(os.path.join(folder, "package.json"), encoding="utf-8") as f:
            return json.load(f).get("version")
    except (OSError, json.JSONDecodeError):
        return None
