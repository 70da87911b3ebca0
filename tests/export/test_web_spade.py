"""The web page of a SPADE generator in a real browser (headless Debian chromium, as
tests/export/test_web.py): label maps fed from Python, painted with the brush or picked
from the presets, compared with `kerasgen_runtime.SPADESampler` on the same file.
"""

import json

import numpy as np
import pytest

from tests.export.test_web import browser, last_batch, needs_browser, open_page, state, submit  # noqa: F401


@pytest.fixture(scope="module")
def spade_site(tmp_path_factory):
    from kerasgen.export.web import serve, to_web
    from tests.models.spade_checks import tiny_spade

    root = tmp_path_factory.mktemp("web_spade")
    to_web(tiny_spade(), root / "spade")
    server = serve(root)
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def spade_sampler(root):
    from kerasgen_runtime import SPADESampler

    return SPADESampler(root / "spade" / "model.onnx")


def run_sampler(sampler, label_map, z):
    """The runtime's session on explicit z (the page's own seeded z) and maps."""
    maps = np.broadcast_to(np.asarray(label_map, "int64").reshape(-1, *sampler.map_shape), (len(z), *sampler.map_shape))
    return sampler.session.run(["x"], {"label_map": np.ascontiguousarray(maps), "z": z.astype("float32")})[0]


def page_map(page):
    return np.asarray(page.evaluate("Array.from(window.kerasgen.labelMap)"))


@needs_browser
def test_browser_spade_samples_match_the_spade_sampler(spade_site, browser):
    from kerasgen_runtime.latents import draw_latents
    from tests.models.spade_checks import tiny_data

    root, base = spade_site
    sampler = spade_sampler(root)
    _, maps = tiny_data()
    np.save(root / "map.npy", maps[0].astype("int64"))
    np.save(root / "z9.npy", draw_latents(9, sampler.latent_dim, seed=5))
    page = open_page(browser, f"{base}/spade/index.html?z=../z9.npy&label_map=../map.npy")
    assert state(page) == ["ready", None] and page.failed == []
    assert page.locator("#label-map-section").is_visible() and not page.locator("#class-field").is_visible()
    assert "label map 16x16" in page.locator("#model-info").inner_text()
    np.testing.assert_array_equal(page_map(page), maps[0].ravel())
    samples = last_batch(page)
    assert samples.shape == (9, *sampler.image_shape)
    np.testing.assert_allclose(samples, sampler.sample(maps[0], 9, seed=5), rtol=0, atol=1e-4)
    page.close()

    # a .json of one map per sample (uint8 ints in a .npy work too: any C-order int array)
    (root / "maps3.json").write_text(json.dumps({"label_map": maps[1:4].tolist()}))
    np.save(root / "z3.npy", draw_latents(3, sampler.latent_dim, seed=6))
    page = open_page(browser, f"{base}/spade/index.html?z=../z3.npy&label_map=../maps3.json")
    assert state(page) == ["ready", None]
    np.testing.assert_allclose(last_batch(page), sampler.sample(maps[1:4], seed=6), rtol=0, atol=1e-4)
    page.close()


@needs_browser
def test_painting_and_presets_change_the_spade_samples(spade_site, browser):
    root, base = spade_site
    sampler = spade_sampler(root)
    page = open_page(browser, f"{base}/spade/index.html?n=4&seed=3")
    page.fill("#count", "4")
    z = np.asarray(page.evaluate(f"Array.from(window.kerasgen.drawLatents(4, {sampler.latent_dim}, 3))"),
                   dtype="float32").reshape(4, -1)
    scene = page_map(page)
    assert page.locator("#preset").input_value() == "scene" and len(np.unique(scene)) == 2
    np.testing.assert_allclose(last_batch(page), run_sampler(sampler, scene, z), rtol=0, atol=1e-4)

    runs = page.evaluate("window.kerasgen.runs")
    page.select_option("#preset", "blank")  # a preset redraws the grid
    page.wait_for_function(f"window.kerasgen.runs > {runs} && document.body.dataset.kerasgenState !== 'busy'")
    assert state(page) == ["ready", None] and not page_map(page).any()
    blank = last_batch(page)
    np.testing.assert_allclose(blank, run_sampler(sampler, np.zeros(16 * 16), z), rtol=0, atol=1e-4)

    # paint class 1 with a 4-pixel brush along the map's diagonal: the stroke redraws
    page.select_option("#brush-class", "1")
    page.fill("#brush-size", "4")
    box = page.locator("#label-map").bounding_box()
    runs = page.evaluate("window.kerasgen.runs")
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.8 * box["width"], box["y"] + 0.8 * box["height"], steps=12)
    page.mouse.up()
    page.wait_for_function(f"window.kerasgen.runs > {runs} && document.body.dataset.kerasgenState !== 'busy'")
    painted = page_map(page).reshape(16, 16)
    assert painted[8, 8] == 1 and painted[0, 15] == 0 and painted[15, 0] == 0 and 20 < painted.sum() < 120
    assert page.locator("#preset").input_value() == ""
    samples = last_batch(page)
    np.testing.assert_allclose(samples, run_sampler(sampler, painted, z), rtol=0, atol=1e-4)
    # the tiny untrained generator's outputs move little: 10x the parity tolerance is a change
    assert np.abs(samples - blank).max() > 1e-3

    # the strip follows the painted map too
    submit(page, "strip-form")
    strip = last_batch(page)
    ends = np.asarray(page.evaluate(f"[...window.kerasgen.drawLatents(1, {sampler.latent_dim}, 1), "
                                    f"...window.kerasgen.drawLatents(1, {sampler.latent_dim}, 2)]"), dtype="float32")
    np.testing.assert_allclose(strip[[0, -1]], run_sampler(sampler, painted, ends.reshape(2, -1)), atol=1e-4)
    page.close()


