"""Safe model files: ``save_model`` and ``load_model``.

Format (``format_version`` 1)
-----------------------------
A ZIP archive in NumPy's ``.npz`` layout (``numpy.load(path, allow_pickle=False)`` can
open it) holding exactly these members:

``metadata.json``
    UTF-8 JSON object: ``format`` (``"softmaxreg-model"``), ``format_version`` (1),
    ``softmaxreg_version``, ``estimator`` (``"SoftmaxRegression"`` or
    ``"LogisticRegression"``), ``params`` (the constructor parameters; ``callback`` is
    not stored, a ``class_weight`` dict is stored as a list of ``[label, weight]``
    pairs), ``attributes`` (``n_iter_``, ``n_features_in_``, ``feature_names_in_`` or
    null, ``loss_curve_`` as a list, and ``alpha_``/``l1_ratio`` for
    ``LogisticRegression``), ``vectorizer`` (null, or for a ``TfidfVectorizer`` in front
    of the model: its step name, its settings, and its vocabulary as the list of terms
    in column order), ``steps`` (the pipeline's step names, or null), ``info`` (a JSON
    object the caller passed, e.g. the command line's column names) and ``arrays``,
    which maps each array name to its ``dtype``, ``shape`` and the SHA-256 of its
    ``.npy`` member.
``metadata.sha256``
    The hex SHA-256 of the bytes of ``metadata.json``.
``coef.npy``, ``intercept.npy``, ``classes.npy`` and, with a vectoriser, ``idf.npy``
    NumPy ``.npy`` files without pickled objects (numeric, bool or unicode dtypes).

Loading never runs code from the file: the metadata is parsed with ``json``, arrays
are read with ``allow_pickle=False``, the estimator class and the vectoriser are
chosen from a fixed list and built from plain values. Every digest is checked before
anything is parsed, and the ZIP's own CRC-32 checks every member, so a truncated or
modified file raises :class:`ModelFileError` naming the problem. The digests detect
damage and edits, not forgery: anyone can write a new valid file (treat model files
like data, not like signed code; even so, loading one cannot execute anything).
"""

from __future__ import annotations

import hashlib
import io
import json
import numbers
import zipfile
import zlib
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._typing import StrPath

FORMAT = "softmaxreg-model"
FORMAT_VERSION = 1
_METADATA = "metadata.json"
_DIGEST = "metadata.sha256"
_ALLOWED_KINDS = "biufU"  # bool, int, uint, float, unicode: no objects, no pickles
_VECTORIZER_PARAMS = (
    "input",
    "encoding",
    "decode_error",
    "strip_accents",
    "lowercase",
    "analyzer",
    "stop_words",
    "token_pattern",
    "ngram_range",
    "max_df",
    "min_df",
    "max_features",
    "binary",
    "dtype",
    "norm",
    "use_idf",
    "smooth_idf",
    "sublinear_tf",
)


class ModelFileError(ValueError):
    """A model file is truncated, modified, of an unknown format or inconsistent."""


def _json_value(name, value):
    """``value`` as a JSON-able plain value, or ValueError naming the parameter."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(name, v) for v in value]
    raise ValueError(
        f"cannot save parameter {name}={value!r}: only None, bools, numbers, strings and "
        "lists of them can be stored safely (no code, no pickles)."
    )


def _estimator_params(est):
    params = {}
    for name, value in est.get_params(deep=False).items():
        if name == "callback":
            continue  # code: never stored
        if name == "class_weight" and isinstance(value, dict):
            value = {
                "pairs": [
                    [_json_value("class_weight", k), _json_value("class_weight", v)]
                    for k, v in value.items()
                ]
            }
            params[name] = value
            continue
        if name == "random_state" and isinstance(value, np.random.RandomState):
            raise ValueError(
                "cannot save random_state as a RandomState instance; set an int seed or "
                "None before saving."
            )
        params[name] = _json_value(name, value)
    return params


def _classes_array(classes):
    classes = np.asarray(classes)
    if classes.dtype.kind == "O":
        if all(isinstance(c, str) for c in classes):
            return classes.astype(str)
        raise ValueError(
            f"cannot save classes of mixed or object types ({classes[:5]!r}); use numeric "
            "or string labels."
        )
    if classes.dtype.kind not in _ALLOWED_KINDS:
        raise ValueError(f"cannot save classes of dtype {classes.dtype}.")
    return classes


def _split_model(model):
    """(vectorizer or None, estimator, step names or None) of what save_model accepts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

    from ._estimator import SoftmaxRegression
    from ._logistic import LogisticRegression

    if isinstance(model, Pipeline):
        steps = model.steps
        if (
            len(steps) == 2
            and type(steps[0][1]) is TfidfVectorizer
            and type(steps[1][1]) in (SoftmaxRegression, LogisticRegression)
        ):
            return steps[0][1], steps[1][1], [steps[0][0], steps[1][0]]
        kinds = [type(s).__name__ for _, s in steps]
        raise TypeError(
            "save_model accepts a Pipeline only of the form [TfidfVectorizer, "
            f"SoftmaxRegression or LogisticRegression]; got steps {kinds}."
        )
    if type(model) in (SoftmaxRegression, LogisticRegression):
        return None, model, None
    raise TypeError(
        "save_model accepts a fitted SoftmaxRegression, LogisticRegression, or a Pipeline "
        f"[TfidfVectorizer, one of them]; got {type(model).__name__}."
    )


