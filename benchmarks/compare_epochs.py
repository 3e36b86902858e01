"""Epoch and predict_proba costs of softmaxreg against scikit-learn, interleaved in one run.

    python benchmarks/compare_epochs.py [--corpus DIR] [--repeat 7] [--C 10] [--save PATH.json]

DIR holds ``train.jsonl.gz`` and ``test.jsonl.gz`` (``label``, ``text``), e.g.
``$SOFTMAXREG_DATA/20newsgroups``; without it the data is
``make_text_classification(15000, 100000, 20)`` split 11000/4000; ``--corpus small`` or
``--corpus large`` takes ``compare.py``'s generated problems (issue 4's alpha there is
``1 / n_samples``: add ``--C 1``). Rows:

- SAG epoch, float64 and float32: ``SoftmaxRegression(solver="sag")`` against
  ``LogisticRegression(solver="sag")`` on the same X (scikit-learn's float32 for float32).
- SGD epoch: softmax SGD (float64 and float32 X) against
  ``SGDClassifier(loss="log_loss")`` on float64 X (K one-vs-rest passes; it has no float32),
  with its default ``n_jobs`` (one thread) and with ``n_jobs=-1`` (the passes on threads).
- softmaxreg's epochs run twice: with ``n_jobs=1`` and with the default ``n_jobs`` (the
  classes split over every core when a row carries enough work, ``softmaxreg._solvers.parts``).
- predict_proba on the test rows for the same model: one thread each, then softmaxreg with
  its default ``n_jobs`` (every core) against the same scikit-learn figure.

An epoch is ``(t(5 epochs) - t(2 epochs)) / 3`` so that the setup of a fit cancels. Each
fit is timed on two clocks: the CPU time of the calling thread (``time.thread_time``: the
single-threaded kernels of both libraries run on it, and a busy neighbour on a shared
machine changes it less than the wall time) and the wall time. Ratios of single-threaded
rows use CPU times; those of the default-``n_jobs`` rows (marked "wall") use wall times
on both sides. BLAS is held to one thread, the methods are interleaved round by round,
and the figures are medians.
"""

import argparse
import copy
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _load(corpus):
    """``(X_train, X_test, y_train, y_test)``: a corpus folder, ``small``/``large``, or None."""
    from problems import SIZES, generated_problem

    from softmaxreg import make_text_classification
    from softmaxreg._datasets import load_jsonl_corpus

    if corpus in SIZES:
        p = generated_problem(corpus)
        return p.X_train, p.X_test, p.y_train, p.y_test
    if corpus:
        return load_jsonl_corpus(corpus)
    X, y = make_text_classification(15_000, 100_000, 20, random_state=0)
    return X[:11_000], X[11_000:], y[:11_000], y[11_000:]


def epoch_methods(X, y, C):
    """name -> (fit(n_epochs), which returns the CPU seconds of the fit)."""
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    from softmaxreg import SoftmaxRegression

    alpha = 1.0 / (C * X.shape[0])
    data = {"float64": X.astype(np.float64), "float32": X.astype(np.float32)}

    def timed(make, Xd):
        def fit(epochs):
            est = make(epochs)
            t0, w0 = time.thread_time(), time.perf_counter()
            est.fit(Xd, y)
            return np.array([time.thread_time() - t0, time.perf_counter() - w0])

        return fit

    def ours(solver, n_jobs):
        # SGD: SGDClassifier's schedule, so that the epochs compare like for like
        extra = {"n_iter_no_change": 10**6, "learning_rate": "optimal"} if solver == "sgd" else {}
        return lambda k: SoftmaxRegression(
            alpha=alpha, solver=solver, tol=0.0, max_iter=k, random_state=0, n_jobs=n_jobs, **extra
        )

    methods = {}
    for dtype, Xd in data.items():
        methods[f"SAG {dtype} softmaxreg"] = timed(ours("sag", 1), Xd)
        methods[f"SAG {dtype} softmaxreg n_jobs=None"] = timed(ours("sag", None), Xd)
        methods[f"SAG {dtype} scikit-learn"] = timed(
            lambda k: LogisticRegression(C=C, solver="sag", tol=0.0, max_iter=k, random_state=0), Xd
        )
    for dtype, Xd in data.items():
        methods[f"SGD {dtype} softmaxreg"] = timed(ours("sgd", 1), Xd)
        methods[f"SGD {dtype} softmaxreg n_jobs=None"] = timed(ours("sgd", None), Xd)
    methods["SGD float64 SGDClassifier"] = timed(
        lambda k: SGDClassifier(loss="log_loss", alpha=alpha, max_iter=k, tol=None, random_state=0),
        data["float64"],
    )
    methods["SGD float64 SGDClassifier n_jobs=-1"] = timed(
        lambda k: SGDClassifier(
            loss="log_loss", alpha=alpha, max_iter=k, tol=None, random_state=0, n_jobs=-1
        ),
        data["float64"],
    )
    return methods


