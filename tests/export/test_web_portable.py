"""The portable latent generator kerasgen-v1 in a real browser (headless Debian chromium,
as tests/export/test_web.py): seed 7 gives the page, the runtime sampler and the Keras
model the same z, bit for bit, and so the same grid, for a VAE, a GAN, a conditional GAN
and SPADE.
"""

import numpy as np
import pytest

from tests.export.test_web import browser, last_batch, needs_browser, open_page, state  # noqa: F401

SEED, COUNT = 7, 9
# Max |diff| of the grids: the z are the same bits, the rest is the float32 arithmetic of
# three engines (onnxruntime-web's WebAssembly kernels, onnxruntime's, Keras's). SPADE's
# normalizations sum over whole feature maps in another order: measured 1.8e-6 at most.
TOLERANCE = {"vae": 1e-6, "dcgan": 1e-6, "conditional": 1e-6, "spade": 5e-6}


@pytest.fixture(scope="module")
def portable_sites(models, tmp_path_factory):
    from kerasgen.export.web import serve, to_web
    from tests.models.spade_checks import tiny_spade

    root = tmp_path_factory.mktemp("web_portable")
    keras_models = {**models, "spade": tiny_spade()}
    for name, model in keras_models.items():
        to_web(model, root / name)
    server = serve(root)
    yield root, f"http://127.0.0.1:{server.server_port}", keras_models
    server.shutdown()


def page_latents(page, count, dim, seed):
    values = page.evaluate(f"Array.from(window.kerasgen.drawLatents({count}, {dim}, {seed}))")
    return np.asarray(values, dtype="float32").reshape(count, dim)


@needs_browser
@pytest.mark.parametrize("name", ["vae", "dcgan", "conditional", "spade"])
def test_seed_7_gives_the_same_grid_in_the_page_the_runtime_and_keras(portable_sites, browser, name):
    from kerasgen_runtime import Sampler, SPADESampler
    from kerasgen_runtime.latents import draw_latents

    root, base, keras_models = portable_sites
    model = keras_models[name]
    page = open_page(browser, f"{base}/{name}/index.html?seed={SEED}&n={COUNT}")
    assert state(page) == ["ready", None] and page.failed == []
    assert page.evaluate("window.kerasgen.metadata.latent_generator") == "kerasgen-v1"
    grid = last_batch(page)
    z = page_latents(page, COUNT, model.latent_dim, SEED)
    # the same float32 bits as the runtime's (and so the Keras model's) z
    np.testing.assert_array_equal(z.view("uint32"), draw_latents(COUNT, model.latent_dim, SEED).view("uint32"))
    if name == "spade":
        label_map = np.asarray(page.evaluate("Array.from(window.kerasgen.labelMap)")).reshape(model.map_shape)
        runtime = SPADESampler(root / name / "model.onnx").sample(label_map, COUNT, seed=SEED)
        keras_grid = model.sample(COUNT, seed=SEED, label_maps=label_map)
    else:
        runtime = Sampler(root / name / "model.onnx").sample(COUNT, seed=SEED)
        keras_grid = model.sample(COUNT, seed=SEED)  # labels cycle 0, 1, ... as on the page
    assert grid.shape == runtime.shape == keras_grid.shape
    np.testing.assert_allclose(grid, runtime, rtol=0, atol=TOLERANCE[name])
    np.testing.assert_allclose(grid, keras_grid, rtol=0, atol=TOLERANCE[name])
    page.close()


