"""Reading the command line's DATA files: CSV, JSON lines and svmlight.

Every problem with a file (missing, empty, a missing column, a non-numeric or missing
value, an unparsable line) raises :class:`DataError` with a one-line message naming
the file, the column and the line, which the command line prints as is.

Formats (chosen from the file name, or ``fmt``):

- CSV (``.csv``, ``.csv.gz``): a header row, then one row per sample. Without a text
  column every column except the target (and those dropped) must hold numbers and
  becomes a feature; with a text column, that column is the only input.
- JSON lines (``.jsonl``, ``.ndjson``, ``.json``, each optionally ``.gz``): one JSON
  object per line; by default ``label`` is the target and ``text`` the text field,
  otherwise the numeric fields of the objects are the features, as for CSV.
- svmlight / libsvm (``.svm``, ``.svmlight``, ``.libsvm``): read with scikit-learn's
  ``load_svmlight_file`` into a CSR matrix; the first field of a line is the label.
"""

import csv
import difflib
import gzip
import io
import json
import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMATS = ("csv", "jsonl", "svmlight")
_SUFFIXES = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".svm": "svmlight",
    ".svmlight": "svmlight",
    ".libsvm": "svmlight",
}


class DataError(ValueError):
    """A DATA file cannot be used; the message is one line naming the problem."""


@dataclass
class Dataset:
    """What :func:`read_data` returns.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), CSR matrix, or list of str
        Numeric features (float64), an svmlight matrix, or the texts of the text column.
    y : ndarray of shape (n_samples,) or None
        Labels: int64 when every label is an integer, else str. None when not asked for.
    feature_names : list of str
        Names of the numeric columns (``x0, x1, ...`` for svmlight); empty for text.
    fmt : str
        One of ``FORMATS``.
    target, text : str or None
        The target and text column names used.
    ids : list or None
        The values of the id column, as read (``id_column``), else None.
    """

    X: object
    y: object
    feature_names: list = field(default_factory=list)
    fmt: str = "csv"
    target: object = None
    text: object = None
    ids: object = None


# Column lists in messages stop after this many names (files can have thousands).
LIST_COLUMNS = 12


def column_list(fields, limit=LIST_COLUMNS):
    """``'a', 'b', ... (and N more)``: a file's columns, short enough for one line."""
    fields = [str(f) for f in fields]
    shown = ", ".join(repr(f) for f in fields[:limit])
    return shown if len(fields) <= limit else f"{shown}, ... ({len(fields) - limit} more)"


def no_such_column(path, name, fields):
    """The DataError of a missing column, with the near misses ("did you mean")."""
    fields = [str(f) for f in fields]
    lower = {f.lower(): f for f in fields}
    close = [lower[name.lower()]] if name.lower() in lower else []
    key = name.lower()
    close += [  # a shortened or lengthened name, e.g. 'ident' for 'id'
        f
        for f in fields
        if min(len(key), len(f)) >= 2
        and (f.lower().startswith(key) or key.startswith(f.lower()))
        and f not in close
    ]
    close += [c for c in difflib.get_close_matches(name, fields, n=3, cutoff=0.6) if c not in close]
    hint = f" Did you mean {' or '.join(repr(c) for c in close[:3])}?" if close else ""
    return DataError(f"{path}: no column {name!r}.{hint} The columns are: {column_list(fields)}.")