@needs_browser
def test_spade_screenshot_shows_the_grid_and_the_map(spade_site, browser, tmp_path):
    from PIL import Image

    from kerasgen_runtime.latents import draw_latents
    from kerasgen_runtime.images import image_grid
    from tests.export.test_web import SCALE

    root, base = spade_site
    sampler = spade_sampler(root)
    # large style codes push the tiny untrained generator's tanh towards -1 and 1: contrast
    z = 20 * draw_latents(16, sampler.latent_dim, seed=1)
    np.save(root / "z_shot.npy", z)
    page = open_page(browser, f"{base}/spade/index.html?z=../z_shot.npy")
    shots = {}
    for element in ("grid", "label-map"):
        path = tmp_path / f"{element}.png"
        page.locator(f"#{element}").screenshot(path=str(path))
        shots[element] = np.asarray(Image.open(path).convert("RGB"), dtype="float32")
    scene = page_map(page)
    page.close()
    low, high = sampler.metadata["value_range"]
    images = run_sampler(sampler, scene, z)
    uint8 = np.clip(np.rint((images - low) * (255.0 / (high - low))), 0, 255).astype("uint8")
    expected = image_grid(uint8, columns=4).astype("float32")
    height, width, _ = expected.shape
    shot = shots["grid"]
    assert abs(shot.shape[0] - height * SCALE) <= 1 and abs(shot.shape[1] - width * SCALE) <= 1
    pixels = shot[SCALE // 2 :: SCALE, SCALE // 2 :: SCALE][:height, :width]
    assert pixels.std() > 20 and len(np.unique(pixels)) > 64  # not blank
    assert np.abs(pixels - expected).mean() < 0.5  # the grid Python draws, pixel for pixel
    # the map canvas (16x16 drawn 8x): the "scene" preset's classes in their colours
    palette = {0: (0x3C, 0x3C, 0x3C), 1: (0xE6, 0x19, 0x4B)}
    cells = shots["label-map"][4::8, 4::8][:16, :16].astype(int)
    for k, colour in palette.items():
        assert (cells[scene.reshape(16, 16) == k] == colour).all()


@needs_browser
def test_spade_page_reports_label_map_errors(spade_site, browser):
    root, base = spade_site
    np.save(root / "map_wrong.npy", np.zeros((8, 8), dtype="int32"))
    np.save(root / "map_class.npy", np.full((16, 16), 5, dtype="uint8"))
    np.save(root / "map_float.npy", np.zeros((16, 16), dtype="float32"))
    expected = {
        "map_wrong.npy": "label_map file ../map_wrong.npy has shape [1,8,8], expected [16,16] or [n, 16,16]",
        "map_class.npy": "label_map file ../map_class.npy must hold classes in [0, 1], got 5",
        "map_float.npy": "label_map file ../map_float.npy must be a C-order int array, got {'descr': '<f4', "
                         "'fortran_order': False, 'shape': (16, 16), }",
    }
    for name, message in expected.items():
        page = open_page(browser, f"{base}/spade/index.html?label_map=../{name}")
        assert state(page) == ["error", message]
        page.close()
