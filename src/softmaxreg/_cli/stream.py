"""``softmaxreg fit DATA --stream`` (the streaming fit of ``softmaxreg.stream.fit_file``)
and the streaming side of ``softmaxreg predict`` for the models it saves."""

from __future__ import annotations

import sys
import time
import warnings

from .io import DataError

# options of the streaming fit only (None or False when not given)
STREAM_OPTIONS = ("hash_bits", "passes", "holdout", "chunk_size", "vocabulary", "no_idf")


def _check_options(args):
    """Refuse what a streaming fit cannot honour rather than ignore it."""
    if args.vocabulary and args.hash_bits is not None:
        raise DataError("--vocabulary and --hash-bits exclude each other.")
    if args.vocabulary and args.no_idf:
        raise DataError("--no-idf applies to hashed text; --vocabulary always weighs by idf.")
    refused = {
        "test_size": "--test-size: a streaming fit holds rows out with --holdout",
        "plot": "--plot is not available with --stream",
    }
    if not args.vocabulary:
        refused.update(
            min_df="--min-df needs --vocabulary (--stream hashes text otherwise)",
            max_features="--max-features needs --vocabulary (--stream hashes text otherwise)",
        )
    for name, message in refused.items():
        if getattr(args, name) not in (None, False):
            raise DataError(message + ".")
    if args.solver not in ("auto", "sgd"):
        raise DataError(
            f"--solver {args.solver}: a streaming fit runs partial_fit, i.e. --solver sgd."
        )
    if args.hash_bits is not None and not 1 <= args.hash_bits <= 30:
        raise DataError(f"--hash-bits must be in 1..30, got {args.hash_bits}.")
    if args.ngram_range is not None and args.ngram_range[0] > args.ngram_range[1]:
        low, high = args.ngram_range
        raise DataError(f"--ngram-range {low} {high}: MIN must not exceed MAX.")


