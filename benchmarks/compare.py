"""Time to 1e-4 of the optimum, per-epoch time, accuracy and memory: softmaxreg vs scikit-learn.

    python benchmarks/compare.py [small] [dense] [large] [--corpus PATH ...] [--repeat 3]
                                 [--budget 300] [--dtype float64] [--cache-dir DIR]
                                 [--save benchmarks/results/NAME.json]

PATH is a folder with ``train.jsonl.gz``/``test.jsonl.gz`` (``label``, ``text``), a single
JSON-lines file, or an svmlight file. The protocol is described in ``harness.py`` (beside
this script) and on BENCHMARKS.md; ``f*`` is cached in ``~/.cache/softmaxreg-bench``.
``--save`` writes each problem's table as a results file, from which
``python benchmarks/report.py`` regenerates BENCHMARKS.md.
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np

# the lab's modules, beside this script
from harness import DEFAULT_CACHE, default_methods, format_table, run_comparison
from problems import get_problem


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


def _best(results, library):
    """(result, variant, seconds) of the library's fastest method that reached the target."""
    done = [
        (t, r.method, r, v)
        for r in results
        if r.library == library and r.reached
        for v, t in r.times.items()
    ]
    if not done:
        return None
    t, _, r, v = min(done, key=lambda d: d[:2])
    return r, v, t


def _power(x):
    """``1e-4`` rather than ``0.0001``: how the page writes a target."""
    return f"{x:.0e}".replace("e-0", "e-")


def results_record(problem, ref, results, target=1e-4):
    """The comparison of one problem as a results file (``results.py``), without environment.

    One row per method at its faster setting; the summary names the best of each library
    and the speed-up between them, which is what the page shows first.
    """
    best_sk = _best(results, "scikit-learn")
    rows = []
    for r in results:
        variant, t = min(r.times.items(), key=lambda item: item[1])
        if r.reached:
            it, ratio = r.n_iter, round(t / best_sk[2], 2) if best_sk else None
        elif r.optimises:
            it, ratio = f">{r.n_iter}", "n/r"
        else:
            it, ratio = f"{r.n_iter} (own rule)", "own"
        epoch = r.epoch[variant]
        rows.append(
            [
                r.method,
                variant,
                it,
                round(t, 3),
                ratio,
                round(epoch * 1e3, 2) if epoch > 0 else "noise",
                round(r.accuracy, 4),
                float(f"{r.rel_subopt:.2g}") if r.optimises else None,
                round(r.peak_tracemalloc / 2**20, 1) if r.peak_tracemalloc is not None else None,
                round(r.peak_rss / 2**20, 1) if r.peak_rss is not None else None,
            ]
        )
    best = _best(results, "softmaxreg")
    if best and best_sk:
        summary = (
            f"fastest: {best[0].method} ({best[1]}) {best[2]:.3f} s against "
            f"{best_sk[0].method} ({best_sk[1]}) {best_sk[2]:.3f} s, a speed-up of "
            f"{best_sk[2] / best[2]:.2f}x"
        )
    else:
        summary = (
            f"{'no softmaxreg' if not best else 'no scikit-learn'} method reached {_power(target)}"
        )
    lowered = (
        f"; lowered by {ref['lowered_by']:.1e} to a method's objective"
        if "lowered_by" in ref
        else ""
    )
    return {
        "title": f"Time to {_power(target)} of the optimum: {problem.name}",
        "problem": f"{problem.describe()}; f* = {ref['f_star']:.12g}{lowered}",
        "summary": summary,
        "columns": [
            "method",
            "setting",
            "iterations",
            "time (s)",
            "vs fastest scikit-learn",
            "epoch (ms)",
            "test accuracy",
            "rel. suboptimality",
            "tracemalloc peak (MB)",
            "RSS growth (MB)",
        ],
        "rows": rows,
        "notes": [],
        "order": 10,
    }


def add_arguments(parser):
    """The options of ``benchmarks/compare.py``."""
    parser.add_argument(
        "problems",
        nargs="*",
        default=["small", "dense"],
        help='"small", "large", "dense" (default: small dense)',
    )
    parser.add_argument(
        "--corpus",
        action="append",
        default=[],
        help="a JSON-lines folder/file or an svmlight file (repeatable)",
    )
    parser.add_argument("--C", type=float, default=10.0, help="C for --corpus (default 10)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--target", type=float, default=1e-4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        help="seconds a method's ladder may take (default 300)",
    )
    parser.add_argument("--cache-dir", default=None, help=f"f* cache (default {DEFAULT_CACHE})")
    parser.add_argument("--no-sgd", action="store_true", help="leave out the SGD rows")
    parser.add_argument(
        "--save",
        metavar="PATH.json",
        default=None,
        help="also write the results as JSON (benchmarks/results/NAME.json; "
        "with several problems, -PROBLEM is added to the name)",
    )
    return parser


def run_from_args(args, out=sys.stdout):
    """Run the comparison the parsed options ask for; print a table per problem.

    With ``args.save``, each problem's table is also written as a results file, so that
    ``benchmarks/report.py`` can put it on the benchmark page.
    """
    dtype = np.dtype(args.dtype).type
    names = list(args.problems) if args.problems or not args.corpus else []
    if args.corpus and args.problems == ["small", "dense"]:
        names = []  # only the corpora when some are given and no problem was named
    jobs = [(n, 10.0) for n in names] + [(path, args.C) for path in args.corpus]
    for name, C in jobs:  # one problem in memory at a time
        problem = get_problem(name, dtype=dtype, C=C)
        p, ref, results = run_comparison(
            problem,
            default_methods(include_sgd=not args.no_sgd),
            target=args.target,
            repeat=args.repeat,
            budget=args.budget,
            cache_dir=args.cache_dir,
        )
        print(format_table(p, ref, results, target=args.target) + "\n", file=out, flush=True)
        if args.save:
            _save(args.save, p, ref, results, args.target, several=len(jobs) > 1)
    return 0


def _save(path, problem, ref, results, target, several):
    import results as results_file

    path = Path(path)
    if several:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", problem.name).strip("-").lower()
        path = path.with_name(f"{path.stem}-{slug}{path.suffix or '.json'}")
    record = {**results_record(problem, ref, results, target), **results_file.environment()}
    print(f"results written to {results_file.save(record, path)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
