"""One fold of the cross-validation, C by C: our path against LogisticRegressionCV(solver="sag").

    python benchmarks/compare_cv_path.py --corpus DIR [--Cs 10] [--fold 0] [--cv 5]

Runs ``SoftmaxRegressionCV(Cs=Cs, cv=[split], n_jobs=1, refit=False)`` and
``LogisticRegressionCV(Cs=Cs, cv=[split], solver="sag", scoring="neg_log_loss")`` on one
train/validation split of ``StratifiedKFold(cv)`` (the fold of the whole benchmark,
``compare_cv.py``, at a fifth of its cost) and prints, at each C, the epochs each ran
(``n_iter_``), the CPU seconds of the fit and the CPU seconds per epoch, and the held-out
scores. Both run on one thread, one after the other; CPU time of the fitting thread is
used because wall-clock time on a shared machine mostly measures the other processes.

The per-fit times come from wrapping each library's solver call: our solver registry,
and scikit-learn's private ``sklearn.linear_model._logistic.sag_solver`` (a benchmark
may lean on a private name; the epochs are the public ``n_iter_``).
"""

import argparse
import time
import warnings

import numpy as np


def timed(fit, record):
    """``fit`` that appends the CPU seconds of its thread to ``record`` at each call."""

    def wrapper(*args, **kwargs):
        start = time.thread_time()
        out = fit(*args, **kwargs)
        record.append(time.thread_time() - start)
        return out

    return wrapper


def run_ours(X, y, Cs, split):
    from softmaxreg import SoftmaxRegressionCV
    from softmaxreg._solvers import registry

    seconds = []
    saved = dict(registry.SOLVERS)
    for name, entry in saved.items():
        registry.SOLVERS[name] = entry._replace(fit=timed(entry.fit, seconds))
    try:
        model = SoftmaxRegressionCV(Cs=Cs, cv=[split], n_jobs=1, refit=False, random_state=0)
        model.fit(X, y)
    finally:
        registry.SOLVERS.update(saved)
    # fitted smallest C first (largest alpha); n_iter_ and scores_ follow Cs_
    return model.n_iter_[0], np.array(seconds), model.scores_[0], model.solver_


def run_sklearn(X, y, Cs, split):
    import sklearn.linear_model._logistic as logistic
    from sklearn.linear_model import LogisticRegressionCV

    seconds = []
    real = logistic.sag_solver
    logistic.sag_solver = timed(real, seconds)
    try:
        model = LogisticRegressionCV(
            Cs=Cs, cv=[split], solver="sag", scoring="neg_log_loss", random_state=0, refit=False
        )
        model.fit(X, y)
    finally:
        logistic.sag_solver = real
    scores = next(iter(model.scores_.values()))[0]
    # fitted in increasing C too; refit=False: no call besides the path's
    return np.asarray(model.n_iter_).reshape(-1), np.array(seconds), scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="folder with train/test.jsonl.gz")
    parser.add_argument("--Cs", type=int, default=10)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--fold", type=int, default=0)
    args = parser.parse_args(argv)
    from sklearn.model_selection import StratifiedKFold

    from softmaxreg._datasets import load_jsonl_corpus

    X, _, y, _ = load_jsonl_corpus(args.corpus)
    split = list(StratifiedKFold(args.cv).split(X, y))[args.fold]
    Cs = np.logspace(-4, 4, args.Cs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours_iter, ours_s, ours_score, solver = run_ours(X, y, args.Cs, split)
        sk_iter, sk_s, sk_score = run_sklearn(X, y, args.Cs, split)
    print(f"X: {X.shape[0]} x {X.shape[1]}; fold {args.fold} of {args.cv}; ours: {solver}")
    print(
        f"{'C':>9} {'epochs':>7} {'sk':>4} {'CPU s':>7} {'sk':>7} {'s/epoch':>8} {'sk':>7} "
        f"{'score':>9} {'sk':>9}"
    )
    for i, C in enumerate(Cs):
        print(
            f"{C:9.3g} {ours_iter[i]:7d} {sk_iter[i]:4d} {ours_s[i]:7.2f} {sk_s[i]:7.2f} "
            f"{ours_s[i] / max(1, ours_iter[i]):8.3f} {sk_s[i] / max(1, sk_iter[i]):7.3f} "
            f"{ours_score[i]:9.5f} {sk_score[i]:9.5f}"
        )
    print(
        f"{'total':>9} {ours_iter.sum():7d} {sk_iter.sum():4d} {ours_s.sum():7.2f} "
        f"{sk_s.sum():7.2f}   ratio of CPU seconds {ours_s.sum() / sk_s.sum():.3f}"
    )


if __name__ == "__main__":
    main()