def _vectorizer_metadata(vec):
    check_is_fitted(vec, "vocabulary_")
    params = vec.get_params()
    for name in ("preprocessor", "tokenizer"):
        if params[name] is not None:
            raise ValueError(f"cannot save a TfidfVectorizer with a custom {name} (code).")
    if callable(params["analyzer"]):
        raise ValueError("cannot save a TfidfVectorizer with a callable analyzer (code).")
    stored = {}
    for name in _VECTORIZER_PARAMS:
        value = params[name]
        if name == "dtype":
            value = np.dtype(value).name
        elif name == "stop_words" and value is not None and not isinstance(value, str):
            value = sorted(value)
        stored[name] = _json_value(name, value)
    terms = [None] * len(vec.vocabulary_)
    for term, j in vec.vocabulary_.items():
        terms[j] = term
    return {"class": "TfidfVectorizer", "params": stored, "vocabulary": terms}


def save_model(model: Any, path: StrPath, *, info: dict | None = None) -> None:
    """Write a fitted model to ``path`` in softmaxreg's safe format (no pickles).

    Parameters
    ----------
    model : SoftmaxRegression, LogisticRegression or Pipeline
        Fitted. A ``Pipeline`` must be ``[TfidfVectorizer, estimator]`` (e.g.
        ``make_pipeline(TfidfVectorizer(), SoftmaxRegression())``); the vectoriser's
        settings, vocabulary and idf are stored, custom tokenizers (code) are refused.
    path : str or path-like
        Output file (conventionally ``.npz``); overwritten.
    info : dict, optional
        JSON-serialisable information to store alongside (returned by
        ``softmaxreg._model_file.load`` as ``metadata["info"]``).

    Raises
    ------
    TypeError
        For an unsupported model type.
    ValueError
        For parameters that cannot be stored as plain values (e.g. a RandomState).
    """
    vec, est, steps = _split_model(model)
    check_is_fitted(est)
    coef = np.ascontiguousarray(est.coef_)
    intercept = np.ascontiguousarray(est.intercept_)
    arrays = {"coef": coef, "intercept": intercept, "classes": _classes_array(est.classes_)}
    curve = getattr(est, "loss_curve_", None)
    if isinstance(curve, list):
        curve = [np.asarray(c, dtype=float).tolist() for c in curve]
    elif curve is not None:
        curve = np.asarray(curve, dtype=float).tolist()
    names = getattr(est, "feature_names_in_", None)
    attributes = {
        "n_iter_": np.asarray(est.n_iter_).tolist(),  # LogisticRegression: a list
        "n_features_in_": int(est.n_features_in_),
        "feature_names_in_": None if names is None else [str(n) for n in names],
        "loss_curve_": curve,
    }
    if hasattr(est, "alpha_"):  # LogisticRegression
        attributes["alpha_"] = float(est.alpha_)
        attributes["l1_ratio"] = float(est._l1_ratio)
    vec_meta = None
    if vec is not None:
        vec_meta = _vectorizer_metadata(vec)
        if len(vec_meta["vocabulary"]) != coef.shape[1]:
            raise ValueError("the vectoriser's vocabulary does not match the model's features.")
        if vec.use_idf:
            arrays["idf"] = np.asarray(vec.idf_, dtype=np.float64)
    blobs = {}
    for name, arr in arrays.items():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
        blobs[name] = buf.getvalue()
    from . import __version__

    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "softmaxreg_version": __version__,
        "estimator": type(est).__name__,
        "params": _estimator_params(est),
        "attributes": attributes,
        "vectorizer": vec_meta,
        "steps": steps,
        "info": info,
        "arrays": {
            name: {
                "dtype": arrays[name].dtype.str,
                "shape": list(arrays[name].shape),
                "sha256": hashlib.sha256(blob).hexdigest(),
            }
            for name, blob in blobs.items()
        },
    }
    try:
        meta_bytes = json.dumps(metadata, sort_keys=True).encode("utf-8")
    except TypeError as exc:
        raise ValueError(f"info must be JSON-serialisable: {exc}") from None
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_METADATA, meta_bytes)
        zf.writestr(_DIGEST, hashlib.sha256(meta_bytes).hexdigest())
        for name, blob in blobs.items():
            zf.writestr(f"{name}.npy", blob)


