"""The preprocessing steps a model file may hold in front of the estimator.

A pipeline is saved only when every step before the softmaxreg estimator is one of the
scikit-learn transformers below, whose fitted state is a few arrays and plain values:

``StandardScaler``, ``MaxAbsScaler``
    Constructor parameters, ``n_samples_seen_``, ``n_features_in_`` and
    ``feature_names_in_`` as JSON; the fitted arrays (``mean_``, ``var_``, ``scale_``,
    ``max_abs_``; those that are None are left out) as ``.npy`` members.
``TfidfVectorizer``
    Its settings and its vocabulary (the terms in column order) as JSON, ``idf_`` as an
    array. Custom preprocessors, tokenizers and analyzers are code and are refused.
``HashingVectorizer``
    Stateless: its settings only (same refusals).
``TfidfTransformer``
    Its settings and ``n_features_in_`` as JSON, ``idf_`` (when it weighs by idf) as an
    array: the idf of hashed counts in ``fit --stream``.

Each step is described by a JSON object ``{"name", "class", "params", ...}`` and its
arrays are stored under ``step<i>_<attribute>``. Rebuilding a step picks the class from
the fixed table ``STEP_CLASSES`` and passes only plain values, so loading cannot run
code from the file. Anything else raises a ``TypeError`` (saving) or ``ValueError``
naming the problem; the model-file reader turns the latter into ``ModelFileError``.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

# settings of the text vectorisers that are plain values (all but the code hooks)
_TEXT_PARAMS = (
    "input",
    "encoding",
    "decode_error",
    "strip_accents",
    "lowercase",
    "analyzer",
    "stop_words",
    "token_pattern",
    "ngram_range",
    "binary",
    "dtype",
    "norm",
)
TFIDF_PARAMS = _TEXT_PARAMS + (
    "max_df",
    "min_df",
    "max_features",
    "use_idf",
    "smooth_idf",
    "sublinear_tf",
)
HASHING_PARAMS = _TEXT_PARAMS + ("n_features", "alternate_sign")
TRANSFORMER_PARAMS = ("norm", "use_idf", "smooth_idf", "sublinear_tf")
_SCALER_ARRAYS = {
    "StandardScaler": ("mean_", "var_", "scale_"),
    "MaxAbsScaler": ("max_abs_", "scale_"),
}


def _classes():
    from sklearn.feature_extraction.text import (
        HashingVectorizer,
        TfidfTransformer,
        TfidfVectorizer,
    )
    from sklearn.preprocessing import MaxAbsScaler, StandardScaler

    return {
        "StandardScaler": StandardScaler,
        "MaxAbsScaler": MaxAbsScaler,
        "TfidfVectorizer": TfidfVectorizer,
        "HashingVectorizer": HashingVectorizer,
        "TfidfTransformer": TfidfTransformer,
    }


STEP_NAMES = (
    "StandardScaler",
    "MaxAbsScaler",
    "TfidfVectorizer",
    "HashingVectorizer",
    "TfidfTransformer",
)


def is_supported_step(step):
    """True when ``step`` is exactly one of the transformers a model file can hold."""
    return type(step).__name__ in STEP_NAMES and type(step) is _classes()[type(step).__name__]


def _plain(name, value):
    """A JSON value of a setting, or ValueError naming it (no code, no objects)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [_plain(name, v) for v in items]
    raise ValueError(
        f"cannot save the setting {name}={value!r}: only None, bools, numbers, strings and "
        "lists of them can be stored safely (no code, no pickles)."
    )


def _text_settings(step, names):
    params = step.get_params()
    kind = type(step).__name__
    for hook in ("preprocessor", "tokenizer"):
        if params.get(hook) is not None:
            raise ValueError(f"cannot save a {kind} with a custom {hook} (code).")
    if callable(params["analyzer"]):
        raise ValueError(f"cannot save a {kind} with a callable analyzer (code).")
    stored = {}
    for name in names:
        value = params[name]
        stored[name] = np.dtype(value).name if name == "dtype" else _plain(name, value)
    return stored


def step_metadata(step, index):
    """``(metadata, arrays)`` of one fitted preprocessing step.

    Parameters
    ----------
    step : StandardScaler, MaxAbsScaler, TfidfVectorizer, HashingVectorizer or \
TfidfTransformer
        Fitted (a HashingVectorizer needs no fit).
    index : int
        Position in the pipeline; its arrays are named ``step<index>_<attribute>``.

    Returns
    -------
    metadata : dict
        JSON-able description (``class``, ``params`` and the class's fitted values).
    arrays : dict of str to ndarray
    """
    kind = type(step).__name__
    prefix = f"step{index}_"
    if kind == "HashingVectorizer":
        return {"class": kind, "params": _text_settings(step, HASHING_PARAMS)}, {}
    if kind == "TfidfVectorizer":
        check_is_fitted(step, "vocabulary_")
        terms = [None] * len(step.vocabulary_)
        for term, j in step.vocabulary_.items():
            terms[j] = term
        meta = {"class": kind, "params": _text_settings(step, TFIDF_PARAMS), "vocabulary": terms}
        arrays = {prefix + "idf": np.asarray(step.idf_, dtype=np.float64)} if step.use_idf else {}
        return meta, arrays
    check_is_fitted(step)
    if kind == "TfidfTransformer":
        params = {name: _plain(name, getattr(step, name)) for name in TRANSFORMER_PARAMS}
        meta = {"class": kind, "params": params, "n_features_in_": int(step.n_features_in_)}
        idf = getattr(step, "idf_", None) if step.use_idf else None
        return meta, ({} if idf is None else {prefix + "idf": np.asarray(idf, dtype=np.float64)})
    params = {name: _plain(name, value) for name, value in step.get_params().items()}
    seen = step.n_samples_seen_
    names = getattr(step, "feature_names_in_", None)
    meta = {
        "class": kind,
        "params": params,
        "n_features_in_": int(step.n_features_in_),
        "n_samples_seen_": _plain("n_samples_seen_", np.asarray(seen).tolist()),
        "feature_names_in_": None if names is None else [str(n) for n in names],
    }
    arrays = {}
    for attr in _SCALER_ARRAYS[kind]:
        value = getattr(step, attr, None)
        if value is not None:
            arrays[prefix + attr.rstrip("_")] = np.asarray(value, dtype=np.float64)
    return meta, arrays


