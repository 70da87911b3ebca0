"""SequenceVAE on real names: training, remedies, strings in and out, likelihood."""

import keras
import numpy as np
import pytest

from kerasgen import models, networks
from kerasgen.data import text
from kerasgen.metrics import text as text_metrics
from kerasgen.schedules import LinearWarmup
from tests.harness import check_config_round_trip, check_fit_step, check_saved_model_round_trip

MAX_LENGTH = 12


@pytest.fixture(scope="module")
def names():
    """A seeded random sample of 256 census first names (the `names` package)."""
    pytest.importorskip("names")
    everything = text.census_names("first")
    rows = np.random.default_rng(0).choice(len(everything), 256, replace=False)
    items = [everything[i] for i in rows]
    vocabulary = text.Vocabulary.from_items(everything)
    return items, vocabulary.encode(items, MAX_LENGTH), vocabulary


def build(vocabulary, latent_dim=4, **kwargs):
    encoder = networks.TextEncoder(len(vocabulary), MAX_LENGTH + 1, latent_dim, embedding_dim=8, hidden_units=16) if latent_dim else None
    decoder = networks.TextDecoder(len(vocabulary), latent_dim, embedding_dim=8, hidden_units=16)
    model = models.SequenceVAE(encoder, decoder, vocabulary.tokens, MAX_LENGTH, seed=0, **kwargs)
    model.compile(keras.optimizers.Adam(1e-2))
    return model


@pytest.fixture(scope="module")
def trained(names):
    """`build(vocabulary)` fitted 2 epochs (batch 32): shared by the tests that only read it
    (sampling, likelihood, interpolation never train the model)."""
    _, ids, vocabulary = names
    model = build(vocabulary)
    model.fit(ids, epochs=2, batch_size=32, verbose=0)
    return model


def test_fit_config_and_saved_file_round_trip(names, tmp_path):
    items, ids, vocabulary = names
    model = build(vocabulary, character_dropout=0.3, free_bits=0.1, beta=LinearWarmup(1.0, 10))
    history = check_fit_step(model, ids, ("loss", "reconstruction_loss", "kl_loss"), batch_size=32)
    uniform = np.log(len(vocabulary)) * np.mean(text_metrics.token_counts(ids))
    assert history.history["reconstruction_loss"][-1] < uniform  # better than a uniform guess
    check_config_round_trip(model)
    loaded = check_saved_model_round_trip(model, tmp_path, ids[:8])
    assert loaded.vocabulary.tokens == vocabulary.tokens  # no tokenizer file beside it
    assert loaded.sample(6, seed=3, temperature=1.0) == model.sample(6, seed=3, temperature=1.0)


def test_sample_returns_strings_greedy_by_default_and_seeded(names, trained):
    items, ids, vocabulary = names
    model = trained
    greedy = model.sample(8, seed=1)
    assert len(greedy) == 8 and all(isinstance(s, str) and len(s) <= MAX_LENGTH for s in greedy)
    assert set("".join(greedy)) <= set(vocabulary.tokens)
    assert model.sample(8, seed=1) == greedy
    assert model.sample(8, seed=1, top_k=1) == greedy  # top-1 sampling is the argmax
    hot = model.sample(64, seed=1, temperature=2.0)
    assert hot == model.sample(64, seed=1, temperature=2.0)
    assert hot != model.sample(64, seed=2, temperature=2.0) and len(set(hot)) > 32
    # The batch size does not change what a seed gives.
    assert model.sample(10, seed=4, temperature=1.0, batch_size=3) == model.sample(10, seed=4, temperature=1.0)