@needs_browser
def test_the_page_draws_kerasgen_v1_bit_for_bit_on_many_values(portable_sites, browser):
    """200,000 values per seed, seeds at the ends of the page's range (2**53 - 1 is the
    largest a URL's number keeps exactly; BigInt seeds reach 2**64 - 1)."""
    from kerasgen_runtime.latents import portable_normals

    _, base, _ = portable_sites
    page = open_page(browser, f"{base}/vae/index.html?n=1")
    page.evaluate("async () => { window.kerasgenModule = await import('./kerasgen.js'); }")
    for seed, js_seed, start in [(0, "0", 0), (7, "7", 3), (2**53 - 1, "2 ** 53 - 1", 1), (2**64 - 1, "2n ** 64n - 1n", 0)]:
        values = page.evaluate(
            f"Array.from(new Uint32Array(window.kerasgenModule.portableNormals({js_seed}, {start}, 200000).buffer))")
        expected = portable_normals(seed, start, 200000).view("uint32")
        mismatches = np.flatnonzero(np.asarray(values, dtype="uint32") != expected)
        assert mismatches.size == 0, f"seed {seed}: {mismatches.size} values differ, first at {mismatches[:3]}"
    error = page.evaluate("() => { try { window.kerasgenModule.portableNormals(-1, 0, 2); } catch (e) { return e.message; } }")
    assert error == "seed must be an int in [0, 2**64), got -1"
    page.close()


@needs_browser
def test_verify_1_checks_the_generator_against_test_vectors_from_python(portable_sites, browser):
    import re

    from kerasgen.export.web import ASSETS
    from kerasgen_runtime.latents import portable_normals

    # the vectors in kerasgen.js are the runtime's bits
    source = open(f"{ASSETS}/kerasgen.js", encoding="utf-8").read()
    vectors = re.findall(r"\[(0|7|2 \*\* 53 - 1), \[([0-9, ]+)\]\]", source)
    assert len(vectors) == 3
    for seed, bits in vectors:
        seed = 2**53 - 1 if seed == "2 ** 53 - 1" else int(seed)
        assert [int(b) for b in bits.split(",")] == list(portable_normals(seed, 0, 4).view("uint32"))
    _, base, _ = portable_sites
    page = open_page(browser, f"{base}/dcgan/index.html?n=4&verify=1")
    assert state(page) == ["ready", None]
    assert page.locator("#self-test").inner_text() == (
        "self-test PASS: kerasgen-v1 gives the 12 reference values bit for bit in this browser")
    assert page.evaluate("window.kerasgen.selfTest") == {"passed": True, "checked": 12, "failures": []}
    page.close()
    page = open_page(browser, f"{base}/dcgan/index.html?n=4")
    assert not page.locator("#self-test").is_visible()
    page.close()


@needs_browser
def test_a_file_exported_before_kerasgen_v1_keeps_the_pages_old_draw(portable_sites, browser):
    """No latent_generator in the metadata: the page draws mulberry32 z as it did then."""
    import onnx

    from kerasgen_runtime import Sampler

    root, base, keras_models = portable_sites
    legacy = root / "legacy"
    legacy.mkdir()
    for name in ("index.html", "kerasgen.js", "kerasgen.css"):
        (legacy / name).write_bytes((root / "dcgan" / name).read_bytes())
    (legacy / "ort").symlink_to(root / "dcgan" / "ort")
    proto = onnx.load(root / "dcgan" / "model.onnx")
    kept = [p for p in proto.metadata_props if p.key != "kerasgen.latent_generator"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    onnx.save(proto, legacy / "model.onnx")
    page = open_page(browser, f"{base}/legacy/index.html?seed={SEED}&n={COUNT}")
    assert state(page) == ["ready", None] and page.failed == []
    assert page.evaluate("window.kerasgen.metadata.latent_generator") is None
    dim = keras_models["dcgan"].latent_dim
    old = np.asarray(page.evaluate(f"Array.from(window.kerasgen.drawLatents({COUNT}, {dim}, {SEED}, null))"),
                     dtype="float32").reshape(COUNT, dim)
    assert not np.array_equal(old, page_latents(page, COUNT, dim, SEED))  # not kerasgen-v1
    np.testing.assert_allclose(last_batch(page), Sampler(legacy / "model.onnx").decode(old), rtol=0, atol=1e-6)
    page.close()
