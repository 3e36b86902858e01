"""The ``softmaxreg`` command line (argparse): ``fit``, ``predict``, ``demo`` and ``bench``.

``softmaxreg fit DATA --target COLUMN [--text COLUMN] ...`` trains on a CSV, JSON-lines
or svmlight file and prints held-out accuracy and log-loss, the training time and the
coefficients with odds ratios; ``softmaxreg predict MODEL DATA [--proba]`` writes
predictions as CSV to stdout; ``softmaxreg demo`` compares with scikit-learn (ending
with a short version of the benchmark); ``softmaxreg bench`` runs the time-to-1e-4
comparison of BENCHMARKS.md (``softmaxreg._bench``). The
commands live in ``_commands.py``, file reading in ``_io.py``, model files in
``_model_file.py``. Bad input ends with one line on stderr and exit status 1 (usage
errors: argparse's message and status 2).
"""

import argparse
import sys
import time
import warnings


def _demo_problems():
    """The built-in demo problems: (name, X_train, X_test, y_train, y_test)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from ._datasets import make_text_classification

    X, y = make_text_classification(
        n_samples=8_000, n_features=20_000, n_classes=10, tokens_per_row=80,
        topic_fraction=0.05, random_state=0,
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

    from ._estimator import SoftmaxRegression

    print(f"softmaxreg demo: the same objective for every row, C={C} (alpha = 1/(C*n)); "
          f"lbfgs tol={tol}, sag (sparse data only) tol=1e-4", file=out)
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
                ("softmaxreg sag", SoftmaxRegression(solver="sag", alpha=alpha, max_iter=2000,
                                                     random_state=0), None),
                ("scikit-learn sag", LogisticRegression(C=C, solver="sag", max_iter=2000,
                                                        random_state=0), None),
            ]
        for label, model, blas_threads in rows:
            elapsed, acc, f = _fit_and_score(model, blas_threads, alpha, Xtr, Xte, ytr, yte)
            print(f"{label:<34}{elapsed:>14.3f}{acc:>10.4f}{f:>20.12f}", file=out)
    return 0


def _fit_and_score(model, blas_threads, alpha, Xtr, Xte, ytr, yte):
    """(fit seconds, test accuracy, training objective) of one demo row."""
    from threadpoolctl import threadpool_limits

    from ._objective import objective_value

    with warnings.catch_warnings(), threadpool_limits(blas_threads, user_api="blas"):
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        elapsed = time.perf_counter() - t0
    f = objective_value(model.coef_, model.intercept_, Xtr, ytr, alpha=alpha,
                        classes=model.classes_)
    return elapsed, model.score(Xte, yte), f


def _positive(text):
    value = float(text)
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _non_negative(text):
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _fraction(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text!r}")
    return value


def _count(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _n_jobs(text):
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive count or negative (-1: every "
                                         "core), got 0")
    return value


N_JOBS_HELP = ("threads: N at most, -1 every core this process may use (-2 one fewer, ...); "
               "default: the OpenMP default (OMP_NUM_THREADS or every core), on one thread "
               "when the other cores are busy")


def build_parser():
    """The argparse parser of the ``softmaxreg`` command."""
    from ._io import FORMATS
    from ._validation import solver_names

    parser = argparse.ArgumentParser(
        prog="softmaxreg", description="Fast softmax (multinomial logistic) regression."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_fit = sub.add_parser(
        "fit", help="train on a CSV, JSON-lines or svmlight file and report",
        description="Train softmax regression on DATA, hold out --test-size of the rows, and "
                    "print held-out accuracy and log-loss, the training time and the "
                    "coefficients as odds ratios (top features per class for text or many "
                    "features).",
    )
    p_fit.add_argument("data", metavar="DATA",
                       help="CSV (.csv), JSON lines (.jsonl/.ndjson, label+text) or svmlight "
                            "(.svm/.svmlight/.libsvm) file, optionally .gz")
    p_fit.add_argument("--target", metavar="COLUMN",
                       help="column of the class labels (CSV: required; JSON lines: 'label')")
    p_fit.add_argument("--text", metavar="COLUMN",
                       help="text column, vectorised with TF-IDF (JSON lines: 'text')")
    p_fit.add_argument("--drop", metavar="COLUMN", action="append",
                       help="a column that is not a feature (repeatable), e.g. an id")
    p_fit.add_argument("--format", choices=FORMATS, help="file format (default: from the name)")
    p_fit.add_argument("--solver", choices=solver_names(), default="auto",
                       help="optimiser (default auto: sag for sparse text, else lbfgs)")
    reg = p_fit.add_mutually_exclusive_group()
    reg.add_argument("--alpha", type=_non_negative, default=1e-4,
                     help="regularisation strength of SoftmaxRegression (default 1e-4)")
    reg.add_argument("--C", type=_positive,
                     help="scikit-learn's inverse regularisation: alpha = 1/(C * n_train)")
    p_fit.add_argument("--l1-ratio", type=_fraction, default=0.0, dest="l1_ratio",
                       help="elastic-net mixing (solvers saga, sgd; default 0)")
    p_fit.add_argument("--tol", type=_non_negative, default=1e-4, help="stopping tolerance")
    p_fit.add_argument("--max-iter", type=_count, default=1000, dest="max_iter",
                       help="maximum iterations/epochs (default 1000)")
    p_fit.add_argument("--test-size", type=_fraction, default=0.2, dest="test_size",
                       help="share of rows held out for evaluation (default 0.2; 0: none)")
    p_fit.add_argument("--random-state", type=int, default=0, dest="random_state",
                       help="seed of the split and the stochastic solvers (default 0)")
    p_fit.add_argument("--top", type=_count, default=10,
                       help="features per class in the top-features table (default 10)")
    p_fit.add_argument("--top-only", action="store_true", dest="top_only",
                       help="print the top features even for few numeric features")
    p_fit.add_argument("--n-jobs", type=_n_jobs, default=None, dest="n_jobs", metavar="N",
                       help=N_JOBS_HELP)
    p_fit.add_argument("--model", metavar="OUT", help="save the model to OUT (.npz)")
    p_fit.add_argument("--plot", metavar="OUT.png",
                       help="save the loss curve (and decision regions for 2 features)")
    p_fit.add_argument("-v", "--verbose", action="store_true",
                       help="print the objective of every iteration/epoch to stderr")
    p_pred = sub.add_parser(
        "predict", help="predict with a saved model; CSV to stdout",
        description="Write the predicted class of every row of DATA as CSV to stdout "
                    "(header 'prediction'; with --proba also one probability column per "
                    "class, 'proba_<class>').",
    )
    p_pred.add_argument("model", metavar="MODEL", help="model file written by fit --model")
    p_pred.add_argument("data", metavar="DATA", help="file in any format fit reads")
    p_pred.add_argument("--proba", action="store_true", help="add class probabilities")
    p_pred.add_argument("--format", choices=FORMATS, help="file format (default: from the name)")
    p_pred.add_argument("--n-jobs", type=_n_jobs, default=None, dest="n_jobs", metavar="N",
                        help=N_JOBS_HELP)
    p_demo = sub.add_parser(
        "demo", help="train on built-in data and compare with scikit-learn's LogisticRegression"
    )
    p_demo.add_argument("--C", type=float, default=10.0, help="inverse regularisation (default 10)")
    p_demo.add_argument("--tol", type=float, default=1e-6, help="solver tolerance (default 1e-6)")
    p_demo.add_argument("--no-bench", action="store_true",
                        help="leave out the short time-to-1e-4 comparison at the end")
    p_bench = sub.add_parser(
        "bench", help="time to 1e-4 of the optimum, per-epoch time, accuracy and memory "
        "against scikit-learn (see BENCHMARKS.md)"
    )
    from ._bench import add_arguments

    add_arguments(p_bench)
    return parser


def main(argv=None):
    """Entry point of the ``softmaxreg`` console script; returns the exit status."""
    from ._io import DataError
    from ._model_file import ModelFileError

    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            status = demo(C=args.C, tol=args.tol)
            if not args.no_bench:
                from ._bench import short_table

                print("\nTime to 1e-4 of the optimum (short version of `softmaxreg bench`; "
                      "one timing each):\n", flush=True)
                status = short_table() or status
            return status
        if args.command == "bench":
            from ._bench import run_from_args

            return run_from_args(args)
        from ._commands import fit_command, predict_command

        if args.command == "fit":
            return fit_command(args)
        return predict_command(args)
    except (DataError, ModelFileError) as exc:
        message = str(exc)
    except FileNotFoundError as exc:
        message = f"no such file: {exc.filename}"
    except BrokenPipeError:  # e.g. `softmaxreg predict ... | head`: stop quietly
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, FloatingPointError, ImportError, OSError) as exc:
        message = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        print("softmaxreg: interrupted", file=sys.stderr)
        return 130
    print(f"softmaxreg: error: {' '.join(message.split())}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
