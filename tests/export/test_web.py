"""`kerasgen export --format web` in a real browser: Debian's chromium, headless, driven by
Playwright for Python (no browser download), the page served by a static server on
127.0.0.1. The browser's samples are compared with the Python `Sampler` on the same file.
"""

import json
import os

import numpy as np
import pytest

from kerasgen.export.web import find_onnxruntime_web

CHROMIUM = os.environ.get("KERASGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCALE = 3  # kerasgen.js draws each pixel as SCALE x SCALE CSS pixels


def onnxruntime_web_missing():
    try:
        find_onnxruntime_web()
    except ValueError as error:
        return str(error)
    return None


def browser_missing():
    reasons = []
    if not os.access(CHROMIUM, os.X_OK):
        reasons.append(f"no chromium at {CHROMIUM} (apt-get install -y chromium, or set KERASGEN_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("playwright is not installed (pip install -e '.[test]')")
    if onnxruntime_web_missing():
        reasons.append(onnxruntime_web_missing())
    return "; ".join(reasons)


needs_browser = pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "-")
needs_onnxruntime_web = pytest.mark.skipif(
    bool(onnxruntime_web_missing()), reason=onnxruntime_web_missing() or "-"
)


def points_model():
    """A tiny 2-D generator (ring8-like data: vectors, unbounded)."""
    import keras

    from tests.export.conftest import LATENT_DIM, SamplingContract

    keras.utils.set_random_seed(4)
    z = keras.Input((LATENT_DIM,), name="z")
    x = keras.layers.Dense(2)(keras.layers.Dense(16, activation="relu")(z))
    return SamplingContract(keras.Model(z, x), (None, None))


@pytest.fixture(scope="module")
def sites(models, tmp_path_factory):
    """A served root holding one web export per tiny model, and latents files beside them."""
    from kerasgen.export.web import serve, to_web

    root = tmp_path_factory.mktemp("web")
    for name, model in {**models, "points": points_model()}.items():
        to_web(model, root / name)
    server = serve(root)
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS, device_scale_factor=1,
        )
        yield context
        context.close()


def open_page(browser, url):
    """Loads `url` and waits for the page's first grid (or its error)."""
    page = browser.new_page()
    page.failed = []
    page.on("response", lambda r: r.status >= 400 and page.failed.append(f"{r.status} {r.url}"))
    page.goto(url)
    page.wait_for_function(
        "['ready', 'error'].includes(document.body.dataset.kerasgenState)", timeout=120_000
    )
    return page


def state(page):
    return page.evaluate("[document.body.dataset.kerasgenState, document.body.dataset.kerasgenError]")


def last_batch(page):
    data, shape = page.evaluate("[Array.from(window.kerasgen.lastBatch), window.kerasgen.lastShape]")
    return np.asarray(data, dtype="float32").reshape(shape)


def submit(page, form):
    runs = page.evaluate("window.kerasgen.runs")
    page.click(f"#{form} button")
    page.wait_for_function(f"window.kerasgen.runs > {runs} && document.body.dataset.kerasgenState !== 'busy'")
    assert state(page) == ["ready", None]


def write_latents(path, z):
    if str(path).endswith(".npy"):
        np.save(path, z)
    else:
        path.write_text(json.dumps({"z": z.tolist()}))


@needs_browser
@pytest.mark.parametrize("name, z_file", [
    ("vae", "z_vae.npy"), ("dcgan", "z_dcgan.json"), ("conditional", "z_conditional.npy"),
    ("points", "z_points.json"),
])
def test_browser_samples_match_the_python_sampler(sites, browser, name, z_file):
    from kerasgen.export.metadata import from_onnx_props
    from kerasgen_runtime import Sampler
    from kerasgen_runtime.latents import draw_latents

    root, base = sites
    sampler = Sampler(root / name / "model.onnx")
    z = draw_latents(12, sampler.latent_dim, seed=5)
    write_latents(root / z_file, z.astype("float64") if name == "conditional" else z)
    page = open_page(browser, f"{base}/{name}/index.html?z=../{z_file}")
    assert state(page) == ["ready", None] and page.failed == []
    stored = from_onnx_props(sampler.session.get_modelmeta().custom_metadata_map)
    assert page.evaluate("window.kerasgen.metadata") == stored  # parsed from the .onnx in JS
    browser_samples = last_batch(page)
    assert browser_samples.shape == (12, *sampler.image_shape)
    np.testing.assert_allclose(browser_samples, sampler.decode(z), rtol=0, atol=1e-4)
    assert page.locator("#class-field").is_visible() == (name == "conditional")
    page.close()


