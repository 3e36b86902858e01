"""The ``softmaxreg fit`` and ``softmaxreg predict`` commands (argparse lives in ``_cli``).

Both raise :class:`softmaxreg._cli.io.DataError`, :class:`softmaxreg.ModelFileError` or
``ValueError`` for bad input; ``_cli.main`` turns them into one line on stderr and a
non-zero exit status.
"""

import csv
import sys
import time
import warnings

import numpy as np

from .io import DataError, check_classes, read_data

# Above this many features the coefficient table gives way to the top features per class.
MAX_TABLE_FEATURES = 30


def _split(X, y, test_size, random_state):
    """(X_train, X_test, y_train, y_test); stratified when every class allows it."""
    from sklearn.model_selection import train_test_split

    if test_size == 0:
        return X, None, y, None
    n = len(y)
    n_test = int(np.ceil(test_size * n))
    if n_test < 1 or n - n_test < 2:
        raise DataError(
            f"--test-size {test_size} leaves {n - n_test} training and {n_test} "
            f"test rows out of {n}; use more data or --test-size 0."
        )
    try:
        return train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=y)
    except ValueError:  # a class with a single row, or fewer test rows than classes
        return train_test_split(X, y, test_size=test_size, random_state=random_state)


def _make_model(args, n_train, callback):
    from .._estimator import SoftmaxRegression

    alpha = args.alpha if args.C is None else 1.0 / (args.C * n_train)
    return SoftmaxRegression(
        alpha=alpha,
        l1_ratio=args.l1_ratio,
        solver=args.solver,
        tol=args.tol,
        max_iter=args.max_iter,
        random_state=args.random_state,
        verbose=int(args.verbose),
        callback=None if args.verbose else callback,
        n_jobs=args.n_jobs,
    )


def _report_warnings(caught, err):
    seen = set()
    for w in caught:
        text = str(w.message).splitlines()[0]
        if text not in seen:
            seen.add(text)
            print(f"softmaxreg: warning: {text}", file=err)


