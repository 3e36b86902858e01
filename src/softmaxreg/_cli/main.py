"""The ``softmaxreg`` command line (argparse): ``fit``, ``predict`` and ``demo``.

``softmaxreg fit DATA --target COLUMN [--text COLUMN] ...`` trains on a CSV, JSON-lines
or svmlight file (numeric features standardised, text vectorised with TF-IDF) and prints
held-out accuracy and log-loss, the training time and the coefficients with odds ratios;
``softmaxreg predict MODEL DATA [--id COLUMN] [--proba]`` writes predictions as CSV to
stdout and scores them on stderr when the file has labels; ``softmaxreg demo`` compares
with scikit-learn on built-in data (``demo.py``). The benchmark harness is not part of
the package: ``softmaxreg bench`` only says to run ``python benchmarks/compare.py`` from
a source checkout. ``fit`` lives in ``commands.py``, ``predict`` in ``predict.py``, file
reading in ``io.py``, the printed tables in ``report.py``, model files in
``_model_file.py``. Bad input ends with one line on stderr and exit status 1 (usage
errors: argparse's message and status 2).
"""

import argparse
import sys


def _positive(text):
    value = float(text)
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _positive_or_auto(text):
    """``auto`` (cross-validation) or a positive number."""
    return "auto" if text == "auto" else _positive(text)


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


def _folds(text):
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2, got {text!r}")
    return value


def _count_or_zero(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def _n_jobs(text):
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must be a positive count or negative (-1: every core), got 0"
        )
    return value


N_JOBS_HELP = (
    "threads: N at most, -1 every core this process may use (-2 one fewer, ...); "
    "default: the OpenMP default (OMP_NUM_THREADS or every core), on one thread "
    "when the other cores are busy"
)


