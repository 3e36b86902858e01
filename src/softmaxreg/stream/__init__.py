"""Streaming fit: train on a file larger than memory, one chunk of rows at a time.

``fit_file`` reads a CSV, JSON-lines or svmlight file (optionally gzipped) in chunks and
feeds each chunk to ``SoftmaxRegression(solver="sgd").partial_fit``. Memory is bounded by
the model plus two chunks (one trained on while the next is read, when ``n_jobs`` allows
two threads), whatever the file's size: text is hashed as scikit-learn's
``HashingVectorizer`` hashes it (no vocabulary to keep; for the default word analyzer by a
compiled kernel giving the same matrix, see ``_hashing``) or, with ``vocabulary=True``,
turned into TF-IDF over a vocabulary counted in a first read; numeric columns are
standardised with statistics gathered in a first read. A share of the rows, chosen by a
hash of each row, is held out; after every pass the model is scored on it (log-loss and
accuracy), and the passes stop early when the held-out log-loss stops improving.

Example
-------
>>> from softmaxreg.stream import fit_file  # doctest: +SKIP
>>> model, history = fit_file("train.jsonl.gz", passes=3, hash_bits=20)  # doctest: +SKIP
>>> history[-1]["holdout_accuracy"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._threads import effective_n_threads
from ._hashing import hashing_transform
from ._progress import StreamProgress
from ._reader import ChunkReader, label_classes

__all__ = ["ChunkReader", "History", "fit_file", "iter_chunks"]


class History(list):
    """The per-pass records of :func:`fit_file` (a list of dicts), with ``columns``: the
    format, target, text and feature columns the file was read with."""

    columns: dict = {}


def _hashing_vectorizer(hash_bits, ngram_range, stop_words, norm="l2"):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=2**hash_bits,
        alternate_sign=False,
        norm=norm,
        ngram_range=tuple(ngram_range),
        stop_words=stop_words,
        dtype=np.float64,
    )


def _smooth_idf(n_docs, df):
    """``TfidfVectorizer``'s smooth idf, ``ln((1 + n) / (1 + df)) + 1``."""
    return np.log((1.0 + n_docs) / (1.0 + np.asarray(df, dtype=np.float64))) + 1.0


class _VocabularyCounts:
    """Each term's document frequency (and total count, for ``max_features``) over the
    texts it is called with; ``vectorizer`` then gives the ``TfidfVectorizer`` over the
    vocabulary of the training rows.

    The terms kept and the idf are those ``TfidfVectorizer.fit`` would give on the
    training rows, except that ties at the ``max_features`` cut are broken
    alphabetically. Memory: the vocabulary.
    """

    def __init__(self, text_options):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.options = dict(text_options)
        self.min_df = self.options.pop("min_df", None) or 1
        self.max_features = self.options.pop("max_features", None)
        self.analyze = TfidfVectorizer(**self.options).build_analyzer()
        self.df, self.tf = Counter(), Counter()

    def __call__(self, texts):
        for text in texts:
            terms = self.analyze(text)
            self.tf.update(terms)
            self.df.update(set(terms))

    def vectorizer(self, n_docs, path):
        from sklearn.feature_extraction.text import TfidfVectorizer

        terms = sorted(t for t, c in self.df.items() if c >= self.min_df)
        if self.max_features is not None and len(terms) > self.max_features:
            terms = sorted(sorted(terms, key=lambda t: -self.tf[t])[: self.max_features])
        if not terms:
            raise ValueError(
                f"{path}: no terms are left in the vocabulary (min_df={self.min_df}); lower min_df."
            )
        vectorizer = TfidfVectorizer(vocabulary=terms, **self.options)
        vectorizer._validate_vocabulary()  # sets vocabulary_ from the fixed list
        vectorizer.idf_ = _smooth_idf(n_docs, [self.df[t] for t in terms])
        return vectorizer


