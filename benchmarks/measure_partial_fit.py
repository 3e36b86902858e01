"""Relative suboptimality of ``partial_fit`` after passes over chunks, on the corpora.

For each corpus (TF-IDF of ``train.jsonl.gz``), at C=10 (``alpha = 1/(10 n)``): the
optimum comes from a tight full fit (``solver="sag"``, ``tol=1e-10``); ``partial_fit``
then runs ``--passes`` passes over ``--chunks`` chunks of the rows (in one random order) at the
estimator's default settings (or those given), and the script prints
``(f - f*) / f*`` after each pass.

    python benchmarks/measure_partial_fit.py --corpus DIR [--learning-rate ...]
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from softmaxreg import SoftmaxRegression, objective_value
from softmaxreg._datasets import load_jsonl_corpus

CORPORA = ("20newsgroups", "imdb_ratings", "reuters21578_r52")


def optimum(X, y, alpha):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = SoftmaxRegression(alpha=alpha, solver="sag", tol=1e-10, max_iter=3000, random_state=0)
        m.fit(X, y)
    return objective_value(m.coef_, m.intercept_, X, y, alpha=alpha)


def run(X, y, alpha, passes, chunks, params):
    m = SoftmaxRegression(alpha=alpha, solver="sgd", random_state=0, **params)
    classes = np.unique(y)
    # the corpus files list their rows grouped by label: a stream is one random order
    parts = np.array_split(np.random.RandomState(0).permutation(X.shape[0]), chunks)
    values = []
    for _ in range(passes):
        for rows in parts:
            m.partial_fit(X[rows], y[rows], classes=classes)
        values.append(objective_value(m.coef_, m.intercept_, X, y, alpha=alpha))
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="directory holding the corpora")
    parser.add_argument("--C", type=float, default=10.0, help="alpha = 1 / (C n)")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--params", default="{}", help="JSON of SoftmaxRegression params")
    parser.add_argument("--only", nargs="*", default=CORPORA)
    parser.add_argument(
        "--optimum",
        default="{}",
        help="JSON {corpus: f*} known from an earlier run (skips the fit)",
    )
    args = parser.parse_args()
    params = json.loads(args.params)
    known = json.loads(args.optimum)
    for name in args.only:
        X, _, y, _ = load_jsonl_corpus(Path(args.corpus) / name)
        alpha = 1.0 / (args.C * X.shape[0])
        start = time.perf_counter()
        best = known[name] if name in known else optimum(X, y, alpha)
        t_opt = time.perf_counter() - start
        start = time.perf_counter()
        values = run(X, y, alpha, args.passes, args.chunks, params)
        t_run = time.perf_counter() - start
        rel = [(v - best) / best for v in values]
        print(
            f"{name}: C={args.C:g} n={X.shape[0]} f*={best:.6f} ({t_opt:.1f}s) partial_fit {params} "
            f"rel. subopt per pass {' '.join(f'{r:.2e}' for r in rel)} ({t_run:.1f}s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
