"""Cross-validated choice of C: SoftmaxRegressionCV against scikit-learn's LogisticRegressionCV.

    python benchmarks/compare_cv.py (--corpus DIR | --generated N) [--Cs 10] [--cv 5] [--repeat 1]
                                    [--configs ours,lbfgs,lbfgs-1blas,sag]
                                    [--save benchmarks/results/cv-20newsgroups.json]

DIR holds ``train.jsonl.gz`` and ``test.jsonl.gz`` (``label``, ``text``), e.g. a
20newsgroups folder, vectorised with TF-IDF; ``--generated N`` uses
``make_text_classification(n_samples=N, n_features=5000)`` instead (a quarter held out for
the test accuracy). Every configuration runs the whole
cross-validation and the refit on the training part, on the same C grid
(``np.logspace(-4, 4, Cs)``), the same folds (``StratifiedKFold(cv)``) and the same score
(the held-out log-loss), with the default ``tol`` and ``max_iter``:

- ``ours``: ``SoftmaxRegressionCV(Cs=Cs, cv=cv, random_state=0)`` (default ``n_jobs``:
  folds in threads, under the process's thread budget);
- ``lbfgs``: ``LogisticRegressionCV(solver="lbfgs", scoring="neg_log_loss")`` as installed
  (BLAS threads as configured); ``lbfgs-1blas`` the same on one BLAS thread;
- ``sag``: ``LogisticRegressionCV(solver="sag", random_state=0, scoring="neg_log_loss")``.

It prints wall-clock seconds (medians over ``--repeat`` interleaved rounds), the ratio to
the fastest scikit-learn configuration, the chosen C, the largest difference of the
mean-score curve from ``lbfgs``'s (or the first scikit-learn configuration run), and the
test accuracy of the refitted model.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import results


def run_ours(X, y, Cs, cv):
    from softmaxreg import SoftmaxRegressionCV

    model = SoftmaxRegressionCV(Cs=Cs, cv=cv, random_state=0)
    model.fit(X, y)
    return model, model.C_, model.scores_.mean(axis=0)


def run_sklearn(X, y, Cs, cv, solver, blas_threads=None):
    from sklearn.linear_model import LogisticRegressionCV
    from threadpoolctl import threadpool_limits

    model = LogisticRegressionCV(
        Cs=Cs, cv=cv, solver=solver, scoring="neg_log_loss", random_state=0
    )
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        model.fit(X, y)
    scores = next(iter(model.scores_.values()))  # the same array for every class
    return model, float(model.C_[0]), scores.mean(axis=0)


CONFIGS = {
    "ours": run_ours,
    "lbfgs": lambda X, y, Cs, cv: run_sklearn(X, y, Cs, cv, "lbfgs"),
    "lbfgs-1blas": lambda X, y, Cs, cv: run_sklearn(X, y, Cs, cv, "lbfgs", 1),
    "sag": lambda X, y, Cs, cv: run_sklearn(X, y, Cs, cv, "sag"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", help="folder with train/test.jsonl.gz")
    source.add_argument("--generated", type=int, metavar="N", help="rows of a generated problem")
    parser.add_argument("--Cs", type=int, default=10)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="interleaved rounds")
    parser.add_argument("--configs", default="ours,lbfgs,lbfgs-1blas,sag")
    parser.add_argument("--save", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    if args.corpus:
        from softmaxreg._datasets import load_jsonl_corpus

        X, X_test, y, y_test = load_jsonl_corpus(args.corpus)
        problem = Path(args.corpus).name + " TF-IDF"
        source = "--corpus DIR"
    else:
        from sklearn.model_selection import train_test_split

        from softmaxreg import make_text_classification

        X, y = make_text_classification(n_samples=args.generated, n_features=5000, random_state=0)
        X, X_test, y, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        problem = f"make_text_classification(n_samples={args.generated}, n_features=5000)"
        source = f"--generated {args.generated}"
    names = args.configs.split(",")
    unknown = set(names) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configs {sorted(unknown)}; choose from {sorted(CONFIGS)}")
    print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros, {len(np.unique(y))} classes")
    times = {name: [] for name in names}
    cpu_times = {name: [] for name in names}
    outcome = {}
    for r in range(args.repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            start, cpu = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model, C, curve = CONFIGS[name](X, y, args.Cs, args.cv)
            times[name].append(time.perf_counter() - start)
            cpu_times[name].append(time.process_time() - cpu)
            accuracy = float(np.mean(model.predict(X_test) == y_test))
            outcome[name] = (C, curve, accuracy)
            print(
                f"  round {r + 1} {name}: {times[name][-1]:.1f} s "
                f"(CPU {cpu_times[name][-1]:.1f} s)",
                flush=True,
            )
    medians = {name: float(np.median(t)) for name, t in times.items()}
    cpu_medians = {name: float(np.median(t)) for name, t in cpu_times.items()}
    sklearn_names = [n for n in names if n != "ours"]
    fastest = min(sklearn_names, key=medians.get) if sklearn_names else None
    reference = sklearn_names[0] if sklearn_names else None
    rows = []
    header = (
        f"{'config':12} {'seconds':>9} {'/fastest':>9} {'CPU s':>9} {'C':>10} "
        f"{'max|dscore|':>12} {'test acc':>9}"
    )
    print(header)
    for name in names:
        C, curve, accuracy = outcome[name]
        ratio = medians[name] / medians[fastest] if fastest else float("nan")
        diff = float(np.max(np.abs(curve - outcome[reference][1]))) if reference else float("nan")
        print(
            f"{name:12} {medians[name]:9.1f} {ratio:9.3f} {cpu_medians[name]:9.1f} {C:10.4g} "
            f"{diff:12.2e} {accuracy:9.4f}"
        )
        rows.append(
            [
                name,
                round(medians[name], 2),
                round(ratio, 3),
                round(cpu_medians[name], 2),
                float(f"{C:.4g}"),
                float(f"{diff:.3g}"),
                round(accuracy, 4),
            ]
        )
    if args.save:
        results.save(
            {
                "title": "Choosing C by cross-validation: SoftmaxRegressionCV against "
                "LogisticRegressionCV",
                "problem": f"{problem}, {X.shape[0]} x {X.shape[1]}, "
                f"{len(np.unique(y))} classes; Cs={args.Cs}, cv={args.cv}, log-loss score",
                "machine": results.machine(),
                "versions": results.versions(),
                "commit": results.commit(),
                "date": time.strftime("%Y-%m-%d", time.gmtime()),
                "command": f"python benchmarks/compare_cv.py {source} --Cs {args.Cs} "
                f"--cv {args.cv} --repeat {args.repeat} --configs {args.configs}",
                "columns": [
                    "config",
                    "CV + refit (s)",
                    f"ratio to {fastest}",
                    "CPU (s, all threads)",
                    "chosen C",
                    f"max |mean score - {reference}'s|",
                    "test accuracy",
                ],
                "rows": rows,
                "curves": {name: [float(v) for v in outcome[name][1]] for name in names},
                "summary": (
                    f"the whole cross-validation with refit takes "
                    f"{medians['ours'] / medians[fastest]:.3f}x the time of scikit-learn's "
                    f"fastest configuration ({fastest})"
                    if fastest and "ours" in medians
                    else "timings of the configurations run"
                ),
                "order": 35 if args.corpus else 36,
                "notes": [
                    f"Wall-clock medians over {args.repeat} interleaved round(s), on a "
                    "machine shared with other work.",
                    "Mean scores: minus the held-out log-loss at each C, averaged over folds.",
                ],
            },
            args.save,
        )


if __name__ == "__main__":
    main()