class _HashedCounts:
    """The document frequency of each hashed column over the texts it is called with
    (``hashing``: texts -> their ``n_features`` hashed counts); ``weigher`` then gives the
    ``TfidfTransformer`` that follows the hashing: that idf (or none with ``idf=False``),
    ``sublinear_tf`` and L2 rows. Memory: one count per column."""

    def __init__(self, hashing, n_features):
        self.hashing, self.df = hashing, np.zeros(n_features, dtype=np.int64)

    def __call__(self, texts):
        self.df += np.bincount(self.hashing(texts).indices, minlength=self.df.shape[0])

    def weigher(self, n_docs, idf, sublinear_tf):
        from sklearn.feature_extraction.text import TfidfTransformer

        weigher = TfidfTransformer(norm="l2", use_idf=idf, sublinear_tf=sublinear_tf)
        weigher.n_features_in_ = self.df.shape[0]
        if idf:
            weigher.idf_ = _smooth_idf(n_docs, self.df)
        return weigher


def _check_arguments(hash_bits, passes, holdout, chunk_size, alpha, C, vocabulary, idf):
    if not isinstance(vocabulary, bool):
        raise TypeError(f"vocabulary must be True or False, got {vocabulary!r}.")
    if not isinstance(idf, bool):
        raise TypeError(f"idf must be True or False, got {idf!r}.")
    if isinstance(hash_bits, bool) or not isinstance(hash_bits, (int, np.integer)):
        raise TypeError(f"hash_bits must be an int, got {type(hash_bits).__name__}.")
    if not 1 <= hash_bits <= 30:
        raise ValueError(f"hash_bits must be in [1, 30], got {hash_bits}.")
    if isinstance(passes, bool) or not isinstance(passes, (int, np.integer)) or passes < 1:
        raise ValueError(f"passes must be an int >= 1, got {passes!r}.")
    if not (isinstance(holdout, (int, float)) and 0 <= holdout < 1):
        raise ValueError(f"holdout must be a number in [0, 1), got {holdout!r}.")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"chunk_size must be an int, got {type(chunk_size).__name__}.")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}.")
    if alpha is not None and C is not None:
        raise ValueError("pass alpha or C, not both.")
    if C is not None and not (isinstance(C, (int, float)) and math.isfinite(C) and C > 0):
        raise ValueError(f"C must be a finite number > 0, got {C!r}.")


def _grouped_by_label(labels_in_order, counts):
    """True when consecutive rows change label far less often than in a random order."""
    n = sum(counts.values())
    if n < 100:
        return False
    changes = sum(a != b for a, b in zip(labels_in_order, labels_in_order[1:]))
    expected = (n - 1) * (1 - sum((c / n) ** 2 for c in counts.values()))
    return changes < 0.5 * expected


def iter_chunks(reader, transform, mapping, part, ahead=False):
    """Yield ``(X, y)`` of each chunk of ``part``: the chunk's features through
    ``transform`` (or as read when None) and its labels as classes via ``mapping``.

    ``ahead``: build the next chunk on a thread of its own while the caller works on
    this one (two chunks in memory instead of one). Decompressing, hashing and the
    solver's kernel release the GIL, so reading and training then overlap.
    """

    def build(chunks):
        chunk = next(chunks, None)
        if chunk is None:
            return None
        X = chunk.X if transform is None else transform(chunk.X)
        return X, np.asarray([mapping[label] for label in chunk.labels])

    chunks = reader.chunks(part)
    if not ahead:
        while (item := build(chunks)) is not None:
            yield item
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="softmaxreg-read") as pool:
        pending = pool.submit(build, chunks)
        while (item := pending.result()) is not None:
            pending = pool.submit(build, chunks)
            yield item


