"""Linear probe: how linearly separable the classes are in a model's codes.

A logistic regression (scikit-learn, features standardized on the training rows) is fit
on the codes of the training examples and scored on the test examples; the same probe
on the raw values and on PCA with as many components as the code has dimensions puts
the number in context.
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def codes(model, x, batch_size=256):
    """One row per example: the posterior mean of a VAE, the code of an autoencoder."""
    code = model.encode(x, batch_size=batch_size)
    code = code[0] if isinstance(code, (tuple, list)) else code
    return np.asarray(code, "float32").reshape(len(x), -1)


def probe_accuracy(train_features, y_train, test_features, y_test, max_iter=2000):
    """Test accuracy of a standardized logistic regression fit on the training features."""
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    probe.fit(train_features, y_train)
    return float(probe.score(test_features, y_test))


def linear_probe(model, train, test, seed=0):
    """`{"code", "pca", "raw"}` test accuracies and the sizes, for `(x, y)` splits."""
    (x_train, y_train), (x_test, y_test) = train, test
    if y_train is None or y_test is None:
        raise ValueError("linear_probe needs labelled data (a dataset name, a folder with one "
                         "sub-folder per class, or a table with --label-column)")
    code_train, code_test = codes(model, x_train), codes(model, x_test)
    raw_train, raw_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    dim = code_train.shape[1]
    pca = PCA(n_components=min(dim, *raw_train.shape), random_state=seed).fit(raw_train)
    return {
        "code": probe_accuracy(code_train, y_train, code_test, y_test),
        "pca": probe_accuracy(pca.transform(raw_train), y_train, pca.transform(raw_test), y_test),
        "raw": probe_accuracy(raw_train, y_train, raw_test, y_test),
        "code_dim": int(dim), "raw_dim": int(raw_train.shape[1]), "num_train": int(len(x_train)), "num_test": int(len(x_test)),
    }
