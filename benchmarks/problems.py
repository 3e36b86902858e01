"""The problems of the comparison benchmark (``harness.py``): data, split and alpha.

- ``"small"`` and ``"large"``: :func:`make_text_classification` (Zipf tokens, class topic
  words, L2-normalised TF-IDF rows), 20k x 50k (~80 nonzeros a row) and 200k x 500k
  (~100 nonzeros a row), 20 classes, plus a held-out test part from the same generator.
- ``"dense"``: 100k x 100, 10 classes: Gaussian class means plus noise, mixed by a fixed
  matrix with singular values from 1 to 0.1 (correlated columns, as real dense data has),
  then standardised.
- a path: a folder with ``train.jsonl[.gz]``/``test.jsonl[.gz]``, a single JSON-lines
  file (``label``, ``text``; 20% held out), vectorised with ``TfidfVectorizer``; or an
  svmlight/libsvm file (20% held out).

The generated and dense problems use ``alpha = 1 / n_samples`` (``C = 1``), corpora
``C = 10`` (``alpha = 1 / (10 n_samples)``), as issue 4 specifies. The problems live
beside the harness, not in the package: they are what the benchmark measures, not
something a user of the library needs.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIZES = {
    # name: (n_train, n_test, n_features, n_classes, tokens_per_row)
    "small": (20_000, 5_000, 50_000, 20, 110),
    "large": (200_000, 20_000, 500_000, 20, 136),
}


@dataclass
class Problem:
    """A benchmark problem: train/test split, the objective's alpha, and a description.

    Attributes
    ----------
    name : str
    X_train, X_test : ndarray or CSR matrix
    y_train, y_test : ndarray of shape (n_samples,)
    alpha : float
        The regularisation of the shared objective (``C = 1 / (alpha * n_train)``).
    """

    name: str
    X_train: object
    X_test: object
    y_train: np.ndarray
    y_test: np.ndarray
    alpha: float

    @property
    def C(self):
        """scikit-learn's C for this alpha (unit sample weights)."""
        return 1.0 / (self.alpha * self.X_train.shape[0])

    @property
    def n_classes(self):
        return len(np.unique(self.y_train))

    @property
    def nnz(self):
        """Stored entries of X_train (every entry when dense)."""
        X = self.X_train
        return int(X.nnz) if hasattr(X, "nnz") else int(X.size)

    def describe(self):
        X = self.X_train
        kind = "CSR" if hasattr(X, "nnz") else "dense"
        return (
            f"{self.name}: {X.shape[0]} x {X.shape[1]} {kind} {X.dtype}, "
            f"{self.nnz / X.shape[0]:.1f} nonzeros a row, {self.n_classes} classes, "
            f"test {self.X_test.shape[0]} rows; alpha = {self.alpha:.4g} (C = {self.C:g})"
        )


def generated_problem(size="small", dtype=np.float64, random_state=0):
    """The generated sparse text-like problem ``"small"`` or ``"large"`` (see module doc)."""
    from softmaxreg import make_text_classification

    n_train, n_test, n_features, n_classes, tokens = SIZES[size]
    X, y = make_text_classification(
        n_train + n_test,
        n_features,
        n_classes,
        tokens_per_row=tokens,
        dtype=dtype,
        random_state=random_state,
    )
    return Problem(
        f"generated {size}", X[:n_train], X[n_train:], y[:n_train], y[n_train:], alpha=1.0 / n_train
    )


def dense_problem(
    n_samples=100_000, n_features=100, n_classes=10, n_test=20_000, dtype=np.float64, random_state=0
):
    """Dense Gaussian classes with correlated, standardised columns (see module doc)."""
    rng = np.random.default_rng(random_state)
    n = n_samples + n_test
    y = rng.integers(n_classes, size=n)
    means = rng.normal(scale=0.25, size=(n_classes, n_features))
    Z = means[y] + rng.standard_normal((n, n_features))
    Q, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    X = (Z * np.logspace(0, -1, n_features)) @ Q
    X -= X[:n_samples].mean(axis=0)
    X /= X[:n_samples].std(axis=0)
    X = np.ascontiguousarray(X, dtype=dtype)
    return Problem(
        f"dense {n_samples} x {n_features}",
        X[:n_samples],
        X[n_samples:],
        y[:n_samples],
        y[n_samples:],
        alpha=1.0 / n_samples,
    )


def corpus_problem(path, C=10.0, dtype=np.float64, test_fraction=0.2, random_state=0):
    """A user's corpus: JSON-lines folder or file (TF-IDF), or an svmlight file.

    Parameters
    ----------
    path : str or path
        A folder holding ``train.jsonl[.gz]`` and ``test.jsonl[.gz]``; a ``.jsonl`` or
        ``.jsonl.gz`` file; or any other file, read as svmlight/libsvm. A single file
        is split into train and a stratified ``test_fraction`` held out.
    C : float
        ``alpha = 1 / (C * n_train)``.
    """
    from sklearn.model_selection import train_test_split

    from softmaxreg._datasets import load_jsonl_corpus, read_jsonl_texts

    path = Path(path)
    if path.is_dir():
        Xtr, Xte, ytr, yte = load_jsonl_corpus(path, dtype=dtype)
    else:
        if path.name.endswith((".jsonl", ".jsonl.gz")):
            from sklearn.feature_extraction.text import TfidfVectorizer

            texts, y = read_jsonl_texts(path)
            X = TfidfVectorizer(dtype=dtype).fit_transform(texts).tocsr()
        else:
            from sklearn.datasets import load_svmlight_file

            X, y = load_svmlight_file(str(path), dtype=dtype)
        _, counts = np.unique(y, return_counts=True)
        Xtr, Xte, ytr, yte = train_test_split(
            X,
            y,
            test_size=test_fraction,
            random_state=random_state,
            stratify=y if counts.min() >= 2 else None,
        )
    name = path.name.replace(".jsonl", "").replace(".gz", "") or str(path)
    return Problem(name, Xtr, Xte, ytr, yte, alpha=1.0 / (C * Xtr.shape[0]))


def get_problem(name, dtype=np.float64, C=10.0):
    """``"small"``, ``"large"``, ``"dense"``, or a corpus path (see module doc)."""
    if name in SIZES:
        return generated_problem(name, dtype=dtype)
    if name == "dense":
        return dense_problem(dtype=dtype)
    return corpus_problem(name, C=C, dtype=dtype)
