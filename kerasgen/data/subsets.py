"""Seeded random subsets of rows (stratified by label): never the first N; the seeded
train and test splits of a drawn (procedural) per-class dataset."""

import numpy as np

from kerasgen.checks import check_positive_int


def subset_rows(num_rows, n, labels=None, seed=0):
    """Sorted indices of a seeded random subset of `n` of `num_rows` rows.

    With `labels`, the subset is stratified: each class gets its share of `n` (largest
    remainders break ties, the classes chosen by the seed), so a class-sorted folder or
    dataset is never cut to its first classes. `n >= num_rows` gives every row.
    """
    n = check_positive_int("n", n)
    if n >= num_rows:
        return np.arange(num_rows)
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(num_rows, size=n, replace=False))
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / num_rows
    take = np.floor(quota).astype(int)
    remainder = quota - take
    # Hand the rows left over to the largest remainders; ties are broken by the seed.
    order = np.lexsort((rng.random(len(classes)), -remainder))
    take[order[: n - take.sum()]] += 1
    rows = [rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
            for c, k in zip(classes, take)]
    return np.sort(np.concatenate(rows))


def random_subset(x, y=None, n=None, seed=0):
    """`(x, y)` cut to a seeded random (stratified if `y` is given) subset of `n` rows.

    Every subset kerasgen takes (fit `--limit`, evaluate `-n`, reference statistics)
    goes through `subset_rows`: never the first N rows.
    """
    if n is None or n >= len(x):
        return x, y
    per_row = y is not None and np.ndim(y) == 1  # label maps (SPADE) are not strata
    rows = subset_rows(len(x), n, y if per_row else None, seed)
    return x[rows], (None if y is None else y[rows])


def per_class_splits(draw, image_size, num_train_per_class, num_test_per_class, seed, min_image_size):
    """`(x_train, y_train), (x_test, y_test)` of a dataset drawn per class, the arguments
    checked first: `draw(num_per_class, image_size, seed)` gives `(images, labels)`, the
    training split drawn with `seed` and the test split with `seed + 1`."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < min_image_size:
        raise ValueError(f"image_size must be an int >= {min_image_size}, got {image_size!r}")
    check_positive_int("num_train_per_class", num_train_per_class)
    check_positive_int("num_test_per_class", num_test_per_class)
    return draw(num_train_per_class, image_size, seed), draw(num_test_per_class, image_size, seed + 1)
