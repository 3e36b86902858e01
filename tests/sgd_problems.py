"""Small problems shared by the kernel tests."""

import numpy as np


def sparse_rows_problem(
    n_classes, n_samples=60, n_features=8, seed=0, zero_fraction=0.4, every_class=False
):
    """Dense data with many exact zeros, so that its CSR rows skip features (the lazy
    updates' case); ``every_class`` makes the first rows one of each class."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[rng.random(X.shape) < zero_fraction] = 0.0
    y = rng.integers(n_classes, size=n_samples)
    if every_class:
        y[:n_classes] = np.arange(n_classes)
    return X, y