def detect_format(path, fmt=None):
    """The format of ``path``: ``fmt`` if given, else from its suffix (``.gz`` ignored)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise DataError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
        return fmt
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    raise DataError(
        f"{path}: cannot tell the format from the file name; pass --format "
        f"{'|'.join(FORMATS)} (known suffixes: {', '.join(sorted(_SUFFIXES))}, optionally .gz)."
    )


def _open_text(path):
    path = Path(path)
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a directory, not a data file.")
    try:
        if path.suffix.lower() == ".gz":
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
        return open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise DataError(f"cannot open {path}: {exc.strerror or exc}") from None


def _read_csv(path):
    """(header, rows with their line numbers) of a CSV file."""
    try:
        with _open_text(path) as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [(reader.line_num, row) for row in reader if row]
    except (UnicodeDecodeError, csv.Error, EOFError, OSError) as exc:
        raise DataError(f"{path}: cannot read as CSV ({exc}).") from None
    if header is None or not any(h.strip() for h in header):
        raise DataError(f"{path} is empty: expected a header row and data rows.")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise DataError(f"{path}: duplicate column names in the header: {dup}.")
    if not rows:
        raise DataError(f"{path} has a header but no data rows.")
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(
                f"{path}, line {line}: {len(row)} fields, but the header has {len(header)} columns."
            )
    return header, [(line, dict(zip(header, row))) for line, row in rows]


def json_record(line, path, line_no):
    """The JSON object on one line of a JSON-lines file, or a DataError naming the line."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise DataError(f"{path}, line {line_no}: not valid JSON ({exc}).") from None
    if not isinstance(record, dict):
        raise DataError(
            f"{path}, line {line_no}: expected a JSON object, got {type(record).__name__}."
        )
    return record


def _read_jsonl(path):
    """(field names of the first record, records with their line numbers)."""
    records = []
    try:
        with _open_text(path) as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                records.append((line_no, json_record(line, path, line_no)))
    except (UnicodeDecodeError, EOFError, OSError) as exc:
        raise DataError(f"{path}: cannot read as JSON lines ({exc}).") from None
    if not records:
        raise DataError(f"{path} is empty: expected one JSON object per line.")
    return list(records[0][1]), records


def _number(value, path, column, line):
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        kind = "a missing" if value is None or isinstance(value, str) else "a boolean"
        raise DataError(
            f"{path}, line {line}: {kind} value in feature column {column!r}; "
            "every feature value must be a finite number."
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"{path}, line {line}: non-numeric value {value!r} in feature column {column!r}; "
            "features must be numbers (name a text column with --text, or leave the column "
            f"out with --drop {shlex.quote(str(column))})."
        ) from None
    if not math.isfinite(number):
        raise DataError(
            f"{path}, line {line}: non-finite value {value!r} in feature column {column!r}."
        )
    return number


def labels_array(values):
    """Labels as int64 when all are integers (not bools), else as str."""
    ints = []
    for v in values:
        if isinstance(v, bool):
            break
        if isinstance(v, int):
            ints.append(v)
            continue
        if isinstance(v, str):
            s = v.strip()
            if s.lstrip("+-").isdigit():
                ints.append(int(s))
                continue
        if isinstance(v, float) and v.is_integer():
            ints.append(int(v))
            continue
        break
    else:
        return np.asarray(ints, dtype=np.int64)
    return np.asarray([str(v).strip() if isinstance(v, str) else str(v) for v in values])


def _columns(path, records, fields, target, text, drop, features):
    """Build the Dataset of CSV rows / JSON records (``records``: (line, dict) pairs)."""
    for name in [target, text, *drop, *(features or [])]:
        if name is not None and name not in fields:
            raise no_such_column(path, name, fields)
    y = None
    if target is not None:
        values = []
        for line, rec in records:
            v = rec.get(target)
            if v is None or (isinstance(v, str) and not v.strip()):
                raise DataError(f"{path}, line {line}: missing value in target column {target!r}.")
            values.append(v)
        y = labels_array(values)
    if text is not None:
        texts = []
        for line, rec in records:
            v = rec.get(text)
            if not isinstance(v, str):
                raise DataError(
                    f"{path}, line {line}: text column {text!r} holds "
                    f"{'nothing' if v is None else type(v).__name__}, not text."
                )
            texts.append(v)
        return texts, y, []
    if features is None:
        features = [f for f in fields if f != target and f not in drop]
    if not features:
        raise DataError(
            f"{path}: no feature columns left (the columns are "
            f"{column_list(fields)}); name a text column with --text."
        )
    X = np.empty((len(records), len(features)))
    for i, (line, rec) in enumerate(records):
        for j, name in enumerate(features):
            if name not in rec:
                raise DataError(f"{path}, line {line}: the record has no field {name!r}.")
            X[i, j] = _number(rec[name], path, name, line)
    return X, y, list(features)


