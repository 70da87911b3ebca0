"""Seeded random subsets of rows (stratified by label): never the first N."""

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