def build_parser():
    """The argparse parser of the ``softmaxreg`` command."""
    from .. import __version__
    from .._validation import solver_names
    from .io import FORMATS

    parser = argparse.ArgumentParser(
        prog="softmaxreg", description="Fast softmax (multinomial logistic) regression."
    )
    parser.add_argument("--version", action="version", version=f"softmaxreg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_fit = sub.add_parser(
        "fit",
        help="train on a CSV, JSON-lines or svmlight file and report",
        description="Train softmax regression on DATA, hold out --test-size of the rows, and "
        "print held-out accuracy and log-loss, the training time and the "
        "coefficients as odds ratios (top features per class for text or many "
        "features). Numeric features are standardised (the scaler is saved with the "
        "model and applied by predict); text is vectorised with TF-IDF.",
    )
    p_fit.add_argument(
        "data",
        metavar="DATA",
        help="CSV (.csv), JSON lines (.jsonl/.ndjson, label+text) or svmlight "
        "(.svm/.svmlight/.libsvm) file, optionally .gz",
    )
    p_fit.add_argument(
        "--target",
        metavar="COLUMN",
        help="column of the class labels (CSV: required; JSON lines: 'label')",
    )
    p_fit.add_argument(
        "--text", metavar="COLUMN", help="text column, vectorised with TF-IDF (JSON lines: 'text')"
    )
    p_fit.add_argument(
        "--drop",
        metavar="COLUMN",
        action="append",
        help="a column that is not a feature (repeatable), e.g. an id",
    )
    p_fit.add_argument("--format", choices=FORMATS, help="file format (default: from the name)")
    p_fit.add_argument(
        "--solver",
        choices=solver_names(),
        default="auto",
        help="optimiser (default auto: sag for sparse text, else lbfgs)",
    )
    reg = p_fit.add_mutually_exclusive_group()
    reg.add_argument(
        "--alpha",
        type=_non_negative,
        default=1e-4,
        help="regularisation strength of SoftmaxRegression (default 1e-4)",
    )
    reg.add_argument(
        "--C",
        type=_positive_or_auto,
        help="scikit-learn's inverse regularisation: alpha = 1/(C * n_train); 'auto' chooses "
        "it by cross-validation over C = 1e-4 .. 1e4 (10 values, warm-started paths)",
    )
    p_fit.add_argument(
        "--cv",
        type=_folds,
        default=5,
        metavar="K",
        help="folds of --C auto (default 5)",
    )
    p_fit.add_argument(
        "--l1-ratio",
        type=_fraction,
        default=0.0,
        dest="l1_ratio",
        help="elastic-net mixing (solvers saga, sgd; default 0)",
    )
    p_fit.add_argument("--tol", type=_non_negative, default=1e-4, help="stopping tolerance")
    p_fit.add_argument(
        "--max-iter",
        type=_count,
        default=1000,
        dest="max_iter",
        help="maximum iterations/epochs (default 1000)",
    )
    p_fit.add_argument(
        "--test-size",
        type=_fraction,
        default=None,
        dest="test_size",
        help="share of rows held out for evaluation (default 0.2; 0: none)",
    )
    p_fit.add_argument(
        "--random-state",
        type=int,
        default=0,
        dest="random_state",
        help="seed of the split and the stochastic solvers (default 0)",
    )
    p_fit.add_argument(
        "--no-scale",
        action="store_false",
        dest="scale",
        help="fit on the numeric features as read (default: standardise each to mean 0 and "
        "standard deviation 1; sparse svmlight data is only divided by its SD)",
    )
    p_fit.add_argument(
        "--class-weight",
        choices=["balanced"],
        dest="class_weight",
        help="balanced: weight each class by n_samples / (n_classes * its count)",
    )
    text = p_fit.add_argument_group("text options (a --text column or JSON-lines text)")
    text.add_argument(
        "--ngram-range",
        type=_count,
        nargs=2,
        metavar=("MIN", "MAX"),
        dest="ngram_range",
        help="word n-grams from MIN to MAX words (default 1 1)",
    )
    text.add_argument(
        "--stop-words",
        choices=["english"],
        dest="stop_words",
        help="drop scikit-learn's English stop-word list",
    )
    text.add_argument(
        "--min-df",
        type=_count,
        dest="min_df",
        metavar="N",
        help="keep terms found in at least N training documents (default 1)",
    )
    text.add_argument(
        "--max-features",
        type=_count,
        dest="max_features",
        metavar="N",
        help="keep the N most frequent terms (default: all)",
    )
    text.add_argument(
        "--sublinear-tf",
        action="store_true",
        dest="sublinear_tf",
        help="term frequency 1 + log(tf) instead of tf",
    )
    stream = p_fit.add_argument_group(
        "streaming (--stream: read DATA in chunks, never whole; for files larger than memory)"
    )
    stream.add_argument(
        "--stream",
        action="store_true",
        help="train with partial_fit on chunks of rows; text is hashed (--hash-bits) and "
        "weighted by idf, numeric columns standardised from a first read",
    )
    stream.add_argument(
        "--hash-bits",
        type=_count,
        dest="hash_bits",
        metavar="B",
        help="hash text into 2**B features (default 20)",
    )
    stream.add_argument(
        "--passes", type=_count, metavar="N", help="reads of the file for training (default 1)"
    )
    stream.add_argument(
        "--holdout",
        type=_fraction,
        metavar="F",
        help="share of rows held out by a hash of the row, scored after every pass; "
        "stops early when their log-loss stops improving (default 0.1; 0: none)",
    )
    stream.add_argument(
        "--chunk-size",
        type=_count,
        dest="chunk_size",
        metavar="N",
        help="rows per partial_fit call (default 10000)",
    )
    stream.add_argument(
        "--vocabulary",
        action="store_true",
        help="build a vocabulary in a first read (with --min-df, --max-features) and use "
        "TF-IDF features instead of hashing",
    )
    stream.add_argument(
        "--no-idf",
        action="store_true",
        dest="no_idf",
        help="hashed text: leave out the idf weights (counted in a first read by default)",
    )
    p_fit.add_argument(
        "--top",
        type=_count_or_zero,
        default=10,
        metavar="N",
        help="features per class in the top-features table (default 10; 0: no table)",
    )
    p_fit.add_argument(
        "--top-only",
        action="store_true",
        dest="top_only",
        help="print the top features even for few numeric features",
    )
    p_fit.add_argument(
        "--n-jobs", type=_n_jobs, default=None, dest="n_jobs", metavar="N", help=N_JOBS_HELP
    )
    p_fit.add_argument("--model", metavar="OUT", help="save the model to OUT (.npz)")
    p_fit.add_argument(
        "--plot",
        metavar="OUT.png",
        help="save the loss curve (and decision regions for 2 features; with --C auto the "
        "validation curve)",
    )
    p_fit.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the objective of every iteration/epoch to stderr",
    )
    p_pred = sub.add_parser(
        "predict",
        help="predict with a saved model; CSV to stdout, scores on stderr",
        description="Write the predicted class of every row of DATA as CSV to stdout "
        "(header 'prediction', after the --id column if given; with --proba also one "
        "probability column per class, 'proba_<class>'). When DATA has the target "
        "column the model was trained on (or --target), print the accuracy, log-loss, "
        "confusion matrix and per-class precision, recall and F1 on stderr.",
    )
    p_pred.add_argument("model", metavar="MODEL", help="model file written by fit --model")
    p_pred.add_argument("data", metavar="DATA", help="file in any format fit reads")
    p_pred.add_argument("--proba", action="store_true", help="add class probabilities")
    p_pred.add_argument(
        "--id", metavar="COLUMN", dest="id_column", help="copy this column to the output"
    )
    p_pred.add_argument(
        "--target",
        metavar="COLUMN",
        help="column of the true labels to score against (default: the model's target "
        "column, when DATA has it)",
    )
    p_pred.add_argument(
        "--report", metavar="FILE", help="write the scores as JSON to FILE (needs labels)"
    )
    p_pred.add_argument("--format", choices=FORMATS, help="file format (default: from the name)")
    p_pred.add_argument(
        "--n-jobs", type=_n_jobs, default=None, dest="n_jobs", metavar="N", help=N_JOBS_HELP
    )
    p_demo = sub.add_parser(
        "demo", help="train on built-in data and compare with scikit-learn's LogisticRegression"
    )
    p_demo.add_argument("--C", type=float, default=10.0, help="inverse regularisation (default 10)")
    p_demo.add_argument("--tol", type=float, default=1e-6, help="solver tolerance (default 1e-6)")
    # accepted so that older scripts keep working; the demo no longer ends with a benchmark
    p_demo.add_argument("--no-bench", action="store_true", help=argparse.SUPPRESS)
    return parser


BENCH_MOVED = (
    "the benchmark is no longer part of the installed package; from a source "
    "checkout run `python benchmarks/compare.py` (the same options), see "
    "BENCHMARKS.md"
)


def main(argv=None):
    """Entry point of the ``softmaxreg`` console script; returns the exit status."""
    from .._model_file import ModelFileError
    from .io import DataError

    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # a command of earlier versions, whatever its options
        parser.error(BENCH_MOVED)
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from .demo import demo

            return demo(C=args.C, tol=args.tol)
        if args.command == "fit":
            from .commands import fit_command

            return fit_command(args)
        from .predict import predict_command

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