def _read_svmlight(path, n_features):
    from sklearn.datasets import load_svmlight_file

    p = Path(path)
    if not p.exists():
        raise DataError(f"no such file: {p}")
    if p.is_dir():
        raise DataError(f"{p} is a directory, not a data file.")
    if p.stat().st_size == 0:
        raise DataError(f"{p} is empty: expected svmlight lines 'label index:value ...'.")
    try:
        X, y = load_svmlight_file(str(p), n_features=n_features, dtype=np.float64)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"{p}: not a valid svmlight file ({str(exc).splitlines()[0]}).") from None
    if X.shape[0] == 0:
        raise DataError(f"{p} is empty: no svmlight data lines.")
    if not np.all(np.isfinite(X.data)):
        raise DataError(f"{p}: non-finite feature values.")
    return X.tocsr(), labels_array([float(v) for v in y])


def read_data(
    path,
    *,
    target=None,
    text=None,
    fmt=None,
    drop=(),
    features=None,
    n_features=None,
    need_target=True,
    id_column=None,
):
    """Read a DATA file into a :class:`Dataset`.

    Parameters
    ----------
    path : str or path-like
    target : str or None
        Target column. Required for CSV when ``need_target``; JSON lines default to
        ``"label"``; ignored by svmlight (the label is the first field).
    text : str or None
        Text column (CSV, JSON lines). JSON lines default to ``"text"`` when the first
        record has that field and no ``features`` are given.
    fmt : {"csv", "jsonl", "svmlight"} or None
        Format; None guesses it from the file name.
    drop : sequence of str
        Columns that are not features.
    features : list of str or None
        Read exactly these numeric columns (prediction with a saved model).
    n_features : int or None
        svmlight: the number of features (prediction with a saved model).
    need_target : bool
        True (fit): the target column must exist. False (predict): the target column is
        read when the file has it (labelled rows to score), else ``y`` is None.
    id_column : str or None
        A column whose values are kept as read, in ``Dataset.ids`` (CSV, JSON lines),
        so that predictions can be matched to their rows.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
    """
    fmt = detect_format(path, fmt)
    if fmt == "svmlight":
        if id_column is not None:
            raise DataError(
                f"--id {shlex.quote(id_column)} needs a CSV or JSON-lines file: svmlight "
                "lines have no named columns (the rows are numbered in file order)."
            )
        if text is not None:
            raise DataError(
                "--text does not apply to svmlight files (they hold numeric features only)."
            )
        X, y = _read_svmlight(path, n_features)
        # every svmlight line starts with its label, so predict can always score the rows
        return Dataset(X, y, [f"x{j}" for j in range(X.shape[1])], fmt)
    if fmt == "csv":
        fields, records = _read_csv(path)
        if need_target and target is None:
            raise DataError(
                "--target COLUMN is required for CSV files: the column that "
                f"holds the class labels (columns: {column_list(fields)})."
            )
    else:
        fields, records = _read_jsonl(path)
        if need_target and target is None:
            target = "label"
        if text is None and features is None and "text" in fields:
            text = "text"
    if not need_target and target not in fields:
        target = None
    if id_column is not None and id_column not in fields:
        raise no_such_column(path, id_column, fields)
    X, y, names = _columns(path, records, fields, target, text, list(drop), features)
    ids = None if id_column is None else [rec.get(id_column) for _, rec in records]
    return Dataset(X, y, names, fmt, target, text, ids)


def check_classes(y, target):
    """Raise DataError unless ``y`` holds at least two classes."""
    classes = np.unique(y)
    if classes.shape[0] < 2:
        raise DataError(
            f"the target {target or 'label'!r} has only one class ({classes[0].item()!r}); a "
            "classifier needs at least two."
        )
    return classes