def step_n_features_out(step):
    """The number of columns ``step`` produces (the estimator's ``n_features_in_``)."""
    kind = type(step).__name__
    if kind == "HashingVectorizer":
        return int(step.n_features)
    if kind == "TfidfVectorizer":
        return len(step.vocabulary_)
    return int(step.n_features_in_)


def _check_params(cls, params, allowed=None):
    if not isinstance(params, dict):
        raise ValueError(f"the settings of the {cls.__name__} step are not a JSON object.")
    allowed = set(cls().get_params()) if allowed is None else set(allowed)
    unknown = set(params) - allowed
    if unknown:
        raise ValueError(f"unknown {cls.__name__} settings {sorted(unknown)}.")
    params = dict(params)
    if isinstance(params.get("ngram_range"), list):
        params["ngram_range"] = tuple(params["ngram_range"])
    if "dtype" in params:
        params["dtype"] = np.dtype(params["dtype"]).type
    return params


def build_step(meta, arrays, index):
    """Rebuild a fitted step from :func:`step_metadata`'s output (plain values only).

    Raises
    ------
    ValueError
        For an unknown class or setting, a missing array or inconsistent values.
    """
    kind = meta.get("class") if isinstance(meta, dict) else None
    cls = _classes().get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown preprocessing step {kind!r}.")
    prefix = f"step{index}_"
    if kind == "HashingVectorizer":
        return cls(**_check_params(cls, meta.get("params"), HASHING_PARAMS))
    if kind == "TfidfVectorizer":
        params = _check_params(cls, meta.get("params"), TFIDF_PARAMS)
        terms = meta.get("vocabulary")
        if (
            not isinstance(terms, list)
            or not terms
            or not all(isinstance(t, str) for t in terms)
            or len(set(terms)) != len(terms)
        ):
            raise ValueError("the TfidfVectorizer's vocabulary is not a list of distinct terms.")
        vec = cls(**params)  # the settings as fitted; the vocabulary as learnt
        vec.vocabulary_ = {t: j for j, t in enumerate(terms)}
        vec.fixed_vocabulary_ = False
        if vec.use_idf:
            idf = arrays.get(prefix + "idf")
            if idf is None or idf.shape != (len(terms),):
                raise ValueError("the vectoriser's idf is missing or has the wrong shape.")
            vec.idf_ = idf
        return vec
    if kind == "TfidfTransformer":
        step = cls(**_check_params(cls, meta.get("params"), TRANSFORMER_PARAMS))
        n_features = meta.get("n_features_in_")
        if not isinstance(n_features, int) or n_features < 1:
            raise ValueError("the TfidfTransformer's n_features_in_ is not a positive int.")
        step.n_features_in_ = n_features
        if step.use_idf:
            idf = arrays.get(prefix + "idf")
            if idf is None or idf.shape != (n_features,):
                raise ValueError("the TfidfTransformer's idf is missing or has the wrong shape.")
            step.idf_ = idf
        return step
    step = cls(**_check_params(cls, meta.get("params")))
    n_features = int(meta["n_features_in_"])
    for attr in _SCALER_ARRAYS[kind]:
        value = arrays.get(prefix + attr.rstrip("_"))
        if value is not None and value.shape != (n_features,):
            raise ValueError(f"the {kind}'s {attr} has shape {value.shape}, not ({n_features},).")
        setattr(step, attr, value)
    if kind == "MaxAbsScaler" and (step.max_abs_ is None or step.scale_ is None):
        raise ValueError("the MaxAbsScaler's max_abs_ or scale_ is missing.")
    if kind == "StandardScaler" and step.with_std and step.scale_ is None:
        raise ValueError("the StandardScaler's scale_ is missing.")
    if kind == "StandardScaler" and step.with_mean and step.mean_ is None:
        raise ValueError("the StandardScaler's mean_ is missing.")
    seen = meta.get("n_samples_seen_")
    step.n_samples_seen_ = np.asarray(seen, dtype=np.int64) if isinstance(seen, list) else seen
    step.n_features_in_ = n_features
    names = meta.get("feature_names_in_")
    if names is not None:
        if len(names) != n_features:
            raise ValueError(f"{len(names)} feature names for {n_features} features.")
        step.feature_names_in_ = np.asarray(names, dtype=object)
    return step
