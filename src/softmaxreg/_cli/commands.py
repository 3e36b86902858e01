"""The ``softmaxreg fit`` command (argparse lives in ``main.py``, predict in ``predict.py``).

It raises :class:`softmaxreg._cli.io.DataError` or ``ValueError`` for bad input;
``main.py`` turns them into one line on stderr and a non-zero exit status.
"""

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


def _choose_C(args, step, X_train, y_train, out, err):
    """Run ``SoftmaxRegressionCV`` (``refit=False``) on the training rows, print the chosen C
    and the score curve, and return the fitted search (the model is refitted after it)."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from .._cv import SoftmaxRegressionCV

    search = SoftmaxRegressionCV(
        Cs=10,
        cv=args.cv,
        refit=False,
        l1_ratios=[args.l1_ratio] if args.l1_ratio else None,
        solver="auto" if args.solver == "sgd" else args.solver,
        tol=args.tol,
        max_iter=args.max_iter,
        random_state=args.random_state,
        class_weight=args.class_weight,
        n_jobs=args.n_jobs,
    )
    fitted = search if step is None else Pipeline([(step[0], clone(step[1])), ("model", search)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        fitted.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
    _report_warnings(caught, err)
    print(
        f"cross-validation: {args.cv} folds x {len(search.Cs_)} values of C, "
        f"{elapsed:.3f} s ({search.solver_}); held-out log-loss per C:",
        file=out,
    )
    mean = search.cv_results_["mean_test_score"]
    std = search.cv_results_["std_test_score"]
    for C, m, s in zip(search.Cs_, mean, std):
        mark = "  <- chosen" if C == search.C_ else ""
        print(f"  C={C:<10.4g} log-loss {-m:.4f} +- {s:.4f}{mark}", file=out)
    print(f"chosen C: {search.C_:.6g} (alpha {search.alpha_:.6g})", file=out)
    return search


def _make_model(args, n_train, callback, search=None):
    """The SoftmaxRegression to fit; after ``--C auto``, at the chosen alpha and warm-started
    from the folds' mean model there."""
    from .._estimator import SoftmaxRegression

    if search is not None:
        alpha = search.alpha_
    else:
        alpha = args.alpha if args.C is None else 1.0 / (args.C * n_train)
    model = SoftmaxRegression(
        alpha=alpha,
        l1_ratio=args.l1_ratio,
        solver=args.solver,
        tol=args.tol,
        max_iter=args.max_iter,
        random_state=args.random_state,
        class_weight=args.class_weight,
        verbose=int(args.verbose),
        callback=None if args.verbose else callback,
        n_jobs=args.n_jobs,
        warm_start=search is not None,
    )
    if search is not None:
        model.classes_ = search.classes_
        model.coef_ = search.coef_
        model.intercept_ = search.intercept_
    return model


def _report_warnings(caught, err, names=None):
    """Print each distinct warning once, on one line; ``'x3'`` becomes the column's name.

    The estimator sees an unnamed array, so its messages say ``'x3'``; ``names`` (the
    file's column names) turns them back into the names the user knows.
    """
    import re

    def name(match):
        j = int(match.group(1))
        return repr(names[j]) if names is not None and j < len(names) else match.group(0)

    seen = set()
    for w in caught:
        text = re.sub(r"'x(\d+)'", name, str(w.message).splitlines()[0])
        if text not in seen:
            seen.add(text)
            print(f"softmaxreg: warning: {text}", file=err)


TEXT_OPTIONS = ("ngram_range", "stop_words", "min_df", "max_features", "sublinear_tf")


def _preprocessor(args, data):
    """The pipeline step in front of the model: ``(name, transformer)`` or None.

    Text gets a ``TfidfVectorizer`` with the text options. Numeric features get a
    ``StandardScaler`` unless ``--no-scale``: on standardised columns L-BFGS needs tens
    of iterations where raw columns of very different scales need thousands, and the
    coefficients become comparable (per standard deviation). Sparse (svmlight) data is
    only divided by its standard deviation, which keeps it sparse.
    """
    given = [name for name in TEXT_OPTIONS if getattr(args, name) not in (None, False)]
    if data.text is not None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        settings = {name: getattr(args, name) for name in given}
        if "ngram_range" in settings:
            low, high = settings["ngram_range"]
            if low > high:
                raise DataError(f"--ngram-range {low} {high}: MIN must not exceed MAX.")
            settings["ngram_range"] = (low, high)
        return "tfidfvectorizer", TfidfVectorizer(**settings)
    if given:
        option = "--" + given[0].replace("_", "-")
        raise DataError(
            f"{option} applies to text; {args.data} is read as numeric features (name a text "
            "column with --text)."
        )
    if not args.scale:
        return None
    from sklearn.preprocessing import StandardScaler

    return "standardscaler", StandardScaler(with_mean=not hasattr(data.X, "tocsr"))


