"""Threads beside other work: the default ``n_jobs`` against ``n_jobs=1``, idle and busy.

    python benchmarks/compare_threads.py --corpus DIR [--repeat 5] [--busy 1] [--search]
                                         [--save benchmarks/results/threads.json]

DIR holds ``train.jsonl.gz`` (``label``, ``text``), e.g. a 20newsgroups folder; the
training part is vectorised with TF-IDF. For each condition (an idle machine, then with
``--busy`` CPU-bound processes started by this script beside the fits) it times, with the
default ``n_jobs`` and with ``n_jobs=1``, interleaved round by round:

- ``SoftmaxRegression(solver="sag", max_iter=10, tol=0)``: 10 SAG epochs (C = 10);
- with ``--search``, ``GridSearchCV(SoftmaxRegression(random_state=0), {"alpha": [1e-4,
  3e-5, 1e-5, 3e-6]}, cv=3, n_jobs=2)``: the search runs its fits in two loky workers.

Wall-clock seconds, medians over the rounds; the ratio column is the median of the
per-round ratios default / ``n_jobs=1`` (a pair runs back to back, so a drift of the
machine's speed cancels).
"""

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import results

ALPHAS = [1e-4, 3e-5, 1e-5, 3e-6]


def load_corpus(directory):
    """TF-IDF of the corpus's training part: ``(X, y)``."""
    from softmaxreg._datasets import load_jsonl_corpus

    X_train, _, y_train, _ = load_jsonl_corpus(directory)
    return X_train, y_train


def sag_epochs(X, y, n_jobs, C=10.0):
    """Seconds of 10 SAG epochs."""
    from softmaxreg import SoftmaxRegression

    est = SoftmaxRegression(
        alpha=1.0 / (C * X.shape[0]),
        solver="sag",
        max_iter=10,
        tol=0.0,
        random_state=0,
        n_jobs=n_jobs,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return time.perf_counter() - start


def grid_search(X, y, n_jobs):
    """Seconds of the 4-alpha, 3-fold search on two loky workers."""
    from sklearn.model_selection import GridSearchCV

    from softmaxreg import SoftmaxRegression

    search = GridSearchCV(
        SoftmaxRegression(random_state=0, n_jobs=n_jobs), {"alpha": ALPHAS}, cv=3, n_jobs=2
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return time.perf_counter() - start


class Busy:
    """``n`` CPU-bound processes for the duration of a ``with`` block."""

    def __init__(self, n):
        self.n = n
        self.procs = []

    def __enter__(self):
        self.procs = [
            subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.n)
        ]
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def measure(task, X, y, repeat):
    """Per-round (default, one thread) seconds, interleaved; the order alternates."""
    task(X, y, None)  # warm-up: imports, page faults, loky's workers
    pairs = []
    for r in range(repeat):
        if r % 2 == 0:
            default = task(X, y, None)
            one = task(X, y, 1)
        else:
            one = task(X, y, 1)
            default = task(X, y, None)
        pairs.append((default, one))
    return np.array(pairs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="folder with train.jsonl.gz")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--busy", type=int, default=1, help="CPU-bound processes beside")
    parser.add_argument("--search", action="store_true", help="also time the GridSearchCV")
    parser.add_argument("--save", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    X, y = load_corpus(args.corpus)
    tasks = [("10 SAG epochs", sag_epochs, args.repeat)]
    if args.search:
        tasks.append(("GridSearchCV(n_jobs=2), 12 fits", grid_search, max(3, args.repeat // 2)))
    rows = []
    print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros, {len(np.unique(y))} classes")
    print(f"{'condition':18} {'task':34} {'default s':>10} {'n_jobs=1 s':>11} {'ratio':>7}")
    for condition, n_busy in [
        ("idle", 0),
        (f"{args.busy} busy process{'es' if args.busy > 1 else ''}", args.busy),
    ]:
        with Busy(n_busy):
            for name, task, repeat in tasks:
                pairs = measure(task, X, y, repeat)
                default, one = np.median(pairs, axis=0)
                ratio = float(np.median(pairs[:, 0] / pairs[:, 1]))
                print(
                    f"{condition:18} {name:34} {default:10.2f} {one:11.2f} {ratio:7.2f}", flush=True
                )
                rows.append(
                    [
                        condition,
                        name,
                        round(float(default), 3),
                        round(float(one), 3),
                        round(ratio, 3),
                    ]
                )
    if args.save:
        result = {
            "title": "Threads beside other work: default n_jobs against n_jobs=1",
            "problem": f"{Path(args.corpus).name} TF-IDF, {X.shape[0]} x {X.shape[1]}, "
            f"{len(np.unique(y))} classes",
            "machine": results.machine(),
            "versions": results.versions(),
            "commit": results.commit(),
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "command": "python benchmarks/compare_threads.py --corpus DIR --search "
            f"--repeat {args.repeat} --busy {args.busy}",
            "columns": [
                "condition",
                "task",
                "default n_jobs (s)",
                "n_jobs=1 (s)",
                "ratio default / n_jobs=1",
            ],
            "rows": rows,
            "summary": "the default n_jobs takes "
            f"{min(row[-1] for row in rows):.2f}x to {max(row[-1] for row in rows):.2f}x "
            "the one-thread time, idle and beside other work",
            "order": 30,
            "notes": [
                "Wall-clock medians; the ratio is the median of per-round ratios of "
                "back-to-back runs.",
                "Busy: CPU-bound Python processes started beside the fits on the same cores.",
            ],
        }
        results.save(result, args.save)


if __name__ == "__main__":
    main()