def stream_fit_command(args, out=None, err=None):
    """Run ``softmaxreg fit --stream``; return the exit status (0)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    from .._estimator import SoftmaxRegression
    from ..stream import fit_file
    from .commands import _report_warnings

    _check_options(args)
    estimator = SoftmaxRegression(
        solver="sgd",
        alpha=args.alpha,
        l1_ratio=args.l1_ratio,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
    )
    holdout = 0.1 if args.holdout is None else args.holdout
    passes = 1 if args.passes is None else args.passes
    hash_bits = 20 if args.hash_bits is None else args.hash_bits
    chunk_size = 10_000 if args.chunk_size is None else args.chunk_size

    def log(record, model):
        line = (
            f"pass {record['pass']}: {record['train_rows']} rows, {record['seconds']:.2f} s, "
            f"objective estimate {record['objective']:.6g}"
        )
        if record["holdout_rows"]:
            line += (
                f"; held-out ({record['holdout_rows']} rows) accuracy "
                f"{record['holdout_accuracy']:.4f}, log-loss {record['holdout_log_loss']:.4f}"
            )
        print(line, file=out, flush=True)

    print(f"data: {args.data} (streamed in chunks of {chunk_size} rows)", file=out, flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        fitted, history = fit_file(
            args.data,
            fmt=args.format,
            target=args.target,
            text=args.text,
            drop=args.drop or (),
            hash_bits=hash_bits,
            ngram_range=tuple(args.ngram_range or (1, 1)),
            stop_words=args.stop_words,
            vocabulary=args.vocabulary,
            idf=not args.no_idf,
            min_df=args.min_df,
            max_features=args.max_features,
            sublinear_tf=args.sublinear_tf,
            passes=passes,
            holdout=holdout,
            chunk_size=chunk_size,
            C=args.C,
            scale=args.scale,
            class_weight=args.class_weight,
            estimator=estimator,
            progress=True,
            log=log,
        )
        elapsed = time.perf_counter() - start
    _report_warnings(caught, err)
    model = fitted[-1] if hasattr(fitted, "steps") else fitted
    best = next(r for r in history if r["best"])
    first = fitted.steps[0][0] if hasattr(fitted, "steps") else None
    kind = {
        "hashingvectorizer": f"2**{hash_bits} hashed text features"
        + ("" if args.no_idf else " weighted by idf (counted in a first read)"),
        "tfidfvectorizer": f"{model.n_features_in_} TF-IDF terms (vocabulary of the first read)",
    }.get(first, f"{model.n_features_in_} features")
    print(
        f"model: SoftmaxRegression(solver='sgd', alpha={model.alpha:.6g}) on {kind}; "
        f"{len(history)} passes in {elapsed:.2f} s (the first read of the file included), "
        f"kept pass {best['pass']}",
        file=out,
    )
    if args.model:
        from .._model_file import save_model

        columns = dict(history.columns)
        stream = {"chunk_size": chunk_size, "zero_based": columns.pop("zero_based")}
        save_model(fitted, args.model, info={**columns, "stream": stream})
        print(f"\nmodel saved to {args.model}", file=out)
    return 0


def stream_predict(args, model, info, out, err):
    """``softmaxreg predict`` for a model saved by ``fit --stream``: chunk by chunk.

    Predictions are written as each chunk is read; the scores are accumulated (labels and
    predictions, 16 bytes a row, and the log-loss sum), never the probabilities.
    """
    import csv

    import numpy as np
    from sklearn.pipeline import Pipeline

    from ..stream import ChunkReader
    from ..stream._hashing import hashing_transform, supports
    from .io import labels_array
    from .predict import _as_model_labels, report_scores, scores

    estimator = model[-1] if isinstance(model, Pipeline) else model
    stream = info.get("stream") or {}
    target = args.target if args.target is not None else info.get("target")
    reader = ChunkReader(
        args.data,
        fmt=args.format,
        target=target,
        text=info.get("text"),
        features=info.get("features"),
        need_target=args.target is not None,
        id_column=args.id_column,
        chunk_size=int(stream.get("chunk_size", 10_000)),
    )
    if reader.fmt == "svmlight":
        first = model[0] if isinstance(model, Pipeline) else estimator
        reader.n_features = first.n_features_in_
        reader.zero_based = bool(stream.get("zero_based", True))
    if args.report and reader.target is None and reader.fmt != "svmlight":
        raise DataError(
            f"--report needs labels to score, but {args.data} has no target column "
            f"{target!r}; name it with --target COLUMN."
        )
    classes = estimator.classes_
    index = {c.item(): k for k, c in enumerate(classes)}
    writer = csv.writer(out, lineterminator="\n")
    header = ["prediction"]
    if args.id_column is not None:
        header.insert(0, args.id_column)
    if args.proba:
        header += [f"proba_{c}" for c in classes]
    writer.writerow(header)
    ys, preds, loss, seen = [], [], 0.0, True
    scored = reader.fmt == "svmlight" or reader.target is not None
    # A pipeline that starts by hashing text: the compiled hashing, then the other steps.
    transform = rest = None
    if isinstance(model, Pipeline) and len(model.steps) >= 2 and supports(model[0]):
        transform, rest = hashing_transform(model[0]), model[1:]
    for chunk in reader.chunks("all"):
        if transform is None:
            proba = model.predict_proba(chunk.X)
        else:
            proba = rest.predict_proba(transform(chunk.X))
        pred = classes[np.argmax(proba, axis=1)]
        for i in range(len(pred)):
            row = [pred[i].item()]
            if args.id_column is not None:
                row.insert(0, chunk.ids[i])
            if args.proba:
                row += [repr(float(p)) for p in proba[i]]
            writer.writerow(row)
        if scored:
            if any(label is None for label in chunk.labels):
                scored = False
                continue
            y = _as_model_labels(labels_array(chunk.labels), classes)
            k = np.asarray([index.get(v.item(), -1) for v in y])
            seen = seen and bool(np.all(k >= 0))
            if seen:
                with np.errstate(divide="ignore"):
                    loss -= float(np.sum(np.log(np.clip(proba[np.arange(len(k)), k], 1e-15, 1))))
            ys.append(y)
            preds.append(pred)
    if scored and ys:
        y = np.concatenate([np.asarray(v, dtype=object) for v in ys])
        y = y.astype(classes.dtype if seen else str)
        pred = np.concatenate(preds)
        if not seen:
            pred = pred.astype(str)
        result = scores(y, pred, None, classes, log_loss=loss / len(y) if seen else None)
        report_scores(result, reader.target or "label", args.report, err)
    return 0
