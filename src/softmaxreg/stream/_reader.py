"""Reading a DATA file in chunks of rows, with a held-out share chosen by a hash of the row.

The reader never holds more than one chunk of rows: it walks the (possibly gzipped) file
line by line and yields :class:`Chunk` objects of at most ``chunk_size`` rows. A row is
held out when the CRC-32 of its raw bytes falls below ``holdout * 2**32``: the choice
depends on the row alone, so it is the same on every pass, in every process and for any
chunk size, and identical rows always land on the same side (no leakage of duplicates).

``scan`` reads the file once for what a streaming fit must know before its first step:
the row counts, the set of labels (``partial_fit`` needs every class up front), and for
numeric data the feature columns (svmlight: the number of features and whether indices
are zero-based, decided over the whole file as scikit-learn's ``zero_based="auto"``
would), plus, when asked, a ``StandardScaler`` fitted chunk by chunk.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._cli.io import (
    DataError,
    _number,
    column_list,
    detect_format,
    json_record,
    labels_array,
    no_such_column,
)

_HASH_RANGE = 2**32


@dataclass
class Chunk:
    """Rows of one chunk: ``X`` (list of texts, float64 array or CSR), raw labels, ids."""

    X: object
    labels: list
    ids: list | None = None


@dataclass
class ScanResult:
    """What :meth:`ChunkReader.scan` learns from a first read of the file."""

    n_rows: int = 0
    n_holdout: int = 0
    labels: dict = field(default_factory=dict)  # raw label -> count, every row
    train_counts: dict = field(default_factory=dict)  # raw label -> count, training rows
    order: list = field(default_factory=list)  # training labels in file order (first 100k)
    scaler: object = None

    def add(self, label, held_out):
        self.labels[label] = self.labels.get(label, 0) + 1
        if held_out:
            self.n_holdout += 1
            return
        self.n_rows += 1
        self.train_counts[label] = self.train_counts.get(label, 0) + 1
        if len(self.order) < 100_000:
            self.order.append(label)


class _Counted(io.RawIOBase):
    """A binary file that counts the bytes read from it (the compressed bytes of a .gz)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def close(self):
        self.raw.close()
        super().close()