def _read_member(zf, name, path):
    try:
        return zf.read(name)
    except KeyError:
        raise ModelFileError(
            f"{path}: not a valid softmaxreg model file: member {name!r} is missing."
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ModelFileError(f"{path}: model file is corrupt or truncated ({exc}).") from None


def _read_metadata(zf, path):
    meta_bytes = _read_member(zf, _METADATA, path)
    digest = _read_member(zf, _DIGEST, path).decode("ascii", "replace").strip()
    if hashlib.sha256(meta_bytes).hexdigest() != digest:
        raise ModelFileError(
            f"{path}: model file was modified or damaged: the SHA-256 of "
            "its metadata does not match."
        )
    try:
        metadata = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelFileError(f"{path}: unreadable model metadata ({exc}).") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        found = metadata.get("format") if isinstance(metadata, dict) else None
        raise ModelFileError(f"{path}: not a softmaxreg model file (format {found!r}).")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelFileError(
            f"{path}: model file format version {version!r} is not supported by this "
            f"softmaxreg (reads version {FORMAT_VERSION}); upgrade softmaxreg."
        )
    return metadata


def _read_arrays(zf, metadata, path):
    specs = metadata.get("arrays")
    if not isinstance(specs, dict):
        raise ModelFileError(f"{path}: model metadata lists no arrays.")
    expected = {_METADATA, _DIGEST} | {f"{name}.npy" for name in specs}
    extra = set(zf.namelist()) - expected
    if extra:
        raise ModelFileError(f"{path}: unexpected members in the model file: {sorted(extra)}.")
    arrays = {}
    for name, spec in specs.items():
        blob = _read_member(zf, f"{name}.npy", path)
        if hashlib.sha256(blob).hexdigest() != spec.get("sha256"):
            raise ModelFileError(
                f"{path}: model file was modified or damaged: the SHA-256 of "
                f"array {name!r} does not match."
            )
        try:
            arr = np.lib.format.read_array(io.BytesIO(blob), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise ModelFileError(f"{path}: unreadable array {name!r} ({exc}).") from None
        if (
            arr.dtype.kind not in _ALLOWED_KINDS
            or arr.dtype.str != spec.get("dtype")
            or list(arr.shape) != spec.get("shape")
        ):
            raise ModelFileError(
                f"{path}: array {name!r} has dtype {arr.dtype} and shape "
                f"{arr.shape}, not what the metadata says."
            )
        arrays[name] = arr
    return arrays


def _build_estimator(metadata, arrays, path):
    from ._estimator import SoftmaxRegression
    from ._logistic import LogisticRegression

    classes = {"SoftmaxRegression": SoftmaxRegression, "LogisticRegression": LogisticRegression}
    cls = classes.get(metadata.get("estimator"))
    if cls is None:
        raise ModelFileError(f"{path}: unknown estimator {metadata.get('estimator')!r}.")
    params = dict(metadata.get("params") or {})
    allowed = set(cls().get_params(deep=False))
    unknown = set(params) - allowed
    if unknown:
        raise ModelFileError(f"{path}: unknown parameters for {cls.__name__}: {sorted(unknown)}.")
    cw = params.get("class_weight")
    if isinstance(cw, dict):
        params["class_weight"] = {k: v for k, v in cw.get("pairs", [])}
    est = cls(**params)
    attrs = metadata.get("attributes") or {}
    try:
        coef, intercept, labels = arrays["coef"], arrays["intercept"], arrays["classes"]
        n_features = int(attrs["n_features_in_"])
        n_columns = 1 if labels.shape[0] == 2 else labels.shape[0]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: incomplete model file ({exc!r} missing).") from None
    if (
        labels.ndim != 1
        or labels.shape[0] < 2
        or coef.shape != (n_columns, n_features)
        or intercept.shape != (n_columns,)
        or coef.dtype.kind != "f"
        or not np.all(np.isfinite(coef))
        or not np.all(np.isfinite(intercept))
    ):
        raise ModelFileError(
            f"{path}: inconsistent model arrays (coef {coef.shape}, intercept "
            f"{intercept.shape}, {labels.shape[0]} classes, {n_features} "
            "features) or non-finite weights."
        )
    est.classes_ = labels
    est.coef_ = coef
    est.intercept_ = intercept
    est.n_features_in_ = n_features
    n_iter = attrs.get("n_iter_", 0)
    est.n_iter_ = np.asarray(n_iter, dtype=np.int32) if isinstance(n_iter, list) else int(n_iter)
    names = attrs.get("feature_names_in_")
    if names is not None:
        if len(names) != n_features:
            raise ModelFileError(f"{path}: {len(names)} feature names for {n_features} features.")
        est.feature_names_in_ = np.asarray(names, dtype=object)
    curve = attrs.get("loss_curve_")
    if curve is not None:
        if curve and isinstance(curve[0], list):
            est.loss_curve_ = [np.asarray(c, dtype=np.float64) for c in curve]
        else:
            est.loss_curve_ = np.asarray(curve, dtype=np.float64)
    if cls is LogisticRegression:
        est.alpha_ = float(attrs.get("alpha_", 0.0))
        est._l1_ratio = float(attrs.get("l1_ratio", 0.0))
    return est


def _build_vectorizer(vec_meta, arrays, n_features, path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if vec_meta.get("class") != "TfidfVectorizer":
        raise ModelFileError(f"{path}: unknown vectoriser {vec_meta.get('class')!r}.")
    params = dict(vec_meta.get("params") or {})
    unknown = set(params) - set(_VECTORIZER_PARAMS)
    if unknown:
        raise ModelFileError(f"{path}: unknown vectoriser settings {sorted(unknown)}.")
    terms = vec_meta.get("vocabulary")
    if (
        not isinstance(terms, list)
        or len(terms) != n_features
        or not all(isinstance(t, str) for t in terms)
        or len(set(terms)) != len(terms)
    ):
        raise ModelFileError(
            f"{path}: the vocabulary does not match the model's {n_features} features."
        )
    if isinstance(params.get("ngram_range"), list):
        params["ngram_range"] = tuple(params["ngram_range"])
    if "dtype" in params:
        params["dtype"] = np.dtype(params["dtype"]).type
    if isinstance(params.get("stop_words"), list):
        params["stop_words"] = list(params["stop_words"])
    vec = TfidfVectorizer(vocabulary={t: j for j, t in enumerate(terms)}, **params)
    if vec.use_idf:
        idf = arrays.get("idf")
        if idf is None or idf.shape != (n_features,):
            raise ModelFileError(f"{path}: the vectoriser's idf is missing or has the wrong shape.")
        vec.idf_ = idf
    return vec


def load(path):
    """Load a model file; return ``(model, metadata)`` (see :func:`load_model`)."""
    try:
        zf = zipfile.ZipFile(path)
    except (FileNotFoundError, IsADirectoryError):
        raise
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ModelFileError(
            f"{path}: not a softmaxreg model file, or a truncated one ({exc})."
        ) from None
    with zf:
        metadata = _read_metadata(zf, path)
        arrays = _read_arrays(zf, metadata, path)
    try:
        est = _build_estimator(metadata, arrays, path)
        vec_meta = metadata.get("vectorizer")
        if vec_meta is None:
            return est, metadata
        from sklearn.pipeline import Pipeline

        vec = _build_vectorizer(vec_meta, arrays, est.n_features_in_, path)
        steps = metadata.get("steps") or ["tfidfvectorizer", "model"]
        return Pipeline([(str(steps[0]), vec), (str(steps[1]), est)]), metadata
    except ModelFileError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ModelFileError(f"{path}: invalid model file ({exc}).") from None


def load_model(path: StrPath) -> Any:
    """Read a model written by :func:`save_model`; never runs code from the file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    SoftmaxRegression, LogisticRegression or Pipeline
        Fitted, ready for ``predict``/``predict_proba`` (a ``Pipeline`` of the stored
        ``TfidfVectorizer`` and estimator when one was saved). ``callback`` is None.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ModelFileError
        (a ``ValueError``) for a truncated, modified, unknown or inconsistent file.
    """
    return load(path)[0]
