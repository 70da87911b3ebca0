"""The ResNet generator of recipe gan_rgb in the browser: the web export's existing ops
(nearest Resize, batch norm, Add) run in onnxruntime-web and match the Python sampler."""

import numpy as np
import pytest

from tests.export.test_web import browser, last_batch, needs_browser, open_page, state, write_latents  # noqa: F401


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import keras

    from kerasgen import recipes
    from kerasgen.export.web import serve, to_web

    keras.utils.set_random_seed(0)
    model = recipes.get("gan_rgb").build((32, 32, 3), latent_dim=8, generator_filters=4,
                                         discriminator_filters=4)
    x = np.random.default_rng(0).uniform(-1, 1, (16, 32, 32, 3)).astype("float32")
    model.fit(x, epochs=1, batch_size=8, verbose=0)  # moves the batch-norm statistics off their defaults
    root = tmp_path_factory.mktemp("web_resnet")
    to_web(model, root / "resnet")
    server = serve(root)
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@needs_browser
def test_browser_samples_of_the_resnet_generator_match_the_python_sampler(site, browser):  # noqa: F811
    from kerasgen_runtime import Sampler
    from kerasgen_runtime.latents import draw_latents

    root, base = site
    sampler = Sampler(root / "resnet" / "model.onnx")
    z = draw_latents(6, sampler.latent_dim, seed=5)
    write_latents(root / "z.json", z)
    page = open_page(browser, f"{base}/resnet/index.html?z=../z.json")
    assert state(page) == ["ready", None] and page.failed == []
    samples = last_batch(page)
    assert samples.shape == (6, 32, 32, 3)
    np.testing.assert_allclose(samples, sampler.decode(z), rtol=0, atol=1e-4)
    page.close()