class ChunkReader:
    """Chunks of the rows of a CSV, JSON-lines or svmlight file (optionally .gz).

    Parameters
    ----------
    path : str or path-like
    fmt : {"csv", "jsonl", "svmlight"} or None
        None: from the file name.
    target, text : str or None
        As for ``softmaxreg fit``: JSON lines default to ``label`` and (when the first
        record has it) ``text``; CSV needs ``target``; svmlight has neither.
    drop : sequence of str
        Columns that are not features.
    chunk_size : int
        Rows per chunk (before the held-out rows are set aside).
    holdout : float in [0, 1)
        Share of rows held out, chosen by a hash of the row.
    need_target : bool
        False (prediction): rows without the target are read with labels None.
    id_column : str or None
        A column copied into ``Chunk.ids``.
    features : list of str or None
        Read exactly these numeric columns (prediction with a saved model).
    """

    def __init__(
        self,
        path,
        *,
        fmt=None,
        target=None,
        text=None,
        drop=(),
        chunk_size=10_000,
        holdout=0.0,
        need_target=True,
        id_column=None,
        features=None,
    ):
        self.path = Path(path)
        if not self.path.exists():
            raise DataError(f"no such file: {self.path}")
        if self.path.is_dir():
            raise DataError(f"{self.path} is a directory, not a data file.")
        self.fmt = detect_format(self.path, fmt)
        self.size = os.path.getsize(self.path)
        if self.size == 0:
            raise DataError(f"{self.path} is empty.")
        self.chunk_size = int(chunk_size)
        self.holdout = float(holdout)
        self.drop = list(drop)
        self.need_target = need_target
        self.id_column = id_column
        self.bytes_read = 0
        self.features = None if features is None else list(features)  # CSV, JSON lines
        self.n_features = None  # svmlight
        self.zero_based = True
        self.target, self.text = self._columns(target, text)

    # -- opening ---------------------------------------------------------------------
    def _open(self):
        raw = _Counted(open(self.path, "rb"))
        self._counter = raw
        buffered = io.BufferedReader(raw, buffer_size=1 << 20)
        if self.path.suffix.lower() == ".gz":
            return gzip.GzipFile(fileobj=buffered, mode="rb")
        return buffered

    def _lines(self):
        """(line number, raw bytes) of the non-empty lines; updates ``bytes_read``."""
        with self._open() as f:
            try:
                for number, line in enumerate(f, start=1):
                    self.bytes_read = self._counter.count
                    if line.strip():
                        yield number, line
            except (OSError, EOFError) as exc:
                raise DataError(f"{self.path}: cannot read ({exc}).") from None
            finally:
                self.bytes_read = self._counter.count

    def _csv_rows(self):
        """(line number, fields, raw bytes) of the CSV rows after the header."""
        with self._open() as f:
            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            reader = csv.reader(text)
            try:
                header = next(reader, None)
                for row in reader:
                    self.bytes_read = self._counter.count
                    if row:
                        yield reader.line_num, row, "\x1f".join(row).encode("utf-8")
            except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
                raise DataError(f"{self.path}: cannot read as CSV ({exc}).") from None
            finally:
                self.bytes_read = self._counter.count
            del header

    def _header(self):
        with self._open() as f:
            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            try:
                header = next(csv.reader(text), None)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise DataError(f"{self.path}: cannot read as CSV ({exc}).") from None
        if header is None or not any(h.strip() for h in header):
            raise DataError(f"{self.path} is empty: expected a header row and data rows.")
        return [h.strip() for h in header]

    def _first_record(self):
        for number, line in self._lines():
            return self._json(number, line)
        raise DataError(f"{self.path} is empty: expected one JSON object per line.")

    def _json(self, number, line):
        return json_record(line, self.path, number)

    def _columns(self, target, text):
        """Resolve the target and text columns (and the numeric features) of the file."""
        if self.fmt == "svmlight":
            if text is not None:
                raise DataError(
                    "--text does not apply to svmlight files (they hold numeric features only)."
                )
            if self.id_column is not None:
                raise DataError("--id needs a CSV or JSON-lines file: svmlight has no columns.")
            return None, None
        if self.fmt == "csv":
            fields = self._header()
            self.header = fields
            if target is None and self.need_target:
                raise DataError(
                    "--target COLUMN is required for CSV files: the column that holds the "
                    f"class labels (columns: {column_list(fields)})."
                )
        else:
            fields = list(self._first_record())
            if target is None and self.need_target:
                target = "label"
            if text is None and "text" in fields:
                text = "text"
        if not self.need_target and target not in fields:
            target = None
        for name in [target, text, self.id_column, *self.drop]:
            if name is not None and name not in fields:
                raise no_such_column(self.path, name, fields)
        for name in self.features or ():
            if name not in fields:
                raise no_such_column(self.path, name, fields)
        if text is None and self.features is None:
            skip = {target, self.id_column, *self.drop}
            self.features = [f for f in fields if f not in skip]
            if not self.features:
                raise DataError(
                    f"{self.path}: no feature columns left (the columns are "
                    f"{column_list(fields)}); name a text column with --text."
                )
        return target, text

    # -- rows ------------------------------------------------------------------------
    def columns(self):
        """The columns a saved model needs to read a file like this one again."""
        return {
            "format": self.fmt,
            "target": self.target,
            "text": self.text,
            "features": self.features if self.text is None else None,
            "zero_based": self.zero_based,
        }

    def _held_out(self, raw):
        return zlib.crc32(raw.strip()) < self.holdout * _HASH_RANGE

    def _rows(self, part):
        """(line number, record or None, raw) of the rows of ``part``.

        ``part``: "train" (rows not held out), "holdout" or "all". svmlight rows are
        yielded unparsed (record None): a chunk is parsed at once by scikit-learn.
        """
        if self.fmt == "csv":
            width = len(self.header)
            for number, row, raw in self._csv_rows():
                if part != "all" and self._held_out(raw) != (part == "holdout"):
                    continue
                if len(row) != width:
                    raise DataError(
                        f"{self.path}, line {number}: {len(row)} fields, but the header has "
                        f"{width} columns."
                    )
                yield number, dict(zip(self.header, row)), raw
            return
        for number, raw in self._lines():
            if self.fmt == "svmlight" and raw.lstrip().startswith(b"#"):
                continue
            if part != "all" and self._held_out(raw) != (part == "holdout"):
                continue
            if self.fmt == "svmlight":
                yield number, None, raw
            else:
                yield number, self._json(number, raw), raw

    def _label(self, record, number):
        if self.target is None:
            return None
        value = record.get(self.target)
        if value is None or (isinstance(value, str) and not value.strip()):
            if not self.need_target:
                return None
            raise DataError(
                f"{self.path}, line {number}: missing value in target column {self.target!r}."
            )
        return value.strip() if isinstance(value, str) else value

    def _text(self, record, number):
        value = record.get(self.text)
        if not isinstance(value, str):
            raise DataError(
                f"{self.path}, line {number}: text column {self.text!r} holds "
                f"{'nothing' if value is None else type(value).__name__}, not text."
            )
        return value

    def _make_chunk(self, rows):
        if self.fmt == "svmlight":
            return self._svmlight_chunk(rows)
        labels = [self._label(rec, number) for number, rec, _ in rows]
        ids = None if self.id_column is None else [rec.get(self.id_column) for _, rec, _ in rows]
        if self.text is not None:
            return Chunk([self._text(rec, number) for number, rec, _ in rows], labels, ids)
        X = np.empty((len(rows), len(self.features)))
        for i, (number, rec, _) in enumerate(rows):
            for j, name in enumerate(self.features):
                if name not in rec:
                    raise DataError(
                        f"{self.path}, line {number}: the record has no field {name!r}."
                    )
                X[i, j] = _number(rec[name], self.path, name, number)
        return Chunk(X, labels, ids)

    def _svmlight_chunk(self, rows):
        from sklearn.datasets import load_svmlight_file

        data = b"".join(raw if raw.endswith(b"\n") else raw + b"\n" for _, _, raw in rows)
        try:
            X, y = load_svmlight_file(
                io.BytesIO(data),
                n_features=self.n_features,
                zero_based=self.zero_based,
                dtype=np.float64,
            )
        except ValueError as exc:
            first = rows[0][0]
            raise DataError(
                f"{self.path}, lines {first}-{rows[-1][0]}: not valid svmlight "
                f"({str(exc).splitlines()[0]})."
            ) from None
        if not np.all(np.isfinite(X.data)):
            raise DataError(f"{self.path}: non-finite feature values near line {rows[0][0]}.")
        return Chunk(X.tocsr(), [float(v) for v in y])

    def chunks(self, part="train"):
        """Yield the :class:`Chunk` objects of ``part`` ("train", "holdout" or "all")."""
        rows = []
        for row in self._rows(part):
            rows.append(row)
            if len(rows) >= self.chunk_size:
                yield self._make_chunk(rows)
                rows = []
        if rows:
            yield self._make_chunk(rows)

    # -- the first read --------------------------------------------------------------
    def scan(self, scaler=None, texts=None):
        """Read the file once: row counts, labels and the numeric layout.

        Parameters
        ----------
        scaler : StandardScaler or None
            Fitted with ``partial_fit`` on the training rows (numeric data only).
        texts : callable or None
            Called with the training rows' texts, ``chunk_size`` at a time, in the same
            read (text only): the counts a vocabulary or an idf needs.

        Returns
        -------
        ScanResult
        """
        result = ScanResult(scaler=scaler)
        if self.fmt == "svmlight":
            self._scan_svmlight(result)
            if scaler is not None:
                for chunk in self.chunks("train"):
                    scaler.partial_fit(chunk.X)
            return result
        batch = []
        for number, rec, raw in self._rows("all"):
            held_out = self._held_out(raw)
            result.add(self._label(rec, number), held_out)
            if texts is not None and not held_out:
                batch.append(self._text(rec, number))
                if len(batch) >= self.chunk_size:
                    texts(batch)
                    batch = []
        if texts is not None and batch:
            texts(batch)
        if result.n_rows == 0:
            raise DataError(f"{self.path}: no training rows (all {result.n_holdout} held out).")
        if scaler is not None and self.text is None:
            for chunk in self.chunks("train"):
                scaler.partial_fit(chunk.X)
        return result

    def _scan_svmlight(self, result):
        """Labels, counts, the largest feature index and whether any index is 0."""
        largest, smallest = -1, None
        for number, _, raw in self._rows("all"):
            parts = raw.split(b"#", 1)[0].split()
            try:
                label = float(parts[0])
                indices = [
                    int(p.split(b":", 1)[0])
                    for p in parts[1:]
                    if b":" in p and not p.startswith(b"qid")
                ]
            except (ValueError, IndexError):
                raise DataError(
                    f"{self.path}, line {number}: not an svmlight line 'label index:value ...'."
                ) from None
            if indices:
                largest = max(largest, max(indices))
                low = min(indices)
                smallest = low if smallest is None else min(smallest, low)
            result.add(label, self._held_out(raw))
        if result.n_rows == 0:
            raise DataError(f"{self.path}: no training rows (all {result.n_holdout} held out).")
        self.zero_based = smallest == 0 if smallest is not None else True
        self.n_features = max(1, largest + (1 if self.zero_based else 0))


def label_classes(raw_labels):
    """``(classes, mapping raw label -> class)`` of the labels a scan found.

    Integer-valued labels (``3``, ``"3"``, ``3.0``) become int64 classes, others str, as
    the in-memory reader does for a whole file.
    """
    raw = list(raw_labels)
    values = labels_array(raw)
    mapping = {r: v.item() for r, v in zip(raw, values)}
    return np.unique(values), mapping
