"""``softmaxreg demo``: softmaxreg and scikit-learn side by side on built-in data.

A first look for someone who has just installed the package, so it needs nothing beyond
the install: its problems come from the package's own generator
(``make_text_classification``) or ship with scikit-learn (digits). The measured
comparison, with its protocol, lives in the repository's ``benchmarks/`` and is not
installed.
"""

import sys
import time
import warnings


def _demo_problems():
    """The built-in demo problems: (name, X_train, X_test, y_train, y_test)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from .._datasets import make_text_classification

    X, y = make_text_classification(
        n_samples=8_000,
        n_features=20_000,
        n_classes=10,
        tokens_per_row=80,
        topic_fraction=0.05,
        random_state=0,
    )
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=2_000, random_state=0)
    yield "sparse text-like TF-IDF (6k x 20k, 10 classes)", Xtr.tocsr(), Xte.tocsr(), ytr, yte
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    yield "dense digits (1347 x 64, 10 classes)", Xtr, Xte, ytr, yte
    yb = (y >= 5).astype(int)
    Xtr, Xte, ytr, yte = train_test_split(X, yb, test_size=0.25, random_state=0)
    yield "dense digits binary (digit >= 5)", Xtr, Xte, ytr, yte


def demo(C=10.0, tol=1e-6, out=sys.stdout):
    """Fit softmaxreg and scikit-learn's LogisticRegression on built-in data; print a table.

    Both minimise the same objective (``alpha = 1 / (C * n_samples)``). The L-BFGS rows
    use ``tol``; the SAG rows use each library's epoch rule with ``tol=1e-4``. The table
    shows fit time, test accuracy and the objective reached, so the rows compare the
    same optimum, not only the same settings.
    """
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from .._estimator import SoftmaxRegression

    print(
        f"softmaxreg demo: the same objective for every row, C={C} (alpha = 1/(C*n)); "
        f"lbfgs tol={tol}, sag (sparse data only) tol=1e-4",
        file=out,
    )
    header = f"{'method':<34}{'fit time (s)':>14}{'test acc':>10}{'objective':>20}"
    for name, Xtr, Xte, ytr, yte in _demo_problems():
        alpha = 1.0 / (C * Xtr.shape[0])
        print(f"\n{name}\n{header}", file=out)
        rows = [
            ("softmaxreg lbfgs", SoftmaxRegression(alpha=alpha, tol=tol, max_iter=2000), None),
            ("scikit-learn lbfgs", LogisticRegression(C=C, tol=tol, max_iter=2000), None),
            ("  same, BLAS on 1 thread", LogisticRegression(C=C, tol=tol, max_iter=2000), 1),
        ]
        if sp.issparse(Xtr):  # SAG's home ground; on small dense problems lbfgs is the choice
            rows += [
                (
                    "softmaxreg sag",
                    SoftmaxRegression(solver="sag", alpha=alpha, max_iter=2000, random_state=0),
                    None,
                ),
                (
                    "scikit-learn sag",
                    LogisticRegression(C=C, solver="sag", max_iter=2000, random_state=0),
                    None,
                ),
            ]
        for label, model, blas_threads in rows:
            elapsed, acc, f = _fit_and_score(model, blas_threads, alpha, Xtr, Xte, ytr, yte)
            print(f"{label:<34}{elapsed:>14.3f}{acc:>10.4f}{f:>20.12f}", file=out)
    print(
        "\nTime to 1e-4 of the optimum, memory and more problems: BENCHMARKS.md, measured "
        "with `python benchmarks/compare.py` in a source checkout.",
        file=out,
    )
    return 0


def _fit_and_score(model, blas_threads, alpha, Xtr, Xte, ytr, yte):
    """(fit seconds, test accuracy, training objective) of one demo row."""
    from threadpoolctl import threadpool_limits

    from .._objective import objective_value

    with warnings.catch_warnings(), threadpool_limits(blas_threads, user_api="blas"):
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        elapsed = time.perf_counter() - t0
    f = objective_value(
        model.coef_, model.intercept_, Xtr, ytr, alpha=alpha, classes=model.classes_
    )
    return elapsed, model.score(Xte, yte), f
