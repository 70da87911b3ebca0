"""Writes the tiny text step export the runtime's text tests sample (run with kerasgen).

    python runtime/tests/make_text_fixture.py

`fixtures/text_step.onnx` is the decoder step of a small SequenceVAE trained briefly on
a seeded random 400 census first names (`names` package); `fixtures/text_expected.json`
holds what Keras's `model.sample` gives for it (greedy, temperature 1, top-5), which the
runtime must reproduce without TensorFlow or Keras.
"""

import json
import os

import keras
import numpy as np

from kerasgen import models, networks
from kerasgen.data import text
from kerasgen.export.text_step import to_onnx_step

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
CASES = {"greedy": {}, "temperature_1": {"temperature": 1.0}, "top_5": {"temperature": 0.8, "top_k": 5}}


def main():
    keras.utils.set_random_seed(0)
    everything = text.census_names("first")
    items = [everything[i] for i in np.random.default_rng(0).choice(len(everything), 400, replace=False)]
    vocabulary = text.Vocabulary.from_items(everything)
    encoder = networks.TextEncoder(len(vocabulary), 13, 3, embedding_dim=4, hidden_units=8)
    decoder = networks.TextDecoder(len(vocabulary), 3, embedding_dim=4, hidden_units=16)
    model = models.SequenceVAE(encoder, decoder, vocabulary.tokens, 12, free_bits=0.1, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(vocabulary.encode(items, 12), epochs=3, batch_size=32, verbose=0)
    to_onnx_step(model, os.path.join(HERE, "text_step.onnx"))
    expected = {name: model.sample(20, seed=7, **kwargs) for name, kwargs in CASES.items()}
    with open(os.path.join(HERE, "text_expected.json"), "w") as f:
        json.dump({"seed": 7, "cases": CASES, "samples": expected}, f, indent=1)
    print(expected)


if __name__ == "__main__":
    main()
