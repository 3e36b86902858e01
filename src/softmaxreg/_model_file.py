"""Safe model files: ``save_model`` and ``load_model``.

Format (``format_version`` 2; version 1 files are read too)
-----------------------------------------------------------
A ZIP archive in NumPy's ``.npz`` layout (``numpy.load(path, allow_pickle=False)`` can
open it) holding exactly these members:

``metadata.json``
    UTF-8 JSON object: ``format`` (``"softmaxreg-model"``), ``format_version`` (1),
    ``softmaxreg_version``, ``estimator`` (``"SoftmaxRegression"`` or
    ``"LogisticRegression"``), ``params`` (the constructor parameters; ``callback`` is
    not stored, a ``class_weight`` dict is stored as a list of ``[label, weight]``
    pairs), ``attributes`` (``n_iter_``, ``n_features_in_``, ``feature_names_in_`` or
    null, ``loss_curve_`` as a list, and ``alpha_``/``l1_ratio`` for
    ``LogisticRegression``), ``preprocessors`` (the pipeline's steps before the
    estimator, each a JSON object described in ``softmaxreg/_model_steps.py``: a
    ``StandardScaler``, ``MaxAbsScaler``, ``TfidfVectorizer``, ``HashingVectorizer`` or
    ``TfidfTransformer``;
    empty for a bare estimator), ``steps`` (the pipeline's step names, or null),
    ``info`` (a JSON object the caller passed, e.g. the command line's column names)
    and ``arrays``, which maps each array name to its ``dtype``, ``shape`` and the
    SHA-256 of its ``.npy`` member. Version 1 held at most a ``TfidfVectorizer``, in
    ``vectorizer`` (with its idf in ``idf.npy``).
``metadata.sha256``
    The hex SHA-256 of the bytes of ``metadata.json``.
``coef.npy``, ``intercept.npy``, ``classes.npy`` and the steps' ``step<i>_<name>.npy``
    NumPy ``.npy`` files without pickled objects (numeric, bool or unicode dtypes).

Loading never runs code from the file: the metadata is parsed with ``json``, arrays
are read with ``allow_pickle=False``, the estimator class and the preprocessing steps
are chosen from fixed lists and built from plain values. Every digest is checked before
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
FORMAT_VERSION = 2
_METADATA = "metadata.json"
_DIGEST = "metadata.sha256"
_ALLOWED_KINDS = "biufU"  # bool, int, uint, float, unicode: no objects, no pickles


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
    """(preprocessing steps, estimator, step names or None) of what save_model accepts."""
    from sklearn.pipeline import Pipeline

    from ._estimator import SoftmaxRegression
    from ._logistic import LogisticRegression
    from ._model_steps import STEP_NAMES, is_supported_step

    estimators = (SoftmaxRegression, LogisticRegression)
    if isinstance(model, Pipeline):
        steps = model.steps
        kinds = [type(s).__name__ for _, s in steps]
        if (
            len(steps) >= 2
            and type(steps[-1][1]) in estimators
            and all(is_supported_step(s) for _, s in steps[:-1])
        ):
            return [s for _, s in steps[:-1]], steps[-1][1], [name for name, _ in steps]
        raise TypeError(
            f"save_model accepts a Pipeline of {', '.join(STEP_NAMES)} steps followed by a "
            f"SoftmaxRegression or LogisticRegression; got steps {kinds} (other steps "
            "could only be stored as pickles, which model files never hold)."
        )
    if type(model) in estimators:
        return [], model, None
    raise TypeError(
        "save_model accepts a fitted SoftmaxRegression, LogisticRegression, or a Pipeline "
        f"of {', '.join(STEP_NAMES)} steps before one of them; got {type(model).__name__}."
    )


def save_model(model: Any, path: StrPath, *, info: dict | None = None) -> None:
    """Write a fitted model to ``path`` in softmaxreg's safe format (no pickles).

    Parameters
    ----------
    model : SoftmaxRegression, LogisticRegression or Pipeline
        Fitted. A ``Pipeline`` holds ``StandardScaler``, ``MaxAbsScaler``,
        ``TfidfVectorizer``, ``HashingVectorizer`` or ``TfidfTransformer`` steps before
        the estimator (e.g.
        ``make_pipeline(StandardScaler(), SoftmaxRegression())``): their settings and
        fitted arrays are stored as plain values, since these are what a model needs to
        see new data the way it saw the training data; custom tokenizers (code) and any
        other step are refused.
    path : str or path-like
        Output file (conventionally ``.npz``); overwritten.
    info : dict, optional
        JSON-serialisable information to store alongside (returned by
        ``softmaxreg._model_file.load`` as ``metadata["info"]``).

    Raises
    ------
    TypeError
        For an unsupported model type or pipeline step.
    ValueError
        For parameters that cannot be stored as plain values (e.g. a RandomState).
    """
    pre, est, steps = _split_model(model)
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
    from ._model_steps import step_metadata, step_n_features_out

    pre_meta = []
    for i, (name, step) in enumerate(zip(steps or [], pre)):
        meta, step_arrays = step_metadata(step, i)
        pre_meta.append({"name": name, **meta})
        arrays.update(step_arrays)
    if pre and step_n_features_out(pre[-1]) != coef.shape[1]:
        raise ValueError(
            f"the pipeline's last preprocessing step gives {step_n_features_out(pre[-1])} "
            f"features, but the model has {coef.shape[1]}."
        )
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
        "preprocessors": pre_meta,
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


def _preprocessors(metadata):
    """The preprocessing steps' descriptions, version 1's ``vectorizer`` included."""
    if metadata.get("format_version") == 1:
        vec = metadata.get("vectorizer")
        if vec is None:
            return []
        names = metadata.get("steps") or ["tfidfvectorizer", "model"]
        return [{"name": names[0], **vec, "array_names": {"idf": "step0_idf"}}]
    pre = metadata.get("preprocessors") or []
    if not isinstance(pre, list):
        raise ModelFileError("the model's preprocessing steps are not a list.")
    return pre


def _build_pipeline(metadata, arrays, est, path):
    from sklearn.pipeline import Pipeline

    from ._model_steps import build_step, step_n_features_out

    pre = _preprocessors(metadata)
    if not pre:
        return est
    built = []
    for i, meta in enumerate(pre):
        if not isinstance(meta, dict):
            raise ModelFileError(f"{path}: preprocessing step {i} is not a JSON object.")
        moved = (meta.get("array_names") or {}).items()  # version 1's member names
        renamed = {new: arrays[old] for old, new in moved if old in arrays}
        step = build_step(meta, {**arrays, **renamed}, i)
        built.append((str(meta.get("name", f"step{i}")), step))
    n_out = step_n_features_out(built[-1][1])
    if n_out != est.n_features_in_:
        raise ModelFileError(
            f"{path}: the preprocessing gives {n_out} features, but the model has "
            f"{est.n_features_in_}."
        )
    names = metadata.get("steps") or []
    last = str(names[-1]) if len(names) == len(built) + 1 else "model"
    return Pipeline([*built, (last, est)])


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
        return _build_pipeline(metadata, arrays, est, path), metadata
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
        preprocessing steps and estimator when a pipeline was saved). ``callback`` is
        None.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ModelFileError
        (a ``ValueError``) for a truncated, modified, unknown or inconsistent file.
    """
    return load(path)[0]