@contextmanager
def timing_rounds(fits):
    """BLAS held to one thread, warnings off, and each fit run once for one epoch first
    (imports, page faults of the first fit)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fit in fits:
            fit(1)
        yield


def epoch_seconds(fit):
    """One epoch's (CPU, wall) seconds: ``(t(5 epochs) - t(2 epochs)) / 3``, so that the
    setup of a fit cancels."""
    return (fit(5) - fit(2)) / 3


def predict_methods(X_train, y_train, X_test, C):
    """name -> predict_proba timer for one model shared by the two libraries."""
    from sklearn.linear_model import LogisticRegression

    from softmaxreg import SoftmaxRegression

    ours = SoftmaxRegression(
        alpha=1.0 / (C * X_train.shape[0]), solver="sag", max_iter=5, random_state=0, n_jobs=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X_train, y_train)
    theirs = LogisticRegression(C=C)
    theirs.classes_, theirs.n_features_in_ = ours.classes_, X_train.shape[1]
    theirs.coef_ = np.ascontiguousarray(ours.coef_)  # scikit-learn's own layout
    theirs.intercept_ = ours.intercept_.copy()
    np.testing.assert_allclose(
        ours.predict_proba(X_test), theirs.predict_proba(X_test), rtol=1e-9, atol=1e-12
    )
    threaded = copy.copy(ours)  # the same fitted model, predicting on every core
    threaded.n_jobs = None

    def timed(model):
        def run():
            t0, w0 = time.thread_time(), time.perf_counter()
            model.predict_proba(X_test)
            return np.array([time.thread_time() - t0, time.perf_counter() - w0])

        return run

    return {
        "predict_proba softmaxreg 1 thread": timed(ours),
        "predict_proba softmaxreg n_jobs=None": timed(threaded),
        "predict_proba scikit-learn": timed(theirs),
    }


def _threaded(name):
    """Rows timed on every core: their figure is the wall time."""
    return "n_jobs=None" in name or "n_jobs=-1" in name


def run(data, repeat=7, C=10.0, out=print, dataset="data", records=None):
    """Measure and print the table for ``data = (X_train, X_test, y_train, y_test)``.

    Returns the medians (seconds: CPU time, wall time for the rows on every core) by row
    name, and under "ratios" the ratios by label. With a list ``records``, the table is
    also appended to it as a results file (``results.py``) named after ``dataset``.
    """
    X_train, X_test, y_train, _ = data
    epochs = epoch_methods(X_train, y_train, C)
    predicts = predict_methods(X_train, y_train, X_test, C)
    samples = {name: [] for name in list(epochs) + list(predicts)}
    with timing_rounds(epochs.values()):
        for _ in range(repeat):
            for name, fit in epochs.items():
                samples[name].append(epoch_seconds(fit))
            for name, predict in predicts.items():
                samples[name].append(min((predict() for _ in range(3)), key=lambda t: t[1]))
    # medians of (CPU, wall) by row
    med = {name: np.median(np.array(v), axis=0) for name, v in samples.items()}
    K = len(np.unique(y_train))
    per = X_train.nnz * (1 if K == 2 else K)
    out(
        f"X: {X_train.shape[0]} x {X_train.shape[1]}, {X_train.nnz} nonzeros, {K} classes; "
        f"test {X_test.shape[0]} rows; C = {C}; medians of {repeat} interleaved rounds"
    )
    out(f"{'row':46} {'CPU ms':>9} {'wall ms':>9} {'ns/nnz/class':>13}")
    for name, (cpu, wall) in med.items():
        value = wall if _threaded(name) else cpu
        extra = f"{value / per * 1e9:13.2f}" if not name.startswith("predict") else ""
        out(f"{name:46} {cpu * 1e3:9.2f} {wall * 1e3:9.2f} {extra}")
    result = {}
    for label, ours, theirs, clock in RATIOS:
        result[label] = med[ours][clock] / med[theirs][clock]
        out(f"ratio {label:48} {result[label]:.3f}")
    if records is not None:
        description = (
            f"{X_train.shape[0]} x {X_train.shape[1]} CSR, {X_train.nnz} "
            f"nonzeros, {K} classes, test {X_test.shape[0]} rows; C = {C}"
        )
        records.append(results_record(med, dataset, description, repeat))
    med = {name: float(value[1] if _threaded(name) else value[0]) for name, value in med.items()}
    med["ratios"] = result
    return med


def _ratios():
    """(label, softmaxreg row, scikit-learn row, clock: 0 CPU, 1 wall) of each ratio."""
    ratios = []
    for kind, dtype, theirs in [
        ("SAG", "float64", "SAG float64 scikit-learn"),
        ("SAG", "float32", "SAG float32 scikit-learn"),
        ("SGD", "float64", "SGD float64 SGDClassifier"),
        ("SGD", "float32", "SGD float64 SGDClassifier"),
    ]:
        label = f"{kind} epoch {dtype}{' X' if kind == 'SGD' and dtype == 'float32' else ''}"
        ratios.append((f"{label}, 1 thread", f"{kind} {dtype} softmaxreg", theirs, 0))
        ratios.append(
            (f"{label}, n_jobs=None (wall)", f"{kind} {dtype} softmaxreg n_jobs=None", theirs, 1)
        )
        if kind == "SGD":
            ratios.append(
                (
                    f"{label}, both on every core (wall)",
                    f"{kind} {dtype} softmaxreg n_jobs=None",
                    f"{theirs} n_jobs=-1",
                    1,
                )
            )
    ratios.append(
        (
            "predict_proba, 1 thread",
            "predict_proba softmaxreg 1 thread",
            "predict_proba scikit-learn",
            0,
        )
    )
    ratios.append(
        (
            "predict_proba, n_jobs=None (wall)",
            "predict_proba softmaxreg n_jobs=None",
            "predict_proba scikit-learn",
            1,
        )
    )
    return ratios


RATIOS = _ratios()


def results_record(med, name, description, repeat):
    """The run as a results file (``results.py``): one row per ratio, both figures beside it.

    ``med`` maps each row name to its medians (CPU seconds, wall seconds).
    """
    rows = [
        [
            label,
            round(med[ours][clock] * 1e3, 2),
            round(med[theirs][clock] * 1e3, 2),
            round(med[ours][clock] / med[theirs][clock], 3),
        ]
        for label, ours, theirs, clock in RATIOS
    ]
    return {
        "title": f"Epochs and predict_proba: {name}",
        "problem": f"{description}; medians of {repeat} interleaved rounds",
        "columns": ["measurement", "softmaxreg (ms)", "scikit-learn (ms)", "ratio"],
        "rows": rows,
        "notes": [
            'SGD rows compare softmax SGD with SGDClassifier(loss="log_loss") (one-vs-rest, '
            'float64 only); "wall" rows run on every core, the others on one thread '
            "(CPU time)."
        ],
        "order": 20,
    }


def corpus_parser(description, repeat):
    """The options of the interleaved scripts: ``--corpus DIR``, ``--repeat``, ``--C``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--corpus",
        default=None,
        help="folder with train.jsonl.gz and test.jsonl.gz (label, text), or "
        "small / large: compare.py's generated problems (use --C 1)",
    )
    parser.add_argument("--repeat", type=int, default=repeat, help="interleaved rounds")
    parser.add_argument("--C", type=float, default=10.0, help="alpha = 1 / (C n_samples)")
    parser.add_argument(
        "--save",
        metavar="PATH.json",
        default=None,
        help="also write the table as a results file (benchmarks/results/)",
    )
    return parser


def main(argv=None):
    args = corpus_parser(__doc__.splitlines()[0], repeat=7).parse_args(argv)
    records = []
    run(_load(args.corpus), args.repeat, args.C, dataset=data_name(args.corpus), records=records)
    if args.save:
        save_record(records[0], args.save)


def data_name(corpus):
    """How the tables name the data of ``--corpus``."""
    if corpus in ("small", "large"):
        return f"generated {corpus}"
    return Path(corpus).name if corpus else "generated 15000 x 100000"


def save_record(record, path):
    """Add the environment (machine, versions, commit, command) and write the record."""
    import results

    print(f"results written to {results.save({**record, **results.environment()}, path)}")


if __name__ == "__main__":
    main()
