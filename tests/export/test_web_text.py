"""`kerasgen export TEXT_MODEL --format web` in a real browser (Debian's chromium, headless,
via Playwright): the page samples strings, and decodes given codes into the strings
Keras's greedy decoding gives."""

import json

import keras
import numpy as np
import pytest

from kerasgen import cli, models, networks
from kerasgen.data import text
from tests.export.test_web import browser, needs_browser, open_page  # noqa: F401 (browser: a fixture)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A SequenceVAE trained 2 epochs on a seeded random 400 census first names, exported as a page."""
    pytest.importorskip("names")
    from kerasgen.export.web import find_onnxruntime_web, serve

    try:
        find_onnxruntime_web()
    except ValueError as error:
        pytest.skip(str(error))
    everything = text.census_names("first")
    items = [everything[i] for i in np.random.default_rng(5).choice(len(everything), 400, replace=False)]
    vocabulary = text.Vocabulary.from_items(everything)
    model = models.SequenceVAE(networks.TextEncoder(len(vocabulary), 13, 4, embedding_dim=8, hidden_units=16),
                               networks.TextDecoder(len(vocabulary), 4, embedding_dim=8, hidden_units=32),
                               vocabulary.tokens, 12, free_bits=0.2, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(vocabulary.encode(items, 12), epochs=2, batch_size=32, verbose=0)
    root = tmp_path_factory.mktemp("web_text")
    model.save(str(root / "names.keras"))
    assert cli.main(["export", str(root / "names.keras"), "--format", "web", "-o", str(root / "site")]) == 0
    server = serve(root / "site")
    yield model, f"http://127.0.0.1:{server.server_port}/", root / "site"
    server.shutdown()


def test_the_site_holds_the_page_the_step_and_its_manifest(site):
    _, _, folder = site
    manifest = json.loads((folder / "kerasgen_web.json").read_text())
    assert {"index.html", "kerasgen_text.js", "kerasgen.css", "step.onnx", "encoder.onnx", "text_step.json"} <= set(manifest["files"])
    assert cli.main(["export", str(folder.parent / "names.keras"), "--format", "web", "-o", str(folder)]) == 2


@needs_browser
def test_the_page_samples_and_decodes_like_keras(site, browser):  # noqa: F811
    model, url, _ = site
    page = open_page(browser, url)
    assert page.evaluate("document.body.dataset.kerasgenState") == "ready", page.inner_text("#error")
    shown = page.eval_on_selector_all("#samples li", "items => items.map(i => i.textContent)")
    assert len(shown) == 16 and set("".join(shown)) <= set(model.vocabulary.tokens)
    z = np.random.default_rng(0).standard_normal((12, model.latent_dim)).astype("float32")
    decoded = page.evaluate("z => window.kerasgenText.decode(z)", z.tolist())
    assert decoded == model.decode(z)  # greedy: the same strings as Keras for the same codes
    page.fill("#seed", "3")
    page.fill("#temperature", "1")
    page.fill("#top-k", "5")
    page.evaluate("document.body.dataset.kerasgenState = 'submitted'")  # 'ready' again only after this run
    page.click("#sample")
    page.wait_for_function("document.body.dataset.kerasgenState === 'ready'")
    again = page.evaluate("window.kerasgenText.sample(16, 3, {temperature: 1, topK: 5})")
    assert page.eval_on_selector_all("#samples li", "items => items.map(i => i.textContent)") == again
    page.close()


@needs_browser
def test_the_page_interpolates_between_two_typed_items_like_keras(site, browser):  # noqa: F811
    model, url, _ = site
    page = open_page(browser, url)
    assert page.evaluate("document.body.dataset.kerasgenState") == "ready", page.inner_text("#error")
    for a, b in (("mary", "john"), ("christopher", "ann")):
        page.fill("#from", a)
        page.fill("#to", b)
        page.fill("#steps", "6")
        page.evaluate("document.body.dataset.kerasgenState = 'submitted'")
        page.click("#interpolate")
        page.wait_for_function("document.body.dataset.kerasgenState === 'ready'")
        shown = page.eval_on_selector_all("#path li", "items => items.map(i => i.textContent)")
        assert shown == model.interpolate(a, b, steps=6)
    page.fill("#to", "zoë")
    page.evaluate("document.body.dataset.kerasgenState = 'submitted'")
    page.click("#interpolate")
    page.wait_for_function("document.body.dataset.kerasgenState === 'ready'")
    assert page.inner_text("#interpolate-error") == (
        "item \"zoë\" holds \"ë\", which is not in the model's vocabulary")
    page.close()


@needs_browser
def test_a_seed_gives_the_page_the_runtimes_and_keras_codes_and_strings(site, browser):  # noqa: F811
    """kerasgen-v1 on the text page: the same z bits as the runtime's, and so the same greedy
    strings; the same token draws, and so the same sampled strings, as Keras and TextSampler."""
    from kerasgen_runtime import TextSampler
    from kerasgen_runtime.latents import draw_latents

    model, url, folder = site
    assert json.loads((folder / "text_step.json").read_text())["latent_generator"] == "kerasgen-v1"
    sampler = TextSampler(folder / "step.onnx")
    assert sampler.latent_generator == "kerasgen-v1"
    page = open_page(browser, url)
    assert page.evaluate("document.body.dataset.kerasgenState") == "ready", page.inner_text("#error")
    for seed in (0, 7, 2**53 - 1):
        bits = page.evaluate(f"Array.from(new Uint32Array(window.kerasgenText.latents(12, {seed}).buffer))")
        expected = draw_latents(12, model.latent_dim, seed).view("uint32").reshape(-1)
        np.testing.assert_array_equal(np.asarray(bits, dtype="uint32"), expected)
    for options, keywords in (("{}", {}), ("{temperature: 1, topK: 5}", {"temperature": 1.0, "top_k": 5}),
                              ("{temperature: 0.8}", {"temperature": 0.8})):
        shown = page.evaluate(f"window.kerasgenText.sample(24, 7, {options})")
        assert shown == model.sample(24, seed=7, **keywords) == sampler.sample(24, seed=7, **keywords)
        assert len(set(shown)) > 4  # strings, not one empty string 24 times
    # what the page shows for seed 7 is what kerasgen-sample writes for seed 7
    page.fill("#seed", "7")
    page.fill("#count", "10")
    page.evaluate("document.body.dataset.kerasgenState = 'submitted'")
    page.click("#sample")
    page.wait_for_function("document.body.dataset.kerasgenState === 'ready'")
    assert page.eval_on_selector_all("#samples li", "items => items.map(i => i.textContent)") == sampler.sample(10, seed=7)
    page.close()


def test_a_step_file_exported_before_kerasgen_v1_keeps_numpys_draws(site, tmp_path):
    """No latent_generator in the step's metadata: TextSampler draws as it did then."""
    import onnx

    from kerasgen_runtime import TextSampler
    from kerasgen_runtime.text_sampler import METADATA_KEY

    model, _, folder = site
    proto = onnx.load(folder / "step.onnx")
    for prop in proto.metadata_props:
        if prop.key == METADATA_KEY:
            metadata = json.loads(prop.value)
            del metadata["latent_generator"]
            prop.value = json.dumps(metadata)
    onnx.save(proto, tmp_path / "old_step.onnx")
    old = TextSampler(tmp_path / "old_step.onnx")
    assert old.latent_generator == "numpy-pcg64"
    assert old.sample(24, seed=7, temperature=1.0) == model.sample(24, seed=7, temperature=1.0,
                                                                  latent_generator="numpy-pcg64")
    assert old.sample(24, seed=7, temperature=1.0) != model.sample(24, seed=7, temperature=1.0)
