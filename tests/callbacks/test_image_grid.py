import numpy as np
from PIL import Image

from kerasgen import callbacks, models, networks


def test_image_grid_writes_samples_and_reconstructions(tmp_path):
    encoder = networks.DenseEncoder((8, 8, 1), 2, hidden_units=(8,), variational=True)
    decoder = networks.DenseDecoder(2, (8, 8, 1), hidden_units=(8,))
    vae = models.VAE(encoder, decoder, seed=0)
    vae.compile(optimizer="adam")
    x = np.random.default_rng(0).random((32, 8, 8, 1)).astype("float32")
    samples = callbacks.ImageGrid(str(tmp_path / "s"), num_images=9, every=2)
    recon = callbacks.ImageGrid(str(tmp_path / "r"), num_images=4, images=x)
    vae.fit(x, epochs=4, batch_size=16, verbose=0, callbacks=[samples, recon])
    assert [p.split("/")[-1] for p in samples.paths] == ["epoch_002.png", "epoch_004.png"]
    assert len(recon.paths) == 4
    image = np.asarray(Image.open(samples.paths[-1]))
    assert image.shape == (3 * 10 + 2, 3 * 10 + 2) and image.max() > 0