def _check_plot_backend():
    """Fail before the fit, not after it, when ``--plot`` cannot be honoured."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        raise DataError('--plot needs matplotlib: pip install "softmaxreg[plot]"') from None


def _column_sd(X):
    """Standard deviation of each column of dense or CSR X (the odds ratios' unit)."""
    if hasattr(X, "tocsr"):
        mean = np.asarray(X.mean(axis=0)).ravel()
        square = np.asarray(X.multiply(X).mean(axis=0)).ravel()
        return np.sqrt(np.clip(square - mean**2, 0.0, None))
    return np.asarray(X, dtype=np.float64).std(axis=0)


def fit_command(args, out=None, err=None):
    """Run ``softmaxreg fit``; return the exit status (0)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.pipeline import Pipeline

    from .report import ProgressLine, coefficient_table, top_features
    from .stream import STREAM_OPTIONS, stream_fit_command

    if args.stream:
        return stream_fit_command(args, out, err)
    given = [name for name in STREAM_OPTIONS if getattr(args, name) not in (None, False)]
    if given:
        raise DataError(f"--{given[0].replace('_', '-')} applies only with --stream.")
    if args.test_size is None:
        args.test_size = 0.2
    if args.plot:
        _check_plot_backend()
    data = read_data(
        args.data, target=args.target, text=args.text, fmt=args.format, drop=args.drop or ()
    )
    check_classes(data.y, data.target)
    step = _preprocessor(args, data)
    X_train, X_test, y_train, y_test = _split(data.X, data.y, args.test_size, args.random_state)
    check_classes(y_train, data.target)
    n_features = len(data.feature_names) if data.text is None else None
    print(
        f"data: {args.data} ({data.fmt}, {len(data.y)} rows, "
        f"{f'text column {data.text!r}' if data.text else f'{n_features} features'}, "
        f"{len(np.unique(data.y))} classes)",
        file=out,
    )
    search = None
    if args.C == "auto":
        search = _choose_C(args, step, X_train, y_train, out, err)
    model = _make_model(args, len(y_train), ProgressLine(), search)
    fitted = model if step is None else Pipeline([step, ("model", model)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            fitted.fit(X_train, y_train)
        except ValueError as exc:
            if data.text is not None and (
                "empty vocabulary" in str(exc) or "max_df corresponds to < documents" in str(exc)
            ):
                raise DataError(
                    f"{args.data}: no terms of the text column {data.text!r} are left "
                    f"(empty vocabulary{'; lower --min-df' if args.min_df else ''})."
                ) from None
            raise
        elapsed = time.perf_counter() - start
    _report_warnings(caught, err, data.feature_names if data.text is None else None)
    X_model = X_train if step is None else fitted[:-1].transform(X_train)
    if data.text is not None:
        n_features = len(fitted[0].vocabulary_)
    ran = "" if model.solver_ == model.solver else f" (ran {model.solver_})"
    scaled = " (standardised)" if step is not None and data.text is None else ""
    print(
        f"model: SoftmaxRegression(solver={model.solver!r}{ran}, alpha={model.alpha:.6g}"
        f"{f', l1_ratio={model.l1_ratio}' if model.l1_ratio else ''}"
        f"{f', class_weight={model.class_weight!r}' if model.class_weight else ''}) on "
        f"{n_features} {'TF-IDF terms' if data.text else 'features'}{scaled}",
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
    names = (
        [str(n) for n in fitted[:-1].get_feature_names_out()]
        if data.text is not None
        else data.feature_names
    )
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
                table = coefficient_table(
                    model, X_model, y_train, names, scaler=None if step is None else step[1]
                )
            except ValueError as exc:  # e.g. too many parameters for the dense Hessian
                print(
                    f"softmaxreg: note: no standard errors ({str(exc).splitlines()[0]})", file=err
                )
        _report_warnings(caught, err)
    if table is not None:
        print("", file=out)
        print(table, file=out)
    elif args.top > 0:
        unit = "tfidf" if data.text is not None else ("sd" if step is not None else "raw")
        sd = _column_sd(X_train) if unit == "raw" else None
        print("", file=out)
        print(top_features(model, names, args.top, unit=unit, sd=sd), file=out)
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
        X_plot, y_plot = (X_test, y_test) if y_test is not None else (X_train, y_train)
        if step is not None and data.text is None:
            X_plot = fitted[:-1].transform(X_plot)
        _plot(args.plot, model, data, X_plot, y_plot, bool(scaled), search)
        print(f"plot saved to {args.plot}", file=out)
    return 0


def _plot(path, model, data, X, y, scaled, search=None):
    """Decision regions (two numeric features) beside the loss curve, or the curve alone;
    after ``--C auto``, the validation curve first.

    ``X`` is what the model sees (standardised when the fit scaled the features), so the
    regions' axes are in standard deviations then.
    """
    import matplotlib.pyplot as plt

    from .. import plot

    two_d = data.text is None and data.X.shape[1] == 2 and not hasattr(data.X, "tocsr")
    n_panels = (2 if two_d else 1) + (search is not None)
    fig, axes = plt.subplots(1, n_panels, figsize=(5.5 * n_panels + 0.5, 4.5))
    if search is not None:
        plot.validation_curve(search, ax=axes[0])
        axes = axes[1:] if two_d else axes[1]
    if two_d:
        plot.decision_regions(model, X, y, ax=axes[0])
        unit = " (standardised)" if scaled else ""
        axes[0].set_xlabel(data.feature_names[0] + unit)
        axes[0].set_ylabel(data.feature_names[1] + unit)
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
