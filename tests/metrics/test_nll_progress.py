import numpy as np

from kerasgen.metrics.evaluate import negative_log_likelihood
from kerasgen.models import VAE
from kerasgen.networks import DenseDecoder, DenseEncoder


def test_nll_shows_a_progress_bar_and_keeps_its_numbers(capsys):
    vae = VAE(DenseEncoder((4, 4, 1), 2, units=(8,), variational=True),
              DenseDecoder(2, (4, 4, 1), units=(8,)))
    x = np.random.default_rng(0).uniform(0, 1, (300, 4, 4, 1)).astype("float32")
    result = negative_log_likelihood(vae, x, num_samples=100, seed=0, progress=True)
    bar = capsys.readouterr().err
    assert "nll [" in bar and "300/300" in bar and "examples/s" in bar
    assert bar.count("\r") >= 2  # updated while running, not only at the end
    # The bar does not change the estimate.
    assert result.value == float(vae.log_likelihood(x, num_samples=100, seed=0).mean())
    negative_log_likelihood(vae, x[:10], num_samples=3, progress=False)
    assert capsys.readouterr().err == ""