def fit_command(args, out=None, err=None):
    """Run ``softmaxreg fit``; return the exit status (0)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    from sklearn.metrics import accuracy_score, log_loss

    from .report import ProgressLine, coefficient_table, top_features

    data = read_data(
        args.data, target=args.target, text=args.text, fmt=args.format, drop=args.drop or ()
    )
    check_classes(data.y, data.target)
    X_train, X_test, y_train, y_test = _split(data.X, data.y, args.test_size, args.random_state)
    check_classes(y_train, data.target)
    model = _make_model(args, len(y_train), ProgressLine())
    fitted = model
    if data.text is not None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import Pipeline

        fitted = Pipeline([("tfidfvectorizer", TfidfVectorizer()), ("model", model)])
    n_features = len(data.feature_names) if data.text is None else None
    print(
        f"data: {args.data} ({data.fmt}, {len(data.y)} rows, "
        f"{f'text column {data.text!r}' if data.text else f'{n_features} features'}, "
        f"{len(np.unique(data.y))} classes)",
        file=out,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            fitted.fit(X_train, y_train)
        except ValueError as exc:
            if data.text is not None and "empty vocabulary" in str(exc):
                raise DataError(
                    f"{args.data}: the text column {data.text!r} holds no words (empty vocabulary)."
                ) from None
            raise
        elapsed = time.perf_counter() - start
    _report_warnings(caught, err)
    if data.text is not None:
        n_features = len(fitted[0].vocabulary_)
    ran = "" if model.solver_ == model.solver else f" (ran {model.solver_})"
    print(
        f"model: SoftmaxRegression(solver={model.solver!r}{ran}, alpha={model.alpha:.6g}"
        f"{f', l1_ratio={model.l1_ratio}' if model.l1_ratio else ''}) on {n_features} "
        f"{'TF-IDF terms' if data.text else 'features'}",
        file=out,
    )
    final = f", final objective {model.loss_curve_[-1]:.6g}" if len(model.loss_curve_) else ""
    print(
        f"training: {len(y_train)} rows, {elapsed:.3f} s, {model.n_iter_} "
        f"{'iterations' if model.solver_ == 'lbfgs' else 'epochs'}{final}",
        file=out,
    )
    if y_test is not None:
        proba = fitted.predict_proba(X_test)
        pred = fitted.predict(X_test)
        line = f"held-out ({len(y_test)} rows): accuracy {accuracy_score(y_test, pred):.4f}"
        if np.all(np.isin(y_test, model.classes_)):
            line += f", log-loss {log_loss(y_test, proba, labels=model.classes_):.4f}"
        else:
            line += ", log-loss n/a (test labels unseen in training)"
        print(line, file=out)
    print("", file=out)
    table = None
    if (
        data.text is None
        and n_features <= MAX_TABLE_FEATURES
        and model.l1_ratio == 0
        and not args.top_only
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                table = coefficient_table(model, X_train, y_train, data.feature_names)
            except ValueError as exc:  # e.g. too many parameters for the dense Hessian
                print(
                    f"softmaxreg: note: no standard errors ({str(exc).splitlines()[0]})", file=err
                )
        _report_warnings(caught, err)
    if table is not None:
        print(table, file=out)
    else:
        names = fitted[0].get_feature_names_out() if data.text is not None else data.feature_names
        print(top_features(model, names, args.top), file=out)
    if args.model:
        from .._model_file import save_model

        save_model(
            fitted,
            args.model,
            info={
                "format": data.fmt,
                "target": data.target,
                "text": data.text,
                "features": None if data.text else data.feature_names,
            },
        )
        print(f"\nmodel saved to {args.model}", file=out)
    if args.plot:
        _plot(
            args.plot,
            model,
            fitted,
            data,
            X_test if y_test is not None else X_train,
            y_test if y_test is not None else y_train,
        )
        print(f"plot saved to {args.plot}", file=out)
    return 0


def _plot(path, model, fitted, data, X, y):
    """Decision regions (two numeric features) beside the loss curve, or the curve alone."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        raise DataError('--plot needs matplotlib: pip install "softmaxreg[plot]"') from None
    import matplotlib.pyplot as plt

    from .. import plot

    two_d = data.text is None and data.X.shape[1] == 2 and not hasattr(data.X, "tocsr")
    fig, axes = plt.subplots(1, 2 if two_d else 1, figsize=(11 if two_d else 6, 4.5))
    if two_d:
        plot.decision_regions(model, X, y, ax=axes[0])
        axes[0].set_xlabel(data.feature_names[0])
        axes[0].set_ylabel(data.feature_names[1])
        plot.loss_curve(model, ax=axes[1])
    else:
        plot.loss_curve(model, ax=axes)
    fig.tight_layout()
    try:
        fig.savefig(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot write the plot to {path}: {exc}") from None
    finally:
        plt.close(fig)


def predict_command(args, out=None):
    """Run ``softmaxreg predict``: CSV of predictions (and probabilities) to ``out``."""
    out = sys.stdout if out is None else out
    from sklearn.pipeline import Pipeline

    from .._model_file import load

    model, metadata = load(args.model)
    info = metadata.get("info") or {}
    estimator = model[-1] if isinstance(model, Pipeline) else model
    estimator.n_jobs = args.n_jobs
    text = info.get("text")
    if isinstance(model, Pipeline) and text is None:
        text = "text"
    features = info.get("features")
    if features is None and not isinstance(model, Pipeline):
        names = getattr(estimator, "feature_names_in_", None)
        features = None if names is None else [str(n) for n in names]
    data = read_data(
        args.data,
        text=text,
        fmt=args.format,
        features=features,
        n_features=estimator.n_features_in_,
        need_target=False,
    )
    X = data.X
    if not isinstance(model, Pipeline) and X.shape[1] != estimator.n_features_in_:
        raise DataError(
            f"{args.data} has {X.shape[1]} feature columns, but the model was "
            f"trained on {estimator.n_features_in_}."
        )
    with warnings.catch_warnings():
        # a model fitted on a DataFrame: the columns were read by name, in its order
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        pred = model.predict(X)
        proba = model.predict_proba(X) if args.proba else None
    writer = csv.writer(out, lineterminator="\n")
    header = ["prediction"]
    if args.proba:
        header += [f"proba_{c}" for c in estimator.classes_]
    writer.writerow(header)
    for i in range(len(pred)):
        row = [pred[i].item() if hasattr(pred[i], "item") else pred[i]]
        if args.proba:
            row += [repr(float(p)) for p in proba[i]]
        writer.writerow(row)
    return 0