def _score(model, reader, transform, mapping, classes):
    """(log-loss, accuracy, rows) of ``model`` on the held-out rows, chunk by chunk."""
    from scipy.special import logsumexp

    index = {c.item() if hasattr(c, "item") else c: k for k, c in enumerate(classes)}
    loss = correct = 0.0
    n = 0
    for X, y in iter_chunks(reader, transform, mapping, "holdout"):
        scores = model.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        k = np.asarray([index[v.item() if hasattr(v, "item") else v] for v in y])
        rows = np.arange(k.shape[0])
        loss += float(np.sum(logsumexp(scores, axis=1) - scores[rows, k]))
        correct += float(np.sum(np.argmax(scores, axis=1) == k))
        n += k.shape[0]
    if n == 0:
        return float("nan"), float("nan"), 0
    return loss / n, correct / n, n


def fit_file(
    path,
    *,
    fmt=None,
    target=None,
    text=None,
    drop=(),
    hash_bits=20,
    ngram_range=(1, 1),
    stop_words=None,
    vocabulary=False,
    idf=True,
    min_df=None,
    max_features=None,
    sublinear_tf=False,
    passes=1,
    holdout=0.1,
    n_iter_no_change=1,
    chunk_size=10_000,
    alpha=None,
    C=None,
    scale=True,
    class_weight=None,
    estimator=None,
    random_state=0,
    progress=False,
    log=None,
):
    """Fit softmax regression on a file read in chunks (``partial_fit``), never whole.

    The file is read once to learn the classes, the number of training rows (for ``C``)
    and, for numeric data, the features' means and standard deviations; then ``passes``
    times for training. Each pass feeds the chunks in file order (rows are shuffled
    within a chunk only), so a file sorted by label must be shuffled first: a warning
    says so when the first read finds the labels grouped.

    Parameters
    ----------
    path : str or path-like
        CSV, JSON lines or svmlight, optionally ``.gz`` (format from the name or ``fmt``).
    fmt, target, text, drop
        As for ``softmaxreg fit``: JSON lines default to the fields ``label`` and
        ``text``; CSV needs ``target``; without a text column the numeric columns are the
        features.
    hash_bits : int, default=20
        Text is hashed into ``2**hash_bits`` features (scikit-learn's
        ``HashingVectorizer``: counts, no sign flipping), weighted by ``idf`` and
        L2-normalised (a ``TfidfTransformer``). With the default ``ngram_range`` and no
        ``stop_words`` a compiled kernel computes the vectorizer's matrix several times
        faster; the model returned holds the vectorizer either way.
    ngram_range, stop_words
        Passed to the ``HashingVectorizer``.
    idf : bool, default=True
        Hashed text: weigh each hashed column by its inverse document frequency, counted
        in a read of the training rows before the passes. Rare words carry more of a
        document's meaning than common ones; on 20newsgroups (C=10) the optimum's test
        accuracy is 0.843 with idf against 0.794 without, as with a vocabulary's TF-IDF.
        ``vocabulary=True`` always weighs by idf; numeric data have none.
    vocabulary : bool, default=False
        Text: instead of hashing, build a vocabulary in a first read of the training rows
        (``min_df``, ``max_features``) and use TF-IDF features (a ``TfidfVectorizer`` with
        that vocabulary and its idf). Memory then also holds the vocabulary's counts.
    min_df, max_features
        The ``TfidfVectorizer`` options of ``vocabulary=True`` (refused without it).
    sublinear_tf : bool, default=False
        Text: use ``1 + log(tf)`` for the term counts.
    passes : int, default=1
        Reads of the file for training.
    holdout : float in [0, 1), default=0.1
        Share of rows held out (by a CRC-32 of the row's bytes, so the same rows on every
        pass) and scored after every pass. 0: no held-out rows, no early stopping.
    n_iter_no_change : int, default=1
        Stop after this many passes without a lower held-out log-loss, and return the
        model of the best pass.
    chunk_size : int, default=10000
        Rows per ``partial_fit`` call (the memory held besides the model).
    alpha, C : float or None
        Regularisation: ``alpha``, or scikit-learn's ``C`` (``alpha = 1 / (C * n)`` with
        n the training rows). Default: the estimator's alpha.
    scale : bool, default=True
        Numeric data: standardise the columns (svmlight: divide by the standard
        deviation only, keeping it sparse). Ignored for text.
    class_weight : "balanced", dict or None
        "balanced" is computed from the class counts of the first read.
    estimator : SoftmaxRegression or None
        A template (cloned) for its settings; default ``SoftmaxRegression(solver="sgd")``.
        Its solver must be "sgd".
    random_state : int or None, default=0
        Seed of the shuffling within chunks (when ``estimator`` is None).
    progress : bool, default=False
        Print the progress of each read to stderr (bytes, rows/s, ETA).
    log : callable or None
        Called as ``log(record, model)`` after each pass, with the pass's record and the
        model as it stands (the one being fitted: read it, do not change it). The
        command line prints the record; a benchmark scores the model on a test file.

    Returns
    -------
    model : Pipeline or SoftmaxRegression
        ``Pipeline([HashingVectorizer, TfidfTransformer, SoftmaxRegression])`` for text
        (without the ``TfidfTransformer`` for ``idf=False``; a ``TfidfVectorizer`` with
        ``vocabulary=True``),
        ``Pipeline([StandardScaler, SoftmaxRegression])`` for scaled numeric data, else
        the estimator; ``save_model`` stores any of them.
    history : History (a list of dict)
        One record per pass: ``pass``, ``train_rows``, ``holdout_rows``,
        ``holdout_log_loss``, ``holdout_accuracy`` (NaN without held-out rows),
        ``objective`` (the pass's mean loss, each row's taken before its step, plus the
        penalty at the pass's end) and
        ``seconds`` (training and scoring). The model returned is that of the record
        with ``best`` True. ``history.columns`` names the columns read.
    """
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from .._estimator import SoftmaxRegression

    _check_arguments(hash_bits, passes, holdout, chunk_size, alpha, C, vocabulary, idf)
    if isinstance(n_iter_no_change, bool) or not isinstance(n_iter_no_change, (int, np.integer)):
        raise TypeError("n_iter_no_change must be an int.")
    if n_iter_no_change < 1:
        raise ValueError(f"n_iter_no_change must be >= 1, got {n_iter_no_change}.")
    if estimator is None:
        estimator = SoftmaxRegression(solver="sgd", random_state=random_state)
    elif not isinstance(estimator, SoftmaxRegression):
        raise TypeError(f"estimator must be a SoftmaxRegression, got {type(estimator).__name__}.")
    else:
        estimator = clone(estimator)
    if estimator.solver != "sgd":
        raise ValueError(
            f"a streaming fit runs partial_fit, which needs solver='sgd'; got "
            f"solver={estimator.solver!r}."
        )
    reader = ChunkReader(
        path,
        fmt=fmt,
        target=target,
        text=text,
        drop=drop,
        chunk_size=chunk_size,
        holdout=holdout,
    )
    is_text = reader.text is not None
    vocabulary_options = {"min_df": min_df, "max_features": max_features}
    if (not vocabulary or not is_text) and any(v is not None for v in vocabulary_options.values()):
        raise ValueError("min_df and max_features apply to text with vocabulary=True.")
    if sublinear_tf and not is_text:
        raise ValueError(f"sublinear_tf applies to text; {path} is read as numeric features.")
    if vocabulary and not is_text:
        raise ValueError(f"vocabulary=True needs text; {path} is read as numeric features.")
    # what the first read counts besides the labels: a vocabulary, or the hashed columns'
    # document frequencies for their idf
    scaler = counts = None
    if vocabulary:
        counts = _VocabularyCounts(
            {
                **vocabulary_options,
                "ngram_range": tuple(ngram_range),
                "stop_words": stop_words,
                "sublinear_tf": sublinear_tf,
            }
        )
    elif is_text and (idf or sublinear_tf):
        first = _hashing_vectorizer(hash_bits, ngram_range, stop_words, norm=None)
        hashed = hashing_transform(first)
        counts = _HashedCounts(hashed, first.n_features)
    elif not is_text and scale:
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler(with_mean=reader.fmt != "svmlight")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant columns in the scaler
        scan = reader.scan(scaler, texts=counts if vocabulary or idf else None)
    classes, mapping = label_classes(scan.labels)
    if classes.shape[0] < 2:
        raise ValueError(
            f"{path}: the target has only one class ({classes[0].item()!r}); a classifier "
            "needs at least two."
        )
    if _grouped_by_label(scan.order, scan.train_counts):
        warnings.warn(
            f"{path}: the rows are grouped by label; a streaming fit sees them in file order "
            "(shuffled within each chunk only) and forgets earlier labels. Shuffle the file "
            "first (e.g. `shuf`, or `zcat | shuf | gzip` for .gz).",
            UserWarning,
            stacklevel=2,
        )
    scan.order = None
    if C is not None:
        alpha = 1.0 / (C * scan.n_rows)
    if alpha is not None:
        estimator.set_params(alpha=alpha)
    if class_weight == "balanced":
        n, k = scan.n_rows, len(scan.train_counts)
        class_weight = {
            mapping[label]: n / (k * count) for label, count in scan.train_counts.items()
        }
    if class_weight is not None:
        estimator.set_params(class_weight=class_weight)
    if vocabulary:
        first = counts.vectorizer(scan.n_rows, reader.path)
        transform, steps = first.transform, [("tfidfvectorizer", first)]
    elif is_text and not (idf or sublinear_tf):
        first = _hashing_vectorizer(hash_bits, ngram_range, stop_words)
        transform, steps = hashing_transform(first), [("hashingvectorizer", first)]
    elif is_text:
        weigher = counts.weigher(scan.n_rows, idf, sublinear_tf)

        def transform(texts):
            return weigher.transform(hashed(texts), copy=False)

        steps = [("hashingvectorizer", first), ("tfidftransformer", weigher)]
    elif scaler is not None:
        transform, steps = scaler.transform, [("standardscaler", scaler)]
    else:
        transform, steps = None, []
    fitted = Pipeline([*steps, ("model", estimator)]) if steps else estimator
    history, best, best_params, no_change = History(), None, None, 0
    history.columns = reader.columns()
    # one of the threads n_jobs allows reads ahead, the others train
    n_jobs, budget = estimator.n_jobs, effective_n_threads(estimator.n_jobs)
    ahead = budget >= 2
    if ahead:  # (the estimator is this function's clone: an error discards it)
        estimator.set_params(n_jobs=budget - 1)
    for p in range(1, passes + 1):
        start = time.perf_counter()
        bar = StreamProgress(reader.size, f"pass {p}/{passes}", enabled=progress)
        rows, objective = 0, 0.0
        for X, y in iter_chunks(reader, transform, mapping, "train", ahead=ahead):
            objective += estimator._partial_fit(X, y, classes, None, stream=True) * y.shape[0]
            rows += y.shape[0]
            bar.update(reader.bytes_read, rows)
        objective = estimator._settle_stream(objective / max(rows, 1))
        bar.done()
        loss, accuracy, n_holdout = (float("nan"), float("nan"), 0)
        if holdout > 0 and scan.n_holdout > 0:
            loss, accuracy, n_holdout = _score(estimator, reader, transform, mapping, classes)
        record = {
            "pass": p,
            "train_rows": rows,
            "holdout_rows": n_holdout,
            "holdout_log_loss": loss,
            "holdout_accuracy": accuracy,
            "objective": float(objective),
            "seconds": time.perf_counter() - start,
            "best": False,
        }
        history.append(record)
        improved = best is None or not (loss >= best["holdout_log_loss"])  # NaN: improved
        if improved:
            best, no_change = record, 0
            if p < passes and n_holdout:  # this pass's model, in case later ones are worse
                best_params = (estimator.coef_.copy(), estimator.intercept_.copy())
        else:
            no_change += 1
        if log is not None:
            log(record, fitted)
        if no_change >= n_iter_no_change:
            break
    estimator.set_params(n_jobs=n_jobs)
    if best is not history[-1]:
        estimator.coef_, estimator.intercept_ = best_params
    best["best"] = True
    return fitted, history
