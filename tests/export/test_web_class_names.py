"""The web page's class picker shows a model's class names (metadata `class_names`, a
class folder's sorted sub-folders) and `?label=NAME` selects a class by name."""

import numpy as np
import pytest

from tests.export.test_web import browser, last_batch, needs_browser, open_page  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def named_site(tmp_path_factory):
    import keras

    from kerasgen.export.web import serve, to_web
    from kerasgen.models import ConditionalGAN
    from kerasgen.networks import ConditionalDCGANDiscriminator, ConditionalDCGANGenerator
    from tests.export.conftest import IMAGE_SHAPE, LATENT_DIM, NUM_CLASSES

    keras.utils.set_random_seed(3)
    names = [f"shape{k}" for k in range(NUM_CLASSES)]
    model = ConditionalGAN(
        ConditionalDCGANGenerator(LATENT_DIM, NUM_CLASSES, IMAGE_SHAPE, filters=(16, 8), embedding_dim=4),
        ConditionalDCGANDiscriminator(IMAGE_SHAPE, NUM_CLASSES, filters=(8, 16)), class_names=names)
    root = tmp_path_factory.mktemp("web_names")
    to_web(model, root / "named")
    server = serve(root)
    yield root / "named", f"http://127.0.0.1:{server.server_port}/named/index.html", names
    server.shutdown()


@needs_browser
def test_the_class_picker_shows_names_and_label_takes_one(named_site, browser):  # noqa: F811
    from kerasgen_runtime import Sampler

    folder, url, names = named_site
    sampler = Sampler(folder / "model.onnx")
    assert sampler.metadata["class_names"] == names
    page = open_page(browser, f"{url}?n=4&seed=1&label={names[2]}")
    options = page.evaluate("Array.from(document.getElementById('class').options, o => o.text)")
    assert options[1:] == names and options[0].startswith(f"all ({names[0]}, {names[1]}")
    assert page.evaluate("document.getElementById('class').value") == "2"
    z = np.asarray(page.evaluate(f"Array.from(window.kerasgen.drawLatents(4, {sampler.latent_dim}, 1))"),
                   dtype="float32").reshape(4, -1)
    np.testing.assert_allclose(last_batch(page), sampler.decode(z, labels=2), rtol=0, atol=1e-4)
    page.close()