def test_strings_outside_the_vocabulary_or_too_long_are_named():
    vocabulary = text.Vocabulary(list("abc"))
    model = build(vocabulary)
    with pytest.raises(ValueError, match=r"item 1 'abq' holds 'q', which is not in the model's vocabulary"):
        model.encode(["ab", "abq"])
    with pytest.raises(ValueError, match=r"item 0 'aaaaaaaaaaaaa' has 13 tokens, more than max_length 12"):
        model.reconstruct(["a" * 13])
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        model.sample(2, temperature=0)
    with pytest.raises(ValueError, match="top_k must be a positive int"):
        model.sample(2, top_k=0)
    with pytest.raises(ValueError, match=r"x must hold ids in \[0, 7\)"):
        model.fit(np.full((4, MAX_LENGTH + 1), 9), epochs=1, verbose=0)


def test_character_dropout_replaces_decoder_inputs_after_the_first_in_training_only(names):
    _, ids, vocabulary = names
    model = build(vocabulary, character_dropout=0.5)
    plain = keras.ops.convert_to_numpy(model.decoder_inputs(ids, training=False))
    dropped = keras.ops.convert_to_numpy(model.decoder_inputs(ids, training=True))
    assert np.all(plain[:, 0] == text.BOS) and np.all(dropped[:, 0] == text.BOS)
    np.testing.assert_array_equal(plain[:, 1:], ids[:, :-1])
    share = np.mean(dropped[:, 1:] == text.UNK)
    assert 0.4 < share < 0.6, share
    assert np.all((dropped == plain) | (dropped == text.UNK))


def test_free_bits_count_each_dimension_as_at_least_lambda_nats(names):
    _, ids, vocabulary = names
    model = build(vocabulary, latent_dim=4, free_bits=0.5)
    _, kl, counted = (float(v) for v in model.loss_terms(ids[:64]))
    assert counted >= 4 * 0.5 - 1e-6 and counted >= kl - 1e-6
    assert kl < 4 * 0.5  # an untrained encoder is near the prior: the floor is what counts


def test_importance_weighting_tightens_the_bound_and_a_language_model_is_exact(names, trained):
    _, ids, vocabulary = names
    model = trained
    one = model.log_likelihood(ids[:32], num_samples=1, seed=0).mean()
    many = model.log_likelihood(ids[:32], num_samples=64, seed=0).mean()
    assert many <= one  # the K-sample bound is tighter (Burda et al. 2016)
    language_model = build(vocabulary, latent_dim=0)
    exact = language_model.log_likelihood(ids[:32])
    logs = language_model.evaluate(ids[:32], batch_size=32, verbose=0, return_dict=True)
    assert exact.mean() == pytest.approx(logs["reconstruction_loss"], rel=1e-4)
    assert logs["kl_loss"] == 0.0
    with pytest.raises(ValueError, match="has no encoder"):
        language_model.encode(["anna"])
    assert len(language_model.sample(3, seed=0)) == 3


def test_interpolation_decodes_strings_between_two_items(names, trained):
    items, ids, vocabulary = names
    model = trained
    path = model.interpolate(items[0], items[1], steps=5)
    assert len(path) == 5 and all(isinstance(s, str) for s in path)
    assert path[0] == model.reconstruct([items[0]])[0] and path[-1] == model.reconstruct([items[1]])[0]


def test_networks_that_do_not_fit_are_refused():
    vocabulary = text.Vocabulary(list("abc"))
    encoder = networks.TextEncoder(7, MAX_LENGTH + 1, 4)
    with pytest.raises(ValueError, match="decoder latent_dim must equal the encoder's 4, got 3"):
        models.SequenceVAE(encoder, networks.TextDecoder(7, 3), vocabulary.tokens, MAX_LENGTH)
    with pytest.raises(ValueError, match="decoder must be a TextDecoder over 7 token ids"):
        models.SequenceVAE(encoder, networks.TextDecoder(9, 4), vocabulary.tokens, MAX_LENGTH)
    with pytest.raises(ValueError, match=r"encoder must take ids of shape \(11,\)"):
        models.SequenceVAE(encoder, networks.TextDecoder(7, 4), vocabulary.tokens, 10)
    with pytest.raises(ValueError, match="character_dropout must be in"):
        models.SequenceVAE(encoder, networks.TextDecoder(7, 4), vocabulary.tokens, MAX_LENGTH, character_dropout=1.0)
