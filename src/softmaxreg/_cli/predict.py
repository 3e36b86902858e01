"""The ``softmaxreg predict`` command: predictions as CSV on stdout, scores on stderr.

When the rows carry labels (the model's target column, ``--target``, or svmlight's first
field), the predictions are scored: accuracy, log-loss, the confusion matrix and each
class's precision, recall and F1 go to stderr, so that stdout stays a clean CSV, and
``--report FILE`` writes the same numbers as JSON.
"""

import csv
import json
import sys
import warnings

import numpy as np

from .io import DataError, read_data


def _as_model_labels(y, classes):
    """The true labels in the dtype of the model's classes (a CSV's '3' is class 3)."""
    if classes.dtype.kind in "US" and y.dtype.kind not in "US":
        return y.astype(str)
    if classes.dtype.kind in "iub" and y.dtype.kind in "US":
        return y  # no integer class can match a non-integer label
    return y


def scores(y, pred, proba, classes, log_loss=None):
    """Accuracy, log-loss, confusion matrix and per-class precision/recall/F1 as a dict.

    Labels the model never saw count as errors; the log-loss is then None (the model
    gives them no probability). Classes are the model's, then any unseen labels.
    ``proba`` None: the log-loss is ``log_loss``, computed by the caller (a streamed
    prediction sums it chunk by chunk instead of keeping the probabilities).
    """
    given_log_loss = log_loss
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
    from sklearn.metrics import log_loss as sk_log_loss

    labels = list(classes) + sorted(set(np.unique(y).tolist()) - set(classes.tolist()))
    labels = np.asarray(labels, dtype=classes.dtype if len(labels) == len(classes) else None)
    seen = bool(np.all(np.isin(y, classes)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined precision of a never-predicted class
        precision, recall, f1, support = precision_recall_fscore_support(
            y, pred, labels=labels, zero_division=0
        )
    plain = [c.item() if hasattr(c, "item") else c for c in labels]
    return {
        "rows": int(len(y)),
        "accuracy": float(accuracy_score(y, pred)),
        "log_loss": (
            None
            if not seen
            else float(sk_log_loss(y, proba, labels=classes))
            if proba is not None
            else given_log_loss
        ),
        "classes": plain,
        "confusion_matrix": confusion_matrix(y, pred, labels=labels).tolist(),
        "per_class": {
            str(c): {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(n),
            }
            for c, p, r, f, n in zip(plain, precision, recall, f1, support)
        },
    }


def scores_text(result, target):
    """The scores as the lines printed on stderr."""
    loss = result["log_loss"]
    lines = [
        f"scored against {target!r} ({result['rows']} rows): accuracy {result['accuracy']:.4f}, "
        + ("log-loss n/a (labels the model never saw)" if loss is None else f"log-loss {loss:.4f}")
    ]
    names = [str(c) for c in result["classes"]]
    # long class names: number the columns and put the numbers before the row names
    short = max(len(n) for n in names) <= 10
    columns = names if short else [str(k) for k in range(len(names))]
    rows = names if short else [f"{k} {n}" for k, n in enumerate(names)]
    corner = "true \\ predicted"
    width = max([len(n) for n in rows] + [len(corner)])
    counts = [len(str(v)) for row in result["confusion_matrix"] for v in row]
    cell = max([len(n) for n in columns] + counts)
    lines.append(
        "confusion matrix (rows: true class, columns: predicted"
        + ("" if short else ", numbered as the rows")
        + ")"
    )
    lines.append(f"  {corner:<{width}}  " + "  ".join(f"{n:>{cell}}" for n in columns))
    for name, row in zip(rows, result["confusion_matrix"]):
        lines.append(f"  {name:<{width}}  " + "  ".join(f"{v:>{cell}}" for v in row))
    width = max([len(n) for n in names] + [len("class")])
    head = f"  {'class':<{width}}  {'precision':>9}  {'recall':>9}  {'F1':>9}  {'support':>7}"
    lines.append(head)
    for name in names:
        c = result["per_class"][name]
        lines.append(
            f"  {name:<{width}}  {c['precision']:>9.4f}  {c['recall']:>9.4f}  {c['f1']:>9.4f}"
            f"  {c['support']:>7}"
        )
    return "\n".join(lines)


def report_scores(result, target, report, err):
    """Print the scores on ``err`` and, when ``report`` names a file, write them there as JSON."""
    print(scores_text(result, target), file=err)
    if report:
        try:
            with open(report, "w", encoding="utf-8") as f:
                json.dump({"target": target, **result}, f, indent=2)
        except OSError as exc:
            raise DataError(f"cannot write the report to {report}: {exc}") from None


def predict_command(args, out=None, err=None):
    """Run ``softmaxreg predict``: CSV of predictions (and probabilities) to ``out``."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    from sklearn.pipeline import Pipeline

    from .._model_file import load

    model, metadata = load(args.model)
    info = metadata.get("info") or {}
    if info.get("stream"):
        from .stream import stream_predict

        return stream_predict(args, model, info, out, err)
    estimator = model[-1] if isinstance(model, Pipeline) else model
    estimator.n_jobs = args.n_jobs
    text = info.get("text")
    is_text = isinstance(model, Pipeline) and not hasattr(model[0], "n_features_in_")
    if is_text and text is None:
        text = "text"
    features = info.get("features")
    if features is None and not is_text:
        first = model[0] if isinstance(model, Pipeline) else model
        names = getattr(first, "feature_names_in_", None)
        features = None if names is None else [str(n) for n in names]
    target = args.target if args.target is not None else info.get("target")
    data = read_data(
        args.data,
        target=target,
        text=text,
        fmt=args.format,
        features=features,
        n_features=estimator.n_features_in_ if not is_text else None,
        need_target=args.target is not None,
        id_column=args.id_column,
    )
    X = data.X
    first = model[0] if isinstance(model, Pipeline) else estimator
    n_expected = None if is_text else first.n_features_in_
    if n_expected is not None and X.shape[1] != n_expected:
        raise DataError(
            f"{args.data} has {X.shape[1]} feature columns, but the model was "
            f"trained on {n_expected}."
        )
    if args.report and data.y is None:
        raise DataError(
            f"--report needs labels to score, but {args.data} has no target column "
            f"{target!r}; name it with --target COLUMN."
        )
    with warnings.catch_warnings():
        # a model fitted on a DataFrame: the columns were read by name, in its order
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        pred = model.predict(X)
        proba = model.predict_proba(X) if args.proba or data.y is not None else None
    writer = csv.writer(out, lineterminator="\n")
    header = ["prediction"]
    if args.id_column is not None:
        header.insert(0, args.id_column)
    if args.proba:
        header += [f"proba_{c}" for c in estimator.classes_]
    writer.writerow(header)
    for i in range(len(pred)):
        row = [pred[i].item() if hasattr(pred[i], "item") else pred[i]]
        if args.id_column is not None:
            row.insert(0, data.ids[i])
        if args.proba:
            row += [repr(float(p)) for p in proba[i]]
        writer.writerow(row)
    if data.y is not None:
        y = _as_model_labels(data.y, estimator.classes_)
        result = scores(y, pred, proba, estimator.classes_)
        report_scores(result, data.target or "label", args.report, err)
    return 0
