"""Text classification data: a seeded generator and a loader of JSON-lines corpora.

``make_text_classification`` is public API. ``load_jsonl_corpus`` is the one corpus loader
that the test suite (which runs against an installed wheel) and the benchmarks in a
checkout share, which is why it lives in the package rather than beside either of them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ._typing import RandomStateLike


def make_text_classification(
    n_samples: int = 20_000,
    n_features: int = 50_000,
    n_classes: int = 20,
    tokens_per_row: int = 100,
    topic_words: int = 200,
    topic_fraction: float = 0.15,
    zipf_exponent: float = 1.1,
    dtype: npt.DTypeLike = np.float64,
    random_state: RandomStateLike = 0,
) -> tuple[sp.csr_matrix, npt.NDArray[np.int64]]:
    """Generate a sparse text-like problem: TF-IDF rows over Zipf-distributed tokens.

    Each document draws about ``tokens_per_row`` tokens (Poisson length): most from a
    Zipf law over the vocabulary (token id = frequency rank), a fraction
    ``topic_fraction`` from its class's own ``topic_words`` words. Counts are turned
    into TF-IDF weights (smooth idf, as scikit-learn's ``TfidfTransformer``) and each
    row is L2-normalised. Repeated tokens merge, so a row holds somewhat fewer
    nonzeros than tokens.

    Parameters
    ----------
    n_samples, n_features, n_classes : int
    tokens_per_row : float
        Mean number of tokens drawn per document.
    topic_words : int
        Number of class-specific words per class.
    topic_fraction : float in [0, 1]
        Share of a document's tokens drawn from its class's words.
    zipf_exponent : float
        Exponent s of the background law p(rank r) ~ 1 / r**s.
    dtype : float32 or float64
    random_state : int, RandomState instance or None

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        int32 indices (int64 past 2**31 nonzeros), sorted within each row.
    y : ndarray of shape (n_samples,), int64
        Class labels 0..n_classes-1, roughly balanced.
    """
    rng = check_random_state(random_state)
    if n_samples < 1 or n_features < 1 or n_classes < 2:
        raise ValueError("need n_samples >= 1, n_features >= 1 and n_classes >= 2.")
    y = rng.randint(n_classes, size=n_samples)
    lengths = np.maximum(1, rng.poisson(tokens_per_row, size=n_samples))
    rows = np.repeat(np.arange(n_samples), lengths)
    n_tokens = rows.shape[0]

    ranks = np.arange(1, n_features + 1, dtype=np.float64)
    cdf = np.cumsum(ranks**-zipf_exponent)
    cdf /= cdf[-1]
    tokens = np.searchsorted(cdf, rng.random_sample(n_tokens))
    tokens = np.minimum(tokens, n_features - 1)

    # class words: drawn from the less frequent part of the vocabulary
    lo = min(n_features - 1, n_features // 100)
    class_words = rng.randint(lo, n_features, size=(n_classes, topic_words))
    from_topic = rng.random_sample(n_tokens) < topic_fraction
    pick = rng.randint(topic_words, size=int(from_topic.sum()))
    tokens[from_topic] = class_words[y[rows[from_topic]], pick]

    counts = sp.csr_matrix((np.ones(n_tokens), (rows, tokens)), shape=(n_samples, n_features))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=n_features)
    idf = np.log((1.0 + n_samples) / (1.0 + df)) + 1.0
    counts.data *= idf[counts.indices]
    norms = np.sqrt(np.add.reduceat(counts.data**2, counts.indptr[:-1]))
    norms = np.repeat(norms, np.diff(counts.indptr))
    counts.data /= norms
    index_dtype = np.int32 if counts.nnz < np.iinfo(np.int32).max else np.int64
    X = sp.csr_matrix(
        (
            counts.data.astype(dtype),
            counts.indices.astype(index_dtype),
            counts.indptr.astype(index_dtype),
        ),
        shape=(n_samples, n_features),
    )
    return X, y.astype(np.int64)


def load_jsonl_corpus(directory, dtype=np.float64, **vectorizer_params):
    """Load a ``train.jsonl.gz``/``test.jsonl.gz`` corpus and vectorise it with TF-IDF.

    Each line is a JSON object with ``label`` and ``text``. The vectoriser is
    scikit-learn's ``TfidfVectorizer`` (default settings unless given), fitted on the
    training part.

    Parameters
    ----------
    directory : str or path
        Folder holding ``train.jsonl.gz`` and ``test.jsonl.gz`` (or ``.jsonl``).
    dtype : float32 or float64
    **vectorizer_params
        Passed to ``TfidfVectorizer``.

    Returns
    -------
    X_train, X_test : CSR matrices
    y_train, y_test : ndarray of str
    """
    from pathlib import Path

    from sklearn.feature_extraction.text import TfidfVectorizer

    directory = Path(directory)

    def read(stem):
        for name in (f"{stem}.jsonl.gz", f"{stem}.jsonl"):
            path = directory / name
            if path.exists():
                return read_jsonl_texts(path)
        raise FileNotFoundError(f"no {stem}.jsonl.gz or {stem}.jsonl in {directory}")

    text_train, y_train = read("train")
    text_test, y_test = read("test")
    vec = TfidfVectorizer(dtype=dtype, **vectorizer_params)
    X_train = vec.fit_transform(text_train)
    X_test = vec.transform(text_test)
    return X_train.tocsr(), X_test.tocsr(), y_train, y_test


def read_jsonl_texts(path):
    """Texts and labels of a JSON-lines file (``.jsonl`` or gzipped ``.jsonl.gz``).

    A thin layer over the command line's reader (``_io.read_data``), so that the
    corpora of the tests and benchmarks are parsed and checked exactly as
    ``softmaxreg fit`` parses them; only the labels differ: they stay strings, as the
    corpora's class names are.

    Parameters
    ----------
    path : str or path
        One JSON object per line with ``label`` and ``text``.

    Returns
    -------
    texts : list of str
    labels : ndarray of str
    """
    from ._cli.io import read_data

    data = read_data(path, target="label", text="text", fmt="jsonl")
    return data.X, np.asarray(data.y).astype(str)
