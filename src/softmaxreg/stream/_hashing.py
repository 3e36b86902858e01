"""Hashed text features without scikit-learn's per-token Python objects.

``HashingVectorizer.transform`` spends most of a streaming pass making a Python string per
token (the regular expression), a bytes object per token (the UTF-8 encoding) and a
generator step per token (``FeatureHasher``). For the vectorizer's default analyzer, the
compiled kernel ``softmaxreg._kernels.text_hash`` gives the identical matrix from one scan
of each lower-cased document; :func:`hashing_transform` picks it when the vectorizer's
options are ones it reproduces and falls back to the vectorizer's own ``transform``
otherwise (another token pattern, n-grams, stop words, accents stripped, a custom
analyzer, ``binary=True``...).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

# The HashingVectorizer options the kernel reproduces, at these values only.
_DEFAULTS = {
    "input": "content",
    "strip_accents": None,
    "lowercase": True,
    "preprocessor": None,
    "tokenizer": None,
    "stop_words": None,
    "token_pattern": r"(?u)\b\w\w+\b",
    "analyzer": "word",
    "binary": False,
}
_NORMS = {None: 0, "l1": 1, "l2": 2}


def hash_texts(texts, n_features=2**20, *, alternate_sign=True, norm="l2", dtype=np.float64):
    """``HashingVectorizer(n_features, alternate_sign, norm, dtype).transform(texts)``.

    The same CSR matrix (same shape, indices and index dtypes; values equal, or within an
    ulp), for the vectorizer's default analyzer: lower-cased words of two or more word
    characters (``(?u)\\b\\w\\w+\\b``), each hashed with MurmurHash3 (32 bits, seed 0) of its
    UTF-8 bytes into column ``abs(h) % n_features``, counts summed per column (signed by the
    hash with ``alternate_sign``), rows normalised.

    Parameters
    ----------
    texts : list or sequence of str
        The documents (a single ``str`` is refused, as scikit-learn refuses it).
    n_features : int, default=2**20
        Number of columns, in ``[1, 2**31)``.
    alternate_sign : bool, default=True
    norm : {"l2", "l1"} or None, default="l2"
    dtype : float32 or float64, default=float64

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (len(texts), n_features)
        A ``csr_array`` when scikit-learn's ``sparse_interface`` is "sparray". Canonical
        CSR (sorted indices, no duplicates); int32 indices and indptr unless the number of
        stored values needs int64, as scikit-learn gives them.

    Raises
    ------
    TypeError
        A document is not a ``str``, or ``n_features`` is not an int.
    ValueError
        ``texts`` is a single string or empty, or an option is out of range.
    """
    from sklearn import get_config

    from .._kernels.text_hash import hash_texts as _kernel

    if isinstance(texts, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    if isinstance(n_features, bool) or not isinstance(n_features, numbers.Integral):
        raise TypeError(f"n_features must be an int, got {type(n_features).__name__}.")
    if not 1 <= n_features < 2**31:
        raise ValueError(f"n_features must be in [1, 2**31), got {n_features}.")
    if not isinstance(alternate_sign, (bool, np.bool_)):
        raise TypeError(f"alternate_sign must be True or False, got {alternate_sign!r}.")
    if not (norm is None or isinstance(norm, str)) or norm not in _NORMS:
        raise ValueError(f"norm must be 'l1', 'l2' or None, got {norm!r}.")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}.") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}.")
    texts = texts if isinstance(texts, list) else list(texts)
    if not texts:
        raise ValueError("Cannot vectorize empty sequence.")
    data, indices, indptr = _kernel(
        texts, int(n_features), bool(alternate_sign), _NORMS[norm], dtype == np.float32
    )
    if indptr[-1] <= np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    else:
        indices = indices.astype(np.int64)
    X = sp.csr_matrix(
        (data.astype(dtype, copy=False), indices, indptr), shape=(len(texts), n_features)
    )
    X.has_sorted_indices = True
    X.has_canonical_format = True
    if get_config().get("sparse_interface") == "sparray":  # as scikit-learn returns it
        X = sp.csr_array(X)
    return X


def supports(vectorizer):
    """True when :func:`hash_texts` reproduces ``vectorizer.transform`` exactly.

    Parameters
    ----------
    vectorizer : HashingVectorizer

    Returns
    -------
    bool
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    if type(vectorizer) is not HashingVectorizer:
        return False
    params = vectorizer.get_params()
    if any(params[name] != value for name, value in _DEFAULTS.items()):
        return False
    if tuple(params["ngram_range"]) != (1, 1) or params["norm"] not in _NORMS:
        return False
    n, dtype = params["n_features"], params["dtype"]
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n < 2**31:
        return False
    try:
        return np.dtype(dtype) in (np.float32, np.float64)
    except TypeError:
        return False


def hashing_transform(vectorizer):
    """The fastest function giving ``vectorizer.transform(texts)`` for a list of str.

    Parameters
    ----------
    vectorizer : HashingVectorizer

    Returns
    -------
    callable
        :func:`hash_texts` with the vectorizer's settings when :func:`supports` says so,
        else ``vectorizer.transform``.
    """
    if not supports(vectorizer):
        return vectorizer.transform
    n_features = int(vectorizer.n_features)
    alternate_sign = bool(vectorizer.alternate_sign)
    norm, dtype = vectorizer.norm, vectorizer.dtype

    def transform(texts):
        return hash_texts(texts, n_features, alternate_sign=alternate_sign, norm=norm, dtype=dtype)

    return transform
