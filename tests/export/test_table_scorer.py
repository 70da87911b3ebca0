"""A table VAE's anomaly scores from its ONNX encoder + decoder (`kerasgen_runtime.Scorer`,
NumPy + onnxruntime) equal `model.anomaly_score` in Keras: the Standardize statistics
travel in the encoder graph, the TableHead's Gaussian scales and one-hot slots in the
decoder's metadata."""

import numpy as np
import pytest

from kerasgen.data import read_table
from tests.data.tables_data import write_csv


@pytest.fixture(scope="module")
def wine_vae(tmp_path_factory):
    """A small table VAE trained on wine (13 numeric columns, the class one-hot)."""
    import keras

    from kerasgen import recipes
    from kerasgen.data.tables import feature_statistics
    from kerasgen.export import to_onnx

    folder = tmp_path_factory.mktemp("wine")
    table = read_table(write_csv(folder / "wine.csv", "wine", text_target=True))
    mean, std = feature_statistics(table.columns, table.x)
    keras.utils.set_random_seed(0)
    model = recipes.get("vae").build(table.x.shape[1:], latent_dim=3, seed=0, table={
        "columns": table.columns, "mean": mean.tolist(), "std": std.tolist()})
    model.fit(table.x, epochs=30, batch_size=32, verbose=0)
    to_onnx(model, folder / "encoder.onnx", encoder=True)
    to_onnx(model, folder / "decoder.onnx")
    return model, table, folder


def test_runtime_scorer_matches_keras_on_a_table_vae(wine_vae):
    from kerasgen_runtime import Scorer

    model, table, folder = wine_vae
    scorer = Scorer(folder / "encoder.onnx", folder / "decoder.onnx")
    assert scorer.likelihood == "table"  # read from the decoder's metadata
    # The learned scales moved away from their start (1 std), so they are really read.
    assert not np.allclose(scorer.table[1][scorer.table[0]], np.asarray(model.decoder.get_layer(
        "table_head").std)[scorer.table[0]])
    for method in ("negative_elbo", "negative_iw_bound"):
        np.testing.assert_allclose(scorer.score(table.x[:40], method, num_samples=16, seed=4),
                                   model.anomaly_score(table.x[:40], method, num_samples=16, seed=4),
                                   rtol=1e-4)
    # A row in other units (every numeric value x10) scores far higher, on both sides.
    odd = table.x[:5].copy()
    odd[:, :13] *= 10
    assert np.all(scorer.score(odd, num_samples=16) > scorer.score(table.x[:5], num_samples=16) + 50)


def test_scorer_refuses_a_table_likelihood_the_decoder_does_not_state(wine_vae, tmp_path):
    import keras

    from kerasgen import recipes
    from kerasgen.export import to_onnx
    from kerasgen_runtime import Scorer

    model, _, folder = wine_vae
    keras.utils.set_random_seed(0)
    plain = recipes.get("vae").build((16,), latent_dim=3, likelihood="gaussian", seed=0)
    to_onnx(plain, tmp_path / "encoder.onnx", encoder=True)
    to_onnx(plain, tmp_path / "decoder.onnx")
    with pytest.raises(ValueError, match="likelihood 'table' needs the decoder's metadata to state it"):
        Scorer(tmp_path / "encoder.onnx", tmp_path / "decoder.onnx", likelihood="table")
    gaussian = Scorer(tmp_path / "encoder.onnx", tmp_path / "decoder.onnx")
    assert gaussian.likelihood == "gaussian" and gaussian.observation_std == plain.observation_std