@needs_browser
def test_class_picker_changes_the_conditional_samples(sites, browser):
    from kerasgen_runtime import Sampler

    root, base = sites
    sampler = Sampler(root / "conditional" / "model.onnx")
    page = open_page(browser, f"{base}/conditional/index.html?n=9&seed=3")
    page.fill("#count", "9")
    batches = {}
    for label in (3, 4):
        page.select_option("#class", str(label))
        submit(page, "grid-form")
        batches[label] = last_batch(page)
    z = np.asarray(page.evaluate(f"Array.from(window.kerasgen.drawLatents(9, {sampler.latent_dim}, 3))"),
                   dtype="float32").reshape(9, -1)
    for label, batch in batches.items():
        np.testing.assert_allclose(batch, sampler.decode(z, labels=label), rtol=0, atol=1e-4)
    # the tiny untrained generator's outputs are small: 10x the parity tolerance is a change
    assert np.abs(batches[3] - batches[4]).max() > 1e-3
    page.close()

    page = open_page(browser, f"{base}/conditional/index.html?z=../z_conditional.npy&label=2")
    z = np.load(root / "z_conditional.npy")
    np.testing.assert_allclose(last_batch(page), sampler.decode(z, labels=2), rtol=0, atol=1e-4)
    page.close()


@needs_browser
def test_screenshot_shows_the_grid(sites, browser, tmp_path):
    from PIL import Image

    from kerasgen_runtime.images import image_grid
    from kerasgen_runtime import Sampler
    from kerasgen_runtime.latents import draw_latents

    root, base = sites
    sampler = Sampler(root / "vae" / "model.onnx")
    # large latents push the tiny untrained decoder's sigmoid towards 0 and 1: a contrasted grid
    z = 20 * draw_latents(16, sampler.latent_dim, seed=9)
    np.save(root / "z_grid.npy", z)
    page = open_page(browser, f"{base}/vae/index.html?z=../z_grid.npy")
    path = tmp_path / "grid.png"
    page.locator("#grid").screenshot(path=str(path))
    page.close()
    shot = np.asarray(Image.open(path).convert("L"), dtype="float32")
    expected = image_grid(sampler.to_uint8(sampler.decode(z)), columns=4).astype("float32")
    height, width = expected.shape
    # the element's box may start at a fractional CSS pixel: one row or column more
    assert abs(shot.shape[0] - height * SCALE) <= 1 and abs(shot.shape[1] - width * SCALE) <= 1
    pixels = shot[SCALE // 2 :: SCALE, SCALE // 2 :: SCALE][:height, :width]
    assert pixels.std() > 20 and len(np.unique(pixels)) > 64  # not blank
    assert np.abs(pixels - expected).mean() < 0.5  # the grid Python draws, pixel for pixel


@needs_browser
def test_page_latents_and_interpolation(sites, browser):
    from kerasgen_runtime import Sampler

    root, base = sites
    sampler = Sampler(root / "vae" / "model.onnx")
    page = open_page(browser, f"{base}/vae/index.html?n=4")
    draw = "(n, d, seed) => Array.from(window.kerasgen.drawLatents(n, d, seed))"
    z = np.asarray(page.evaluate(f"() => ({draw})(4000, 5, 7)"))
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    assert page.evaluate(f"() => ({draw})(3, 5, 7)") == list(z[:15])  # same seed, same z
    assert page.evaluate(f"() => ({draw})(3, 5, 8)") != list(z[:15])
    a, b = z[:5], z[5:10]
    t = np.linspace(0, 1, 6)[:, None]
    omega = np.arccos(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    expected = {
        "linear": (1 - t) * a + t * b,
        "slerp": (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega),
    }
    for method, points in expected.items():
        got = page.evaluate(f"([a, b]) => Array.from(window.kerasgen.interpolate(a, b, 6, '{method}'))",
                            [a.tolist(), b.tolist()])
        np.testing.assert_allclose(np.reshape(got, (6, 5)), points, atol=1e-5)

    # the strip form: seeds 1 and 2, 5 steps, linear; its ends are the seeds' samples
    page.fill("#seed-a", "1")
    page.fill("#seed-b", "2")
    page.fill("#steps", "5")
    page.select_option("#method", "linear")
    submit(page, "strip-form")
    strip = last_batch(page)
    ends = np.asarray(page.evaluate(f"() => [...({draw})(1, {sampler.latent_dim}, 1), "
                                    f"...({draw})(1, {sampler.latent_dim}, 2)]"), dtype="float32")
    assert strip.shape == (5, *sampler.image_shape)
    np.testing.assert_allclose(strip[[0, -1]], sampler.decode(ends.reshape(2, -1)), atol=1e-4)
    page.close()


@needs_browser
def test_page_reports_errors(sites, browser):
    root, base = sites
    page = open_page(browser, f"{base}/vae/index.html?model=missing.onnx")
    assert state(page) == ["error", "model missing.onnx: HTTP 404"]
    assert page.locator("#status").inner_text() == "model missing.onnx: HTTP 404"
    page.close()
    np.save(root / "z_wrong.npy", np.zeros((2, 3), dtype="float32"))
    page = open_page(browser, f"{base}/vae/index.html?z=../z_wrong.npy")
    assert state(page) == ["error", "z file ../z_wrong.npy has shape [2,3], expected [n, 8]"]
    page.close()
    page = open_page(browser, f"{base}/vae/index.html?label=1")
    assert state(page) == ["error", "label must be empty: the model is not conditional, got 1"]
    page.close()
    page = open_page(browser, (root / "vae" / "index.html").as_uri())
    assert state(page)[0] == "error" and "not from file://" in state(page)[1]
    page.close()


@needs_onnxruntime_web
def test_web_export_never_replaces_a_users_folder(vae, tmp_path, capsys):
    from kerasgen import cli

    keras_path = str(tmp_path / "vae.keras")
    vae.save(keras_path)
    site = tmp_path / "site"
    assert cli.main(["export", keras_path, "--format", "web", "-o", str(site)]) == 0
    assert "python -m http.server -d" in capsys.readouterr().out
    files = json.loads((site / "kerasgen_web.json").read_text())["files"]
    assert {"index.html", "kerasgen.js", "model.onnx", "ort/ort-wasm-simd-threaded.wasm"} <= set(files)
    assert cli.main(["export", keras_path, "--format", "web", "-o", str(site)]) == 2
    assert "holds a previous kerasgen web export; pass --overwrite" in capsys.readouterr().err
    before = (site / "model.onnx").stat().st_mtime_ns
    assert cli.main(["export", keras_path, "--format", "web", "-o", str(site), "--overwrite"]) == 0
    assert (site / "model.onnx").stat().st_mtime_ns != before

    (site / "notes.txt").write_text("mine")  # a user's file inside an export: never deleted
    assert cli.main(["export", keras_path, "--format", "web", "-o", str(site), "--overwrite"]) == 2
    assert "not a kerasgen web export (it also holds ['notes.txt'])" in capsys.readouterr().err
    users = tmp_path / "users"
    users.mkdir()
    (users / "index.html").write_text("mine")
    assert cli.main(["export", keras_path, "--format", "web", "-o", str(users), "--overwrite"]) == 2
    assert "is an existing directory that is not a kerasgen web export" in capsys.readouterr().err
    assert (users / "index.html").read_text() == "mine" and (site / "notes.txt").exists()
    assert cli.main(["export", keras_path, "--format", "web", "-o", keras_path]) == 2
    assert "is an existing file; expected a directory for a kerasgen web export" in capsys.readouterr().err

    missing = str(tmp_path / "no_node_modules")
    args = ["export", keras_path, "--format", "web", "-o", str(tmp_path / "new"), "--onnxruntime-web", missing]
    assert cli.main(args) == 2
    error = capsys.readouterr().err
    assert "onnxruntime-web not found in" in error and "--onnxruntime-web PATH" in error
    assert sorted(os.listdir(tmp_path)) == ["site", "users", "vae.keras"]


@pytest.fixture(scope="module")
def other_origin(sites):
    """A second server (another port: another origin) that allows any origin to read its
    files (CORS), serving the same exports, and the paths it was asked for."""
    import functools
    import http.server
    import threading

    root, _ = sites
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self):
            self.send_header("Access-Control-Allow-Origin", "*")
            super().end_headers()

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


@needs_browser
@pytest.mark.parametrize("parameter, path", [
    ("model", "vae/model.onnx"), ("z", "z_other.npy"),
])
def test_files_from_another_origin_are_refused(sites, browser, other_origin, parameter, path):
    root, base = sites
    other, requests = other_origin
    np.save(root / "z_other.npy", np.zeros((2, 8), dtype="float32"))
    url = f"{other}/{path}"
    page = open_page(browser, f"{base}/vae/index.html?{parameter}={url}")
    assert state(page) == ["error", f"{parameter} must be on this page's origin ({base}), got \"{url}\""]
    assert requests == []  # refused before any request
    page.close()
    # the same file from the page's own origin loads
    page = open_page(browser, f"{base}/vae/index.html?{parameter}=../{path.replace('vae/', '')}"
                     if parameter == "z" else f"{base}/vae/index.html?{parameter}=model.onnx")
    assert state(page) == ["ready", None]
    page.close()


@needs_browser
def test_the_number_of_samples_is_capped(sites, browser):
    root, base = sites
    page = browser.new_page()
    page.goto(f"{base}/vae/index.html?n=100000000")
    # before the cap the tab drew 10^8 latents and ran them: minutes, gigabytes
    page.wait_for_function("['ready', 'error'].includes(document.body.dataset.kerasgenState)", timeout=30_000)
    assert state(page) == ["error", "n must be a whole number from 1 to 1024, got 100000000"]
    page.close()
    page = open_page(browser, f"{base}/vae/index.html?n=1024")
    assert state(page) == ["ready", None] and last_batch(page).shape[0] == 1024
    message = page.evaluate("window.kerasgen.drawGrid({n: 1025}).then(() => 'drawn', (e) => e.message)")
    assert message == "n must be a whole number from 1 to 1024, got 1025"
    message = page.evaluate("window.kerasgen.drawStrip({steps: 65}).then(() => 'drawn', (e) => e.message)")
    assert message == "steps must be a whole number from 1 to 64, got 65"
    page.close()
    np.save(root / "z_many.npy", np.zeros((1025, 8), dtype="float32"))
    page = open_page(browser, f"{base}/vae/index.html?z=../z_many.npy")
    assert state(page) == ["error", "z rows must be a whole number from 1 to 1024, got 1025"]
    page.close()


@needs_browser
@pytest.mark.parametrize("name, message", [
    ("huge_dims.onnx", "../huge_dims.onnx: metadata image_shape [50000,50000,1] holds 2500000000 values, "
                       "more than 16777216"),
    ("short_rows.onnx", "the model returned samples of shape [1,1,3,1], expected [64,1,3,1] "
                        "(its metadata's image_shape)"),
    ("nonfinite.onnx", "the model returned NaN or inf"),
])
def test_files_that_break_their_metadata_are_refused_by_the_page(sites, browser, name, message):
    import shutil

    root, base = sites
    shutil.copy(os.path.join(os.path.dirname(__file__), "..", "..", "runtime", "tests", "fixtures", name), root / name)
    page = open_page(browser, f"{base}/vae/index.html?model=../{name}")
    assert state(page) == ["error", message]
    page.close()
